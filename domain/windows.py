"""History windows (R21, R22). Pure: the caller passes `as_of` and the floor settings."""

from __future__ import annotations

from datetime import date


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def portal_window_start(as_of: date, years: int = 7) -> date:
    """R21: the portal shows documents issued in the `years` years before as_of
    (the start day included)."""
    return years_before(as_of, years)


def network_window_start(contract_start: date | None, floor: date = date(2008, 5, 1)) -> date:
    """R22: the network mailbox history starts at the floor (May 2008) for contracts that
    started before it, else at the contract's start."""
    if contract_start is None or contract_start < floor:
        return floor
    return contract_start
