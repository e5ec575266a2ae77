"""Duplicates (R23): a customer asks for a duplicate of a document they can see.

    request_duplicate(con, settings, person_id, issuer, document_number, as_of, actor)
        -> DuplicateResult        (raises tasks.search.DocumentNotFound)

- Only for a person who can see the document (R29): anyone else gets the same
  DocumentNotFound as for a number that does not exist, so numbers cannot be probed.
- The document is drawn again from the warehouse with the visible DUPLICATE mark in
  the customer's language (tasks/render/pdf.py draws it for `RenderJob.duplicate`), as
  rendition variant `duplicate` beside the original. Rendering is deterministic, so a
  later request reuses that PDF (drawn again only if its file is gone). The activation
  code a paper original may have carried is not printed again: it may be superseded
  (R20) and the requester is in the portal already.
- It is published to the portal with purpose `duplicate`: one delivery per document
  (key issuer/document_number/portal/duplicate, DESIGN rule 4), however often asked.
- Every request is a `duplicate_requests` row and a `duplicate_requested` audit event
  (R30; ids only, no e-mail address), in the same transaction as the delivery.
- The requester gets a digest line (purpose `duplicate`) that the ordinary digest steps
  send at their frequency (R11, R24), once per person and document.

`settings` is anything with `data_dir`, `issuers` (prefix → an object with
`model_dump()`) and the `storage_*` fields: config.Settings in practice.
`con` is a writer connection (warehouse.store.open_writer).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime

from domain.paths import document_pdf_relpath
from tasks.render import render_one
from tasks.renditions import render_job_from_row
from tasks.search import DocumentNotFound, find_visible_document
from tasks.storage import open_storage, storage_config
from warehouse.audit import AuditEvent, append_events
from warehouse.store import fetch_dicts, insert_rows, load_sql, run_sql, transaction

VARIANT = "duplicate"


@dataclass(frozen=True)
class DuplicateResult:
    request_id: str
    issuer: str
    document_number: str
    customer_code: str
    language: str
    path: str  # local file of the duplicate PDF (folder storage) or its storage key
    sha256: str
    rendered: bool  # drawn by this request (False: the PDF on file was reused)
    published: bool  # this request created the duplicate delivery
    announced: bool  # a digest line was queued for the requester

    def as_dict(self) -> dict:
        return asdict(self)


def request_id_of(user_id: str, issuer: str, document_number: str, as_of: datetime) -> str:
    """Derived from who, what and when: the same request retried is one request."""
    text = f"{user_id}|{issuer}|{document_number}|{as_of.isoformat()}"
    return "dup-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def fetch_render_row(con, issuer: str, document_number: str) -> dict:
    rows = fetch_dicts(
        con, "duplicate_render_row", {"issuer": issuer, "document_number": document_number}
    )
    if not rows:  # visible but without master data: the same answer as invisible
        raise DocumentNotFound(f"no document {issuer} {document_number}")
    return rows[0]


def find_requester(con, person_id: str | None, customer_code: str) -> str:
    """The membership through which the person sees the code (issue 16)."""
    params = {"person_id": person_id, "customer_code": customer_code}
    rows = run_sql(con, load_sql("duplicate_requester"), params)
    if not rows:
        raise DocumentNotFound(f"no document for {person_id}")
    return rows[0][0]


def draw_duplicate(row: dict, settings) -> tuple[str, str, int, int] | None:
    """(key, sha256, pages, bytes) of a freshly drawn duplicate, or None when the one
    on file is still there (deterministic bytes: nothing to redraw)."""
    storage = storage_config(settings)
    key = document_pdf_relpath(
        row["issuer"], row["document_number"], row["issue_date"].year, VARIANT
    )
    if row["duplicate_path"] == key and stored_file_exists(storage, key):
        return None
    job = render_job_from_row(row, None, settings.issuers)
    job.out_path, job.duplicate = key, True
    rendered = render_one(job, storage)
    return key, rendered.sha256, rendered.pages, rendered.bytes


def stored_file_exists(storage, key: str) -> bool:
    if storage.is_object_store:
        try:
            open_storage(storage).read(key)
        except Exception:  # missing object: draw it again
            return False
        return True
    return open_storage(storage).path(key).is_file()


def local_path(settings, key: str) -> str:
    storage = storage_config(settings)
    return key if storage.is_object_store else str(open_storage(storage).path(key))


def request_duplicate(
    con,
    settings,
    person_id: str | None,
    issuer: str,
    document_number: str,
    as_of: datetime,
    actor: str,
) -> DuplicateResult:
    """Draw (or reuse), publish, log and announce a duplicate for the person (R23)."""
    visible = find_visible_document(con, person_id, issuer, document_number)  # R29
    code = visible["customer_code"]
    user_id = find_requester(con, person_id, code)
    row = fetch_render_row(con, issuer, document_number)
    drawn = draw_duplicate(row, settings)  # CPU work before the transaction
    key, sha256 = (
        (drawn[0], drawn[1]) if drawn else (row["duplicate_path"], row["duplicate_sha256"])
    )
    request_id = request_id_of(user_id, issuer, document_number, as_of)
    params = {
        "issuer": issuer,
        "document_number": document_number,
        "customer_code": code,
        "at": as_of,
        "request_id": request_id,
    }
    with transaction(con):
        if drawn:
            record_duplicate_rendition(con, issuer, document_number, drawn, as_of, request_id)
        published = bool(run_sql(con, load_sql("duplicate_insert_delivery"), params))
        line = run_sql(con, load_sql("duplicate_insert_line"), params | {"user_id": user_id})
        insert_rows(
            con,
            "duplicate_requests",
            [
                {
                    "request_id": request_id,
                    "issuer": issuer,
                    "document_number": document_number,
                    "customer_code": code,
                    "user_id": user_id,
                    "requested_at": as_of,
                    "actor": actor,
                    "announced": bool(line),
                }
            ],
            mode="INSERT OR IGNORE",
        )
        append_events(
            con,
            duplicate_events(
                issuer,
                document_number,
                code,
                user_id,
                request_id,
                drawn,
                published,
                bool(line),
                actor,
            ),
            at=as_of,
        )
    return DuplicateResult(
        request_id,
        issuer,
        document_number,
        code,
        row["language"],
        local_path(settings, key),
        sha256,
        rendered=drawn is not None,
        published=published,
        announced=bool(line),
    )


def record_duplicate_rendition(con, issuer, document_number, drawn, as_of, request_id) -> None:
    key, sha256, pages, size = drawn
    insert_rows(
        con,
        "renditions",
        [
            {
                "issuer": issuer,
                "document_number": document_number,
                "variant": VARIANT,
                "path": key,
                "sha256": sha256,
                "pages": pages,
                "bytes": size,
                "rendered_at": as_of,
                "run_id": request_id,
            }
        ],
        mode="INSERT OR REPLACE",
    )


def duplicate_events(
    issuer, document_number, code, user_id, request_id, drawn, published, announced, actor
) -> list[AuditEvent]:
    """R30: the request, and the rendering and publication it caused."""
    entity = f"{issuer}/{document_number}"
    events = []
    if drawn:
        _key, sha256, pages, size = drawn
        events.append(
            AuditEvent(
                "document_rendered",
                entity,
                {"variant": VARIANT, "sha256": sha256, "pages": pages, "bytes": size},
                actor,
            )
        )
    if published:
        events.append(
            AuditEvent(
                "document_published",
                entity,
                {"channel": "portal", "customer_code": code, "purpose": VARIANT},
                actor,
            )
        )
    events.append(
        AuditEvent(
            "duplicate_requested",
            entity,
            {
                "request_id": request_id,
                "user_id": user_id,
                "customer_code": code,
                "announced": announced,
            },
            actor,
        )
    )
    return events
