"""Marking copies (R15, R21): an electronic delivery of a document whose original went
on paper, decided after an opt-in that followed the print, is a copy (domain/copies.py).

Runs over electronic deliveries that are decided but not yet published, so it serves
every step that decides them: the nightly run after routing, and the backfill after it
decides a newly activated account's history. Call it before publishing.
"""

from __future__ import annotations

from domain.copies import is_copy
from tasks.accounts.db import fetch_dicts, register_rows
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction

KEY = ("issuer", "document_number", "channel", "purpose")


def mark_copy_deliveries(con, actor: str = "nightly") -> int:
    """Set `is_copy` where the rule says so; returns how many deliveries were marked."""
    candidates = fetch_dicts(con, "copy_candidates")
    copies = [
        {k: c[k] for k in KEY}
        for c in candidates
        if is_copy(c["printed_at"], c["opt_ins"] or [], c["decided_at"], c["purpose"])
    ]
    if not copies:
        return 0
    with transaction(con):
        register_rows(con, "copy_keys", copies)
        run_sql(con, load_sql("mark_copies"))
        con.unregister("copy_keys")
        append_events(
            con,
            [
                AuditEvent(
                    "delivery_marked_copy",
                    f"{c['issuer']}/{c['document_number']}",
                    {"channel": c["channel"], "purpose": c["purpose"],
                     "reason": "paper original printed before the opt-in (R15)"},
                    actor,
                )
                for c in copies
            ],
        )  # fmt: skip
    return len(copies)
