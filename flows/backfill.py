"""Backfill flows (R21): seven years of history for an account or a customer code.

    backfill(account=..., customer_code=..., as_of=None)   # by hand or a deployment run
    backfill_pending(as_of=None)                            # runs queued requests

Decide (portal R21, network mailbox R22) → mark copies (R15) → verify archived PDFs →
render the missing ones in the worker pool → publish → one "your history is available"
message per main contact. Never printed, never one notification per document.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from config import Settings, load_settings
from domain.clock import resolve_as_of
from flows.digest import notify_config
from flows.nightly import render_all_pending, warm_pool
from tasks import accounts, progress, runs
from tasks import backfill as steps
from tasks.notify.notices import announce_history
from tasks.storage import open_storage, storage_config
from warehouse.store import open_writer

ACTOR = "backfill"


def writer(settings: Settings):
    return open_writer(settings.warehouse_path, ACTOR, settings.lock_timeout_seconds)


@task(cache_policy=NO_CACHE)
def decide_backfill(
    settings: Settings, account, customer_code, as_of: datetime, run_id: str
) -> tuple[list[str], dict]:
    """The backfill's customer codes and what it decided for them (R21, R22)."""
    with writer(settings) as con:
        codes = steps.resolve_backfill_codes(con, account, customer_code)
        decided = steps.decide_backfill_deliveries(
            con, codes, as_of, run_id, ACTOR, settings.history_years,
            None if customer_code else account, settings.network_history_floor,
        )  # fmt: skip
    return codes, decided.as_dict()


@task(cache_policy=NO_CACHE)
def mark_copy_deliveries(settings: Settings) -> int:
    """R15: history of documents printed before the opt-in is published as a copy; the
    paper delivery stays what it was."""
    with writer(settings) as con:
        return accounts.mark_copy_deliveries(con, ACTOR)


@task(cache_policy=NO_CACHE)
def verify_archived_pdfs(settings: Settings, run_id: str) -> dict:
    with writer(settings) as con:
        storage = open_storage(storage_config(settings))
        verified, damaged = steps.verify_existing_renditions(con, storage, run_id)
        if damaged:
            steps.forget_damaged_renditions(con, damaged, ACTOR)
    return {"verified": verified, "damaged": len(damaged)}


@task(cache_policy=NO_CACHE)
def render_backfill(settings: Settings, run_id: str, on_batch) -> int:
    return render_all_pending(settings, run_id, ACTOR, on_batch)


@task(cache_policy=NO_CACHE)
def publish_backfill(settings: Settings) -> dict:
    with writer(settings) as con:
        return steps.publish_backfill_deliveries(con, ACTOR)


@task(cache_policy=NO_CACHE)
def announce_history_available(
    settings: Settings, codes: list[str], as_of: datetime, run_id: str
) -> dict:
    """One message per main contact once their history is published (R21, issue 5)."""
    return announce_history(
        notify_config(settings), codes, as_of, run_id, ACTOR, settings.history_years
    )


REPORT_COUNTS = (
    "customer_codes", "decided_portal", "decided_network", "skipped", "copies_marked",
    "verified", "repaired", "rendered", "published_portal", "published_network",
)  # fmt: skip


def render_backfill_markdown(summary: dict) -> str:
    """The run report's counts as a Markdown table (Prefect artifact `backfill-report`)."""
    scope = summary["customer_code"] or summary["account"]
    notices = summary["notices"]
    lines = [f"# Backfill {summary['run_id']}", "", f"{scope}, as of {summary['as_of']}", ""]
    lines += ["| count | value |", "|---|---:|"]
    lines += [f"| {key} | {summary[key]} |" for key in REPORT_COUNTS]
    lines += [f"| notices_sent | {notices['notices_sent']} |"]
    if notices.get("mailer_unavailable"):
        lines += ["", f"Mail server unavailable, notice queued: {notices['mailer_unavailable']}"]
    return "\n".join(lines) + "\n"


def publish_backfill_report(summary: dict) -> None:
    create_markdown_artifact(
        key="backfill-report",
        markdown=render_backfill_markdown(summary),
        description="Backfill counts: published, rendered, verified, skipped (issue 5)",
    )


@flow(name="backfill")
def backfill(
    account: str | None = None,
    customer_code: str | None = None,
    as_of: str | None = None,
    data_dir: str | None = None,
) -> dict:
    """Publish every document of the last seven years of an account (main contact
    e-mail or account id) or of one customer code to the portal (R21), fill the network
    mailboxes from their own floor (R22), then tell each main contact once."""
    if not account and not customer_code:
        raise ValueError("backfill needs an account or a customer code")
    logger = get_run_logger()
    settings = load_settings(data_dir)
    moment = resolve_as_of(as_of, settings.timezone)
    warm_pool(settings)
    with writer(settings) as con:
        run_id = runs.start_run(con, "backfill", moment, ACTOR)
    codes, decided = decide_backfill(settings, account, customer_code, moment, run_id)
    to_publish = decided["portal"] + decided["network"]
    logger.info("backfill %s: %d deliveries to publish", run_id, to_publish)
    progress_id = create_progress_artifact(0.0, key="backfill-progress", description="Backfill")
    copies = mark_copy_deliveries(settings)
    checks = verify_archived_pdfs(settings, run_id)
    progress.advance("backfill verify", checks["verified"], checks["verified"])
    to_render = max(0, to_publish - checks["verified"])
    rendered = 0

    def report_rendered(done: int) -> None:
        nonlocal rendered
        rendered += done
        progress.advance("backfill render", done, max(to_render, rendered))
        update_progress_artifact(progress_id, min(99.0, 100.0 * rendered / max(1, to_render)))

    rendered = render_backfill(settings, run_id, report_rendered)
    published = publish_backfill(settings)
    progress.advance("backfill publish", published["portal"] + published["network"])
    update_progress_artifact(progress_id, 100.0)
    notices = announce_history_available(settings, codes, moment, run_id)
    summary = {
        "run_id": run_id,
        "account": account,
        "customer_code": customer_code,
        "as_of": moment.isoformat(),
        "customer_codes": len(codes),
        "decided": to_publish,
        "decided_portal": decided["portal"],
        "decided_network": decided["network"],
        "skipped": decided["skipped"],
        "copies_marked": copies,
        "verified": checks["verified"],
        "repaired": checks["damaged"],
        "rendered": rendered,
        "published": published["portal"] + published["network"],
        "published_portal": published["portal"],
        "published_network": published["network"],
        "notices": notices,
    }
    with writer(settings) as con:
        runs.finish_run(con, run_id, "completed", summary, ACTOR)
    publish_backfill_report(summary)
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
