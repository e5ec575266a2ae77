"""Document rows: validate, tell new from identical from conflicting, store (DESIGN rule 7)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.validate import Rejection, explain, validate_document
from domain.vat import check_buyer, tax_of_line
from tasks.ingest.context import FileReport, IngestContext
from tasks.ingest.legacy import parse_legacy_delivery, store_legacy_deliveries
from tasks.ingest.quarantine import quarantine_row, store_quarantine, validated_rows
from tasks.ingest.tables import register
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, transaction


def document_row(doc: dict, line: int, report: FileReport, ctx: IngestContext) -> dict:
    row = dict(doc)
    row["lines"] = row.pop("lines_json")
    row["is_history"] = doc["issue_date"] < ctx.go_live
    row["source_file"] = report.file_name
    row["source_line"] = line
    row["ingested_at"] = datetime.now(UTC)
    row["run_id"] = ctx.run_id
    return row


def judge_document(
    doc: dict, known_hash: str | None, codes: dict[str, str | None]
) -> Rejection | None:
    """Checks that need the warehouse: conflict with a stored document, unknown customer,
    EN 16931 rules on the buyer's VAT identifier (`codes`: customer code → vat_id)."""
    issuer, number = doc["issuer"], doc["document_number"]
    if known_hash and known_hash != doc["content_sha256"]:
        return Rejection(
            "conflict",
            f"{issuer} {number} was already received with other content; issued documents "
            "are immutable (corrections are credit notes)",
        )
    if doc["customer_code"] not in codes:
        return Rejection(
            "unknown_customer", f"customer {doc['customer_code']} is not in master data"
        )
    categories = {tax_of_line(line).category for line in doc["lines"]}
    breach = check_buyer(categories, codes[doc["customer_code"]])
    return explain(breach) if breach else None


def classify_documents(
    con,
    chunk: list[tuple[int, dict]],
    seen: dict[tuple, str],
    report: FileReport,
    ctx: IngestContext,
):
    """Split validated documents into new rows and rejections; identical ones are no-ops."""
    keys = [{"issuer": d["issuer"], "document_number": d["document_number"]} for _, d in chunk]
    register(con, "chunk_keys", keys)
    register(con, "chunk_codes", [{"customer_code": d["customer_code"]} for _, d in chunk])
    stored = {(i, n): h for i, n, h in con.execute(load_sql("existing_documents")).fetchall()}
    codes = dict(con.execute(load_sql("chunk_customers_vat")).fetchall())
    new, rejected = [], []
    for line, doc in chunk:
        key = (doc["issuer"], doc["document_number"])
        known_hash = seen.get(key) or stored.get(key)
        if known_hash == doc["content_sha256"]:
            report.unchanged += 1
        elif rejection := judge_document(doc, known_hash, codes):
            rejected.append((line, rejection, doc))
        else:
            seen[key] = doc["content_sha256"]
            new.append(document_row(doc, line, report, ctx))
            report.vat_inferred += doc["vat_category_inferred"]
    return new, rejected


def document_events(rows: list[dict], actor: str) -> list[AuditEvent]:
    return [
        AuditEvent(
            "document_ingested",
            f"{r['issuer']}/{r['document_number']}",
            {
                "customer_code": r["customer_code"],
                "content_sha256": r["content_sha256"],
                "history": r["is_history"],
                "vat_category_inferred": r["vat_category_inferred"],
                "source": f"{r['source_file']}:{r['source_line']}",
            },
            actor,
        )
        for r in rows
    ]


def ingest_document_chunk(con, raw_chunk, seen, report: FileReport, ctx: IngestContext) -> None:
    valid, quarantined, legacies = [], [], []

    def validate(raw):
        document = validate_document(raw, ctx.issuers)
        return document, parse_legacy_delivery(raw, document, ctx.go_live, ctx.timezone)

    for line, (document, legacy) in validated_rows(raw_chunk, validate, report, ctx, quarantined):
        valid.append((line, document))
        if legacy:  # issue 20: how the legacy system delivered a history document
            legacies.append((line, legacy))
    with transaction(con):
        new, rejected = classify_documents(con, valid, seen, report, ctx) if valid else ([], [])
        quarantined += [quarantine_row(report, line, rej, raw, ctx) for line, rej, raw in rejected]
        report.ingested += insert_rows(con, "documents", new)
        append_events(con, document_events(new, ctx.actor))
        store_quarantine(con, quarantined)
        rejected_lines = {line for line, *_ in rejected}
        report.legacy += store_legacy_deliveries(
            con, legacies, rejected_lines, report.file_name, ctx
        )
