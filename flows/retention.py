"""The retention flow (issue 19): what the law no longer requires us to keep goes.

    expired documents (art. 60 § 4 WBTW: 10 years from 1 January after their date)
      → rows out of every document table + a documents_purged audit event (commitment)
      → their PDFs out of storage (so out of the portal)
    deleted users older than personal_data_keep_days → names and e-mail erased

dry_run (the default) only counts. A run is a row in `runs` like any other flow; a
crash resumes by running again (the selection reads the warehouse state).
"""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from config import Settings, load_settings
from domain.clock import resolve_as_of
from tasks import retention, runs
from tasks.storage import storage_config
from warehouse.store import open_writer, refresh_snapshot

ACTOR = "retention"


def writer(settings: Settings):
    return open_writer(settings.warehouse_path, ACTOR, settings.lock_timeout_seconds)


@task(cache_policy=NO_CACHE)
def purge_one_batch(settings: Settings, as_of, run_id: str, dry_run: bool, offset: int) -> dict:
    with writer(settings) as con:
        limit = settings.batch_size + (offset if dry_run else 0)
        batch = retention.expired_documents(
            con, as_of, settings.retention_years, settings.retention_hold_customer_codes, limit
        )[offset if dry_run else 0 :]
        if dry_run or not batch:
            return {"documents": len(batch), "files": sum(len(d["pdf_keys"] or []) for d in batch)}
        return retention.purge_documents(con, storage_config(settings), batch, run_id, ACTOR)


@flow(name="retention")
def retention_flow(as_of: str | None = None, data_dir: str | None = None,
                   dry_run: bool = True) -> dict:  # fmt: skip
    """Purge documents past their retention period and minimise deleted users' data."""
    settings = load_settings(data_dir)
    moment = resolve_as_of(as_of, settings.timezone)
    with writer(settings) as con:
        run_id = runs.start_run(con, "retention", moment, ACTOR)
    documents = files = 0
    commitments = []
    while True:
        done = purge_one_batch(settings, moment, run_id, dry_run, documents)
        documents, files = documents + done["documents"], files + done["files"]
        if "commitment" in done:
            commitments.append(done["commitment"])
        if done["documents"] < settings.batch_size:
            break
    before = moment - timedelta(days=settings.personal_data_keep_days)
    with writer(settings) as con:
        users = retention.minimise_deleted_users(con, before, ACTOR, dry_run)
        summary = {"run_id": run_id, "as_of": moment.isoformat(), "dry_run": dry_run,
                   "documents_purged": documents, "files_removed": files,
                   "users_minimised": users, "commitments": commitments,
                   "retention_years": settings.retention_years}  # fmt: skip
        runs.finish_run(con, run_id, "completed", summary, ACTOR)
        con.close()
        refresh_snapshot(
            settings.warehouse_path, settings.snapshot_path, settings.analyst_memory_limit
        )
    return summary
