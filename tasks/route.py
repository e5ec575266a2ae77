"""Route step: decide each new document's channels from consent as of the run (R14, R15),
and for Belgian companies under the Peppol mandate from the participant lookup (issue 18:
registered for the document type → Peppol; not → previous rules; unknown → wait)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from domain.consent import Consent, ConsentEvent, consent_from_channel_choice, fold_consent
from domain.routing import PeppolMandate, Route, peppol_scope, route_documents
from tasks.peppol.lookup import participant_id
from tasks.peppol.registrations import RoutingLookup, not_asked, registrations_for
from warehouse.audit import AuditEvent, append_events, apply_audited
from warehouse.store import fetch_dicts, insert_rows, load_sql, registered, run_sql, transaction

WAIT_SCHEMA = pa.schema(
    [("issuer", pa.string()), ("document_number", pa.string()),
     ("participant_id", pa.string()), ("first_waited_at", pa.timestamp("us", "UTC")),
     ("last_run_id", pa.string()), ("detail", pa.string())]
)  # fmt: skip


def select_unrouted_documents(con, limit: int, run_id: str = "") -> list[dict]:
    return fetch_dicts(con, "unrouted_documents", {"run_id": run_id, "limit": limit})


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


def first_waits(con, documents: list[dict]) -> dict[tuple[str, str], datetime]:
    keys = [{"issuer": d["issuer"], "document_number": d["document_number"]} for d in documents]
    with registered(con, "peppol_wait_batch", pa.Table.from_pylist(keys)):
        rows = run_sql(con, load_sql("peppol_routing_waits_of_batch"))
    return {(issuer, number): at for issuer, number, at in rows}


def attach_registrations(
    con, documents: list[dict], mandate: PeppolMandate, lookup: RoutingLookup, as_of, actor
) -> list[dict]:
    """Give each document in the mandate's scope its lookup answer (and how long it has
    waited for one); returns those documents."""
    scoped = [
        d for d in documents
        if peppol_scope(d["customer_code"], d.get("enterprise_number"), d.get("issue_date"),
                        mandate).applies
    ]  # fmt: skip
    if lookup.lookup is None:
        for d in scoped:
            d["registration"] = not_asked(lookup.note)
        return scoped
    for d in scoped:
        d["participant_id"] = participant_id(d["enterprise_number"])
    found = registrations_for(con, (d["participant_id"] for d in scoped), lookup.lookup, as_of,
                              lookup.ttl_hours, lookup.workers, actor)  # fmt: skip
    waits = first_waits(con, scoped)
    for d in scoped:
        d["registration"] = found[(d["participant_id"], d["document_type"])]
        first = waits.get((d["issuer"], d["document_number"]))
        d["first_waited_at"] = first or as_of
        d["waited_days"] = (as_of - first).days if first else 0
    return scoped


def record_waits(con, waiting: list[dict], run_id: str, actor: str) -> None:
    rows = [
        {"issuer": d["issuer"], "document_number": d["document_number"],
         "participant_id": d["participant_id"], "first_waited_at": d["first_waited_at"],
         "last_run_id": run_id, "detail": d["registration"].detail[:500]}
        for d in waiting
    ]  # fmt: skip
    events = [
        AuditEvent("peppol_lookup_waiting", f"{d['issuer']}/{d['document_number']}",
                   {"participant_id": d["participant_id"], "detail": d["registration"].detail},
                   actor)
        for d in waiting
    ]  # fmt: skip
    batch = pa.Table.from_pylist(rows, schema=WAIT_SCHEMA)
    apply_audited(con, "peppol_record_routing_waits", "peppol_wait_batch", batch, events)


def route_batch(
    con,
    as_of: datetime,
    run_id: str,
    limit: int,
    actor: str = "nightly",
    mandate: PeppolMandate | None = None,
    lookup: RoutingLookup | None = None,
) -> int:
    """Route up to `limit` unrouted documents; returns how many were handled (routed, or
    waiting for their participant lookup until a later run)."""
    documents = select_unrouted_documents(con, limit, run_id)
    if not documents:
        return 0
    scoped = []
    if mandate is not None and lookup is not None:
        scoped = attach_registrations(con, documents, mandate, lookup, as_of, actor)
    max_wait = lookup.max_wait_days if lookup else 0
    routes = route_documents(documents, load_consents(con, documents, as_of), mandate, max_wait)
    record_routes(con, routes, run_id, actor)
    routed = {(r.issuer, r.document_number) for r in routes}
    waiting = [d for d in scoped if (d["issuer"], d["document_number"]) not in routed]
    if waiting:
        record_waits(con, waiting, run_id, actor)
    return len(documents)
