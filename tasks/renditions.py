"""Render step around the worker pool: pick documents to render, record what came back.

The warehouse is read before and written after the CPU work, never during it, so the
writer lock is free while workers draw (another flow can commit meanwhile). Jobs name
their PDF by storage key (tasks/storage.py); workers are a local process pool or, with
a scheduler address, a Dask cluster (tasks/render/cluster.py).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from domain.paths import document_pdf_relpath, resolve_inside
from domain.records import RenderedDocument, RenderJob
from tasks.accounts.codes import attach_activation_codes
from tasks.faults import crashpoint
from tasks.render import collect_renderings, start_rendering
from tasks.render.cluster import cluster_executor
from tasks.storage import StorageConfig
from warehouse.audit import AuditEvent, append_events
from warehouse.store import fetch_dicts, insert_rows, load_sql, run_sql, transaction

log = logging.getLogger("iportal.render")

CUSTOMER_FIELDS = ("customer_code", "name", "street", "postal_code", "city", "country", "language")


def as_text(value) -> str | None:
    return None if value is None else str(value)


def render_job_from_row(row: dict, data_dir: Path | None, issuers: dict) -> RenderJob:
    """data_dir None: out_path is the PDF's storage key; else a local path under it."""
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
    # Landing contract v2 (issue 17), when the render-input query carries it.
    for k in ("period_start", "period_end"):
        if row.get(k) is not None:
            document[k] = as_text(row[k])
    customer = {k: row[k] for k in CUSTOMER_FIELDS}
    customer.update({k: row[k] for k in ("customer_vat_id", "customer_country") if k in row})
    return RenderJob(
        issuer=row["issuer"],
        document_number=row["document_number"],
        out_path=relpath if data_dir is None else str(resolve_inside(data_dir, relpath)),
        document=document,
        customer=customer,
        issuer_info=issuers[row["issuer"]].model_dump(),
    )


def select_render_jobs(
    con,
    data_dir: Path | None,
    issuers: dict,
    limit: int,
    code_secret: bytes | None = None,
    timezone: str = "Europe/Brussels",
    after: tuple[str, str] | None = None,
) -> list[RenderJob]:
    """Up to `limit` documents to draw, in key order; after `after` (issuer, number)
    when given: the batch before it is still being drawn."""
    issuer, number = after or (None, None)
    params = {"limit": limit, "after_issuer": issuer, "after_number": number}
    rows = fetch_dicts(con, "unrendered_documents", params)
    jobs = [render_job_from_row(row, data_dir, issuers) for row in rows]
    if code_secret is not None:  # R17: paper invoices print their activation code
        attach_activation_codes(con, jobs, code_secret, timezone)
    return jobs


def relative_key(path: str, root: Path) -> str:
    """Storage keys are recorded as they are; a local absolute path relative to root."""
    return str(Path(path).resolve().relative_to(root)) if os.path.isabs(path) else path


def record_renditions(
    con,
    rendered: list[RenderedDocument],
    data_dir: Path,
    run_id: str,
    actor: str,
    variant: str = "original",
) -> int:
    crashpoint("render.before_record")
    now = datetime.now(UTC)
    root = data_dir.resolve()
    rows = [
        {
            "issuer": r.issuer,
            "document_number": r.document_number,
            "variant": variant,
            "path": relative_key(r.path, root),
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
            {"variant": variant, "sha256": r.sha256, "pages": r.pages, "bytes": r.bytes}
            # Issue 17: characters no embedded font has, drawn as U+FFFD; counted in
            # the run report (missing_glyph_documents).
            | ({"missing_glyphs": r.missing_glyphs} if r.missing_glyphs else {}),
            actor,
        )
        for r in rendered
    ]
    with transaction(con):
        # A second writer (nightly and backfill share this step) may have drawn and
        # recorded the same PDFs meanwhile: same bytes (DESIGN rule 5); record and audit
        # each once.
        known = recorded_renditions(con, rendered, variant)
        rows = [r for r in rows if (r["issuer"], r["document_number"]) not in known]
        events = [e for e in events if tuple(e.entity.split("/", 1)) not in known]
        insert_rows(con, "renditions", rows, mode="INSERT OR IGNORE")
        append_events(con, events)
    return len(rows)


def recorded_renditions(con, rendered: list[RenderedDocument], variant: str) -> set[tuple]:
    if not rendered:
        return set()
    keys = pa.table(
        {
            "issuer": [r.issuer for r in rendered],
            "document_number": [r.document_number for r in rendered],
        }
    )
    con.register("rendition_keys", keys)
    try:
        return set(run_sql(con, load_sql("recorded_renditions"), {"variant": variant}))
    finally:
        con.unregister("rendition_keys")


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


def render_batch(
    jobs: list[RenderJob],
    workers: int,
    storage: StorageConfig | None = None,
    scheduler_address: str | None = None,
) -> tuple[list[RenderedDocument], list]:
    """Render a batch in the local pool of `workers` processes, or on the Dask cluster
    at `scheduler_address` (its threads then count as the workers); a document that
    cannot be drawn fails alone. storage None: each out_path is a local path."""
    return finish_render_batch(start_render_batch(jobs, workers, storage, scheduler_address))


def start_render_batch(
    jobs: list[RenderJob],
    workers: int,
    storage: StorageConfig | None = None,
    scheduler_address: str | None = None,
) -> tuple[list[RenderJob], Iterator]:
    """render_batch's first half: the batch is handed to the workers (issue 21)."""
    cluster = cluster_executor(scheduler_address) if scheduler_address else None
    executor, workers = cluster if cluster else (None, workers)
    return jobs, start_rendering(jobs, workers, executor=executor, storage=storage)


def finish_render_batch(started: tuple[list[RenderJob], Iterator]) -> tuple[list, list]:
    """render_batch's second half: wait for the outcomes; (rendered, failures)."""
    jobs, outcomes = started
    errors: list = []
    rendered = collect_renderings(outcomes, errors)
    by_key = {(job.issuer, job.document_number): job for job in jobs}
    failures = [(by_key[(e.issuer, e.document_number)], e.reason) for e in errors]
    for error in errors:
        log.error("cannot render %s/%s: %s", error.issuer, error.document_number, error.reason)
    return rendered, failures
