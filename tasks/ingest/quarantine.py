"""Quarantine: a bad row is kept with its file, line, reason and raw text (DESIGN rule 7)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from domain.validate import Rejection, RowError
from tasks.ingest.context import FileReport, IngestContext
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows

MAX_RAW = 2000


def validated_rows(
    raw_chunk: Iterable[tuple[int, object]],
    validate: Callable[[object], object],
    report: FileReport,
    ctx: IngestContext,
    quarantined: list[dict],
) -> Iterator[tuple[int, object]]:
    """(line, validate(raw)) of each good row of a chunk; a row the reader already
    rejected or `validate` refuses (RowError) goes to `quarantined` instead, with its
    reason, file and line, and the rest proceeds (DESIGN rule 7)."""
    for line, raw in raw_chunk:
        report.rows_total += 1
        if isinstance(raw, Rejection):
            quarantined.append(quarantine_row(report, line, raw, None, ctx))
            continue
        try:
            checked = validate(raw)
        except RowError as error:
            quarantined.append(quarantine_row(report, line, error.rejection, raw, ctx))
            continue
        yield line, checked


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


def store_quarantine(con, rows: list[dict]) -> None:
    insert_rows(con, "quarantine", rows, mode="INSERT OR IGNORE")
    append_events(con, quarantine_events(rows))
