"""Portal channel (R14): electronically routed documents become available to their
account (warehouse row + archived PDF); notifications pick them up from there."""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.faults import crashpoint
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, transaction


def publish_portal_deliveries(con, actor: str) -> int:
    """Mark rendered portal deliveries published, with one audit event each."""
    crashpoint("portal.before_publish")
    with transaction(con):
        published = con.execute(
            load_sql("publish_portal_deliveries"), {"published_at": datetime.now(UTC)}
        ).fetchall()
        append_events(
            con,
            [
                AuditEvent(
                    "document_published",
                    f"{issuer}/{number}",
                    {"channel": "portal", "customer_code": code, "purpose": purpose},
                    actor,
                )
                for issuer, number, code, purpose in published
            ],
        )
    return len(published)
