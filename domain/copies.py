"""Which electronic deliveries are copies (R15, R21). Pure: no I/O, no clock.

A document printed on paper has its original on paper. When its customer code later
opts in to electronic delivery (a code redeemed, electronic delivery activated), the
history that follows it into the portal or the network mailbox (R21) is a copy: the
first electronic delivery of such a document, decided after an opt-in that happened
after the paper original was printed, is marked `is_copy`. Duplicates (R23) carry their
own mark and are left alone.
"""

from __future__ import annotations

from datetime import datetime

OPT_IN_EVENTS = frozenset({"network_activated", "portal_activated"})


def is_copy(
    printed_at: datetime | None, opt_ins: list[datetime], decided_at: datetime, purpose: str
) -> bool:
    """True when an opt-in lies between the paper print and the electronic decision."""
    if printed_at is None or purpose == "duplicate":
        return False
    return any(printed_at <= at <= decided_at for at in opt_ins)
