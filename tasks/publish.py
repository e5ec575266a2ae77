"""Electronic channels (R14): rendered deliveries of the portal or the network channel
become available to their customer (status `published`), one audit event each (R30).
One function for both channels (issue 22: the two copies had drifted)."""

from __future__ import annotations

from datetime import UTC, datetime

from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


def publish_deliveries(con, channel: str, actor: str) -> int:
    """Mark the channel's rendered deliveries published, in one transaction with their
    audit events; returns how many."""
    with transaction(con):
        published = run_sql(
            con,
            load_sql("publish_deliveries"),
            {"channel": channel, "published_at": datetime.now(UTC)},
        )
        append_events(
            con,
            [
                AuditEvent(
                    "document_published",
                    f"{issuer}/{number}",
                    {"channel": channel, "customer_code": code, "purpose": purpose},
                    actor,
                )
                for issuer, number, code, purpose in published
            ],
        )
    return len(published)
