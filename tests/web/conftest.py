"""A small portal world on a real warehouse: two accounts built from master data by the
accounts package, published documents with real PDFs, passwords set through real
invitations. Built once, copied per test (tests change read flags, users, codes)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from domain.activation_codes import derive_code, format_code, hash_code
from tasks import accounts
from tasks.accounts.invitations import issue_invitation
from tests.factories import customer_row, delivery_row, document_row, rendition_row
from warehouse.store import insert_rows, open_writer, run_sql

NOW = datetime.now(UTC)
PASSWORD = "correct horse battery"
A_CODES = ["DL50000001", "DL50000002", "DL20000003"]
B_CODE = "DL50000009"
A_MAIN, A_SHARED, B_MAIN = "an@example.be", "sam@example.be", "bob@example.com"
A_LOGIN = "BE0418711287"
SECRET = b"web-test-secret"


def customer(code: str, email: str, enterprise: str | None, language: str) -> dict:
    return customer_row(
        code, NOW, enterprise_number=enterprise, language=language,
        contract_start=date(2020, 1, 1), contact_email=email, contact_first_name="An",
        contact_last_name="Peeters", contact_language=language,
    )  # fmt: skip


def document(code: str, number: str, issued: date, amount: str, kind: str) -> dict:
    return document_row(code, number, issued, amount, "0", NOW, document_type=kind,
                        due_date=issued + timedelta(days=30))  # fmt: skip


def write_pdf(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), invariant=1)
    pdf.drawString(72, 720, text)
    pdf.save()


def build_documents() -> list[dict]:
    """30 documents of account A (10 per code, one a month in 2025-2026) and 3 of B."""
    rows = []
    for i in range(30):
        code = A_CODES[i % 3]
        issued = date(2025, 1, 5) + timedelta(days=20 * i)
        kind = "credit_note" if i % 10 == 9 else "invoice"
        rows.append(document(code, f"A-{i:04d}", issued, f"{100 + 10 * i}.00", kind))
    for i in range(3):
        rows.append(document(B_CODE, f"B-{i:04d}", date(2026, 3, 1 + i), "50.00", "invoice"))
    return rows


def publish(con, data_dir: Path, rows: list[dict]) -> None:
    insert_rows(con, "documents", rows)
    renditions = [rendition_row(row, NOW) for row in rows]  # documents/<issuer>/<number>.pdf
    for row, rendition in zip(rows, renditions, strict=True):
        write_pdf(data_dir / rendition["path"], f"{row['issuer']} {row['document_number']}")
    insert_rows(con, "deliveries", [delivery_row(row, NOW) for row in rows])
    insert_rows(con, "renditions", renditions)


def activate(con, user_id: str) -> None:
    token = issue_invitation(con, user_id, NOW - timedelta(minutes=5))
    accounts.activate_with_invitation(con, token, PASSWORD, NOW - timedelta(minutes=4))


def main_user_id(con, email: str) -> str:
    return run_sql(con, "SELECT user_id FROM users WHERE email = ? AND role = 'main'", [email])[0][
        0
    ]


def build_world(data_dir: Path) -> dict:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        rows = [customer(c, A_MAIN, "0418711287", "nl") for c in A_CODES]
        rows.append(customer(B_CODE, B_MAIN, None, "en"))
        insert_rows(con, "customers", rows)
        accounts.sync_accounts(con, NOW - timedelta(days=1), "test")
        publish(con, data_dir, build_documents())
        for email in (A_MAIN, B_MAIN):
            activate(con, main_user_id(con, email))
        account = accounts.find_account(con, A_MAIN)
        shared = accounts.share_account(con, account, A_SHARED, NOW - timedelta(minutes=6),
                                        language="fr", customer_codes=(A_CODES[1],))  # fmt: skip
        activate(con, shared["user_id"])  # the link of the e-mail (issue 16), accepted
        # R16: an activation code for A's first code, issued yesterday, valid 15 weeks
        code = derive_code(SECRET, A_CODES[0], 1)
        insert_rows(con, "activation_codes", [{
            "code_hash": hash_code(code), "customer_code": A_CODES[0], "serial": 1,
            "issued_at": NOW - timedelta(days=1), "expires_at": NOW + timedelta(days=100),
        }])  # fmt: skip
        ids = {
            "a_account": account["account_id"],
            "b_account": accounts.find_account(con, B_MAIN)["account_id"],
            "a_main": main_user_id(con, A_MAIN),
            "b_main": main_user_id(con, B_MAIN),
            "a_shared": shared["user_id"],
            "activation_code": format_code(code),
        }
    (data_dir / "world.json").write_text(json.dumps(ids))
    return ids


@pytest.fixture(scope="session")
def portal_template(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("portal-template")
    build_world(data_dir)
    return data_dir


@pytest.fixture
def portal_dir(portal_template, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(portal_template, target)
    return target


@pytest.fixture
def world(portal_dir) -> dict:
    return json.loads((portal_dir / "world.json").read_text())


class Clock:
    """A clock the test moves (session expiry, lock-out windows)."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_client(portal_dir, clock):
    """A TestClient on a fresh app over the test's data dir; settings may be changed."""
    from fastapi.testclient import TestClient

    from iportal.web import PortalConfig, PortalSettings, create_app

    clients = []

    def build(base_url: str = "http://testserver", **settings) -> TestClient:
        # the warehouse is let go after every request: tests read it in between
        settings = {"warehouse_idle_seconds": 0} | settings
        config = PortalConfig(portal_dir, PortalSettings(**settings), clock)
        client = TestClient(create_app(config), base_url=base_url, follow_redirects=False)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client):
    return make_client()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client, login: str, password: str = PASSWORD, next_: str = "/documents"):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token, "next": next_}
    )


@pytest.fixture
def helpers():
    """Test modules cannot import this conftest (importlib mode): helpers travel here."""

    class Helpers:
        csrf = staticmethod(csrf_of)
        login = staticmethod(log_in)
        PASSWORD = PASSWORD
        A_CODES, B_CODE = A_CODES, B_CODE
        A_MAIN, A_SHARED, B_MAIN, A_LOGIN = A_MAIN, A_SHARED, B_MAIN, A_LOGIN

    return Helpers
