"""Accounts, logins and who may do what (R3, R5-R9, R12, R13). Pure: no I/O, no clock.

Each refusal is an AccountError whose message quotes the rule and, where there is one,
the customer reference (R31), so the CLI can show it as one line.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from stdnum.be import vat

from domain.activation_codes import ALPHABET

INVITATION_VALIDITY = timedelta(days=30)  # R7: default of the setting
MIN_PASSWORD_LENGTH = 10
ROLES = frozenset({"main", "shared", "third_party"})
FREQUENCIES = frozenset({"immediate", "daily", "weekly"})  # R11
LANGUAGES = frozenset({"nl", "fr", "de", "en"})
MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit less the angle brackets (RFC 3696 errata)


class AccountError(ValueError):
    """A refused account action; the message is the one-line reason."""


class InvalidEmail(AccountError):
    """A typed e-mail address that is not one (issue 16); the message says why."""


@dataclass(frozen=True, slots=True)
class Login:
    kind: str  # enterprise_number | email | opaque
    login_id: str
    segment: str  # B2B | B2C


def segment_of(enterprise_numbers: list[str | None]) -> str:
    """R3: B2B when a valid Belgian enterprise number is known, else B2C."""
    return "B2B" if any(n and vat.is_valid(n) for n in enterprise_numbers) else "B2C"


def opaque_login() -> str:
    """R3: an unguessable id for customers outside Belgium (F- and 16 base32 symbols)."""
    return "F-" + "".join(secrets.choice(ALPHABET) for _ in range(16))


def choose_login(
    email: str, enterprise_numbers: list[str | None], countries: list[str], taken: set[str]
) -> Login:
    """R3: enterprise number (BE0 + 9 digits) when known, else the e-mail, else (outside
    Belgium, no enterprise number) an opaque id. An enterprise number that is already
    another account's login (two contacts of one company) falls back to the e-mail."""
    segment = segment_of(enterprise_numbers)
    valid = sorted(vat.compact(n) for n in enterprise_numbers if n and vat.is_valid(n))
    for number in valid:
        login = f"BE{number}"
        if login not in taken:
            return Login("enterprise_number", login, segment)
    if segment == "B2C" and countries and all(c != "BE" for c in countries):
        return Login("opaque", opaque_login(), segment)
    return Login("email", email, segment)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def invitation_expires_at(issued_at: datetime, validity: timedelta = INVITATION_VALIDITY):
    return issued_at + validity


def invitation_problem(
    issued_at: datetime,
    expires_at: datetime,
    superseded_at: datetime | None,
    used_at: datetime | None,
    user_status: str,
    account_status: str,
    role: str,
    as_of: datetime,
) -> str | None:
    """R6, R7: why an invitation link no longer works, or None when it does."""
    if used_at is not None:
        return "this invitation was already used"
    if superseded_at is not None and superseded_at <= as_of:
        return "a newer invitation was sent: use the link of the latest e-mail (R7)"
    if as_of >= expires_at:
        return f"this invitation expired on {expires_at:%Y-%m-%d}: the next e-mail brings a new one"
    if as_of < issued_at:
        return "this invitation is not valid yet"
    if account_status == "merged":
        return "this account was merged into another one (R13)"
    if user_status != "invited" or (role == "main" and account_status == "active"):
        return "the account is already active: log in with your password (R7)"
    return None


def check_grant(role: str, user_status: str, code_in_account: bool, customer_code: str) -> None:
    """R8, R9: access is granted per customer code of the account, to shared users and
    third parties; the main contact sees every code of the account anyway."""
    if user_status == "deleted":
        raise AccountError("this user was deleted")
    if role == "main":
        raise AccountError("the main contact sees every customer code of the account already")
    if not code_in_account:
        raise AccountError(f"customer code {customer_code} does not belong to this account")


def check_third_party(segment: str, account_ref: str) -> None:
    """R12: only a B2B account may invite a third party."""
    if segment != "B2B":
        raise AccountError(
            f"account {account_ref} is B2C (no known enterprise number): only B2B accounts "
            "can invite a third party (R12)"
        )


def check_merge(source_id: str, target_id: str, source_status: str, target_status: str):
    """R13: two different, live accounts."""
    if source_id == target_id:
        raise AccountError("an account cannot be merged into itself")
    for account, status in ((source_id, source_status), (target_id, target_status)):
        if status == "merged":
            raise AccountError(f"account {account} was already merged into another one")


def check_user_fields(language: str | None = None, frequency: str | None = None) -> None:
    if language is not None and language not in LANGUAGES:
        raise AccountError(f"language {language!r} is not one of nl, fr, de, en")
    if frequency is not None and frequency not in FREQUENCIES:
        raise AccountError(f"frequency {frequency!r} is not immediate, daily or weekly (R11)")


def check_email(typed: str) -> str:
    """Issue 16: an address a person typed, checked by email-validator (syntax, lengths,
    no control characters or line breaks; no DNS: nothing leaves the machine). Returns
    it lower-cased, the one spelling under which people and memberships are kept."""
    if len(typed) > MAX_EMAIL_LENGTH * 2:
        raise InvalidEmail("the e-mail address is too long")
    try:
        # strict: the RFC 5321 limit of 64 octets before the @ too
        checked = validate_email(typed.strip(" "), check_deliverability=False, strict=True)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    if len(checked.normalized) > MAX_EMAIL_LENGTH:
        raise InvalidEmail("the e-mail address is too long")
    return checked.normalized.lower()
