"""Notifications (R6, R7, R10, R11, R24, R25): who hears about which new document,
grouped digests in the recipient's language, exactly-once sending, bounces.

    resolve recipients → drop unreachable lines → compose + spool + queue → send → report

The flows call `prepare_digests`, `send_digests` and `report_notifications` (or
`deliver_digests` for all three); each opens the warehouse for its own writes.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from tasks.notify.bounces import flagged_addresses, ingest_bounces
from tasks.notify.compose import Composed, add_up, compose_chunk, pending_recipients, pool_size
from tasks.notify.periods import FREQUENCIES, period_of
from tasks.notify.recipients import drop_unreachable_lines, resolve_all_recipients
from tasks.notify.send import purge_spool, send_due_digests
from tasks.notify.settings import NotifyConfig, RetryPolicy, SmtpServer
from tasks.notify.spool import compose_pool
from tasks.notify.suppress import fail_suppressed_digests
from tasks.notify.transport import Unavailable, build_mailer, open_sessions
from warehouse.store import load_sql, open_writer, run_sql

__all__ = [
    "FREQUENCIES",
    "NotifyConfig",
    "RetryPolicy",
    "SmtpServer",
    "deliver_digests",
    "flagged_addresses",
    "period_of",
    "ingest_bounces",
    "prepare_digests",
    "report_notifications",
    "send_digests",
]


def writer(config: NotifyConfig, actor: str):
    return open_writer(config.warehouse_path, actor, config.lock_timeout_seconds)


def prepare_digests(config, frequency, as_of, run_id, actor, invite=None) -> dict:
    """Resolve recipients of newly published documents and queue this period's digests."""
    period = period_of(frequency, as_of)  # refuses an unknown frequency before any write
    with writer(config, actor) as con:
        fanout = resolve_all_recipients(con, run_id, config.batch_size, actor)
        dropped = drop_unreachable_lines(con, run_id, actor)
        recipients = pending_recipients(con, frequency, period)
    composed = Composed()
    with compose_pool(pool_size(config, len(recipients))) as pool:
        for start in range(0, len(recipients), config.batch_size):
            chunk = recipients[start : start + config.batch_size]
            with writer(config, actor) as con:  # released between chunks for other writers
                part = compose_chunk(
                    con, config, chunk, frequency, as_of, run_id, actor, invite, pool
                )
            add_up(composed, part)
    return {
        "frequency": frequency,
        "period": period,
        "documents_resolved": fanout.documents,
        "recipient_lines": fanout.lines,
        "codes_without_recipient": dict(fanout.codes_without_recipient.most_common(50)),
        "lines_dropped": dropped,
        "digests_queued": composed.queued,
        "documents_listed": composed.documents,
        "invitations": composed.invitations,
        "compose_failures": composed.failed,
    }


def send_digests(config: NotifyConfig, as_of, actor: str, mailer=None) -> dict:
    """Send every due digest (all frequencies), chunk by chunk, over the same
    `smtp_connections` connections."""
    total = Counter()
    unavailable = None
    with writer(config, actor) as con:  # an operator suppressed the address (issue 19)
        total.update(failed=fail_suppressed_digests(con, actor))
    try:
        with open_sessions(mailer or build_mailer(config), config.smtp_connections) as sessions:
            while unavailable is None:
                with writer(config, actor) as con:
                    chunk = send_due_digests(con, sessions, config, as_of, actor)
                total.update(
                    sent=chunk.sent,
                    deferred=chunk.deferred,
                    failed=chunk.failed,
                    hard_bounces=chunk.hard_bounces,
                )
                unavailable = chunk.unavailable
                if chunk.selected < config.batch_size:
                    break
    except Unavailable as error:  # e.g. the outbox cannot be created
        unavailable = str(error)
    return {
        "digests_sent": total["sent"],
        "digests_deferred": total["deferred"],
        "digests_hard_bounces": total["hard_bounces"],
        "digests_failed": total["failed"],
        "mailer_unavailable": unavailable,
    }


def report_notifications(config: NotifyConfig, actor: str) -> dict:
    """The queue by status and the flagged addresses with their customer codes (R31)."""
    with writer(config, actor) as con:
        purged = purge_spool(con, config.spool_dir, config.spool_keep_days, datetime.now(UTC))
        counts = dict(run_sql(con, load_sql("notify_digest_counts")))
        flagged = flagged_addresses(con)
    return {"digests_by_status": counts, "spool_purged": purged, "flagged_addresses": flagged}


def deliver_digests(config, frequency, as_of, run_id, actor, invite=None, mailer=None) -> dict:
    """All three steps, for the nightly flow's immediate digests."""
    summary = prepare_digests(config, frequency, as_of, run_id, actor, invite)
    summary |= send_digests(config, as_of, actor, mailer)
    return summary | report_notifications(config, actor)
