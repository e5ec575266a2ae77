"""Operator actions on e-mail addresses (R25, issue 19).

    unflag_address(con, address, actor) -> bool        a corrected address is watched afresh
    suppress_address(con, address, reason, actor) -> bool   never mailed again
    fail_suppressed_digests(con, actor) -> int        due digests to such an address fail

The audit log names an address by its sha256 only: the chain carries ids, never e-mails.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


def address_ref(address: str) -> str:
    return "sha256:" + hashlib.sha256(address.strip().lower().encode()).hexdigest()


def unflag_address(con, address: str, actor: str) -> bool:
    """Remove the flag; its bounces stay on record. False if it was not flagged."""
    address = address.strip().lower()
    with transaction(con):
        gone = run_sql(con, load_sql("unflag_address"), {"address": address})
        if gone:
            append_events(con, [AuditEvent("address_unflagged", address_ref(address), {}, actor)])
    return bool(gone)


def suppress_address(con, address: str, reason: str, actor: str) -> bool:
    """No more e-mail to this address (False if it already was suppressed)."""
    address = address.strip().lower()
    if "@" not in address:
        raise ValueError(f"not an e-mail address: {address!r}")
    with transaction(con):
        params = {"address": address, "reason": reason, "at": datetime.now(UTC), "actor": actor}
        added = run_sql(con, load_sql("suppress_address"), params)
        if added:
            append_events(con, [AuditEvent("address_suppressed", address_ref(address),
                                           {"reason": reason}, actor)])  # fmt: skip
    return bool(added)


def fail_suppressed_digests(con, actor: str) -> int:
    with transaction(con):
        failed = run_sql(con, load_sql("notify_fail_suppressed"))
        append_events(
            con,
            [AuditEvent("digest_failed", d, {"reason": "address suppressed"}, actor)
             for (d,) in failed],
        )  # fmt: skip
    return len(failed)
