"""Account rules (R3, R6-R13) to the letter: every refusal's exact sentence, each
boundary on both sides (issue 22: mutation testing found the substring checks of
test_accounts.py let a changed message or a moved boundary pass). Expectations are
written by hand."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.accounts import (
    AccountError,
    InvalidEmail,
    check_email,
    check_grant,
    check_merge,
    check_password,
    check_third_party,
    check_user_fields,
    choose_login,
    invitation_expires_at,
    invitation_problem,
    opaque_login,
    segment_of,
)
from domain.activation_codes import ALPHABET

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
EXPIRES = datetime(2026, 12, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))  # T0 + 30 days
VALID, OTHER_VALID = "0418711287", "0403170701"  # both pass the Belgian mod-97 check


def problem(**changes) -> str | None:
    fields = {
        "issued_at": T0,
        "expires_at": EXPIRES,
        "superseded_at": None,
        "used_at": None,
        "user_status": "invited",
        "account_status": "pending",
        "role": "main",
        "as_of": T0 + timedelta(days=1),
    }
    return invitation_problem(**(fields | changes))


def test_an_invitation_is_valid_thirty_days_by_default():  # R7
    assert invitation_expires_at(T0) == EXPIRES
    assert invitation_expires_at(T0, timedelta(hours=2)) == T0 + timedelta(hours=2)


def test_each_invitation_refusal_in_its_own_words():  # R6, R7, R13
    assert problem(used_at=T0) == "this invitation was already used"
    assert problem(superseded_at=T0 + timedelta(days=1)) == (
        "a newer invitation was sent: use the link of the latest e-mail (R7)"
    )  # superseded at the very instant it is used: already too late
    assert problem(as_of=EXPIRES) == (
        "this invitation expired on 2026-12-27: the next e-mail brings a new one"
    )
    assert problem(as_of=T0 - timedelta(seconds=1)) == "this invitation is not valid yet"
    assert problem(account_status="merged") == "this account was merged into another one (R13)"
    active = "the account is already active: log in with your password (R7)"
    assert problem(account_status="active") == active
    assert problem(role="shared", user_status="active") == active


def test_an_invitation_works_on_the_last_instants_of_its_window():
    assert problem(as_of=T0) is None  # the instant it was issued
    assert problem(as_of=EXPIRES - timedelta(seconds=1)) is None
    assert problem(superseded_at=T0 + timedelta(days=2)) is None  # superseded only later
    # a shared user invited into an active account: the account being active is no reason
    assert problem(role="shared", account_status="active") is None


def test_the_first_reason_wins():
    assert problem(used_at=T0, superseded_at=T0, as_of=EXPIRES) == (
        "this invitation was already used"
    )
    assert problem(superseded_at=T0, as_of=EXPIRES) == (
        "a newer invitation was sent: use the link of the latest e-mail (R7)"
    )
    assert problem(as_of=EXPIRES, account_status="merged").startswith("this invitation expired")
    assert problem(account_status="merged", user_status="active") == (
        "this account was merged into another one (R13)"
    )


def test_a_password_needs_ten_characters():
    with pytest.raises(AccountError, match="^a password needs at least 10 characters$"):
        check_password("nine char")
    check_password("ten chars!")


def test_grant_refusals_in_order():  # R8, R9
    with pytest.raises(AccountError, match="^this user was deleted$"):
        check_grant("main", "deleted", False, "DL50012345")
    with pytest.raises(
        AccountError, match="^the main contact sees every customer code of the account already$"
    ):
        check_grant("main", "active", False, "DL50012345")
    with pytest.raises(
        AccountError, match="^customer code DL50012345 does not belong to this account$"
    ):
        check_grant("third_party", "active", False, "DL50012345")


def test_third_party_refusal_names_the_account_and_the_rule():  # R12
    with pytest.raises(AccountError) as refused:
        check_third_party("B2C", "an@example.be")
    assert str(refused.value) == (
        "account an@example.be is B2C (no known enterprise number): only B2B accounts can "
        "invite a third party (R12)"
    )


def test_merge_refusals_name_the_account():  # R13
    with pytest.raises(AccountError, match="^an account cannot be merged into itself$"):
        check_merge("A-1", "A-1", "active", "active")
    with pytest.raises(AccountError, match="^account A-1 was already merged into another one$"):
        check_merge("A-1", "A-2", "merged", "active")
    with pytest.raises(AccountError, match="^account A-2 was already merged into another one$"):
        check_merge("A-1", "A-2", "pending", "merged")


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
@pytest.mark.parametrize("frequency", ["immediate", "daily", "weekly"])
def test_every_language_and_frequency_is_accepted(language, frequency):  # R11
    check_user_fields(language, frequency)


def test_user_field_refusals():
    check_user_fields()  # nothing to change, nothing to refuse
    with pytest.raises(AccountError, match=r"^language 'es' is not one of nl, fr, de, en$"):
        check_user_fields(language="es")
    with pytest.raises(
        AccountError, match=r"^frequency 'hourly' is not immediate, daily or weekly \(R11\)$"
    ):
        check_user_fields(frequency="hourly")


def test_any_valid_enterprise_number_makes_b2b():  # R3
    assert segment_of([None, "0418711288", VALID]) == "B2B"
    assert segment_of([]) == "B2C"


def test_an_invalid_enterprise_number_is_never_a_login():  # R3
    login = choose_login("an@example.be", ["0418711288", ""], ["BE"], set())  # fails mod-97
    assert (login.kind, login.login_id, login.segment) == ("email", "an@example.be", "B2C")


def test_login_takes_the_lowest_free_enterprise_number_in_its_compact_form():  # R3
    login = choose_login("an@example.be", [VALID, OTHER_VALID], ["BE"], set())
    assert (login.kind, login.login_id) == ("enterprise_number", "BE0403170701")
    login = choose_login("an@example.be", [VALID, OTHER_VALID], ["BE"], {"BE0403170701"})
    assert (login.kind, login.login_id) == ("enterprise_number", "BE0418711287")
    login = choose_login("an@example.be", ["BE 0418.711.287"], ["BE"], set())
    assert (login.kind, login.login_id, login.segment) == (
        "enterprise_number",
        "BE0418711287",
        "B2B",
    )


def test_the_e_mail_unless_every_country_is_foreign():  # R3
    assert choose_login("an@example.be", [], [], set()).kind == "email"  # country unknown
    assert choose_login("an@example.be", [], ["NL", "BE"], set()).kind == "email"
    assert choose_login("an@example.nl", [], ["NL", "DE"], set()).kind == "opaque"
    # a B2B customer abroad whose number is taken keeps its e-mail, not an opaque id
    login = choose_login("an@example.nl", [VALID], ["NL"], {"BE0418711287"})
    assert (login.kind, login.login_id, login.segment) == ("email", "an@example.nl", "B2B")


def test_an_opaque_login_is_sixteen_activation_code_symbols():
    login = opaque_login()
    assert login[:2] == "F-" and len(login) == 18
    assert set(login[2:]) <= set(ALPHABET)


def test_an_address_is_trimmed_of_spaces_only():  # issue 16
    assert check_email(" Xavier@Example.BE ") == "xavier@example.be"


def test_an_address_of_exactly_254_characters_is_kept():  # RFC 5321 path limit
    typed = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".be"
    assert len(typed) == 254 and check_email(typed) == typed


def test_an_overlong_address_is_refused_before_parsing():  # issue 16
    with pytest.raises(InvalidEmail, match="^the e-mail address is too long$"):
        check_email("x" * 509)  # over twice the RFC limit: not even parsed
    with pytest.raises(InvalidEmail, match="^An email address must have an @-sign.$"):
        check_email("x" * 508)  # parsed, refused by email-validator for its own reason
