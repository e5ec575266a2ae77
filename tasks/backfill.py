"""Backfill (R21, R22): publish the history of an account's customer codes to the portal.

Set-based: one INSERT decides every missing backfill delivery; rendering, verifying
and publishing then work on the warehouse state, so a killed backfill resumes where it
stopped and a second one finds nothing to do.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pyarrow as pa

from domain.windows import portal_window_start
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction


class NothingToBackfill(LookupError):
    pass


def query_dicts(con, name: str, params: dict | None = None) -> list[dict]:
    cursor = con.execute(load_sql(name), params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def resolve_backfill_codes(con, account: str | None, customer_code: str | None) -> list[str]:
    if customer_code:
        rows = query_dicts(con, "customer_code_exists", {"customer_code": customer_code})
    else:
        rows = query_dicts(con, "backfill_account_codes", {"account": account})
    if not rows:
        raise NothingToBackfill(f"no customer codes for {customer_code or account}")
    return [row["customer_code"] for row in rows]


def decide_backfill_deliveries(
    con, codes: list[str], as_of: datetime, run_id: str, actor: str, years: int = 7
) -> int:
    """One backfill delivery per document of the window not yet in the portal."""
    start = portal_window_start(as_of.date(), years)
    windows = pa.table({"customer_code": codes, "window_start": [start] * len(codes)})
    con.register("backfill_codes", windows)
    parameters = {"decided_at": datetime.now(UTC), "run_id": run_id, "as_of_date": as_of.date()}
    payload = {"channel": "portal", "purpose": "backfill", "window_start": str(start)}
    with transaction(con):
        decided = run_sql(con, load_sql("decide_backfill_deliveries"), parameters)
        events = [AuditEvent("delivery_decided", f"{i}/{n}", payload, actor) for i, n in decided]
        append_events(con, events)
    return len(decided)


def is_intact(storage, key: str, size: int, sha256: str) -> bool:
    try:
        data = storage.read(key)
    except FileNotFoundError:  # s3fs raises it too for a missing object
        return False
    return len(data) == size and hashlib.sha256(data).hexdigest() == sha256


def verify_existing_renditions(con, storage, run_id: str) -> tuple[int, list[tuple]]:
    """Check size and sha256 of the archived PDFs, read through `storage` (a folder or
    an object store, tasks/storage.py); returns (verified, damaged keys)."""
    rows = query_dicts(con, "backfill_existing_renditions", {"run_id": run_id})
    damaged = [
        (r["issuer"], r["document_number"])
        for r in rows
        if not is_intact(storage, r["path"], r["bytes"], r["sha256"])
    ]
    return len(rows) - len(damaged), damaged


def forget_damaged_renditions(con, damaged: list[tuple], actor: str) -> None:
    """A damaged archive copy is rendered again (same bytes: DESIGN rule 5)."""
    with transaction(con):
        for issuer, number in damaged:
            run_sql(
                con, load_sql("forget_rendition"), {"issuer": issuer, "document_number": number}
            )
        append_events(
            con, [AuditEvent("rendition_damaged", f"{i}/{n}", {}, actor) for i, n in damaged]
        )


def request_backfill(
    con, reason: str, account_id: str | None = None, customer_code: str | None = None
) -> str:
    """Ask for a backfill (activation, code added, merge); the backfill-pending flow runs it.

    Call inside the caller's transaction, so the request commits with its cause.
    """
    request_id = uuid.uuid4().hex
    row = {
        "request_id": request_id,
        "account_id": account_id,
        "customer_code": customer_code,
        "reason": reason,
        "requested_at": datetime.now(UTC),
    }
    insert_rows(con, "backfill_requests", [row])
    payload = {"reason": reason, "request_id": request_id}
    append_events(con, [AuditEvent("backfill_requested", account_id or customer_code, payload)])
    return request_id


def pending_backfill_requests(con) -> list[dict]:
    return query_dicts(con, "pending_backfill_requests")


def finish_backfill_request(con, request_id: str, run_id: str, counts: dict) -> None:
    parameters = {
        "finished_at": datetime.now(UTC),
        "run_id": run_id,
        "counts": json.dumps(counts),
        "request_id": request_id,
    }
    run_sql(con, load_sql("finish_backfill_request"), parameters)
