"""The nightly flow: orchestration only (which step, which batch, which order).

    ingest landing → route new documents → render them → print batches → publish

Every step works on batches of `batch_size` documents and picks its work from the
warehouse state, so a re-run or a resume after a crash finishes what is not done and
skips what is (DESIGN rules 1, 4).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from functools import partial

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from config import Settings, load_settings
from domain.clock import resolve_as_of
from flows.digest import send_immediate_digests
from flows.report import publish_morning_report, publish_night_report
from tasks import accounts, paper, peppol, portal, progress, renditions, route, runs
from tasks.ingest import FileReport, IngestContext, ingest_file, list_landing_files
from tasks.pool import prestart_pool, run_in_own_process
from tasks.print_batch import build_print_batch
from tasks.storage import open_storage, storage_config
from tasks.usage import start_usage, usage_since
from warehouse.store import open_writer, refresh_snapshot

ACTOR = "nightly"


def writer(settings: Settings):
    return open_writer(settings.warehouse_path, ACTOR, settings.lock_timeout_seconds)


def warm_pool(settings: Settings) -> None:
    """Start the local workers while the warehouse steps run (a Dask cluster or a
    single worker needs no pool)."""
    if settings.dask_scheduler_address is None and settings.render_workers > 1:
        threading.Thread(target=prestart_pool, args=(settings.render_workers,), daemon=True).start()


@task(cache_policy=NO_CACHE)
def start_night(settings: Settings, as_of: datetime) -> tuple[str, object]:
    with writer(settings) as con:
        go_live = runs.resolve_go_live(con, settings.go_live_date, as_of)
        run_id = runs.start_run(con, "nightly", as_of, ACTOR)
    return run_id, go_live


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def ingest_landing_file(path, ctx: IngestContext) -> FileReport:
    return ingest_file(path, ctx)


@task(cache_policy=NO_CACHE)
def sync_accounts_from_master_data(settings: Settings, as_of: datetime) -> dict:
    """R5: one account per main-contact e-mail, holding all its customer codes."""
    with writer(settings) as con:
        return accounts.sync_accounts(con, as_of, ACTOR)


@task(cache_policy=NO_CACHE)
def mark_copy_deliveries(settings: Settings) -> int:
    """R15: electronic deliveries of documents printed before an opt-in are copies."""
    with writer(settings) as con:
        return accounts.mark_copy_deliveries(con, ACTOR)


@task(cache_policy=NO_CACHE)
def assign_activation_codes(settings: Settings, as_of: datetime, run_id: str) -> dict:
    """R17: tonight's paper invoices get their activation code before they are drawn."""
    secret, zone, size = settings.code_secret(), settings.timezone, settings.batch_size
    with writer(settings) as con:
        return accounts.assign_activation_codes(con, as_of, run_id, secret, zone, size, ACTOR)


@task(cache_policy=NO_CACHE)
def render_activation_letters(settings: Settings, run_id: str) -> int:
    """R17: every pending activation letter, batch by batch: select (lock held), draw,
    record. Runs beside the documents' render (issue 21): both feed the same pool."""
    total = 0
    while True:
        with writer(settings) as con:
            rows = accounts.letters.select_letters(con, settings.batch_size)
        if not rows:
            return total
        secret, zone = settings.code_secret(), settings.timezone
        drawn = accounts.letters.draw_letters_in_pool(
            rows, settings.data_dir, settings.issuers, secret, zone, settings.render_workers
        )
        with writer(settings) as con:
            accounts.letters.record_letters(con, *drawn, run_id, ACTOR)
        total += len(rows)
        progress.advance("letters", len(rows))


@task(cache_policy=NO_CACHE)
def route_new_documents(settings: Settings, as_of: datetime, run_id: str) -> int:
    with writer(settings) as con:
        mandate, lookup = peppol.peppol_mandate(settings), peppol.routing_lookup(settings)
        return route.route_batch(con, as_of, run_id, settings.batch_size, ACTOR, mandate, lookup)


@task(cache_policy=NO_CACHE)
def render_pending_documents(settings: Settings, run_id: str) -> int:
    return render_all_pending(settings, run_id, ACTOR, partial(progress.advance, "render"))


def render_all_pending(settings: Settings, run_id: str, actor: str, on_batch=None) -> int:
    """Every document still to draw, batch after batch: select (lock held), draw in the
    worker pool (lock free), record (lock held). Issue 21: the next batch is selected
    and handed to the workers before this one is recorded, so the pool never waits for
    the warehouse; selection goes on in key order after the batch in flight, and a last
    pass from the start picks up what another writer added behind it.

    Shared by the nightly and the backfill: both finish any pending delivery's PDF,
    with the same inputs (activation code, time zone), so the bytes are the same.
    """
    total, in_flight, after = 0, None, None
    while True:
        with open_writer(settings.warehouse_path, actor, settings.lock_timeout_seconds) as con:
            jobs = renditions.select_render_jobs(
                con, None, settings.issuers, settings.batch_size,  # None: out_path = storage key
                settings.code_secret(), settings.timezone, after,
            )  # fmt: skip
        started = None
        if jobs:
            started = renditions.start_render_batch(
                jobs, settings.render_workers, storage_config(settings),
                settings.dask_scheduler_address,
            )  # fmt: skip
        if in_flight is not None:
            done = record_render_batch(settings, in_flight, run_id, actor)
            total += done
            if on_batch:
                on_batch(done)
        if started is None and after is None:
            return total
        in_flight = started
        after = (jobs[-1].issuer, jobs[-1].document_number) if jobs else None


def record_render_batch(settings: Settings, started, run_id: str, actor: str) -> int:
    """Wait for a batch handed to the workers and record it; its size."""
    rendered, failures = renditions.finish_render_batch(started)
    with open_writer(settings.warehouse_path, actor, settings.lock_timeout_seconds) as con:
        renditions.record_renditions(con, rendered, settings.data_dir, run_id, actor)
        if failures:
            renditions.record_render_failures(con, failures, actor)
    return len(rendered) + len(failures)


def merge_print_batch(workers: int, *args, **kwargs):
    """build_print_batch in a process of its own when there are workers to spare, else
    here."""
    if workers <= 1:
        return build_print_batch(*args, **kwargs)
    return run_in_own_process(build_print_batch, *args, **kwargs)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def dispatch_print_batches(settings: Settings, as_of: datetime, run_id: str) -> list[dict]:
    with writer(settings) as con:
        paper.assign_print_batches(con, as_of, run_id, ACTOR)
        pending = [
            (b, i, paper.mail_pieces(con, b, settings.data_dir))
            for b, i in paper.building_batches(con)
        ]
    built = []
    storage = open_storage(storage_config(settings))
    for batch_id, issuer, pieces in pending:
        with paper.local_mail_pieces(pieces, storage) as local_pieces:
            batch = merge_print_batch(  # issue 21: beside the Peppol step
                settings.render_workers,
                local_pieces,
                settings.print_dir,
                batch_id,
                issuer,
                max_pieces_per_file=settings.print_max_pieces_per_file,
            )
        with writer(settings) as con:
            paper.mark_batch_ready(con, batch, settings.data_dir, ACTOR)
        built.append(
            {
                "batch_id": batch.batch_id,
                "issuer": issuer,
                "pieces": batch.pieces,
                "pages": batch.pages,
                "sheets": batch.sheets,
                "pdf": str(batch.pdf_path),
            }
        )
    return built


@task(cache_policy=NO_CACHE)
def send_peppol_deliveries(settings: Settings, run_id: str) -> dict:
    """Issue 7: build, validate and send the rendered Peppol documents, once per key."""
    access_point = peppol.make_access_point(
        settings.peppol_access_point_url,
        settings.peppol_timeout_seconds,
        settings.peppol_outbox_dir,
        settings.peppol_max_retry_after_seconds,
    )
    issuers = {prefix: issuer.model_dump() for prefix, issuer in settings.issuers.items()}
    with writer(settings) as con:  # issue 18: what came back since the last run first
        enterprises = {p: i.enterprise_number for p, i in settings.issuers.items()}
        inbox = peppol.ingest_inbox(con, settings.peppol_inbox_dir, enterprises, ACTOR)
    counts = peppol.deliver_pending(
        lambda: writer(settings),
        access_point,
        issuers,
        storage_config(settings),
        run_id,
        settings.batch_size,
        ACTOR,
        settings.render_workers,
    )
    return counts.as_dict() | {"responses": inbox.as_dict()}


# R14: rendered portal deliveries become available in the portal; R16: network
# deliveries reach the customer code's network mailbox (one step, tasks/publish.py).
PUBLISHERS = {
    "portal": portal.publish_portal_deliveries,
    "network": accounts.publish_network_deliveries,
}


@task(cache_policy=NO_CACHE, task_run_name="publish-{channel}-deliveries")
def publish_channel_deliveries(settings: Settings, channel: str) -> int:
    with writer(settings) as con:
        return PUBLISHERS[channel](con, ACTOR)


@task(cache_policy=NO_CACHE)
def finish_night(settings: Settings, run_id: str, summary: dict) -> dict:
    with writer(settings) as con:
        summary["deliveries"] = runs.summarise_deliveries(con, run_id)
        summary["missing_glyphs"] = runs.summarise_missing_glyphs(con, run_id)
        runs.finish_run(con, run_id, "completed", summary, ACTOR)
        con.close()
        refresh_snapshot(
            settings.warehouse_path, settings.snapshot_path, settings.analyst_memory_limit
        )
    return summary


def repeat_until_done(step, *args, label: str) -> int:
    total = 0
    while done := step(*args):
        total += done
        progress.advance(label, done)
    return total


@flow(name="nightly")
def nightly(as_of: str | None = None, data_dir: str | None = None) -> dict:
    """Process tonight's landing files end to end; returns the run summary."""
    logger = get_run_logger()
    settings = load_settings(data_dir)
    moment = resolve_as_of(as_of, settings.timezone)
    started, usage = time.monotonic(), start_usage()
    warm_pool(settings)  # issue 21: the workers start during the ingest, not the render
    run_id, go_live = start_night(settings, moment)
    logger.info("nightly run %s as of %s (go-live %s)", run_id, moment.isoformat(), go_live)
    ctx = IngestContext(
        database=settings.warehouse_path,
        processed_dir=settings.processed_dir,
        issuers=frozenset(settings.issuers),
        go_live=go_live,
        run_id=run_id,
        batch_size=settings.batch_size,
        lock_timeout=settings.lock_timeout_seconds,
        actor=ACTOR,
        timezone=settings.timezone,
    )
    timings: dict[str, float] = {}
    mark = time.monotonic()
    files = [ingest_landing_file(path, ctx) for path in list_landing_files(settings.landing_dir)]
    synced = sync_accounts_from_master_data(settings, moment)
    timings["ingest"] = time.monotonic() - mark
    mark = time.monotonic()
    routed = repeat_until_done(route_new_documents, settings, moment, run_id, label="route")
    copies = mark_copy_deliveries(settings)
    codes = assign_activation_codes(settings, moment, run_id)
    timings["route"] = time.monotonic() - mark
    mark = time.monotonic()
    lettering = render_activation_letters.submit(settings, run_id)  # beside the documents
    rendered = render_pending_documents(settings, run_id)
    letters = lettering.result()
    timings["render"] = time.monotonic() - mark
    mark = time.monotonic()
    # Issue 21: paper and Peppol overlap (their deliveries are apart); the print merge
    # and the Peppol checks share the night's pool, the warehouse takes them in turn.
    printing = dispatch_print_batches.submit(settings, moment, run_id)
    peppol_sent = send_peppol_deliveries(settings, run_id)
    batches = printing.result()
    published = publish_channel_deliveries(settings, "portal")
    network = publish_channel_deliveries(settings, "network")
    timings["dispatch"] = time.monotonic() - mark
    timings["total"] = time.monotonic() - started
    summary = {
        "run_id": run_id,
        "as_of": moment.isoformat(),
        "go_live_date": str(go_live),
        "files": [vars(f) | {"reasons": dict(f.reasons)} for f in files],
        # issue 17: documents whose VAT category was inferred from the rate (v1 lines)
        "documents_vat_inferred": sum(f.vat_inferred for f in files),
        "documents_routed": routed,
        "documents_rendered": rendered,
        "print_batches": batches,
        "portal_published": published,
        "network_published": network,
        "accounts": synced,
        "activation_codes": codes | {"letters_rendered": letters, "copies_marked": copies},
        "peppol": peppol_sent,
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    summary["notifications"] = send_immediate_digests(settings, moment, run_id)
    summary["resources"] = usage_since(usage)  # issue 20: CPU and peak memory per night
    summary = finish_night(settings, run_id, summary)
    publish_night_report(summary)
    report = publish_morning_report(settings, moment.isoformat())
    summary["morning_report"] = str(report) if report else None
    return summary
