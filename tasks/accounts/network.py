"""Network channel (R14, R16): rendered network deliveries reach the customer code's
mailbox on the e-invoicing network (status `published`), one audit event each."""

from __future__ import annotations

from datetime import UTC, datetime

from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


def publish_network_deliveries(con, actor: str = "nightly") -> int:
    with transaction(con):
        published = run_sql(
            con, load_sql("publish_network_deliveries"), {"published_at": datetime.now(UTC)}
        )
        append_events(
            con,
            [
                AuditEvent(
                    "document_published",
                    f"{issuer}/{number}",
                    {"channel": "network", "customer_code": code, "purpose": purpose},
                    actor,
                )
                for issuer, number, code, purpose in published
            ],
        )
    return len(published)
