"""Ingest: landing files → validation → warehouse (DESIGN rule 7, landing contract).

Each file is processed once, keyed by its sha256, in chunks of `batch_size` rows; each
chunk commits its rows, its quarantine entries and its audit events in one
transaction. A crash mid-file is harmless: the file is read again and rows already
stored are recognised as identical re-deliveries. The file moves to processed/ only
after its record is committed.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

import pyarrow as pa

from domain.validate import Rejection, RowError, validate_customer, validate_document
from tasks import progress
from tasks.faults import crashpoint
from tasks.ingest.read import (
    UnreadableFile,
    jsonl_is_complete,
    read_customer_rows,
    read_document_rows,
)
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, open_writer, run_sql, transaction

MAX_RAW = 2000


@dataclass
class FileReport:
    file_name: str
    sha256: str
    kind: str
    status: str = "processed"  # processed | already_processed | incomplete | unreadable
    rows_total: int = 0
    ingested: int = 0
    unchanged: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)
    detail: str = ""


@dataclass
class IngestContext:
    database: Path
    processed_dir: Path
    issuers: frozenset[str]
    go_live: date
    run_id: str
    batch_size: int
    lock_timeout: float
    actor: str = "nightly"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def list_landing_files(landing_dir: Path) -> list[Path]:
    """Customers before documents, so tonight's documents find tonight's customers."""
    if not landing_dir.is_dir():
        return []
    customers = sorted(landing_dir.glob("customers*.csv"))
    documents = sorted(
        p
        for p in landing_dir.iterdir()
        if p.name.startswith("documents") and p.suffix in {".jsonl", ".parquet"}
    )
    return [p for p in customers + documents if p.is_file()]


def chunked(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def quarantine_row(
    report: FileReport, line: int, rejection: Rejection, raw: object, ctx: IngestContext
) -> dict:
    report.quarantined += 1
    report.reasons[rejection.reason] += 1
    return {
        "file_sha256": report.sha256,
        "file_name": report.file_name,
        "line": line,
        "reason": rejection.reason,
        "detail": rejection.detail,
        "raw": None if raw is None else repr(raw)[:MAX_RAW],
        "run_id": ctx.run_id,
        "quarantined_at": datetime.now(UTC),
    }


def quarantine_events(rows: list[dict]) -> list[AuditEvent]:
    return [
        AuditEvent(
            "row_quarantined",
            f"{r['file_name']}:{r['line']}",
            {"reason": r["reason"], "detail": r["detail"], "file_sha256": r["file_sha256"]},
        )
        for r in rows
    ]


def register(con, name: str, rows: list[dict]) -> None:
    con.register(name, pa.Table.from_pylist(rows))


def store_quarantine(con, rows: list[dict]) -> None:
    insert_rows(con, "quarantine", rows, mode="INSERT OR IGNORE")
    append_events(con, quarantine_events(rows))


def document_row(doc: dict, line: int, report: FileReport, ctx: IngestContext) -> dict:
    row = dict(doc)
    row["lines"] = row.pop("lines_json")
    row["is_history"] = doc["issue_date"] < ctx.go_live
    row["source_file"] = report.file_name
    row["source_line"] = line
    row["ingested_at"] = datetime.now(UTC)
    row["run_id"] = ctx.run_id
    return row


def judge_document(doc: dict, known_hash: str | None, codes: set[str]) -> Rejection | None:
    """Checks that need the warehouse: conflict with a stored document, unknown customer."""
    issuer, number = doc["issuer"], doc["document_number"]
    if known_hash and known_hash != doc["content_sha256"]:
        return Rejection(
            "conflict",
            f"{issuer} {number} was already received with other content; issued documents "
            "are immutable (corrections are credit notes)",
        )
    if doc["customer_code"] not in codes:
        return Rejection(
            "unknown_customer", f"customer {doc['customer_code']} is not in master data"
        )
    return None


def classify_documents(
    con,
    chunk: list[tuple[int, dict]],
    seen: dict[tuple, str],
    report: FileReport,
    ctx: IngestContext,
):
    """Split validated documents into new rows and rejections; identical ones are no-ops."""
    keys = [{"issuer": d["issuer"], "document_number": d["document_number"]} for _, d in chunk]
    register(con, "chunk_keys", keys)
    register(con, "chunk_codes", [{"customer_code": d["customer_code"]} for _, d in chunk])
    stored = {(i, n): h for i, n, h in con.execute(load_sql("existing_documents")).fetchall()}
    codes = {row[0] for row in con.execute(load_sql("known_customer_codes")).fetchall()}
    new, rejected = [], []
    for line, doc in chunk:
        key = (doc["issuer"], doc["document_number"])
        known_hash = seen.get(key) or stored.get(key)
        if known_hash == doc["content_sha256"]:
            report.unchanged += 1
        elif rejection := judge_document(doc, known_hash, codes):
            rejected.append((line, rejection, doc))
        else:
            seen[key] = doc["content_sha256"]
            new.append(document_row(doc, line, report, ctx))
    return new, rejected


def document_events(rows: list[dict], actor: str) -> list[AuditEvent]:
    return [
        AuditEvent(
            "document_ingested",
            f"{r['issuer']}/{r['document_number']}",
            {
                "customer_code": r["customer_code"],
                "content_sha256": r["content_sha256"],
                "history": r["is_history"],
                "source": f"{r['source_file']}:{r['source_line']}",
            },
            actor,
        )
        for r in rows
    ]


def ingest_document_chunk(con, raw_chunk, seen, report: FileReport, ctx: IngestContext) -> None:
    valid, quarantined = [], []
    for line, raw in raw_chunk:
        report.rows_total += 1
        if isinstance(raw, Rejection):
            quarantined.append(quarantine_row(report, line, raw, None, ctx))
            continue
        try:
            valid.append((line, validate_document(raw, ctx.issuers)))
        except RowError as error:
            quarantined.append(quarantine_row(report, line, error.rejection, raw, ctx))
    with transaction(con):
        new, rejected = classify_documents(con, valid, seen, report, ctx) if valid else ([], [])
        quarantined += [quarantine_row(report, line, rej, raw, ctx) for line, rej, raw in rejected]
        report.ingested += insert_rows(con, "documents", new)
        append_events(con, document_events(new, ctx.actor))
        store_quarantine(con, quarantined)


def customer_changes(con, customers: list[dict]) -> list[dict]:
    register(con, "chunk_codes", [{"customer_code": c["customer_code"]} for c in customers])
    cursor = con.execute(load_sql("existing_customers"))
    names = [d[0] for d in cursor.description]
    stored = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    changed = []
    for customer in customers:
        before = stored.get(customer["customer_code"])
        fields = [k for k, v in customer.items() if before is None or before.get(k) != v]
        if fields:
            changed.append({**customer, "_fields": fields, "_new": before is None})
    return changed


def ingest_customer_chunk(con, raw_chunk, report: FileReport, ctx: IngestContext) -> None:
    latest: dict[str, dict] = {}
    quarantined = []
    for line, raw in raw_chunk:
        report.rows_total += 1
        if isinstance(raw, Rejection):
            quarantined.append(quarantine_row(report, line, raw, None, ctx))
            continue
        try:
            customer = validate_customer(raw, ctx.issuers)
        except RowError as error:
            quarantined.append(quarantine_row(report, line, error.rejection, raw, ctx))
            continue
        latest[customer["customer_code"]] = customer  # a later row of the file wins
    with transaction(con):
        changed = customer_changes(con, list(latest.values())) if latest else []
        now = datetime.now(UTC)
        stamp = {"updated_at": now, "source_sha256": report.sha256}
        rows = [{k: v for k, v in c.items() if not k.startswith("_")} | stamp for c in changed]
        insert_rows(con, "customers", rows, mode="INSERT OR REPLACE")
        # Field names only: personal data stays in master data, not in the log (R4).
        append_events(
            con,
            [
                AuditEvent(
                    "customer_created" if c["_new"] else "customer_updated",
                    c["customer_code"],
                    {"fields": sorted(c["_fields"])},
                    ctx.actor,
                )
                for c in changed
            ],
        )
        store_quarantine(con, quarantined)
    report.ingested += len(changed)
    report.unchanged += len(latest) - len(changed)


def record_file(con, report: FileReport, ctx: IngestContext) -> None:
    with transaction(con):
        insert_rows(
            con,
            "landing_files",
            [
                {
                    "sha256": report.sha256,
                    "file_name": report.file_name,
                    "kind": report.kind,
                    "rows_total": report.rows_total,
                    "rows_ingested": report.ingested,
                    "rows_unchanged": report.unchanged,
                    "rows_quarantined": report.quarantined,
                    "processed_at": datetime.now(UTC),
                    "run_id": ctx.run_id,
                }
            ],
        )
        append_events(
            con,
            [
                AuditEvent(
                    "landing_file_processed",
                    report.file_name,
                    {
                        "sha256": report.sha256,
                        "status": report.status,
                        "rows": report.rows_total,
                        "ingested": report.ingested,
                        "unchanged": report.unchanged,
                        "quarantined": report.quarantined,
                    },
                    ctx.actor,
                )
            ],
        )


def move_to_processed(path: Path, processed_dir: Path, sha256: str) -> Path:
    """Never deleted: moved aside, with the hash in the name if the name was used before."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    target = processed_dir / path.name
    if target.exists():
        target = processed_dir / f"{path.stem}.{sha256[:12]}{path.suffix}"
    os.replace(path, target)
    return target


def already_processed(ctx: IngestContext, sha256: str) -> bool:
    with open_writer(ctx.database, ctx.actor, ctx.lock_timeout) as con:
        row = run_sql(con, "SELECT 1 FROM landing_files WHERE sha256 = ?", [sha256])
    return bool(row)


def ingest_file(path: Path, ctx: IngestContext) -> FileReport:
    kind = "customers" if path.name.startswith("customers") else "documents"
    report = FileReport(path.name, sha256_file(path), kind)
    if path.suffix == ".jsonl" and not jsonl_is_complete(path):
        report.status, report.detail = (
            "incomplete",
            "last line is cut: still being written, left for the next run",
        )
        return report
    if already_processed(ctx, report.sha256):
        report.status = "already_processed"
        move_to_processed(path, ctx.processed_dir, report.sha256)
        return report
    rows = read_customer_rows(path) if kind == "customers" else read_document_rows(path)
    seen: dict[tuple, str] = {}
    try:
        for chunk in chunked(rows, ctx.batch_size):
            with open_writer(ctx.database, ctx.actor, ctx.lock_timeout) as con:
                if kind == "customers":
                    ingest_customer_chunk(con, chunk, report, ctx)
                else:
                    ingest_document_chunk(con, chunk, seen, report, ctx)
            crashpoint("ingest.chunk_committed")
            progress.advance(f"ingest {path.name}", len(chunk))  # committed rows
            # Earlier chunks are committed, so the warehouse answers for their keys:
            # `seen` only has to cover one chunk (1M rows kept it at ~400 MB).
            seen.clear()
    except UnreadableFile as error:
        report.status, report.detail = "unreadable", str(error)
        with open_writer(ctx.database, ctx.actor, ctx.lock_timeout) as con, transaction(con):
            store_quarantine(
                con,
                [quarantine_row(report, 0, Rejection("unreadable_file", str(error)), None, ctx)],
            )
    with open_writer(ctx.database, ctx.actor, ctx.lock_timeout) as con:
        record_file(con, report, ctx)
    crashpoint("ingest.before_move")
    move_to_processed(path, ctx.processed_dir, report.sha256)
    return report
