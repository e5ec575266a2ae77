"""Backfill (R21, R22): publish the history of an account's customer codes to the portal,
and to the network mailbox of the codes that have one.

Set-based: one INSERT per channel decides every missing backfill delivery; rendering,
verifying and publishing then work on the warehouse state, so a killed backfill resumes
where it stopped and a second one finds nothing to do.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import pyarrow as pa

from domain.windows import network_window_start, portal_window_start
from warehouse.audit import AuditEvent, append_events
from warehouse.store import fetch_dicts, insert_rows, load_sql, registered, run_sql, transaction


class NothingToBackfill(LookupError):
    pass


def resolve_backfill_codes(con, account: str | None, customer_code: str | None) -> list[str]:
    if customer_code:
        rows = fetch_dicts(con, "customer_code_exists", {"customer_code": customer_code})
    else:
        rows = fetch_dicts(con, "backfill_account_codes", {"account": account})
    if not rows:
        raise NothingToBackfill(f"no customer codes for {customer_code or account}")
    return [row["customer_code"] for row in rows]


@dataclass
class Decided:
    """What one backfill run decided (the run report's counts)."""

    portal: int = 0  # documents of the portal window newly given a backfill delivery
    network: int = 0  # documents since the network floor newly given one (R22)
    skipped: int = 0  # documents of the portal window already in the portal

    def as_dict(self) -> dict:
        return asdict(self)


WINDOW_SCHEMA = pa.schema(
    [("channel", pa.string()), ("customer_code", pa.string()), ("window_start", pa.date32())]
)
# The reason each channel's backfill delivery records, followed by the window's first day.
REASONS = {"portal": "R21 seven years of history from ", "network": "R22 network history from "}


def network_windows(con, codes: list[str], account: str | None, floor: date) -> list[tuple]:
    """R22: (customer_code, window_start) of the codes with an activated network mailbox."""
    with registered(con, "backfill_scope", pa.table({"customer_code": codes})):
        rows = fetch_dicts(con, "backfill_network_codes", {"account": account})
    return [(r["customer_code"], network_window_start(r["contract_start"], floor)) for r in rows]


def backfill_windows(portal: list[tuple], network: list[tuple]) -> pa.Table:
    """(channel, customer_code, window_start) rows of both channels, for the SQL."""
    pairs = portal + network
    columns = {
        "channel": ["portal"] * len(portal) + ["network"] * len(network),
        "customer_code": [code for code, _ in pairs],
        "window_start": [start for _, start in pairs],
    }
    return pa.table(columns, schema=WINDOW_SCHEMA)


def decide_backfill_deliveries(
    con,
    codes: list[str],
    as_of: datetime,
    run_id: str,
    actor: str,
    years: int = 7,
    account: str | None = None,
    floor: date = date(2008, 5, 1),
) -> Decided:
    """One backfill delivery per document of the window not yet in the portal (R21), and
    per document since the network floor not yet in the mailbox of a code that has one
    (R22); `account` also brings the mailboxes redeemed into it."""
    start = portal_window_start(as_of.date(), years)
    windows = backfill_windows(
        [(code, start) for code in codes], network_windows(con, codes, account, floor)
    )
    parameters = {"decided_at": datetime.now(UTC), "run_id": run_id, "as_of_date": as_of.date()}
    decide = load_sql("decide_backfill_deliveries")
    with registered(con, "backfill_windows", windows):
        with transaction(con):
            decided = {
                channel: run_sql(con, decide, parameters | {"channel": channel, "reason": reason})
                for channel, reason in REASONS.items()
            }
            events = [
                AuditEvent("delivery_decided", f"{i}/{n}",
                           {"channel": channel, "purpose": "backfill", "window": window}, actor)
                for channel, window in (("portal", str(start)), ("network", "R22 floor"))
                for i, n in decided[channel]
            ]  # fmt: skip
            append_events(con, events)
        window = run_sql(con, load_sql("backfill_window_documents"), {"as_of_date": as_of.date()})
    portal, network = decided["portal"], decided["network"]
    return Decided(len(portal), len(network), window[0][0] - len(portal))


def publish_backfill_deliveries(con, actor: str) -> dict:
    """Rendered backfill deliveries become available (portal, network mailbox), one audit
    event each; never printed, never announced one by one (R21)."""
    with transaction(con):
        published = run_sql(
            con, load_sql("backfill_publish_deliveries"), {"published_at": datetime.now(UTC)}
        )
        append_events(
            con,
            [
                AuditEvent("document_published", f"{issuer}/{number}",
                           {"channel": channel, "customer_code": code, "purpose": "backfill",
                            "is_copy": copy},
                           actor)
                for issuer, number, code, channel, copy in published
            ],
        )  # fmt: skip
    counts = {"portal": 0, "network": 0, "copies": 0}
    for _, _, _, channel, copy in published:
        counts[channel] += 1
        counts["copies"] += bool(copy)
    return counts


def is_intact(storage, key: str, size: int, sha256: str) -> bool:
    try:
        data = storage.read(key)
    except FileNotFoundError:  # s3fs raises it too for a missing object
        return False
    return len(data) == size and hashlib.sha256(data).hexdigest() == sha256


def verify_existing_renditions(con, storage, run_id: str) -> tuple[int, list[tuple]]:
    """Check size and sha256 of the archived PDFs, read through `storage` (a folder or
    an object store, tasks/storage.py); returns (verified, damaged keys)."""
    rows = fetch_dicts(con, "backfill_existing_renditions", {"run_id": run_id})
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
    return fetch_dicts(con, "pending_backfill_requests")


def finish_backfill_request(con, request_id: str, run_id: str, counts: dict) -> None:
    parameters = {
        "finished_at": datetime.now(UTC),
        "run_id": run_id,
        "counts": json.dumps(counts),
        "request_id": request_id,
    }
    run_sql(con, load_sql("finish_backfill_request"), parameters)
