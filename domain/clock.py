"""`as_of` handling (DESIGN rule 6): time is a parameter, never read inside a rule."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def resolve_as_of(
    value: str | date | datetime | None, timezone: str = "Europe/Brussels"
) -> datetime:
    """None → now; a date → that day's 00:00 local; naive times are local (Brussels)."""
    tz = ZoneInfo(timezone)
    if value is None or value == "":
        return datetime.now(tz)
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return datetime(value.year, value.month, value.day, tzinfo=tz)
