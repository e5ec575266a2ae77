"""Who hears about which document (R10, R11), resolved once per published delivery.

Resolution happens when a document becomes available: a person granted a customer
code later is not told about its old documents (they find them in the portal, unread,
R28), and switching a setting back on does not replay what was skipped. Composing a
digest checks again, so nobody is told about a document they can no longer open.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


@dataclass
class FanOut:
    documents: int = 0
    lines: int = 0
    # customer codes with a published document and nobody to tell (R31: operators
    # see the customer reference): no account, no contact, or every setting off
    codes_without_recipient: Counter = field(default_factory=Counter)


def resolve_recipients(con, run_id: str, limit: int, actor: str) -> FanOut:
    """Resolve recipients of up to `limit` newly published documents, one transaction."""
    result = FanOut()
    resolved_at = datetime.now(UTC)
    with transaction(con):
        query = load_sql("notify_unresolved_deliveries")
        batch = con.sql(query, params={"limit": limit}).to_arrow_table()
        if batch.num_rows == 0:
            return result
        con.register("fanout_batch", batch)
        try:
            params = {"resolved_at": resolved_at, "run_id": run_id}
            result.lines = run_sql(con, load_sql("notify_insert_recipients"), params)[0][0]
            for code, recipients in run_sql(con, load_sql("notify_insert_fanouts"), params):
                result.documents += 1
                if recipients == 0:
                    result.codes_without_recipient[code] += 1
        finally:
            con.unregister("fanout_batch")
        append_events(
            con,
            [
                AuditEvent(
                    "notifications_resolved",
                    run_id,
                    {"documents": result.documents, "lines": result.lines},
                    actor,
                )
            ],
        )
    return result


def resolve_all_recipients(con, run_id: str, limit: int, actor: str) -> FanOut:
    """Resolve every newly published document, `limit` per transaction."""
    total = FanOut()
    while (step := resolve_recipients(con, run_id, limit, actor)).documents:
        total.documents += step.documents
        total.lines += step.lines
        total.codes_without_recipient.update(step.codes_without_recipient)
    return total


def drop_unreachable_lines(con, run_id: str, actor: str) -> dict[str, int]:
    """Drop pending lines whose person lost access or switched notifications off."""
    with transaction(con):
        reasons = Counter(r for (r,) in run_sql(con, load_sql("notify_drop_unreachable_lines")))
        if reasons:
            append_events(con, [AuditEvent("digest_lines_dropped", run_id, dict(reasons), actor)])
    return dict(reasons)
