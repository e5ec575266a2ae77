"""Backfill flows (R21): seven years of history for an account or a customer code.

    backfill(account=..., customer_code=..., as_of=None)   # by hand or a deployment run
    backfill_pending(as_of=None)                            # runs queued requests

Decide (one INSERT) → verify archived PDFs → render the missing ones in the worker pool
→ publish. Never printed, never one notification per document.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE

from domain.clock import resolve_as_of
from flows.nightly import render_one_batch
from iportal.config import Settings, load_settings
from tasks import backfill as steps
from tasks import portal, progress, runs
from tasks.storage import open_storage, storage_config
from warehouse.store import open_writer

ACTOR = "backfill"


def writer(settings: Settings):
    return open_writer(settings.warehouse_path, ACTOR, settings.lock_timeout_seconds)


@task(cache_policy=NO_CACHE)
def decide_backfill(
    settings: Settings, account, customer_code, as_of: datetime, run_id: str
) -> int:
    with writer(settings) as con:
        codes = steps.resolve_backfill_codes(con, account, customer_code)
        return steps.decide_backfill_deliveries(con, codes, as_of, run_id, ACTOR)


@task(cache_policy=NO_CACHE)
def verify_archived_pdfs(settings: Settings, run_id: str) -> dict:
    with writer(settings) as con:
        storage = open_storage(storage_config(settings))
        verified, damaged = steps.verify_existing_renditions(con, storage, run_id)
        if damaged:
            steps.forget_damaged_renditions(con, damaged, ACTOR)
    return {"verified": verified, "damaged": len(damaged)}


@task(cache_policy=NO_CACHE)
def render_backfill_batch(settings: Settings, run_id: str) -> int:
    return render_one_batch(settings, run_id, ACTOR)


@task(cache_policy=NO_CACHE)
def publish_backfill(settings: Settings) -> int:
    with writer(settings) as con:
        return portal.publish_portal_deliveries(con, ACTOR)


@flow(name="backfill")
def backfill(
    account: str | None = None,
    customer_code: str | None = None,
    as_of: str | None = None,
    data_dir: str | None = None,
) -> dict:
    """Publish every document of the last seven years of an account (main contact
    e-mail or account id) or of one customer code to the portal."""
    if not account and not customer_code:
        raise ValueError("backfill needs an account or a customer code")
    logger = get_run_logger()
    settings = load_settings(data_dir)
    moment = resolve_as_of(as_of, settings.timezone)
    with writer(settings) as con:
        run_id = runs.start_run(con, "backfill", moment, ACTOR)
    decided = decide_backfill(settings, account, customer_code, moment, run_id)
    logger.info("backfill %s: %d documents to publish", run_id, decided)
    progress_id = create_progress_artifact(0.0, key="backfill-progress", description="Backfill")
    checks = verify_archived_pdfs(settings, run_id)
    rendered = 0
    while done := render_backfill_batch(settings, run_id):
        rendered += done
        progress.advance("backfill render", done, decided - checks["verified"])
        update_progress_artifact(progress_id, min(100.0, 100.0 * rendered / max(1, decided)))
    published = publish_backfill(settings)
    update_progress_artifact(progress_id, 100.0)
    summary = {
        "run_id": run_id,
        "account": account,
        "customer_code": customer_code,
        "decided": decided,
        "rendered": rendered,
        "published": published,
        "verified": checks["verified"],
        "repaired": checks["damaged"],
        "skipped": 0 if decided else "all already published",
    }
    with writer(settings) as con:
        runs.finish_run(con, run_id, "completed", summary, ACTOR)
    return summary


@flow(name="backfill-pending")
def backfill_pending(as_of: str | None = None, data_dir: str | None = None) -> list[dict]:
    """Run the backfills that activations, added codes and merges asked for (R21)."""
    settings = load_settings(data_dir)
    with writer(settings) as con:
        requests = steps.pending_backfill_requests(con)
    results = []
    for request in requests:
        summary = backfill(
            account=request["account_id"],
            customer_code=request["customer_code"],
            as_of=as_of,
            data_dir=data_dir,
        )
        with writer(settings) as con:
            steps.finish_backfill_request(con, request["request_id"], summary["run_id"], summary)
        results.append(summary)
    return results
