"""Lookup answers for routing (issue 18): the warehouse cache first, then the network.

    registrations_for(con, participants, lookup, as_of, ttl_hours, workers, actor)
        -> {(participant_id, document_type): Registration}

A fresh cached answer (expires_at after as_of) is used as it is. Others are looked up,
concurrently (`workers` threads: the time goes waiting on DNS and HTTP), stored with
expires_at = as_of + TTL, and their lookup is audited (R30). When the SML or SMP does
not answer, the last cached answer is used even if expired (the route's reason says
so); with none, the answer is unknown and the document waits (domain/routing.py).
The local registry is read as it is, never cached: it is a file on this machine.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa

from domain.routing import Registration
from tasks.peppol.lookup import Answer, Unreachable, make_lookup
from warehouse.audit import AuditEvent, apply_audited
from warehouse.store import fetch_dicts, registered

Key = tuple[str, str]  # (participant_id, document_type)
MOMENT = pa.timestamp("us", "UTC")
STORE_SCHEMA = pa.schema(
    [("participant_id", pa.string()), ("document_type", pa.string()),
     ("registered", pa.bool_()), ("source", pa.string()), ("smp_url", pa.string()),
     ("detail", pa.string()), ("looked_up_at", MOMENT), ("expires_at", MOMENT)]
)  # fmt: skip


def not_asked(reason: str) -> Registration:
    """Lookup switched off or without a source: assumed registered, and said so."""
    return Registration(True, reason)


def cached_answers(con, participants: list[str]) -> dict[Key, dict]:
    with registered(con, "peppol_lookup_batch", pa.table({"participant_id": participants})):
        rows = fetch_dicts(con, "peppol_cached_participants")
    return {(r["participant_id"], r["document_type"]): r for r in rows}


def look_up_all(lookup, participants: list[str], as_of: datetime, workers: int) -> dict:
    """participant → {document_type: Answer} or the Unreachable it raised."""

    def one(participant: str):
        try:
            return lookup.look_up(participant, as_of)
        except Unreachable as error:
            return error

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(participants, pool.map(one, participants), strict=True))


def store_answers(con, answers: dict[str, dict[str, Answer]], as_of, ttl_hours, actor) -> None:
    expires = as_of + timedelta(hours=ttl_hours)
    rows = [
        {"participant_id": p, "document_type": kind, "registered": a.registered,
         "source": a.source, "smp_url": a.smp_url, "detail": a.detail,
         "looked_up_at": as_of, "expires_at": expires}
        for p, by_kind in answers.items()
        for kind, a in by_kind.items()
    ]  # fmt: skip
    if not rows:
        return
    events = [
        AuditEvent("peppol_participant_looked_up", p,
                   {kind: a.registered for kind, a in by_kind.items()}, actor)
        for p, by_kind in answers.items()
    ]  # fmt: skip
    batch = pa.Table.from_pylist(rows, schema=STORE_SCHEMA)
    apply_audited(con, "peppol_store_participants", "peppol_lookup_batch", batch, events)


def registrations_for(
    con,
    participants: Iterable[str],
    lookup,
    as_of: datetime,
    ttl_hours: float,
    workers: int,
    actor: str,
) -> dict[Key, Registration]:
    participants = sorted(set(participants))
    if not participants:
        return {}
    if lookup.source == "registry":
        answers = look_up_all(lookup, participants, as_of, 1)
        return {(p, k): Registration(a.registered, a.detail)
                for p, by_kind in answers.items() for k, a in by_kind.items()}  # fmt: skip
    cached = cached_answers(con, participants)
    stale = sorted({p for p in participants
                    if not all((p, k) in cached and cached[(p, k)]["expires_at"] > as_of
                               for k in ("invoice", "credit_note"))})  # fmt: skip
    fresh = look_up_all(lookup, stale, as_of, workers) if stale else {}
    answered = {p: a for p, a in fresh.items() if not isinstance(a, Unreachable)}
    store_answers(con, answered, as_of, ttl_hours, actor)
    found: dict[Key, Registration] = {}
    for (p, kind), row in cached.items():
        found[(p, kind)] = Registration(
            row["registered"], f"{row['detail']}, looked up {row['looked_up_at']:%Y-%m-%d %H:%M}"
        )
    for p, result in fresh.items():
        for kind in ("invoice", "credit_note"):
            if isinstance(result, Unreachable):
                found[(p, kind)] = stale_or_unknown(found.get((p, kind)), result)
            else:
                found[(p, kind)] = Registration(result[kind].registered, result[kind].detail)
    return found


def stale_or_unknown(cached: Registration | None, error: Unreachable) -> Registration:
    if cached is None:
        return Registration(None, str(error))
    return Registration(cached.registered, f"{cached.detail} (expired; lookup failed: {error})")


@dataclass(frozen=True, slots=True)
class RoutingLookup:
    """What routing needs of the participant lookup: the lookup (None: not asked, and
    `note` says why in the route's reason) and its settings."""

    lookup: object | None
    note: str = ""
    ttl_hours: float = 24.0
    workers: int = 8
    max_wait_days: int = 3


def routing_lookup(settings) -> RoutingLookup:
    if not settings.peppol_lookup_enabled:
        note = "participant lookup switched off (peppol_lookup_enabled): assumed registered"
    else:
        # The file's name, not its path: a reason must not depend on where the data dir is.
        note = ("participant lookup not configured (no peppol_sml_zone, no registry file "
                f"{settings.peppol_registry_path.name}): assumed registered")  # fmt: skip
    return RoutingLookup(
        make_lookup(settings),
        note,
        settings.peppol_lookup_ttl_hours,
        settings.peppol_lookup_workers,
        settings.peppol_lookup_max_wait_days,
    )
