"""Redemption refusals (R16, R18, R19, R20) as whole values: reason and the sentence the
customer reads, quoting the customer reference (R31)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.redemption import Refusal, StoredCode, judge_redemption, refuse_locked

BXL = ZoneInfo("Europe/Brussels")
EXPIRES = datetime(2026, 12, 16, 0, 0, tzinfo=BXL)
BEFORE = datetime(2026, 11, 1, 12, 0, tzinfo=BXL)
AFTER = datetime(2027, 1, 10, 12, 0, tzinfo=BXL)


def code(serial=2, latest=2):
    return StoredCode("DL20012345", serial, EXPIRES, latest)


def test_unknown_code():
    assert judge_redemption(None, None, "A-1", BEFORE) == Refusal(
        "unknown_code", "this activation code is unknown: please check it"
    )


def test_superseded_code_names_the_customer_reference():  # R20
    assert judge_redemption(code(serial=1), None, "A-1", BEFORE) == Refusal(
        "superseded",
        "a newer activation code was sent for DL20012345: only the last code received counts (R20)",
    )


def test_expired_code_says_until_when():  # R18
    assert judge_redemption(code(), None, "A-1", AFTER) == Refusal(
        "expired",
        "the activation code for DL20012345 expired on 2026-12-15 (valid 15 weeks, R18): "
        "ask for a new one",
    )


def test_active_in_another_account():  # R19
    assert judge_redemption(code(), "A-2", "A-1", BEFORE) == Refusal(
        "active_in_other_account",
        "electronic delivery for DL20012345 is already active in another account (R19)",
    )


def test_a_valid_code_is_accepted_also_when_already_in_the_same_account():
    assert judge_redemption(code(), None, "A-1", BEFORE) is None
    assert judge_redemption(code(), "A-1", "A-1", BEFORE) is None
    assert judge_redemption(code(serial=3, latest=2), None, "A-1", BEFORE) is None


def test_superseded_is_checked_before_expiry_and_expiry_before_the_account():
    assert judge_redemption(code(serial=1), "A-2", "A-1", AFTER).reason == "superseded"
    assert judge_redemption(code(), "A-2", "A-1", AFTER).reason == "expired"


def test_lock_out_message_in_local_time():
    until = datetime(2026, 7, 1, 8, 5, tzinfo=ZoneInfo("UTC"))
    assert refuse_locked(until) == Refusal(
        "locked_out",
        "too many wrong activation codes: redemption is locked for this account until "
        "2026-07-01 10:05 (Europe/Brussels); try again after that",
    )
    assert refuse_locked(until, "UTC") == Refusal(
        "locked_out",
        "too many wrong activation codes: redemption is locked for this account until "
        "2026-07-01 08:05 (UTC); try again after that",
    )
