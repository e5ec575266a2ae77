"""The send loop: exactly once, per digest.

A digest is committed as `queued` (with its message in the spool) before any SMTP
conversation. Messages the server accepted are marked `sent` in bulk, with their audit
events in the same transaction, every `record_every` messages (100) and when a chunk
ends, also when it ends by an error (`Accepted`). A crash between the server's
acceptance and that commit makes the next run send those messages again (at most
`record_every` plus two per connection), with the same Message-ID and the same bytes:
duplicates the receiving side can detect and that change nothing (docs/reliability.md).
One commit per message (~3 ms) cost more than the SMTP conversation with a local
server (~0.5 ms; issue 21). Several connections: `send_in_parallel`.

4xx: retried in the run (tenacity), then later with exponential backoff, up to
`max_attempts`. 5xx: hard, never retried, recorded as a bounce of the address.
Server unreachable: the digest stays queued with the error; the loop stops. These
outcomes are rare and recorded one transaction each, audited in bulk per chunk
(`flush_outcome_audit`), and after a crash in the next run.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

import pyarrow as pa
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from tasks.faults import crashpoint
from tasks.notify.bounces import bounce_row, record_bounces, smtp_refusal
from tasks.notify.periods import retry_delay
from tasks.notify.settings import NotifyConfig, RetryPolicy
from tasks.notify.transport import Deferred, MailError, Rejected, Unavailable
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


class Accepted:
    """Messages the server accepted, not yet recorded: marked `sent` with their audit
    events in one transaction every `every` messages and on leaving the block, also by
    an exception (they were accepted). A SIGKILL loses at most `every` marks."""

    def __init__(self, con, actor: str, every: int):
        self.con, self.actor, self.every = con, actor, max(1, every)
        self.pending: list[tuple[str, int]] = []

    def add(self, digest_id: str, attempts: int) -> None:
        self.pending.append((digest_id, attempts))
        if len(self.pending) >= self.every:
            self.record()

    def record(self) -> int:
        marked, self.pending = self.pending, []
        return record_sent(self.con, marked, self.actor)

    def __enter__(self) -> Accepted:
        return self

    def __exit__(self, *exc) -> None:
        self.record()


def record_sent(con, marked: list[tuple[str, int]], actor: str) -> int:
    """Mark (digest_id, attempts) sent with their `digest_sent` audit events, one
    transaction (R30)."""
    if not marked:
        return 0
    batch = pa.table({"digest_id": [d for d, _ in marked], "attempts": [n for _, n in marked]})
    with transaction(con):
        con.register("sent_batch", batch)
        try:
            run_sql(con, load_sql("notify_mark_sent"), {"sent_at": datetime.now(UTC)})
        finally:
            con.unregister("sent_batch")
        events = [
            AuditEvent("digest_sent", d, {"attempts": n, "error": None}, actor) for d, n in marked
        ]
        append_events(con, events)
    return len(marked)


def transmit(session, config: NotifyConfig, digest: tuple) -> MailError | None:
    """Hand one digest's spooled message to the server (no warehouse: a sender thread
    may run it). None: accepted; else why not (a missing spool file is a MailError)."""
    digest_id, address, _attempts, _status = digest
    try:
        data = (config.spool_dir / f"{digest_id}.eml").read_bytes()
    except FileNotFoundError:
        return MailError("message no longer in the spool")
    try:
        send_with_retries(session, data, parseaddr(config.sender)[1], address, config.retry)
    except (Deferred, Rejected, Unavailable) as error:
        return error
    return None


def record_reply(con, config: NotifyConfig, digest: tuple, reply, as_of, actor, accepted) -> str:
    """What became of one transmission. Accepted: handed to `accepted` (marked sent in
    bulk); any other outcome recorded at once, in its own transaction; Unavailable is
    noted on every due digest and raised again."""
    digest_id, address, attempts, _status = digest
    if reply is None:
        crashpoint("smtp.sent_not_recorded")  # accepted, not recorded: resent, same Message-ID
        accepted.add(digest_id, attempts + 1)
        return "sent"
    with transaction(con):
        if isinstance(reply, Unavailable):
            run_sql(con, load_sql("notify_note_unavailable"), {"error": str(reply), "as_of": as_of})
        elif isinstance(reply, Deferred):
            return record_deferral(con, digest_id, attempts + 1, reply, as_of, config.retry)
        elif isinstance(reply, Rejected):
            set_outcome(con, digest_id, "hard_bounce", attempts + 1, str(reply))
            refusal = smtp_refusal(address, digest_id, reply)
            row = bounce_row(refusal, "smtp", f"{digest_id}:{attempts}".encode(), datetime.now(UTC))
            record_bounces(con, [row], as_of, config.retry, actor)
            return "hard_bounce"
        else:
            set_outcome(con, digest_id, "failed", attempts, str(reply))
            return "failed"
    raise reply


def send_one(con, session, config: NotifyConfig, digest: tuple, as_of, actor, accepted) -> str:
    """Send one due digest and record the outcome (record_reply)."""
    reply = transmit(session, config, digest)
    return record_reply(con, config, digest, reply, as_of, actor, accepted)


def send_in_turn(con, session, config: NotifyConfig, due, as_of, actor, accepted):
    """The chunk over one connection: (outcomes, why the server is unavailable)."""
    outcomes: Counter[str] = Counter()
    for digest in due:
        try:
            outcomes[send_one(con, session, config, digest, as_of, actor, accepted)] += 1
        except Unavailable as error:
            return outcomes, str(error)
    return outcomes, None


def send_in_parallel(con, sessions: list, config: NotifyConfig, due, as_of, actor, accepted):
    """The chunk over several connections: one sender thread per session transmits (the
    GIL is free while a server answers), this thread records every reply, in order.
    At most two messages per connection are handed over ahead of the record, so a crash
    leaves at most `record_every` + 2 × connections accepted and unrecorded. After
    Unavailable no new message is handed over and what was in flight is still
    recorded; after an error (a bug) what was in flight is resent by the next run, same
    Message-ID. Returns (outcomes, why the server is unavailable)."""
    stop, free = threading.Event(), queue.SimpleQueue()
    for session in sessions:
        free.put(session)

    def send(digest):
        if stop.is_set():
            return "skipped"
        session = free.get()
        try:
            return transmit(session, config, digest)
        finally:
            free.put(session)

    outcomes: Counter[str] = Counter()
    unavailable = None
    waiting, in_flight = iter(due), deque()
    with ThreadPoolExecutor(len(sessions), thread_name_prefix="smtp") as pool:
        try:
            while True:
                while not stop.is_set() and len(in_flight) < 2 * len(sessions):
                    if (digest := next(waiting, None)) is None:
                        break
                    in_flight.append((digest, pool.submit(send, digest)))
                if not in_flight:
                    break
                digest, future = in_flight.popleft()
                reply = future.result()
                if reply == "skipped":
                    continue
                try:
                    outcomes[record_reply(con, config, digest, reply, as_of, actor, accepted)] += 1
                except Unavailable as error:
                    unavailable = unavailable or str(error)
                    stop.set()
        finally:
            stop.set()
    return outcomes, unavailable


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


def send_due_digests(con, sessions: list, config: NotifyConfig, as_of, actor) -> SendReport:
    """One chunk (`batch_size`) of due digests over one connection per session (several:
    `send_in_parallel`); report.unavailable stops the caller."""
    flush_outcome_audit(con, actor)  # what a crashed run recorded but did not audit
    params = {"as_of": as_of, "limit": config.batch_size}
    due = run_sql(con, load_sql("notify_due_digests"), params)
    with Accepted(con, actor, config.record_every) as accepted:
        if len(sessions) > 1:
            sending = send_in_parallel(con, sessions, config, due, as_of, actor, accepted)
        else:
            sending = send_in_turn(con, sessions[0], config, due, as_of, actor, accepted)
        outcomes, unavailable = sending
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
