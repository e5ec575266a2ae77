"""The digest flow: orchestration only (R24, R25).

    resolve recipients → compose this period's digests → send what is due → report

`digest("daily")` and `digest("weekly")` are scheduled (prefect.yaml); the nightly flow
sends the `immediate` ones at its end through `notify_config` and the same steps.
Sending also retries every queued digest whose retry time has come, whatever its
frequency, so an SMTP outage at 02:00 is made good at 07:00.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from config import Settings, load_settings
from domain.clock import resolve_as_of
from tasks import notify, runs
from tasks.notify.report import render_digest_markdown
from warehouse.store import open_writer, refresh_snapshot

ACTOR = "digest"


def notify_config(settings: Settings) -> notify.NotifyConfig:
    """The notification steps' view of the settings."""
    smtp = None
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        smtp = notify.SmtpServer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_starttls,
            settings.smtp_ssl,
            settings.smtp_username,
            password,
            settings.smtp_timeout_seconds,
        )
    mailer = settings.mailer if settings.mailer != "auto" else ("smtp" if smtp else "maildir")
    retry = notify.RetryPolicy(
        settings.smtp_attempts_per_run,
        settings.smtp_retry_wait_seconds,
        settings.digest_max_attempts,
        settings.digest_retry_base_seconds,
        settings.digest_retry_max_seconds,
    )
    return notify.NotifyConfig(
        data_dir=settings.data_dir,
        sender=settings.smtp_sender,
        portal_base_url=settings.portal_base_url,
        timezone=settings.timezone,
        mailer=mailer,
        smtp=smtp,
        retry=retry,
        batch_size=settings.batch_size,
        workers=settings.render_workers,
        smtp_connections=settings.smtp_connections,
        bounce_flag_threshold=settings.bounce_flag_threshold,
        lock_timeout_seconds=settings.lock_timeout_seconds,
        spool_keep_days=settings.digest_spool_keep_days,
    )


def emit_backlog_event(summary: dict, threshold: int) -> bool:
    """Issue 19: the event the `iportal-digest-backlog` automation listens for, when the
    mail server was unavailable or the queue reached `threshold`."""
    queued = summary.get("digests_by_status", {}).get("queued", 0)
    if not summary.get("mailer_unavailable") and queued < threshold:
        return False
    emit_event(
        "iportal.digests.backlog",
        resource={"prefect.resource.id": "iportal.digests", "prefect.resource.name": "digests"},
        payload={"queued": queued, "mailer_unavailable": summary.get("mailer_unavailable")},
    )
    return True


def publish_digest_report(summary: dict) -> None:
    frequency = summary["frequency"]
    create_markdown_artifact(
        key=f"digest-{frequency}-report",
        markdown=render_digest_markdown(summary),
        description=f"{frequency} digests: queue, failures, flagged addresses (R25, R31)",
    )


@task(cache_policy=NO_CACHE)
def start_digest_run(settings: Settings, frequency: str, as_of: datetime) -> str:
    with open_writer(settings.warehouse_path, ACTOR, settings.lock_timeout_seconds) as con:
        return runs.start_run(con, f"digest-{frequency}", as_of, ACTOR)


@task(cache_policy=NO_CACHE)
def prepare_digests(config, frequency: str, as_of: datetime, run_id: str) -> dict:
    return notify.prepare_digests(config, frequency, as_of, run_id, ACTOR)


@task(cache_policy=NO_CACHE)
def send_digests(config, as_of: datetime) -> dict:
    return notify.send_digests(config, as_of, ACTOR)


@task(cache_policy=NO_CACHE)
def finish_digest_run(settings: Settings, config, run_id: str, summary: dict) -> dict:
    summary |= notify.report_notifications(config, ACTOR)
    with open_writer(settings.warehouse_path, ACTOR, settings.lock_timeout_seconds) as con:
        runs.finish_run(con, run_id, "completed", summary, ACTOR)
        con.close()
        refresh_snapshot(
            settings.warehouse_path, settings.snapshot_path, settings.analyst_memory_limit
        )
    return summary


@task(cache_policy=NO_CACHE)
def send_immediate_digests(settings: Settings, as_of: datetime, run_id: str) -> dict:
    """The nightly flow's last step (R24: immediate = at the end of each night). An
    e-mail problem never fails the night: the documents are published whatever
    happens to the e-mail (R25); queued digests are retried by the next run."""
    config = notify_config(settings)
    try:
        summary = notify.deliver_digests(config, "immediate", as_of, run_id, "nightly")
    except Exception as error:  # reported in the run summary and the log, not raised
        get_run_logger().exception("immediate digests not completed")
        return {"error": f"{type(error).__name__}: {error}"}
    emit_backlog_event(summary, settings.digest_backlog_alert)
    publish_digest_report(summary)
    return summary


@flow(name="digest")
def digest(frequency: str, as_of: str | None = None, data_dir: str | None = None) -> dict:
    """Compose and send the `frequency` digests due as of `as_of`; returns the summary."""
    logger = get_run_logger()
    settings = load_settings(data_dir)
    moment = resolve_as_of(as_of, settings.timezone)
    notify.period_of(frequency, moment)  # an unknown frequency fails before any write
    config = notify_config(settings)
    run_id = start_digest_run(settings, frequency, moment)
    summary = {"run_id": run_id, "as_of": moment.isoformat()}
    summary |= prepare_digests(config, frequency, moment, run_id)
    summary |= send_digests(config, moment)
    summary = finish_digest_run(settings, config, run_id, summary)
    if summary["mailer_unavailable"]:
        logger.warning(
            "mail server unavailable, digests stay queued: %s", summary["mailer_unavailable"]
        )
    emit_backlog_event(summary, settings.digest_backlog_alert)
    publish_digest_report(summary)
    return summary
