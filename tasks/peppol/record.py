"""Warehouse side of the Peppol step: pick the work, record what happened (DESIGN rule 3).

Each function is one transaction per batch: the state change and its audit events
together. Statuses of a Peppol delivery: decided → sending → dispatched, or failed
(validation failed, the access point rejected it, or its transmission failed). After
the post, peppol_messages keeps the transmission (sent | delivered | failed) and the
responses (responses.py); an operator's re-send makes it 'decided' again under the
next send_attempt (queue.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from tasks.peppol.failure import Failure, is_blocking
from warehouse.audit import AuditEvent, append_events
from warehouse.store import fetch_dicts, insert_rows, load_sql, run_sql, transaction

CHANNEL = "peppol"


@dataclass(slots=True)
class Checked:
    """A built and validated Peppol document (ubl empty when it could not be built)."""

    issuer: str
    document_number: str
    purpose: str
    customer_code: str
    document_type: str
    ubl: bytes
    sha256: str
    failures: list[Failure] = field(default_factory=list)
    attempt: int = 1  # the operator's re-sends + 1 (queue.py)

    @property
    def delivery_key(self) -> str:
        """The delivery's idempotency key (DESIGN rule 4)."""
        return f"{self.issuer}/{self.document_number}/{CHANNEL}/{self.purpose}"

    @property
    def key(self) -> str:
        """The key the access point deduplicates on: the delivery's key, and for an
        operator's re-send that key + /attempt-N, so that the re-send is transmitted
        while a resume inside one attempt still is not (issue 18)."""
        return transmission_key(self.delivery_key, self.attempt)

    @property
    def entity(self) -> str:
        return f"{self.issuer}/{self.document_number}"

    @property
    def sendable(self) -> bool:
        return bool(self.ubl) and not is_blocking(self.failures)


def transmission_key(delivery_key: str, attempt: int) -> str:
    return delivery_key if attempt <= 1 else f"{delivery_key}/attempt-{attempt}"


@dataclass(slots=True)
class Outcome:
    checked: Checked
    status: str  # dispatched | rejected | unavailable
    message_id: str | None = None
    error: str | None = None
    transmission: str | None = None  # sent | delivered | failed (dispatched only)


def select_pending(con, run_id: str, limit: int) -> list[dict]:
    return fetch_dicts(con, "peppol_pending_deliveries", {"run_id": run_id, "limit": limit})


@contextmanager
def registered(con, rows: list[dict], schema: pa.Schema) -> Iterator[None]:
    con.register("peppol_batch", pa.Table.from_pylist(rows, schema=schema))
    try:
        yield
    finally:
        con.unregister("peppol_batch")


def schema(text: tuple[str, ...], typed: tuple[tuple[str, pa.DataType], ...]) -> pa.Schema:
    return pa.schema([(name, pa.string()) for name in text] + list(typed))


MOMENT = pa.timestamp("us", "UTC")
MESSAGE_SCHEMA = schema(
    ("issuer", "document_number", "purpose", "idempotency_key", "status", "document_type",
     "ubl_sha256", "access_point", "failures", "last_error", "run_id", "message_id",
     "transmission"),
    (("ubl_bytes", pa.int64()), ("updated_at", MOMENT), ("sent_at", MOMENT),
     ("send_attempt", pa.int32())),
)  # fmt: skip
DELIVERY_SCHEMA = schema(
    ("issuer", "document_number", "purpose", "delivery_status", "reason"),
    (("dispatched_at", MOMENT),),
)


def key_fields(checked: Checked) -> dict:
    return {
        "issuer": checked.issuer,
        "document_number": checked.document_number,
        "purpose": checked.purpose,
    }


def fatal_rules(failures: list[Failure]) -> list[str]:
    return sorted({f.rule_id for f in failures if f.flag == "fatal"})


def checked_message(c: Checked, access_point: str, run_id: str, now: datetime) -> dict:
    return key_fields(c) | {
        "idempotency_key": c.key,
        "status": "sending" if c.sendable else "failed_validation",
        "document_type": c.document_type,
        "ubl_sha256": c.sha256 or None,
        "ubl_bytes": len(c.ubl) or None,
        "access_point": access_point,
        "run_id": run_id,
        "updated_at": now,
        "send_attempt": c.attempt,
        "failures": json.dumps([f.as_dict() for f in c.failures]) if c.failures else None,
    }


def checked_delivery(c: Checked) -> dict:
    if c.sendable:
        return key_fields(c) | {"delivery_status": "sending"}
    reason = f"Peppol validation failed: {', '.join(fatal_rules(c.failures))}"[:500]
    return key_fields(c) | {"delivery_status": "failed", "reason": reason}


def checked_event(c: Checked, actor: str) -> AuditEvent:
    if c.sendable:
        payload = {"channel": CHANNEL, "idempotency_key": c.key, "sha256": c.sha256}
        return AuditEvent("peppol_validated", c.entity, payload, actor)
    payload = {"channel": CHANNEL, "rules": sorted({f.rule_id for f in c.failures})}
    return AuditEvent("peppol_validation_failed", c.entity, payload, actor)


def record_checked(con, checked: list[Checked], access_point: str, run_id: str, actor: str):
    """Valid documents become 'sending'; the others 'failed', every failed rule kept."""
    now = datetime.now(UTC)
    failures = [
        key_fields(c) | f.as_dict() | {"customer_code": c.customer_code, "run_id": run_id,
                                       "failed_at": now}
        for c in checked
        for f in c.failures
    ]  # fmt: skip
    with transaction(con):
        with registered(con, [checked_message(c, access_point, run_id, now) for c in checked],
                        MESSAGE_SCHEMA):  # fmt: skip
            run_sql(con, load_sql("peppol_record_checked"))
        with registered(con, [checked_delivery(c) for c in checked], DELIVERY_SCHEMA):
            run_sql(con, load_sql("peppol_update_deliveries"))
        insert_rows(con, "peppol_failures", failures)
        append_events(con, [checked_event(c, actor) for c in checked])


# outcome → (peppol_messages.status, deliveries.status)
OUTCOME_STATUS = {
    "dispatched": ("dispatched", "dispatched"),
    "rejected": ("rejected", "failed"),
    "unavailable": ("sending", "sending"),  # the next run sends it again, same key
}


def record_outcomes(con, outcomes: list[Outcome], run_id: str, actor: str) -> None:
    """What the access point answered: dispatched (with its message id), rejected (the
    delivery fails with the answer as reason), or unavailable (stays 'sending')."""
    now = datetime.now(UTC)
    messages, deliveries, events = [], [], []
    for o in outcomes:
        message_status, delivery_status = OUTCOME_STATUS[o.status]
        sent = now if o.status == "dispatched" else None
        messages.append(key_fields(o.checked) | {
            "status": message_status, "message_id": o.message_id or None,
            "last_error": o.error, "sent_at": sent, "updated_at": now,
            "transmission": o.transmission,
        })  # fmt: skip
        reason = None
        if o.status == "rejected":
            reason = f"Peppol access point rejected it: {o.error}"[:500]
        elif o.transmission == "failed":
            delivery_status, reason = "failed", "Peppol transmission failed (access point)"
        deliveries.append(key_fields(o.checked) | {
            "delivery_status": delivery_status, "dispatched_at": sent, "reason": reason,
        })  # fmt: skip
        payload = {"channel": CHANNEL, "message_id": o.message_id, "error": o.error,
                   "transmission": o.transmission, "key": o.checked.key}  # fmt: skip
        events.append(AuditEvent(f"peppol_{o.status}", o.checked.entity, payload, actor))
    with transaction(con):
        with registered(con, messages, MESSAGE_SCHEMA):
            run_sql(con, load_sql("peppol_record_outcomes"))
        with registered(con, deliveries, DELIVERY_SCHEMA):
            run_sql(con, load_sql("peppol_update_deliveries"))
        append_events(con, events)
