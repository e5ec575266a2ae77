"""Operator actions that were missing (issue 19).

export_partner_file(con, out, actor) -> (rows, sha256)
    R4: the delivery partner's file: e-mail, language, last name, first name of each
    main contact, exactly these four columns, nothing else.
request_reprint(con, settings, issuer, document_number, reason, actor, as_of) -> dict
    A paper mail piece the print house lost goes into the next print batch again,
    drawn as the `duplicate` variant (visibly marked, never a second original), as a
    paper delivery with purpose `reprint` (one per document: DESIGN rule 4); the
    manifest's purpose column says `reprint`; audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime

from tasks.accounts.partner import PARTNER_FIELDS, partner_contacts
from tasks.duplicates import draw_duplicate, fetch_render_row, record_duplicate_rendition
from tasks.storage import write_atomic
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


class NotReprintable(ValueError):
    """The document has no printed paper piece, or was reprinted already (R31: the
    message names the document)."""


def export_partner_file(con, out, actor: str) -> tuple[int, str]:
    contacts = partner_contacts(con)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=PARTNER_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(contacts)
    data = text.getvalue().encode("utf-8")
    write_atomic(out, data)
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction(con):  # R30: what left the system, as a count and a hash
        append_events(
            con, [AuditEvent("partner_file_exported", sha256, {"rows": len(contacts)}, actor)]
        )
    return len(contacts), sha256


def request_reprint(
    con, settings, issuer: str, document_number: str, reason: str, actor: str, as_of: datetime
) -> dict:
    entity = f"{issuer}/{document_number}"
    printed = run_sql(
        con, load_sql("printed_paper_piece"), {"issuer": issuer, "document_number": document_number}
    )
    if not printed:
        raise NotReprintable(f"{entity}: no paper piece of it was put in a print batch")
    customer_code, batch_id, reprinted = printed[0]
    if reprinted:
        raise NotReprintable(f"{entity}: already reprinted once (see delivery_history)")
    row = fetch_render_row(con, issuer, document_number)
    drawn = draw_duplicate(row, settings)  # CPU work before the transaction
    params = {
        "issuer": issuer,
        "document_number": document_number,
        "customer_code": customer_code,
        "reason": f"reprint of a piece lost in batch {batch_id}: {reason}",
        "at": as_of,
        "run_id": f"reprint-{as_of:%Y%m%d%H%M%S}",
    }
    with transaction(con):
        if drawn:
            record_duplicate_rendition(con, issuer, document_number, drawn, as_of, params["run_id"])
        run_sql(con, load_sql("insert_reprint_delivery"), params)
        append_events(
            con,
            [
                AuditEvent(
                    "reprint_requested",
                    entity,
                    {"lost_in_batch": batch_id, "reason": reason},
                    actor,
                )
            ],
        )
    return {"document": entity, "customer_code": customer_code, "lost_in_batch": batch_id}
