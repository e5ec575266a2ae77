"""Whether an activation code may be redeemed, and why not (R16, R18, R19, R20). Pure.

The checks run in a fixed order, each with a stable reason code (for queries and
tests) and a sentence the customer or operator reads, quoting the customer reference
(R31):

1. locked_out - too many wrong codes recently (checked first, so guessing stops);
2. mistyped - the check character does not match (a typo, not a guess);
3. unknown_code - no such code;
4. superseded - a newer code was issued for the customer code: only the last counts (R20);
5. expired - more than 15 weeks after issue (R18);
6. active_in_other_account - the customer code's network delivery is active in
   another account (R19).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.activation_codes import is_code_valid, last_valid_day


@dataclass(frozen=True, slots=True)
class StoredCode:
    customer_code: str
    serial: int
    expires_at: datetime
    latest_serial: int  # the last serial issued for the customer code


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    message: str


def refuse_locked(until: datetime, timezone: str = "Europe/Brussels") -> Refusal:
    local = until.astimezone(ZoneInfo(timezone))
    return Refusal(
        "locked_out",
        "too many wrong activation codes: redemption is locked for this account until "
        f"{local:%Y-%m-%d %H:%M} ({timezone}); try again after that",
    )


def judge_redemption(
    code: StoredCode | None,
    mailbox_account: str | None,
    account_id: str,
    as_of: datetime,
) -> Refusal | None:
    """None when the code may be redeemed into `account_id` (checks 3-6 above)."""
    if code is None:
        return Refusal("unknown_code", "this activation code is unknown: please check it")
    reference = code.customer_code
    if code.serial < code.latest_serial:
        return Refusal(
            "superseded",
            f"a newer activation code was sent for {reference}: only the last code received "
            "counts (R20)",
        )
    if not is_code_valid(code.expires_at, as_of):
        return Refusal(
            "expired",
            f"the activation code for {reference} expired on {last_valid_day(code.expires_at)} "
            "(valid 15 weeks, R18): ask for a new one",
        )
    if mailbox_account is not None and mailbox_account != account_id:
        return Refusal(
            "active_in_other_account",
            f"electronic delivery for {reference} is already active in another account (R19)",
        )
    return None
