"""as_of parsing (DESIGN rule 6): dates are local midnight, naive times are Brussels."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.clock import resolve_as_of

BXL = ZoneInfo("Europe/Brussels")
UTC = ZoneInfo("UTC")


def test_a_date_string_is_local_midnight():
    assert resolve_as_of("2026-11-27") == datetime(2026, 11, 27, tzinfo=BXL)
    assert resolve_as_of("2026-11-27").utcoffset() == timedelta(hours=1)


def test_a_date_object_is_local_midnight_in_the_given_zone():
    assert resolve_as_of(date(2026, 7, 1)) == datetime(2026, 7, 1, tzinfo=BXL)
    assert resolve_as_of(date(2026, 7, 1), "UTC") == datetime(2026, 7, 1, tzinfo=UTC)
    assert resolve_as_of(date(2026, 7, 1)).tzinfo == BXL


def test_a_naive_time_is_local_and_an_aware_one_is_kept():
    assert resolve_as_of("2026-07-01T10:30:00") == datetime(2026, 7, 1, 10, 30, tzinfo=BXL)
    assert resolve_as_of("2026-07-01 10:30") == datetime(2026, 7, 1, 10, 30, tzinfo=BXL)
    # ISO 8601 basic format, 11 characters: a time, not a date
    assert resolve_as_of("20260701T10") == datetime(2026, 7, 1, 10, 0, tzinfo=BXL)
    aware = resolve_as_of("2026-07-01T10:30:00+00:00")
    assert aware.utcoffset() == timedelta(0)
    assert aware == datetime(2026, 7, 1, 12, 30, tzinfo=BXL)
    naive = datetime(2026, 1, 5, 8, 0)
    assert resolve_as_of(naive, "UTC") == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    kept = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert resolve_as_of(kept) is kept


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_means_now_in_the_zone(empty):
    before = datetime.now(BXL)
    now = resolve_as_of(empty)
    after = datetime.now(BXL)
    assert before <= now <= after
    assert now.tzinfo == BXL
    assert resolve_as_of(empty, "UTC").tzinfo == UTC


def test_a_malformed_value_is_refused():
    with pytest.raises(ValueError, match="Invalid isoformat"):
        resolve_as_of("27/11/2026")
