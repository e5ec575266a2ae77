"""Retention (issue 19): documents past their legal retention period leave the archive
and the portal; personal data of deleted users is minimised. docs/retention.md.

    expired_documents(con, as_of, years, held, limit) -> [dict]
    purge_documents(con, storage, batch, run_id, actor) -> dict
    minimise_deleted_users(con, before, actor, dry_run) -> int

Law: art. 60 § 4 WBTW (Belgian VAT Code), as amended by the law of 20 November 2022:
invoices are kept 10 years (7 before 1 January 2023) from 1 January after their date.

The audit chain is never rewritten. Its payloads carry ids, never names or e-mails, so
nothing personal has to leave it; each purge adds one `documents_purged` event whose
payload commits to what went (sha256 over the sorted "issuer/number:pdf-sha256" lines),
so an auditor holding an earlier export proves a document existed and was purged by
recomputing the commitment, without the warehouse keeping the document.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from tasks.notify.suppress import address_ref
from tasks.storage import open_storage
from warehouse.audit import AuditEvent, append_events
from warehouse.store import fetch_dicts, load_sql, run_sql, transaction


def expired_documents(con, as_of: datetime, years: int, held: list[str], limit: int) -> list:
    params = {"as_of": as_of.date(), "retention_years": years, "held": held, "limit": limit}
    return fetch_dicts(con, "retention_expired_documents", params)


def purge_commitment(batch: list[dict]) -> str:
    """sha256 over the sorted lines "issuer/number:sha256,sha256" of the purged documents."""
    lines = sorted(
        f"{d['issuer']}/{d['document_number']}:{','.join(d['pdf_sha256'] or [])}" for d in batch
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def purge_documents(con, storage, batch: list[dict], run_id: str, actor: str) -> dict:
    """Rows first (one transaction with the audit event), then the PDFs: a crash in
    between leaves files no row names, which the next purge cannot see but which the
    portal can no longer serve either; `iportal audit verify` is unaffected."""
    tables = [t for (t,) in run_sql(con, load_sql("retention_document_tables"))]
    keys = [(d["issuer"], d["document_number"]) for d in batch]
    commitment = purge_commitment(batch)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE purge_keys AS SELECT unnest(?::VARCHAR[]) AS issuer, "
        "unnest(?::VARCHAR[]) AS document_number",
        [[k[0] for k in keys], [k[1] for k in keys]],
    )
    with transaction(con):
        for table in tables:  # names from the catalogue, never from input
            con.execute(f"DELETE FROM {table} WHERE (issuer, document_number) IN "
                        "(SELECT issuer, document_number FROM purge_keys)")  # fmt: skip
        first, last = batch[0]["issue_date"], batch[-1]["issue_date"]
        payload = {"documents": len(batch), "commitment": commitment,
                   "issued_from": str(first), "issued_to": str(last), "run_id": run_id}  # fmt: skip
        append_events(con, [AuditEvent("documents_purged", commitment, payload, actor)])
    store = open_storage(storage)
    removed = sum(store.delete(key) for d in batch for key in (d["pdf_keys"] or []))
    return {"documents": len(batch), "files": removed, "commitment": commitment}


def minimise_deleted_users(con, before: datetime, actor: str, dry_run: bool) -> int:
    users = fetch_dicts(con, "retention_deleted_users", {"before": before})
    if dry_run or not users:
        return len(users)
    with transaction(con):
        for user in users:
            reference = "erased:" + address_ref(user["email"])
            params = {"reference": reference, "user_id": user["user_id"]}
            run_sql(con, load_sql("retention_erase_user"), params)
            run_sql(con, load_sql("retention_erase_person"), params)
        append_events(con, [AuditEvent("personal_data_minimised", u["user_id"], {}, actor)
                            for u in users])  # fmt: skip
    return len(users)
