"""Activation codes (R16-R20) and the lock-out, at their boundaries. Pure: no warehouse."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.activation_codes import (
    ALPHABET,
    BITS,
    MistypedCode,
    check_symbol,
    code_expires_at,
    decode_crockford,
    derive_code,
    encode_crockford,
    format_code,
    hash_code,
    is_code_valid,
    last_valid_day,
    locked_until,
    normalise_code,
)
from domain.redemption import StoredCode, judge_redemption

BRUSSELS = ZoneInfo("Europe/Brussels")
SECRET = b"test-secret"


def local(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BRUSSELS)


def test_crockford_matches_the_specification_examples():
    # Crockford's base32: 1234 is "16J", its check symbol 1234 mod 37 = 13 = "D".
    assert encode_crockford(1234, 3) == "16J"
    assert check_symbol(1234) == "D"
    assert [check_symbol(v) for v in (32, 33, 34, 35, 36, 37)] == ["*", "~", "$", "=", "U", "0"]
    assert "I" not in ALPHABET and "L" not in ALPHABET and "O" not in ALPHABET
    assert "U" not in ALPHABET


def test_a_code_has_65_bits_a_check_and_prints_in_groups():  # R16: >= 60 bits
    code = derive_code(SECRET, "DL50012345", 1)
    assert BITS == 65 >= 60
    assert len(code) == 14 and all(c in ALPHABET for c in code[:13])
    assert check_symbol(decode_crockford(code[:13])) == code[13]
    printed = format_code(code)
    assert printed.count("-") == 3 and [len(g) for g in printed.split("-")] == [4, 4, 4, 2]


def test_codes_are_reproducible_and_differ_per_serial_and_customer_code():
    first = derive_code(SECRET, "DL50012345", 1)
    assert derive_code(SECRET, "DL50012345", 1) == first  # DESIGN rule 5: re-render
    assert derive_code(SECRET, "DL50012345", 2) != first
    assert derive_code(SECRET, "DL20012345", 1) != first
    assert derive_code(b"other", "DL50012345", 1) != first


def test_only_the_hash_is_stored_and_it_is_not_the_code():
    code = derive_code(SECRET, "DL50012345", 1)
    assert len(hash_code(code)) == 64 and code not in hash_code(code)


def test_typing_is_forgiving_as_crockford_says():
    code = derive_code(SECRET, "DL50012345", 1)
    sloppy = " " + format_code(code).lower().replace("1", "l").replace("0", "o") + " "
    assert normalise_code(sloppy) == code
    assert normalise_code(" ".join(format_code(code).split("-"))) == code


@pytest.mark.parametrize(
    ("typed", "why"),
    [("ABCD-EFGH", "characters"), ("ABCD-EFGH-JKMN-P!", "not used"), ("", "characters")],
)
def test_malformed_codes_are_mistyped(typed, why):
    with pytest.raises(MistypedCode, match=why):
        normalise_code(typed)


def test_a_single_typo_is_caught_by_the_check_character():
    code = derive_code(SECRET, "DL50012345", 1)
    swapped = ALPHABET[(ALPHABET.index(code[5]) + 1) % 32]
    with pytest.raises(MistypedCode, match="check character"):
        normalise_code(code[:5] + swapped + code[6:])


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=13, max_size=13), st.integers(0, 12), st.integers(1, 31))
def test_any_single_symbol_change_is_detected(body, position, shift):
    code = body + check_symbol(decode_crockford(body))
    changed = ALPHABET[(ALPHABET.index(body[position]) + shift) % 32]
    with pytest.raises(MistypedCode):
        normalise_code(code[:position] + changed + code[position + 1 :])


# R18: "gedurende 15 weken na de bekendmaking" (seed text). Counted as Belgian law counts a
# period (Gerechtelijk Wetboek art. 52-53): from the day after issue, last day included.
# Issued on day D: valid through D + 105, refused from D + 106.


def test_issued_1_september_still_valid_15_december_refused_16_december():  # R18
    expires = code_expires_at(local(2026, 9, 1, 14, 30))
    assert last_valid_day(expires) == date(2026, 12, 15)  # day 105, printed "valid until"
    assert is_code_valid(expires, local(2026, 12, 15, 0, 0))
    assert is_code_valid(expires, local(2026, 12, 15, 23, 59))  # day 105, late evening
    assert not is_code_valid(expires, local(2026, 12, 16, 0, 0))  # day 106, midnight
    assert not is_code_valid(expires, local(2026, 12, 16, 9, 0))


ISSUED = local(2026, 11, 27, 2)


def test_week_15_last_valid_day_and_first_invalid_day():  # R18
    expires = code_expires_at(ISSUED)
    assert last_valid_day(expires) == date(2027, 3, 12)  # 27 Nov + 105 days, a Friday again
    assert is_code_valid(expires, local(2027, 3, 12, 23, 59))  # last valid day, late evening
    assert not is_code_valid(expires, local(2027, 3, 13, 0, 0))  # first invalid day, midnight
    assert is_code_valid(expires, local(2027, 3, 12, 0, 0))


def test_validity_counts_local_days_across_daylight_saving():  # R18
    # The local date of issue counts (23:30 on 1 March is still 1 March in Brussels, while
    # already 2 March nowhere and 22:30 UTC); the 15 weeks cross the switch to summer time.
    issued = local(2026, 3, 1, 23, 30)
    expires = code_expires_at(issued)
    assert expires == local(2026, 6, 15)  # 106 days later, 00:00 summer time
    assert last_valid_day(expires) == date(2026, 6, 14)


WRONG = [local(2026, 11, 27, 10, m) for m in (0, 10, 20, 30, 40)]  # 5 wrong codes in 40 min


def test_lock_out_after_five_wrong_codes_within_an_hour_and_its_end():
    assert locked_until(WRONG[:4], local(2026, 11, 27, 10, 45)) is None  # four: not yet
    assert locked_until(WRONG, local(2026, 11, 27, 10, 40)) == local(2026, 11, 27, 11, 40)
    assert locked_until(WRONG, local(2026, 11, 27, 11, 39)) == local(2026, 11, 27, 11, 40)
    assert locked_until(WRONG, local(2026, 11, 27, 11, 40)) is None  # the lock's end


def test_five_wrong_codes_spread_over_more_than_an_hour_do_not_lock():
    spread = [local(2026, 11, 27, 10, 0) + timedelta(minutes=15 * i) for i in range(5)]
    assert spread[-1] - spread[0] == timedelta(hours=1)  # not *within* an hour
    assert locked_until(spread, spread[-1]) is None


def test_wrong_codes_after_as_of_do_not_count():
    assert locked_until(WRONG, local(2026, 11, 27, 10, 35)) is None


# Redemption checks, in order (domain/redemption.py).
ACCOUNT = "A-1"


def stored(serial=1, latest=1, expires=None) -> StoredCode:
    return StoredCode("DL50012345", serial, expires or code_expires_at(ISSUED), latest)


def test_redemption_refusals_and_their_order():
    ok_at = local(2026, 12, 1)
    assert judge_redemption(None, None, ACCOUNT, ok_at).reason == "unknown_code"
    assert judge_redemption(stored(), None, ACCOUNT, ok_at) is None
    assert judge_redemption(stored(), ACCOUNT, ACCOUNT, ok_at) is None  # already mine
    other = judge_redemption(stored(), "A-2", ACCOUNT, ok_at)
    assert other.reason == "active_in_other_account" and "R19" in other.message
    assert "DL50012345" in other.message  # R31: the customer reference
    late = judge_redemption(stored(), None, ACCOUNT, local(2027, 3, 13))
    assert late.reason == "expired" and "2027-03-12" in late.message
    # R20: an older code is refused as superseded, even when it is also expired.
    old = judge_redemption(stored(serial=1, latest=2), None, ACCOUNT, local(2027, 3, 13))
    assert old.reason == "superseded" and "R20" in old.message
