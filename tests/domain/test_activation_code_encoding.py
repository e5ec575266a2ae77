"""Activation codes (R16, R18): the encoding, derivation and lock-out pinned against an
independent computation written here (issue 22: no expectation from the code under test)."""

import hashlib
import hmac
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.activation_codes import (
    MistypedCode,
    code_expires_at,
    derive_code,
    encode_crockford,
    locked_until,
    normalise_code,
)

BXL = ZoneInfo("Europe/Brussels")
UTC = ZoneInfo("UTC")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECKS = CROCKFORD + "*~$=U"


def crockford_by_hand(value: int, length: int) -> str:
    bits = format(value, f"0{5 * length}b")
    return "".join(CROCKFORD[int(bits[i : i + 5], 2)] for i in range(0, 5 * length, 5))


def test_encoding_bounds():
    assert encode_crockford(0, 2) == "00"
    assert encode_crockford(1, 2) == "01"
    assert encode_crockford(32**2 - 1, 2) == "ZZ"
    with pytest.raises(ValueError, match="^1024 does not fit in 2 symbols$"):
        encode_crockford(32**2, 2)
    with pytest.raises(ValueError, match="^-1 does not fit in 2 symbols$"):
        encode_crockford(-1, 2)


@pytest.mark.parametrize("customer_code, serial", [("DL20012345", 1), ("DL5000001", 7)])
def test_derived_code_is_the_top_65_bits_of_the_hmac_with_a_mod_37_check(customer_code, serial):
    digest = hmac.new(b"k", f"{customer_code}|{serial}".encode(), hashlib.sha256).digest()
    value = int(digest.hex(), 16) >> (256 - 65)  # the first 65 bits
    expected = crockford_by_hand(value, 13) + CHECKS[value % 37]
    assert derive_code(b"k", customer_code, serial) == expected


def test_mistyped_length_names_the_expected_length():
    with pytest.raises(MistypedCode, match="^an activation code has 14 characters, not 3$"):
        normalise_code("ABC")
    with pytest.raises(MistypedCode, match="^the code holds a character that is not used"):
        normalise_code("ABCD-EFGH-JKMN-P!")
    with pytest.raises(MistypedCode, match="^the check character does not match: please retype"):
        body = "0000000000000"
        normalise_code(body + "1")  # value 0: the check symbol is "0"


def test_the_brussels_day_of_issue_counts_not_the_utc_day():  # R18
    # 23:30 UTC on 1 September is 01:30 on 2 September in Brussels.
    late_utc = datetime(2026, 9, 1, 23, 30, tzinfo=UTC)
    assert code_expires_at(late_utc) == code_expires_at(datetime(2026, 9, 2, 12, tzinfo=BXL))
    assert code_expires_at(late_utc) != code_expires_at(datetime(2026, 9, 1, 12, tzinfo=BXL))
    assert code_expires_at(late_utc).tzinfo == BXL


def test_a_longer_run_of_wrong_codes_locks_from_the_last_one():
    start = datetime(2026, 11, 27, 10, 0, tzinfo=BXL)
    six = [start + timedelta(minutes=10 * i) for i in range(6)]  # 10:00 … 10:50
    # two windows of five lock: until 11:40 and until 11:50; the later end counts
    assert locked_until(six, six[-1]) == six[-1] + timedelta(hours=1)
    assert locked_until(six, start + timedelta(minutes=105)) == six[-1] + timedelta(hours=1)
    assert locked_until(six, six[-1] + timedelta(hours=1)) is None
