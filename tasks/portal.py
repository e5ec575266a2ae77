"""Portal channel (R14): electronically routed documents become available to their
account (warehouse row + archived PDF); notifications pick them up from there."""

from __future__ import annotations

from tasks.faults import crashpoint
from tasks.publish import publish_deliveries


def publish_portal_deliveries(con, actor: str) -> int:
    """Mark rendered portal deliveries published, with one audit event each."""
    crashpoint("portal.before_publish")
    return publish_deliveries(con, "portal", actor)
