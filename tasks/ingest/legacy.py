"""Legacy deliveries: how the old system delivered a history document (issue 20).

A history document (issued before go-live) may carry, in the landing file,
`legacy_channel` (paper | portal | network | email | peppol), `legacy_delivered_at`
(ISO 8601 timestamp; without a UTC offset it is local time in the configured zone),
and optionally `legacy_print_batch` (paper only) and `legacy_message_id` (electronic
channels only). A row without these fields loads as before.

They become rows of `legacy_deliveries`, never of `deliveries`: the pipeline's queries
cannot see them, so a legacy delivery is never printed, sent or notified (R14, DESIGN
rule 4: its idempotency key is (issuer, document_number, channel, 'legacy')). A bad
value sends the whole row to quarantine with its reason, so a corrected file re-ingests
cleanly. A document received again with legacy fields (identical content) gains its
legacy delivery then: history loaded before this contract can be completed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain.validate import RowError, text
from tasks.ingest.context import IngestContext
from tasks.ingest.tables import register
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql

LEGACY_FIELDS = ("legacy_channel", "legacy_delivered_at", "legacy_print_batch", "legacy_message_id")
LEGACY_CHANNELS = ("paper", "portal", "network", "email", "peppol")


def parse_timestamp(value: object, zone: str) -> datetime:
    """ISO 8601 date and time (a Parquet timestamp too); naive means local time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value.strip()) > 10:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    else:
        moment = None
    if moment is None:
        raise RowError(
            "bad_legacy_delivered_at",
            f"legacy_delivered_at is not an ISO timestamp such as 2015-03-02T06:00:00+01:00: "
            f"{str(value)[:40]!r}",
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def check_channel(raw: dict) -> str:
    channel = text(raw, "legacy_channel", limit=20).lower()
    if not channel:
        given = ", ".join(f for f in LEGACY_FIELDS if raw.get(f) not in (None, ""))
        raise RowError("bad_legacy_channel", f"{given} given without legacy_channel")
    if channel not in LEGACY_CHANNELS:
        raise RowError(
            "bad_legacy_channel",
            f"legacy_channel {channel!r} is not one of {', '.join(LEGACY_CHANNELS)}",
        )
    return channel


def check_references(raw: dict, channel: str) -> tuple[str, str]:
    print_batch = text(raw, "legacy_print_batch", limit=60)
    message_id = text(raw, "legacy_message_id", limit=250)
    if print_batch and channel != "paper":
        raise RowError(
            "bad_legacy_reference", f"legacy_print_batch is for paper, not for {channel}"
        )
    if message_id and channel == "paper":
        raise RowError("bad_legacy_reference", "legacy_message_id is for electronic channels")
    return print_batch, message_id


def parse_legacy_delivery(raw: dict, document: dict, go_live: date, zone: str) -> dict | None:
    """The legacy delivery a landing row describes, None without one, or RowError."""
    if all(raw.get(f) in (None, "") for f in LEGACY_FIELDS):
        return None
    channel = check_channel(raw)
    issued = document["issue_date"]
    if issued >= go_live:
        raise RowError(
            "legacy_not_history",
            f"legacy_channel on a document issued {issued}, on or after go-live {go_live}: "
            "the pipeline delivers it",
        )
    delivered_at = parse_timestamp(raw.get("legacy_delivered_at"), zone)
    if delivered_at.astimezone(ZoneInfo(zone)).date() < issued:
        raise RowError(
            "bad_legacy_delivered_at",
            f"legacy_delivered_at {delivered_at.isoformat()} is before issue_date {issued}",
        )
    print_batch, message_id = check_references(raw, channel)
    return {
        "issuer": document["issuer"],
        "document_number": document["document_number"],
        "channel": channel,
        "purpose": "legacy",
        "customer_code": document["customer_code"],
        "delivered_at": delivered_at,
        "print_batch": print_batch or None,
        "message_id": message_id or None,
    }


def legacy_events(rows: list[tuple], actor: str) -> list[AuditEvent]:
    return [
        AuditEvent(
            "legacy_delivery_recorded",
            f"{issuer}/{number}",
            {"channel": channel, "purpose": "legacy", "delivered_at": at.isoformat()},
            actor,
        )
        for issuer, number, channel, at in rows
    ]


def store_legacy_deliveries(
    con, legacies: list[tuple[int, dict]], rejected: set[int], file_name: str, ctx: IngestContext
) -> int:
    """Insert the legacy deliveries of the chunk's accepted rows once; returns how many
    were new. Call inside the chunk's transaction (with the documents they belong to)."""
    rows: dict[tuple, dict] = {}
    now = datetime.now(UTC)
    for line, legacy in legacies:
        if line in rejected:
            continue
        key = (legacy["issuer"], legacy["document_number"], legacy["channel"])
        stamp = {"source_file": file_name, "source_line": line, "run_id": ctx.run_id}
        rows.setdefault(key, legacy | stamp | {"recorded_at": now})
    if not rows:
        return 0
    register(con, "legacy_batch", list(rows.values()))
    try:
        added = run_sql(con, load_sql("insert_legacy_deliveries"))
    finally:
        con.unregister("legacy_batch")
    append_events(con, legacy_events(added, ctx.actor))
    return len(added)
