"""Analyst access: read-only SQL on the snapshot, audit verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from config import load_settings
from warehouse.audit import ChainReport, verify_chain
from warehouse.store import (
    ReadSource,
    configure_reads,
    open_operator_reader,
    open_reader,
    snapshot_reader,
)


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    source: Path
    fresh_as_of: datetime
    read: ReadSource | None = None


def run_query(data_dir: Path, query: str, snapshot: bool = False) -> QueryResult:
    """The connection is read-only: a write statement fails inside DuckDB itself. The
    live warehouse when no writer holds it (issue 19: after `bounces ingest` or `code
    redeem` an operator sees the change at once), else the snapshot, saying why;
    `snapshot=True` always reads the snapshot (long analyst queries: DESIGN rule 8)."""
    settings = load_settings(data_dir)
    if snapshot:
        reading = snapshot_reader(settings.warehouse_path, settings.snapshot_path)
    else:
        reading = open_operator_reader(settings.warehouse_path, settings.snapshot_path)
    with reading as (con, source):
        configure_reads(con, settings.analyst_memory_limit)  # issue 21: spills beyond it
        cursor = con.execute(query)
        columns = [d[0] for d in cursor.description] if cursor.description else []
        rows = cursor.fetchall() if columns else []
    return QueryResult(columns, rows, source.path, source.fresh_as_of, source)


def verify_audit(data_dir: Path) -> ChainReport:
    settings = load_settings(data_dir)
    con = open_reader(settings.warehouse_path, settings.snapshot_path)
    try:
        return verify_chain(con)
    finally:
        con.close()


@dataclass
class RenderCheck:
    checked: int
    mismatches: list[str]


def verify_renditions(data_dir: Path, sample: int, seed: int = 0) -> RenderCheck:
    """Re-render a sample of archived PDFs and compare sha256 (DESIGN rule 5)."""
    import tempfile

    from tasks.accounts.codes import attach_activation_codes
    from tasks.render import render_one
    from tasks.renditions import render_job_from_row
    from warehouse.store import load_sql

    settings = load_settings(data_dir)
    con = open_reader(settings.warehouse_path, settings.snapshot_path)
    try:
        cursor = con.execute(
            load_sql("rendered_documents_sample"), {"limit": sample, "seed": str(seed)}
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        with tempfile.TemporaryDirectory() as scratch:
            jobs = [render_job_from_row(row, Path(scratch), settings.issuers) for row in rows]
            # R17: a paper invoice printed its activation code; the same job draws it again
            attach_activation_codes(con, jobs, settings.code_secret(), settings.timezone)
            mismatches = [
                f"{row['issuer']}/{row['document_number']}"
                for row, job in zip(rows, jobs, strict=True)
                if render_one(job).sha256 != row["recorded_sha256"]
            ]
    finally:
        con.close()
    return RenderCheck(len(rows), mismatches)
