"""`iportal documents`, `iportal open`, `iportal duplicate`: the portal's document
queries (R23, R26-R29) for operators and scripts.

Thin: each command opens the writer (searches see unread flags as of now, not as of
the last snapshot) and calls one function of tasks.search or tasks.duplicates. A
document someone may not see and one that does not exist give the same one-line error.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from iportal.cli_common import AsOf, DataDir, Json, console, one_line_errors, operator, warehouse

User = Annotated[str, typer.Option("--user", help="E-mail of the portal user.")]
Issuer = Annotated[str, typer.Argument(help="Issuer prefix, e.g. DL5.")]
Number = Annotated[str, typer.Argument(help="Document number, e.g. 2026-0001234.")]


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, not {value!r}") from None


def parse_amount(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise typer.BadParameter(f"{option} must be an amount like 741.00, not {value!r}") from None
    if not amount.is_finite():
        raise typer.BadParameter(f"{option} must be a finite amount, not {value!r}")
    return amount


def documents_table(page, email: str) -> Table:
    """R28: unread documents are marked (and bold)."""
    table = Table(
        Column("", no_wrap=True),
        Column("issuer", no_wrap=True),
        Column("number", no_wrap=True),  # an operator copies it: never cut
        Column("type", overflow="fold"),
        Column("issue date", no_wrap=True),
        Column("customer code", no_wrap=True),
        Column("incl. VAT", justify="right", no_wrap=True),
        title=f"{page.total} documents for {email} (page {page.page}, {page.page_size} a page)",
    )
    for row in page.rows:
        style = "bold" if row["unread"] else None
        table.add_row(
            "●" if row["unread"] else "",
            row["issuer"],
            row["document_number"],
            row["document_type"],
            str(row["issue_date"]),
            row["customer_code"],
            f"{row['amount_incl_vat']:.2f}",
            style=style,
        )
    return table


@one_line_errors
def documents(
    user: User,
    date_from: Annotated[str | None, typer.Option("--from", help="Issued on or after.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Issued on or before.")] = None,
    number: Annotated[str | None, typer.Option(help="Exact document number.")] = None,
    number_prefix: Annotated[str | None, typer.Option(help="Document number prefix.")] = None,
    document_type: Annotated[
        str | None, typer.Option("--type", help="invoice or credit_note.")
    ] = None,
    min_amount: Annotated[str | None, typer.Option(help="Amount incl. VAT, at least.")] = None,
    max_amount: Annotated[str | None, typer.Option(help="Amount incl. VAT, at most.")] = None,
    customer_code: Annotated[str | None, typer.Option(help="One customer code.")] = None,
    issuer: Annotated[str | None, typer.Option(help="One issuer prefix.")] = None,
    sort: Annotated[str, typer.Option(help="Sort column (issue_date, amount, …).")] = "issue_date",
    descending: Annotated[bool, typer.Option("--desc/--asc", help="Direction.")] = True,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=500)] = 50,
    data_dir: DataDir = Path("var"),
    json_out: Json = False,
) -> None:
    """List the documents a portal user may see (R26-R29), newest first; unread marked ●.

    Example: iportal documents --user an.peeters@example.be --type invoice --from 2026-01-01 --sort amount --asc
    """  # noqa: E501
    from dataclasses import replace

    from tasks.accounts.people import person_id_of
    from tasks.search import DocumentQuery, search_documents

    query = DocumentQuery(
        person_id=None,
        date_from=parse_day(date_from, "--from"),
        date_to=parse_day(date_to, "--to"),
        number=number,
        number_prefix=number_prefix,
        document_type=document_type,
        amount_min=parse_amount(min_amount, "--min-amount"),
        amount_max=parse_amount(max_amount, "--max-amount"),
        customer_code=customer_code,
        issuer=issuer,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
    )
    with warehouse(data_dir) as (con, _moment, _settings):  # the one person of the address
        result = search_documents(con, replace(query, person_id=person_id_of(con, user)))
    if json_out:
        console.print_json(json.dumps(vars(result), default=str))
    else:
        console.print(documents_table(result, user))


@one_line_errors
def open_(
    issuer: Issuer,
    document_number: Number,
    user: User,
    data_dir: DataDir = Path("var"),
    json_out: Json = False,
) -> None:
    """Print the PDF path of a document the user may see and mark it read (R28, R29).

    Example: iportal open DL5 2026-0001234 --user an.peeters@example.be
    """
    from tasks.accounts.people import person_id_of
    from tasks.search import open_document

    with warehouse(data_dir) as (con, _moment, settings):
        person = person_id_of(con, user)
        path = open_document(con, settings.data_dir, person, issuer, document_number)
    if json_out:
        console.print_json(json.dumps({"issuer": issuer, "document_number": document_number,
                                       "path": str(path)}))  # fmt: skip
    else:
        console.print(str(path), highlight=False, soft_wrap=True)


@one_line_errors
def duplicate(
    issuer: Issuer,
    document_number: Number,
    requested_by: Annotated[
        str, typer.Option("--requested-by", help="E-mail of the user asking for it.")
    ],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
) -> None:
    """Draw a duplicate (marked DUPLICATE in the document's language), publish it to the
    portal, log it and announce it in the requester's next digest (R23).

    Example: iportal duplicate DL5 2026-0001234 --requested-by an.peeters@example.be
    """
    from tasks.accounts.people import person_id_of
    from tasks.duplicates import request_duplicate

    with warehouse(data_dir, as_of) as (con, moment, settings):
        person = person_id_of(con, requested_by)
        result = request_duplicate(
            con, settings, person, issuer, document_number, moment, operator()
        )
    if json_out:
        console.print_json(json.dumps(result.as_dict()))
        return
    console.print(result.path, highlight=False, soft_wrap=True)
    console.print(
        f"duplicate of {issuer} {document_number} ({result.customer_code}, "
        f"{result.language}): {'drawn' if result.rendered else 'reused'}, "
        f"{'announced in the next digest' if result.announced else 'already announced'}",
        highlight=False,
    )
