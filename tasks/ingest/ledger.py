"""The landing_files ledger: a file is processed once, keyed by its sha256."""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.ingest.context import FileReport, IngestContext
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, open_writer, run_sql, transaction


def file_record(report: FileReport, ctx: IngestContext) -> dict:
    return {
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


def file_event(report: FileReport, ctx: IngestContext) -> AuditEvent:
    return AuditEvent(
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


def record_file(con, report: FileReport, ctx: IngestContext) -> None:
    with transaction(con):
        insert_rows(con, "landing_files", [file_record(report, ctx)])
        append_events(con, [file_event(report, ctx)])


def already_processed(ctx: IngestContext, sha256: str) -> bool:
    with open_writer(ctx.database, ctx.actor, ctx.lock_timeout) as con:
        row = run_sql(con, "SELECT 1 FROM landing_files WHERE sha256 = ?", [sha256])
    return bool(row)
