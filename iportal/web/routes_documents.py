"""Documents (R26-R29): the list with filters, sort and pages; open the PDF (clears the
unread mark, R28); request a duplicate (R23). All through tasks/search.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from config import load_settings
from iportal.web import store
from iportal.web.duplicates import request_duplicate
from iportal.web.pages import NotFound, check_csrf, config_of, render, user_warehouse
from tasks.search import (
    SORT_COLUMNS,
    BadQuery,
    DocumentQuery,
    find_visible_document,
    open_document,
    search_documents,
)
from tasks.storage import open_storage, storage_config

router = APIRouter()
FILTERS = ("date_from", "date_to", "number", "document_type", "amount_min", "amount_max",
           "customer_code")  # fmt: skip
COLUMNS = ("issue_date", "document_number", "document_type", "customer_code", "amount",
           "due_date")  # fmt: skip


def parse_filter(name: str, raw: str):
    """One filter's typed value; ValueError / InvalidOperation when it is not valid."""
    if name.startswith("date_"):
        return date.fromisoformat(raw)
    if name.startswith("amount_"):
        amount = Decimal(raw.replace(",", ".")).quantize(Decimal("0.01"))
        if not amount.is_finite():  # NaN quantizes quietly: never a filter value
            raise InvalidOperation(raw)
        return amount
    if name == "document_type":
        if raw not in ("invoice", "credit_note"):
            raise ValueError(raw)
        return raw
    return raw.upper() if name == "customer_code" else raw


def parse_filters(params) -> tuple[dict, list[str]]:
    """Typed filter values from the query string, and the names of those that are not
    valid (shown as errors; the list is then not filtered by them: a refused value never
    reaches the query)."""
    values, bad = {}, []
    for name in FILTERS:
        raw = (params.get(name) or "").strip()[:40]
        if not raw:
            continue
        try:
            values[name] = parse_filter(name, raw)
        except (ValueError, InvalidOperation):
            bad.append(name)
    return values, bad


def build_query(person_id: str, params, page_size: int) -> tuple[DocumentQuery, dict, list[str]]:
    values, bad = parse_filters(params)
    sort = params.get("sort", "issue_date")
    sort = sort if sort in SORT_COLUMNS else "issue_date"
    descending = params.get("desc", "1") != "0"
    try:
        page = max(1, min(int(params.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    fields = {k: v for k, v in values.items() if k != "number"}
    query = DocumentQuery(
        person_id=person_id, number_prefix=values.get("number"), sort=sort, descending=descending,
        page=page, page_size=page_size, **fields,
    )  # fmt: skip
    return query, values, bad


def link_with(params: dict, **changes) -> str:
    merged = {k: v for k, v in (params | changes).items() if v not in (None, "")}
    return "/documents?" + urlencode(merged)


@router.get("/documents")
def documents(request: Request):
    page_size = config_of(request).portal.page_size
    with user_warehouse(request) as (con, user):
        query, values, bad = build_query(user["person_id"], request.query_params, page_size)
        try:
            result = search_documents(con, query)
        except BadQuery:
            query = replace(query, sort="issue_date", descending=True, page=1)
            result = search_documents(con, query)
        codes = [c for m in user["memberships"] for c in store.list_user_codes(con, m["user_id"])]
    kept = {k: request.query_params.get(k, "") for k in FILTERS if k in values}
    current = kept | {"sort": query.sort, "desc": "1" if query.descending else "0"}
    pages = max(1, -(-result.total // query.page_size))
    sort_links = {
        column: link_with(kept, sort=column,
                          desc="0" if column == query.sort and query.descending else "1")
        for column in COLUMNS
    }  # fmt: skip
    return render(
        request, "documents.html", 400 if bad else 200,
        rows=result.rows, total=result.total, page=query.page, pages=pages, query=query,
        filters={k: request.query_params.get(k, "") for k in FILTERS}, bad=bad,
        codes=[c["customer_code"] for c in codes], sort_links=sort_links,
        # several customers behind one login: say whose document each row is
        customer_names={c["customer_code"]: c["customer_name"] for c in codes}
        if len(codes) > 1 else {},
        sort_columns=COLUMNS, filtering=bool(values or bad),
        several_accounts=len(user["memberships"]) > 1,
        previous_link=link_with(current, page=query.page - 1) if query.page > 1 else None,
        next_link=link_with(current, page=query.page + 1) if query.page < pages else None,
        done=request.query_params.get("done"),
    )  # fmt: skip


# The PDF shown in the browser's own viewer: a document of its own, sandboxed (no
# script, no form, no plugin of the page's origin), never framed by another site.
PDF_VIEW_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


@router.get("/documents/{issuer}/{number}")
def open_pdf(request: Request, issuer: str, number: str):
    """The link of the notification e-mails: the PDF, as a download; first read recorded."""
    return pdf_response(request, issuer, number, inline=False)


@router.get("/documents/{issuer}/{number}/view")
def view_pdf(request: Request, issuer: str, number: str):
    """The same PDF, shown in the browser (Content-Disposition inline); first read too."""
    return pdf_response(request, issuer, number, inline=True)


def pdf_response(request: Request, issuer: str, number: str, inline: bool) -> Response:
    config = config_of(request)
    with user_warehouse(request) as (con, user):
        path = open_document(con, config.data_dir, user["person_id"], issuer, number)
    data = read_archived_pdf(config.data_dir, path)
    if data is None:
        raise NotFound(request.url.path)
    kind = "inline" if inline else "attachment"
    name = f"{issuer}-{number}.pdf"  # both checked by R29, so no quote or line break
    headers = {"Content-Disposition": f'{kind}; filename="{name}"'}
    if inline:
        request.state.csp = PDF_VIEW_CSP
    return Response(data, media_type="application/pdf", headers=headers)


def read_archived_pdf(data_dir, path) -> bytes | None:
    """The PDF through the night's storage (the data dir, a shared folder or an object
    store: issue 9's storage_url); None when it is not there."""
    try:
        key = path.relative_to(data_dir).as_posix()
        return open_storage(storage_config(load_settings(data_dir))).read(key)
    except (FileNotFoundError, ValueError):
        return None


@router.get("/documents/{issuer}/{number}/duplicate")
def confirm_duplicate(request: Request, issuer: str, number: str):
    """R23: asked before it is done (a confirmation page, no script)."""
    with user_warehouse(request) as (con, user):
        find_visible_document(con, user["person_id"], issuer, number)  # else the same 404
    return render(request, "confirm.html", text_key="confirm_duplicate",
                  values={"document": number}, button_key="confirm_duplicate_button",
                  action=request.url.path, back="/documents")  # fmt: skip


@router.post("/documents/{issuer}/{number}/duplicate")
def duplicate(
    request: Request, issuer: str, number: str, csrf_token: str = Form(""),
    confirm: str = Form(""),
):  # fmt: skip
    """R23: a duplicate of a document this user can see (else the same 404), once the
    confirmation page said yes; a bare click asks first."""
    check_csrf(request, csrf_token)
    if confirm != "yes":  # the question, not the act (someone else's document: the 404)
        return confirm_duplicate(request, issuer, number)
    with user_warehouse(request) as (con, user):
        config = config_of(request)
        request_duplicate(con, config.data_dir, issuer, number, user, config.now())
    return RedirectResponse("/documents?done=duplicate_requested", status_code=303)
