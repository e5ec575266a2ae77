"""R15/R21: an electronic delivery is a copy when an opt-in lies between print and decision."""

from datetime import datetime

from domain.copies import is_copy

PRINTED = datetime(2026, 1, 10, 12)
OPT_IN = datetime(2026, 2, 1, 12)
DECIDED = datetime(2026, 3, 1, 12)


def test_opt_in_between_print_and_decision_makes_a_copy():
    assert is_copy(PRINTED, [OPT_IN], DECIDED, "backfill") is True
    assert is_copy(PRINTED, [OPT_IN], DECIDED, "original") is True


def test_bounds_are_inclusive():
    assert is_copy(PRINTED, [PRINTED], DECIDED, "backfill") is True
    assert is_copy(PRINTED, [DECIDED], DECIDED, "backfill") is True


def test_not_a_copy_without_print_or_for_duplicates_or_outside_the_interval():
    assert is_copy(None, [OPT_IN], DECIDED, "backfill") is False
    assert is_copy(PRINTED, [OPT_IN], DECIDED, "duplicate") is False
    assert is_copy(PRINTED, [], DECIDED, "backfill") is False
    assert is_copy(PRINTED, [datetime(2026, 1, 1)], DECIDED, "backfill") is False
    assert is_copy(PRINTED, [datetime(2026, 4, 1)], DECIDED, "backfill") is False
    assert is_copy(PRINTED, [datetime(2026, 1, 1), OPT_IN], DECIDED, "backfill") is True
