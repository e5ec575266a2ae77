"""A tiny warehouse with customers, accounts and documents for the account steps."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.activation_codes import derive_code, format_code
from tasks import accounts
from tasks.route import route_batch
from tests import factories
from warehouse.store import insert_rows, run_sql

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=BRUSSELS)
SECRET = b"test-secret"
VALID_ENTERPRISE = "0418711287"


def customer_row(code: str, email: str | None, **changes) -> dict:
    """A customer on paper whose main contact is An Peeters at `email` (R5, R15)."""
    contact = {"contact_email": email, "contact_first_name": "An", "contact_last_name": "Peeters",
               "contact_language": "nl", "channel_choice": "paper"}  # fmt: skip
    return factories.customer_row(code, T0, **(contact | changes))


def later(days=0, hours=0, minutes=0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


class World:
    """Helpers over one writer connection; times are explicit, as in the flows.

    Test modules cannot import this conftest (importlib mode), so the constants and
    helpers they need travel on the fixture: world.T0, world.at(...), world.row(...).
    """

    T0 = T0
    SECRET = SECRET
    VALID_ENTERPRISE = VALID_ENTERPRISE
    row = staticmethod(customer_row)
    at = staticmethod(later)

    def __init__(self, con):
        self.con = con
        self.numbers = 0

    def customers(self, *rows: dict) -> None:
        insert_rows(self.con, "customers", list(rows), mode="INSERT OR REPLACE")

    def sync(self, at: datetime = T0) -> dict:
        return accounts.sync_accounts(self.con, at, "test")

    def account(self, reference: str) -> dict:
        return accounts.find_account(self.con, reference)

    def document(self, code: str, *, issue_date=date(2026, 11, 26), contract="C-1",
                 document_type="invoice", history=False) -> str:  # fmt: skip
        self.numbers += 1
        number = f"2026-{self.numbers:07d}"
        lines = [
            {"description": "Lease", "quantity": "1", "unit_price": "100.00", "vat_rate": "21"}
        ]
        row = factories.document_row(
            code, number, issue_date, "121.00", "21.00", T0, document_type=document_type,
            contract_number=contract, lines=json.dumps(lines), is_history=history,
            source_line=self.numbers, run_id="run-test",
        )  # fmt: skip
        insert_rows(self.con, "documents", [row])
        return number

    def route(self, at: datetime) -> dict[str, list[str]]:
        """Route every unrouted document as of `at`; channels per document number."""
        route_batch(self.con, at, "run-test", 1000, "test")
        rows = run_sql(self.con, "SELECT document_number, channel FROM deliveries ORDER BY 2")
        channels: dict[str, list[str]] = {}
        for number, channel in rows:
            channels.setdefault(number, []).append(channel)
        return channels

    def assign_codes(self, at: datetime, run_id: str = "run-test") -> dict:
        return accounts.assign_activation_codes(self.con, at, run_id, SECRET, batch_size=2)

    def code(self, customer_code: str, serial: int = 1) -> str:
        return format_code(derive_code(SECRET, customer_code, serial))

    def redeem(self, code: str, email: str, at: datetime):
        return accounts.redeem_code(self.con, code, email, at)

    def scalar(self, sql: str, params=None):
        return run_sql(self.con, sql, params)[0][0]

    def rows(self, sql: str, params=None) -> list[tuple]:
        return run_sql(self.con, sql, params)


@pytest.fixture
def world(warehouse) -> World:
    return World(warehouse)


@pytest.fixture
def issued_code(world) -> tuple[World, str]:
    """DL50000001 (contact an@example.be) on paper with activation code serial 1 issued
    at T0 via its first paper invoice; second contact jan@example.be also has an account."""
    world.customers(
        customer_row("DL50000001", "an@example.be"),
        customer_row("DL50000002", "jan@example.be", contact_first_name="Jan"),
    )
    world.sync()
    world.document("DL50000001")
    world.route(T0)
    world.assign_codes(T0)
    return world, world.code("DL50000001", 1)
