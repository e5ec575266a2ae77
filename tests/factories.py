"""Warehouse rows for tests (issue 22): one place knows what a valid `customers`,
`documents`, `deliveries`, `renditions`, `accounts`, `users`, `account_customer_codes`
and `grants` row holds; a test names only the fields that matter to it (keyword
overrides) and inserts the rows with `warehouse.store.insert_rows`.

The defaults are plain literals (a Ghent garage, an invoice of 121.00 with 21.00 VAT, a
published portal delivery) and never computed by the code under test. Every row of one
table gets the same keys, as `insert_rows` (one Arrow batch) needs; an override that
adds a key must be given to every row of the batch.

Import as `tests.factories` (tests is a namespace package on pytest's pythonpath).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def customer_row(code: str, at: datetime = NOW, **fields) -> dict:
    """A customer code's master data (R2): `code` = issuer prefix + customer number."""
    return {
        "customer_code": code,
        "issuer": code[:3],
        "customer_number": code[3:],
        "name": f"Customer {code}",
        "enterprise_number": None,
        "street": "Kerkstraat 1",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "language": "nl",
        "contract_start": date(2024, 1, 1),
        "contact_email": None,
        "contact_first_name": None,
        "contact_last_name": None,
        "contact_language": None,
        "channel_choice": "portal",
        "updated_at": at,
        "source_sha256": "test",
    } | fields


def document_row(
    code: str,
    number: str,
    issued: date = date(2026, 11, 20),
    amount: str = "121.00",
    vat: str = "21.00",
    at: datetime = NOW,
    **fields,
) -> dict:
    """An ingested document of customer `code`; `amount` is the total incl. VAT and
    `vat` its VAT (the excl. total is their difference, written by hand by the caller's
    literals)."""
    return {
        "issuer": code[:3],
        "document_number": number,
        "customer_code": code,
        "document_type": "invoice",
        "issue_date": issued,
        "due_date": None,
        "customer_number": code[3:],
        "contract_number": "C-1",
        "currency": "EUR",
        "lines": "[]",
        "total_excl_vat": Decimal(amount) - Decimal(vat),
        "total_vat": Decimal(vat),
        "total_incl_vat": Decimal(amount),
        "payment_reference": None,
        "credited_document_number": None,
        "content_sha256": number,
        "is_history": False,
        "source_file": "test",
        "source_line": 1,
        "ingested_at": at,
        "run_id": "r",
    } | fields


def delivery_row(document: dict, at: datetime = NOW, **fields) -> dict:
    """The document's delivery: by default its original, published in the portal."""
    return {
        "issuer": document["issuer"],
        "document_number": document["document_number"],
        "channel": "portal",
        "purpose": "original",
        "customer_code": document["customer_code"],
        "status": "published",
        "reason": "test",
        "decided_at": at,
        "run_id": "r",
    } | fields


def rendition_row(document: dict, at: datetime = NOW, **fields) -> dict:
    """The document's rendered original PDF (path relative to the data dir)."""
    issuer, number = document["issuer"], document["document_number"]
    return {
        "issuer": issuer,
        "document_number": number,
        "variant": "original",
        "path": f"documents/{issuer}/{number}.pdf",
        "sha256": "x",
        "pages": 1,
        "bytes": 1,
        "rendered_at": at,
        "run_id": "r",
    } | fields


def account_row(account_id: str, login_id: str, at: datetime = NOW, **fields) -> dict:
    """An active account whose login is an e-mail address (R3: B2C unless changed)."""
    return {
        "account_id": account_id,
        "login_kind": "email",
        "login_id": login_id,
        "segment": "B2C",
        "status": "active",
        "created_at": at,
    } | fields


def account_code_row(customer_code: str, account_id: str, at: datetime = NOW) -> dict:
    """A customer code held by an account (R5)."""
    return {"customer_code": customer_code, "account_id": account_id, "added_at": at}


def user_row(
    user_id: str, account_id: str, role: str, email: str, at: datetime = NOW, **fields
) -> dict:
    """An active user (`main` or `shared`, R8) of an account, in Dutch."""
    return {
        "user_id": user_id,
        "account_id": account_id,
        "role": role,
        "email": email,
        "language": "nl",
        "status": "active",
        "created_at": at,
    } | fields


def grant_row(user_id: str, customer_code: str, granted_by: str, at: datetime = NOW) -> dict:
    """A shared user's access to one customer code (R8, R9)."""
    return {
        "user_id": user_id,
        "customer_code": customer_code,
        "granted_at": at,
        "granted_by": granted_by,
    }
