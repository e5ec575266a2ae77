"""Render step around the worker pool: pick documents to render, record what came back.

The warehouse is read before and written after the CPU work, never during it, so the
writer lock is free while workers draw (another flow can commit meanwhile).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from domain.paths import document_pdf_relpath, resolve_inside
from domain.records import RenderedDocument, RenderJob
from tasks.render import render_documents
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction

log = logging.getLogger("iportal.render")

CUSTOMER_FIELDS = ("customer_code", "name", "street", "postal_code", "city", "country", "language")


def as_text(value) -> str | None:
    return None if value is None else str(value)


def render_job_from_row(row: dict, data_dir: Path, issuers: dict) -> RenderJob:
    relpath = document_pdf_relpath(row["issuer"], row["document_number"], row["issue_date"].year)
    document = {
        k: as_text(row[k])
        for k in (
            "document_number",
            "document_type",
            "issue_date",
            "due_date",
            "customer_number",
            "contract_number",
            "currency",
            "total_excl_vat",
            "total_vat",
            "total_incl_vat",
            "payment_reference",
            "credited_document_number",
        )
    }
    document["issuer"] = row["issuer"]
    document["lines"] = json.loads(row["lines"])
    return RenderJob(
        issuer=row["issuer"],
        document_number=row["document_number"],
        out_path=str(resolve_inside(data_dir, relpath)),
        document=document,
        customer={k: row[k] for k in CUSTOMER_FIELDS},
        issuer_info=issuers[row["issuer"]].model_dump(),
    )


def select_render_jobs(con, data_dir: Path, issuers: dict, limit: int) -> list[RenderJob]:
    cursor = con.execute(load_sql("unrendered_documents"), [limit])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [render_job_from_row(row, data_dir, issuers) for row in rows]


def record_renditions(
    con,
    rendered: list[RenderedDocument],
    data_dir: Path,
    run_id: str,
    actor: str,
    variant: str = "original",
) -> int:
    now = datetime.now(UTC)
    root = data_dir.resolve()
    rows = [
        {
            "issuer": r.issuer,
            "document_number": r.document_number,
            "variant": variant,
            "path": str(Path(r.path).resolve().relative_to(root)),
            "sha256": r.sha256,
            "pages": r.pages,
            "bytes": r.bytes,
            "rendered_at": now,
            "run_id": run_id,
        }
        for r in rendered
    ]
    events = [
        AuditEvent(
            "document_rendered",
            f"{r.issuer}/{r.document_number}",
            {"variant": variant, "sha256": r.sha256, "pages": r.pages, "bytes": r.bytes},
            actor,
        )
        for r in rendered
    ]
    with transaction(con):
        insert_rows(con, "renditions", rows, mode="INSERT OR IGNORE")
        append_events(con, events)
    return len(rows)


def record_render_failures(con, failures: list[tuple[RenderJob, str]], actor: str) -> int:
    """A document that cannot be drawn fails its deliveries, visibly; the rest goes on."""
    with transaction(con):
        for job, error in failures:
            failed = {"reason": f"render failed: {error}"[:500], "issuer": job.issuer}
            run_sql(
                con, load_sql("fail_undelivered"), failed | {"document_number": job.document_number}
            )
        append_events(
            con,
            [
                AuditEvent(
                    "render_failed",
                    f"{job.issuer}/{job.document_number}",
                    {"error": error[:500]},
                    actor,
                )
                for job, error in failures
            ],
        )
    return len(failures)


def render_batch(jobs: list[RenderJob], workers: int) -> tuple[list[RenderedDocument], list]:
    """Render a batch in the pool; a document that cannot be drawn fails alone."""
    errors: list = []
    rendered = render_documents(jobs, workers, errors=errors)
    by_key = {(job.issuer, job.document_number): job for job in jobs}
    failures = [(by_key[(e.issuer, e.document_number)], e.reason) for e in errors]
    for error in errors:
        log.error("cannot render %s/%s: %s", error.issuer, error.document_number, error.reason)
    return rendered, failures
