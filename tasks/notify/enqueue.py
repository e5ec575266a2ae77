"""Queue digests: their rows in the digests table, their lines marked listed and their
audit events, in one transaction (DESIGN rule 3), after their messages are spooled."""

from __future__ import annotations

import pyarrow as pa

from tasks.notify.periods import message_id
from tasks.notify.records import Digest
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction


def digest_rows(digests: list[Digest], spooled: list[dict], sender_domain: str, now, run_id):
    """The digests table rows: queued with their spooled message, or failed (address)."""
    rows = []
    for digest, result in zip(digests, spooled, strict=True):
        failed = result["error"] is not None
        rows.append(
            {
                "digest_id": digest.digest_id,
                "recipient": digest.recipient,
                "frequency": digest.frequency,
                "period": digest.period,
                "address": digest.address if failed else result["address"],
                "user_id": digest.user_id,
                "role": digest.role,
                "language": digest.language,
                "documents": len(digest.lines),
                "customer_codes": digest.customer_codes,
                "invitation": digest.invitation_url is not None,
                "message_id": result.get("message_id")
                or message_id(digest.digest_id, sender_domain),
                "message_sha256": result.get("message_sha256"),
                "spooled": not failed,
                "status": "failed" if failed else "queued",
                "attempts": 0,
                "next_attempt_at": None,
                "last_error": result["error"],
                "queued_at": now,
                "sent_at": None,
                "outcome_audited": not failed,  # a failure is audited by the next flush
                "run_id": run_id,
            }
        )
    return rows


def queue_digests(con, digests: list[Digest], rows: list[dict], listed: list[dict], actor):
    """Digests, their lines (`listed`: digest_id, user_id, issuer, document_number) and
    audit events in one transaction (DESIGN rule 3)."""
    events = [
        AuditEvent(
            "digest_composed",
            d.digest_id,
            {
                "frequency": d.frequency,
                "period": d.period,
                "user_id": d.user_id,
                "invitation": d.invitation_url is not None,
                "documents": [f"{x.issuer}/{x.document_number}" for x in d.lines],
            },
            actor,
        )
        for d in digests
    ]
    with transaction(con):
        insert_rows(con, "digests", rows)
        con.register("listed_lines", pa.Table.from_pylist(listed))
        try:
            run_sql(con, load_sql("notify_list_lines"))
        finally:
            con.unregister("listed_lines")
        append_events(con, events)
