"""Ingest: landing files → validation → warehouse (DESIGN rule 7, landing contract).

Each file is processed once, keyed by its sha256, in chunks of `batch_size` rows; each
chunk commits its rows, its quarantine entries and its audit events in one
transaction. A crash mid-file is harmless: the file is read again and rows already
stored are recognised as identical re-deliveries. The file moves to processed/ only
after its record is committed.

Modules: read (rows out of CSV / JSON Lines / Parquet), documents and customers (one
chunk each), quarantine, ledger (landing_files), files (listing, hashing, moving).
"""

from __future__ import annotations

from pathlib import Path

from domain.validate import Rejection
from tasks import progress
from tasks.faults import crashpoint
from tasks.ingest.context import FileReport, IngestContext
from tasks.ingest.customers import ingest_customer_chunk
from tasks.ingest.documents import ingest_document_chunk
from tasks.ingest.files import chunked, list_landing_files, move_to_processed, sha256_file
from tasks.ingest.ledger import already_processed, record_file
from tasks.ingest.quarantine import quarantine_row, store_quarantine
from tasks.ingest.read import (
    UnreadableFile,
    jsonl_is_complete,
    read_customer_rows,
    read_document_rows,
)
from warehouse.store import open_writer, transaction

__all__ = [
    "FileReport",
    "IngestContext",
    "ingest_file",
    "list_landing_files",
    "move_to_processed",
    "sha256_file",
]


def ingest_rows(path: Path, kind: str, report: FileReport, ctx: IngestContext) -> None:
    rows = read_customer_rows(path) if kind == "customers" else read_document_rows(path)
    seen: dict[tuple, str] = {}
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


def quarantine_file(report: FileReport, error: UnreadableFile, ctx: IngestContext) -> None:
    report.status, report.detail = "unreadable", str(error)
    with open_writer(ctx.database, ctx.actor, ctx.lock_timeout) as con, transaction(con):
        store_quarantine(
            con,
            [quarantine_row(report, 0, Rejection("unreadable_file", str(error)), None, ctx)],
        )


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
    try:
        ingest_rows(path, kind, report, ctx)
    except UnreadableFile as error:
        quarantine_file(report, error, ctx)
    with open_writer(ctx.database, ctx.actor, ctx.lock_timeout) as con:
        record_file(con, report, ctx)
    crashpoint("ingest.before_move")
    move_to_processed(path, ctx.processed_dir, report.sha256)
    return report
