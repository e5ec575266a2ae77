"""Route step: decide each new document's channels from consent as of the run (R14, R15)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from domain.consent import Consent, ConsentEvent, consent_from_channel_choice, fold_consent
from domain.routing import PeppolMandate, Route, route_documents
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, transaction


def select_unrouted_documents(con, limit: int) -> list[dict]:
    cursor = con.execute(load_sql("unrouted_documents"), [limit])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_consents(con, documents: list[dict], as_of: datetime) -> dict[str, Consent]:
    """Consent per customer code: master data's channel_choice, then events up to as_of."""
    choices = {d["customer_code"]: d["channel_choice"] for d in documents}
    con.register("chunk_codes", pa.Table.from_pylist([{"customer_code": c} for c in choices]))
    events: dict[str, list[ConsentEvent]] = {}
    for code, at, event, channel in con.execute(load_sql("consent_events_for_codes")).fetchall():
        events.setdefault(code, []).append(ConsentEvent(code, at, event, channel))
    return {
        code: fold_consent(consent_from_channel_choice(code, choice), events.get(code, []), as_of)
        for code, choice in choices.items()
    }


def record_routes(con, routes: list[Route], run_id: str, actor: str) -> int:
    now = datetime.now(UTC)
    rows = [
        {
            "issuer": r.issuer,
            "document_number": r.document_number,
            "channel": r.channel,
            "purpose": "original",
            "customer_code": r.customer_code,
            "status": "decided",
            "reason": r.reason,
            "decided_at": now,
            "run_id": run_id,
        }
        for r in routes
    ]
    events = [
        AuditEvent(
            "delivery_decided",
            f"{r.issuer}/{r.document_number}",
            {"channel": r.channel, "purpose": "original", "reason": r.reason},
            actor,
        )
        for r in routes
    ]
    with transaction(con):
        insert_rows(con, "deliveries", rows, mode="INSERT OR IGNORE")
        append_events(con, events)
    return len(rows)


def route_batch(
    con,
    as_of: datetime,
    run_id: str,
    limit: int,
    actor: str = "nightly",
    mandate: PeppolMandate | None = None,
) -> int:
    """Route up to `limit` unrouted documents; returns how many documents were routed."""
    documents = select_unrouted_documents(con, limit)
    if not documents:
        return 0
    routes = route_documents(documents, load_consents(con, documents, as_of), mandate)
    record_routes(con, routes, run_id, actor)
    return len(documents)
