"""Portal queries (R26-R29): search the documents a person may see, open one.

The person is a person id (issue 16, DESIGN rule 11), never an address: visibility
starts from that person's live memberships and their grants.

A document outside a person's grants and a document that does not exist give the same
answer (DocumentNotFound), so numbers cannot be probed. Filters are always SQL
parameters; the sort column comes from a whitelist, never from the caller's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, transaction

SORT_COLUMNS = {
    "issue_date": "issue_date",
    "due_date": "due_date",
    "document_number": "document_number",
    "document_type": "document_type",
    "amount": "amount_incl_vat",
    "amount_incl_vat": "amount_incl_vat",
    "customer_code": "customer_code",
    "issuer": "issuer",
    "unread": "unread",
}
DOCUMENT_TYPES = {"invoice", "credit_note"}


class DocumentNotFound(LookupError):
    """Not there, or not yours: the same answer (R29)."""


class BadQuery(ValueError):
    pass


@dataclass(frozen=True)
class DocumentQuery:
    person_id: str | None  # None: nobody, sees nothing
    date_from: date | None = None
    date_to: date | None = None
    number: str | None = None
    number_prefix: str | None = None
    document_type: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    customer_code: str | None = None
    issuer: str | None = None
    sort: str = "issue_date"  # R27: newest first by default
    descending: bool = True
    page: int = 1
    page_size: int = 50


@dataclass
class DocumentPage:
    rows: list[dict] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 50


def order_by_clause(query: DocumentQuery) -> str:
    if query.sort not in SORT_COLUMNS:
        raise BadQuery(
            f"cannot sort by {query.sort!r}; choose one of {', '.join(sorted(SORT_COLUMNS))}"
        )
    direction = "DESC" if query.descending else "ASC"
    # a stable tie-break keeps pages from overlapping
    return (
        f"{SORT_COLUMNS[query.sort]} {direction}, issuer {direction}, document_number {direction}"
    )


def query_parameters(query: DocumentQuery) -> dict:
    if query.document_type is not None and query.document_type not in DOCUMENT_TYPES:
        raise BadQuery(f"document type must be invoice or credit_note, not {query.document_type!r}")
    if query.page < 1 or not 1 <= query.page_size <= 500:
        raise BadQuery("page starts at 1 and page size is 1 to 500")
    names = (
        "person_id",
        "date_from",
        "date_to",
        "number",
        "number_prefix",
        "document_type",
        "amount_min",
        "amount_max",
        "customer_code",
        "issuer",
    )
    parameters = {name: getattr(query, name) for name in names}
    parameters["limit"] = query.page_size
    parameters["offset"] = (query.page - 1) * query.page_size
    return parameters


def search_documents(con, query: DocumentQuery) -> DocumentPage:
    sql = load_sql("visible_documents").replace("{order_by}", order_by_clause(query))
    cursor = con.execute(sql, query_parameters(query))
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    total = rows[0].pop("total_rows") if rows else 0
    for row in rows[1:]:
        row.pop("total_rows")
    return DocumentPage(rows, total, query.page, query.page_size)


def find_visible_document(con, person_id: str | None, issuer: str, document_number: str) -> dict:
    query = DocumentQuery(person_id=person_id, issuer=issuer, number=document_number)
    page = search_documents(con, query)
    if not page.rows:
        raise DocumentNotFound(f"no document {issuer} {document_number} for {person_id}")
    return page.rows[0]


def open_document(
    con, data_dir: Path, person_id: str | None, issuer: str, document_number: str
) -> Path:
    """The PDF path of a visible document; records the person's first read (R28), audited."""
    find_visible_document(con, person_id, issuer, document_number)
    rows = con.execute(
        load_sql("original_rendition_path"), {"issuer": issuer, "document_number": document_number}
    ).fetchall()
    if not rows:
        raise DocumentNotFound(f"no document {issuer} {document_number} for {person_id}")
    reader = person_id
    with transaction(con):
        insert_rows(
            con,
            "document_reads",
            [
                {
                    "person_id": reader,
                    "issuer": issuer,
                    "document_number": document_number,
                    "first_read_at": datetime.now(UTC),
                }
            ],
            mode="INSERT OR IGNORE",
        )
        append_events(
            con,
            [
                AuditEvent(
                    "document_opened",
                    f"{issuer}/{document_number}",
                    {"reader": reader},
                    actor=reader,
                )
            ],
        )
    return data_dir / rows[0][0]
