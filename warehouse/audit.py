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
import numpy as np
import pyarrow as pa

from warehouse.store import load_sql, registered, run_sql, transaction

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


CHUNK = 200_000  # rows per Arrow batch: bounded memory whatever the chain's length


def verify_chain(con: duckdb.DuckDBPyConnection) -> ChainReport:
    """Report the first broken link: a row changed, removed, moved or inserted.

    Each row carries its prev_hash, so rows are hashed independently, in storage order:
    DuckDB builds what each hash covers (warehouse/queries/audit_chain_messages.sql),
    hashlib hashes it in a tight loop over the Arrow buffers, and numpy checks the
    order (seq 1, 2, 3 …) and the links (prev_hash = the previous row's hash) after one
    argsort. A mismatch is hashed again with chain_hash itself before it counts. About
    3 s of CPU for 1,000,000 events instead of ~10 s row by row (bench/audit_verify.py);
    the verdict is the reference walk's (verify_chain_row_by_row, tests compare them)
    and the hash definition is unchanged, so older chains verify as before.
    """
    seqs, prevs, hashes, suspects = [], [], [], []
    for batch in con.sql(load_sql("audit_chain_messages")).to_arrow_reader(CHUNK):
        seq = batch.column("seq").to_numpy()
        digest = hex_column(batch.column("hash"))
        computed = hash_messages(batch.column("message"))
        if digest.dtype == object or computed.tobytes() != digest.tobytes():
            suspects += seq[computed != digest].tolist()  # the rare path: row by row
        # copies: a view would keep the whole batch (messages included) alive
        seqs.append(seq.copy())
        prevs.append(hex_column(batch.column("prev_hash")).copy())
        hashes.append(digest.copy())
    if not seqs or not sum(len(s) for s in seqs):
        return ChainReport(0, True)
    seq = np.concatenate(seqs)
    order = np.argsort(seq, kind="stable")
    seq = seq[order]
    prev, digest = np.concatenate(prevs)[order], np.concatenate(hashes)[order]
    return first_break(con, seq, prev, digest, confirmed_mismatches(con, suspects))


def hex_column(column: pa.Array) -> np.ndarray:
    """Hex digests as fixed 64-byte strings (zero copy); anything else, as tampered
    values may be, as Python bytes."""
    column = column.cast(pa.string()) if column.type != pa.string() else column
    offsets = np.frombuffer(column.buffers()[1], np.int32)[column.offset :]
    offsets = offsets[: len(column) + 1]
    if column.null_count == 0 and np.all(np.diff(offsets) == 64):
        return np.frombuffer(column.buffers()[2], "S64", len(column), int(offsets[0]))
    return np.array([None if v is None else v.encode() for v in column.to_pylist()], object)


def hash_messages(column: pa.Array) -> np.ndarray:
    """sha256 hex digest of every string of the column, straight from its buffer."""
    offsets = np.frombuffer(column.buffers()[1], np.int32)[column.offset :]
    offsets = offsets[: len(column) + 1].tolist()
    data = memoryview(column.buffers()[2])
    sha256 = hashlib.sha256
    ends = offsets[1:]
    # digest() and one hex() for the batch: a third cheaper than hexdigest() per row
    pairs = zip(offsets[:-1], ends, strict=True)
    digests = b"".join([sha256(data[a:b]).digest() for a, b in pairs])
    return np.frombuffer(digests.hex().encode(), "S64")


def confirmed_mismatches(con: duckdb.DuckDBPyConnection, suspects: list[int]) -> set[int]:
    """Suspect rows hashed again with chain_hash itself (json.dumps escaping)."""
    if not suspects:
        return set()
    rows = run_sql(
        con,
        'SELECT seq, epoch_us("at"), actor, event_type, entity, payload::VARCHAR, prev_hash, '
        "hash FROM audit_events WHERE seq IN (SELECT unnest($seqs))",
        {"seqs": suspects},
    )
    return {
        seq
        for seq, at_us, actor, event_type, entity, payload, prev_hash, digest in rows
        if chain_hash(prev_hash, seq, at_us, actor, event_type, entity, payload) != digest
    }


def first_break(con, seq: np.ndarray, prev: np.ndarray, digest: np.ndarray, bad: set[int]):
    """The first row, in seq order, that the row-by-row walk would stop at, and why."""
    count = len(seq)
    seq_broken = seq != np.arange(1, count + 1)
    expected_prev = np.empty(count, digest.dtype)
    expected_prev[0], expected_prev[1:] = GENESIS.encode(), digest[:-1]
    link_broken = prev != expected_prev
    content_broken = np.isin(seq, np.fromiter(bad, np.int64, len(bad)))
    broken = np.flatnonzero(seq_broken | link_broken | content_broken)
    if not len(broken):
        return ChainReport(count, True)
    at = int(broken[0])
    found = int(seq[at])
    if seq_broken[at]:
        expected = int(seq[at - 1]) + 1 if at else 1
        return ChainReport(at + 1, False, found, f"expected seq {expected}, found {found}")
    if link_broken[at]:
        return ChainReport(at + 1, False, found, "prev_hash does not match the previous row")
    return ChainReport(at + 1, False, found, "row content does not match its hash")


def verify_chain_row_by_row(con: duckdb.DuckDBPyConnection) -> ChainReport:
    """The reference walk, one row at a time in Python (kept to cross-check the fast one)."""
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


def apply_audited(
    con: duckdb.DuckDBPyConnection, query: str, view: str, batch: pa.Table, events: list
) -> None:
    """Run warehouse/queries/<query>.sql over `batch` (seen as the view `view`) and append
    its audit events, in one transaction: a state change and its events commit together
    (DESIGN rule 3, R30)."""
    with transaction(con), registered(con, view, batch):
        run_sql(con, load_sql(query))
        append_events(con, events)
