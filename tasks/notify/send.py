"""The send loop: exactly once, per digest.

A digest is committed as `queued` (with its message in the spool) before any SMTP
conversation, and marked right after the server's reply, one small transaction per
message. A crash between the server's acceptance and that record makes the next run
send the message again, with the same Message-ID: a duplicate the receiving side can
detect and that changes nothing (README, "Exactly once"). Outcomes reach the audit log
in bulk per chunk (`flush_outcome_audit`), and after a crash in the next run.

4xx: retried in the run (tenacity), then later with exponential backoff, up to
`max_attempts`. 5xx: hard, never retried, recorded as a bounce of the address.
Server unreachable: the digest stays queued with the error; the loop stops.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from tasks.faults import crashpoint
from tasks.notify.bounces import bounce_row, record_bounces, smtp_refusal
from tasks.notify.periods import retry_delay
from tasks.notify.settings import NotifyConfig, RetryPolicy
from tasks.notify.transport import Deferred, Rejected, Unavailable
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    hard_bounces: int = 0
    failed: int = 0
    unavailable: str | None = None  # why the loop stopped early
    selected: int = 0  # due digests taken up by this chunk


def send_with_retries(session, data: bytes, sender: str, recipient: str, retry: RetryPolicy):
    """In-run retries for transient trouble: a 4xx, a dropped connection (reconnects)."""
    for attempt in Retrying(
        stop=stop_after_attempt(retry.attempts_per_run),
        wait=wait_exponential(multiplier=retry.wait_seconds, max=60),
        retry=retry_if_exception_type((Deferred, Unavailable)),
        reraise=True,
    ):
        with attempt:
            session.send(data, sender, recipient)


def set_outcome(con, digest_id: str, status: str, attempts: int, error=None, retry_at=None):
    sent_at = datetime.now(UTC) if status == "sent" else None
    params = {
        "digest_id": digest_id,
        "status": status,
        "attempts": attempts,
        "next_attempt_at": retry_at,
        "last_error": error,
        "sent_at": sent_at,
    }
    run_sql(con, load_sql("notify_set_outcome"), params)


def record_deferral(con, digest_id, attempts, error, as_of, retry: RetryPolicy) -> str:
    if attempts >= retry.max_attempts:
        set_outcome(
            con, digest_id, "failed", attempts, f"gave up after {attempts} attempts: {error}"
        )
        return "failed"
    delay = retry_delay(attempts, retry.backoff_base_seconds, retry.backoff_max_seconds)
    set_outcome(con, digest_id, "queued", attempts, str(error), as_of + delay)
    return "deferred"


def send_one(con, session, config: NotifyConfig, digest: tuple, as_of, actor: str) -> str:
    """Send one due digest and record the outcome right after the reply (its own small
    transaction: DuckDB commits an explicit one about 4x faster than autocommit)."""
    digest_id, address, attempts, _status = digest
    spooled = config.spool_dir / f"{digest_id}.eml"
    if not spooled.exists():
        with transaction(con):
            set_outcome(con, digest_id, "failed", attempts, "message no longer in the spool")
        return "failed"
    sender = parseaddr(config.sender)[1]
    try:
        send_with_retries(session, spooled.read_bytes(), sender, address, config.retry)
    except Unavailable as error:
        with transaction(con):
            params = {"error": str(error), "as_of": as_of}
            run_sql(con, load_sql("notify_note_unavailable"), params)
        raise
    except Deferred as error:
        with transaction(con):
            return record_deferral(con, digest_id, attempts + 1, error, as_of, config.retry)
    except Rejected as error:
        with transaction(con):
            set_outcome(con, digest_id, "hard_bounce", attempts + 1, str(error))
            refusal = smtp_refusal(address, digest_id, error)
            key = f"{digest_id}:{attempts}".encode()
            record_bounces(
                con,
                [bounce_row(refusal, "smtp", key, datetime.now(UTC))],
                as_of,
                config.retry,
                actor,
            )
        return "hard_bounce"
    crashpoint("smtp.sent_not_recorded")  # accepted, not recorded: resent, same Message-ID
    with transaction(con):
        set_outcome(con, digest_id, "sent", attempts + 1)
    return "sent"


def flush_outcome_audit(con, actor: str) -> int:
    """Audit events for outcomes recorded since the last flush, one transaction."""
    with transaction(con):
        rows = run_sql(con, load_sql("notify_flush_outcomes"))
        append_events(
            con,
            [
                AuditEvent(
                    f"digest_{'deferred' if s == 'queued' else s}",
                    digest_id,
                    {"attempts": n, "error": e},
                    actor,
                )
                for digest_id, s, n, e in rows
            ],
        )
    return len(rows)


def send_due_digests(con, session, config: NotifyConfig, as_of, actor: str) -> SendReport:
    """One chunk (`batch_size`) of due digests; report.unavailable stops the caller."""
    flush_outcome_audit(con, actor)  # what a crashed run recorded but did not audit
    outcomes: Counter[str] = Counter()
    unavailable = None
    params = {"as_of": as_of, "limit": config.batch_size}
    due = run_sql(con, load_sql("notify_due_digests"), params)
    for digest in due:
        try:
            outcomes[send_one(con, session, config, digest, as_of, actor)] += 1
        except Unavailable as error:
            unavailable = str(error)
            break
    flush_outcome_audit(con, actor)
    return SendReport(
        outcomes["sent"],
        outcomes["deferred"],
        outcomes["hard_bounce"],
        outcomes["failed"],
        unavailable,
        len(due),
    )


def purge_spool(con, spool_dir: Path, keep_days: int, now: datetime) -> int:
    """Drop spooled messages of finished digests after `keep_days` (they may hold an
    invitation; a soft bounce within that time can still be resent)."""
    params = {"keep_days": keep_days, "now": now}
    removed = 0
    for (digest_id,) in run_sql(con, load_sql("notify_unspool_finished_digests"), params):
        path = spool_dir / f"{digest_id}.eml"
        if path.exists():
            path.unlink()
            removed += 1
    return removed
