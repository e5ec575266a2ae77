"""Customer rows (master data): validate, upsert what changed, log field names only."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.validate import validate_customer
from tasks.ingest.context import FileReport, IngestContext
from tasks.ingest.quarantine import store_quarantine, validated_rows
from tasks.ingest.tables import register
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, transaction


def customer_changes(con, customers: list[dict]) -> list[dict]:
    register(con, "chunk_codes", [{"customer_code": c["customer_code"]} for c in customers])
    cursor = con.execute(load_sql("existing_customers"))
    names = [d[0] for d in cursor.description]
    stored = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    changed = []
    for customer in customers:
        before = stored.get(customer["customer_code"])
        fields = [k for k, v in customer.items() if before is None or before.get(k) != v]
        if fields:
            changed.append({**customer, "_fields": fields, "_new": before is None})
    return changed


def customer_events(changed: list[dict], actor: str) -> list[AuditEvent]:
    # Field names only: personal data stays in master data, not in the log (R4).
    return [
        AuditEvent(
            "customer_created" if c["_new"] else "customer_updated",
            c["customer_code"],
            {"fields": sorted(c["_fields"])},
            actor,
        )
        for c in changed
    ]


def ingest_customer_chunk(con, raw_chunk, report: FileReport, ctx: IngestContext) -> None:
    latest: dict[str, dict] = {}
    quarantined = []

    def validate(raw):
        return validate_customer(raw, ctx.issuers)

    for _, customer in validated_rows(raw_chunk, validate, report, ctx, quarantined):
        latest[customer["customer_code"]] = customer  # a later row of the file wins
    with transaction(con):
        changed = customer_changes(con, list(latest.values())) if latest else []
        now = datetime.now(UTC)
        stamp = {"updated_at": now, "source_sha256": report.sha256}
        rows = [{k: v for k, v in c.items() if not k.startswith("_")} | stamp for c in changed]
        insert_rows(con, "customers", rows, mode="INSERT OR REPLACE")
        append_events(con, customer_events(changed, ctx.actor))
        store_quarantine(con, quarantined)
    report.ingested += len(changed)
    report.unchanged += len(latest) - len(changed)
