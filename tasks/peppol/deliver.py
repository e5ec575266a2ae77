"""The Peppol step of a night (issue 7): build, validate, send, record, batch by batch.

    select (lock) → build + validate (no lock) → record 'sending' / 'failed' (lock)
                  → send to the access point (no lock) → record outcomes (lock)

Exactly once per delivery: a document is marked 'sending' before it is handed to the
access point, under its idempotency key. If the process dies after the access point
took it and before the outcome is recorded, the next run finds it still 'sending' and
sends it again under the same key, which the access point deduplicates (the outbox by
file name, an HTTP access point by the Idempotency-Key header). The build is
deterministic, so the resent bytes are the bytes validated the first time.

A document that fails validation is never sent: its delivery fails with the rule ids
and every failed rule goes to `peppol_failures`. When the access point is unreachable
after its retries, the step stops for this run; what is left is sent by the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from domain.routing import PeppolMandate
from tasks.faults import crashpoint
from tasks.peppol.check import start_checks
from tasks.peppol.queue import list_queue
from tasks.peppol.record import (
    Checked,
    Outcome,
    fatal_rules,
    record_checked,
    record_outcomes,
    select_pending,
)
from tasks.peppol.send import AccessPoint, Rejected, Unavailable, receipt
from tasks.storage import StorageConfig
from warehouse.store import load_sql

MAX_LISTED = 50  # failed documents listed by name in the run report


@dataclass(slots=True)
class PeppolCounts:
    sent: int = 0
    failed_validation: int = 0
    rejected: int = 0
    pending: int = 0  # access point unreachable: sent again by the next run
    failures: list[dict] = field(default_factory=list)  # for the run report (R31)
    lookup: dict = field(default_factory=dict)  # routed_peppol, not_registered, waiting
    queue: int = 0  # deliveries in the operator queue after the step (issue 18)

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "failed_validation": self.failed_validation,
            "rejected": self.rejected,
            "pending": self.pending,
            "failures": self.failures,
            "lookup": self.lookup,
            "queue": self.queue,
        }


def peppol_mandate(settings) -> PeppolMandate | None:
    """The routing clause's settings (None when Peppol routing is switched off)."""
    if settings.peppol_mandate_date is None:
        return None
    return PeppolMandate(settings.peppol_mandate_date, settings.peppol_excluded_customer_codes)


def send_documents(access_point: AccessPoint, checked: list[Checked]) -> list[Outcome]:
    """Send in order; once the access point is unreachable the rest waits for next run."""
    outcomes = []
    for c in checked:
        try:
            answer = receipt(access_point.send(c.key, c.ubl))
            outcomes.append(
                Outcome(c, "dispatched", answer.message_id, transmission=answer.transmission)
            )
        except Rejected as error:
            outcomes.append(Outcome(c, "rejected", error=str(error)[:500]))
        except Unavailable as error:
            outcomes.append(Outcome(c, "unavailable", error=str(error)[:500]))
            break
    access_point.flush()
    return outcomes


def count_batch(counts: PeppolCounts, checked: list[Checked], outcomes: list[Outcome]) -> None:
    failed = [c for c in checked if not c.sendable]
    counts.failed_validation += len(failed)
    room = max(0, MAX_LISTED - len(counts.failures))
    counts.failures += [
        {"document": c.entity, "customer_code": c.customer_code,
         "rules": ", ".join(fatal_rules(c.failures))}
        for c in failed[:room]
    ]  # fmt: skip
    counts.sent += sum(o.status == "dispatched" for o in outcomes)
    counts.rejected += sum(o.status == "rejected" for o in outcomes)
    # Not answered: unreachable, or not tried once the access point was unreachable.
    counts.pending += len(checked) - len(failed) - len(outcomes)
    counts.pending += sum(o.status == "unavailable" for o in outcomes)


def deliver_pending(
    writer: Callable[[], AbstractContextManager],
    access_point: AccessPoint,
    issuers: dict[str, dict],
    storage: StorageConfig,
    run_id: str,
    batch_size: int,
    actor: str,
    workers: int = 1,
) -> PeppolCounts:
    """Every pending Peppol delivery, batch after batch: `writer()` opens the warehouse,
    PDFs come from `storage`, `workers` processes build and validate (check.py).

    Issue 21: once a batch is recorded as 'sending', the next one is selected and handed
    to the workers, which check it while this process sends and records the first."""
    counts = PeppolCounts()
    with writer() as con:
        rows = select_pending(con, run_id, batch_size)
    checking = start_checks(rows, issuers, storage, workers)
    while rows:
        checked = list(checking)
        attempts = {(r["issuer"], r["document_number"], r["purpose"]): r["send_attempt"]
                    for r in rows}  # fmt: skip
        for c in checked:
            c.attempt = attempts.get((c.issuer, c.document_number, c.purpose)) or 1
        with writer() as con:
            record_checked(con, checked, access_point.name, run_id, actor)
            rows = select_pending(con, run_id, batch_size)  # the recorded ones are not in it
        checking = start_checks(rows, issuers, storage, workers)
        outcomes = send_documents(access_point, [c for c in checked if c.sendable])
        crashpoint("peppol.sent_not_recorded")  # the window the idempotency key covers
        with writer() as con:
            record_outcomes(con, outcomes, run_id, actor)
        count_batch(counts, checked, outcomes)
        if any(o.status == "unavailable" for o in outcomes):
            checking.close()  # the next batch waits for the next run: not checked now
            break
    with writer() as con:
        return count_channel(con, counts, run_id)


def count_channel(con, counts: PeppolCounts, run_id: str) -> PeppolCounts:
    """The run's lookup outcome and the operator queue's size, for the run report."""
    cursor = con.execute(load_sql("peppol_run_lookup_counts"), {"run_id": run_id})
    names = [d[0] for d in cursor.description]
    counts.lookup = dict(zip(names, cursor.fetchone(), strict=True))
    counts.queue = len(list_queue(con, 1_000_000))
    return counts
