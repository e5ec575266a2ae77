"""The tamper-evident audit chain (R30).

Each event's hash = sha256(prev_hash + canonical content), where the canonical
content is a JSON array of (seq, at in microseconds since the epoch, actor,
event_type, entity, payload text). Events are appended in bulk inside the caller's
transaction, so a state change and its audit events commit together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from warehouse.store import run_sql

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEvent:
    event_type: str
    entity: str
    payload: dict
    actor: str = "system"


def epoch_micros(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000 + at.microsecond


def chain_hash(
    prev_hash: str, seq: int, at_us: int, actor: str, event_type: str, entity: str, payload: str
) -> str:
    canonical = json.dumps(
        [seq, at_us, actor, event_type, entity, payload], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def last_link(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    rows = run_sql(con, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
    row = rows[0] if rows else None
    return (row[0], row[1]) if row else (0, GENESIS)


def append_events(
    con: duckdb.DuckDBPyConnection, events: list[AuditEvent], at: datetime | None = None
) -> int:
    """Append events to the chain; returns how many. Call inside the write transaction."""
    if not events:
        return 0
    at = (at or datetime.now(UTC)).astimezone(UTC)
    at_us = epoch_micros(at)
    seq, prev = last_link(con)
    rows = []
    for event in events:
        seq += 1
        payload = json.dumps(
            event.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
        )
        digest = chain_hash(prev, seq, at_us, event.actor, event.event_type, event.entity, payload)
        rows.append((seq, at, event.actor, event.event_type, event.entity, payload, prev, digest))
        prev = digest
    names = ("seq", "at", "actor", "event_type", "entity", "payload", "prev_hash", "hash")
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    batch = pa.table(columns)
    con.register("audit_batch", batch)
    try:
        run_sql(
            con,
            'INSERT INTO audit_events SELECT seq, "at", actor, event_type, entity, '
            "payload::JSON, prev_hash, hash FROM audit_batch",
        )
    finally:
        con.unregister("audit_batch")
    return len(events)


@dataclass(frozen=True)
class ChainReport:
    events: int
    ok: bool
    first_broken_seq: int | None = None
    problem: str = ""


def verify_chain(con: duckdb.DuckDBPyConnection) -> ChainReport:
    """Recompute every hash in order; report the first broken link."""
    cursor = con.execute(
        'SELECT seq, epoch_us("at"), actor, event_type, entity, payload::VARCHAR, prev_hash, hash '
        "FROM audit_events ORDER BY seq"
    )
    prev, expected_seq, count = GENESIS, 1, 0
    while rows := cursor.fetchmany(50_000):
        for seq, at_us, actor, event_type, entity, payload, prev_hash, digest in rows:
            count += 1
            if seq != expected_seq:
                return ChainReport(count, False, seq, f"expected seq {expected_seq}, found {seq}")
            if prev_hash != prev:
                return ChainReport(count, False, seq, "prev_hash does not match the previous row")
            if chain_hash(prev, seq, at_us, actor, event_type, entity, payload) != digest:
                return ChainReport(count, False, seq, "row content does not match its hash")
            prev, expected_seq = digest, seq + 1
    return ChainReport(count, True)
