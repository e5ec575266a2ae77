"""Every portal page in real headless Chromium (issue 16), on the small portal world
of tests/web/conftest.py served by uvicorn on 127.0.0.1: the language switch keeps
the page and its parameters, confirmations, the inline PDF view, the phone layout
(390 px, no horizontal overflow) and the desktop one (1366 px) with screenshots in
tests/artifacts/portal-<page>-<width>.png, axe-core on every page (no serious or
critical violation) and the keyboard alone."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "tests" / "web" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"
A_LOGIN, A_MAIN = "BE0418711287", "an@example.be"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(portal_template, tmp_path_factory):
    """(base URL, data dir) of a portal on a copy of the test world."""
    import uvicorn

    from iportal.web import PortalConfig, PortalSettings, create_app

    data_dir = tmp_path_factory.mktemp("portal-pages") / "data"
    shutil.copytree(portal_template, data_dir)
    # the warehouse let go after every request: the tests write to it in between
    config = PortalConfig(data_dir, PortalSettings(warehouse_idle_seconds=0))
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1",
                                           port=free_port(), log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{server.config.port}", data_dir
    server.should_exit = True
    thread.join(timeout=10)


def world_of(data_dir: Path) -> dict:
    return json.loads((data_dir / "world.json").read_text())


def invite_new_user(data_dir: Path, email: str) -> str:
    """A new shared user of account A with one code, and an invitation token for it."""
    from tasks import accounts
    from tasks.accounts.invitations import issue_invitation
    from warehouse.store import open_writer, run_sql

    now = datetime.now(UTC) - timedelta(minutes=1)
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        account = accounts.find_account(con, world_of(data_dir)["a_account"])
        accounts.share_account(con, account, email, now, customer_codes=("DL20000003",))
        [(user_id,)] = run_sql(con, "SELECT user_id FROM users WHERE email = ?", [email])
        return issue_invitation(con, user_id, now)


def log_in(page, base: str, login: str = A_LOGIN, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/documents")


def switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.click(f'header button[name="language"][value="{code}"]')


def test_language_switch_on_the_activation_page_keeps_the_token(chromium, served):
    base, data_dir = served
    token = invite_new_user(data_dir, "lang@example.be")
    page = chromium.new_context(locale="nl-BE").new_page()
    page.goto(f"{base}/activate?token={token}")
    assert page.inner_text("h1") == "Uw account activeren"
    switch_language(page, "fr")
    assert token in page.url
    assert page.inner_text("h1") == "Activer votre compte"
    assert page.locator("#activate-error").count() == 0  # not "this link is not valid"
    # a refused password (POST answer) and then a switch: still the same link
    page.fill("#password", "short one!")
    page.fill("#password_again", "other one!")
    page.click("#activate-submit")
    page.wait_for_selector("#activate-error")
    switch_language(page, "de")
    assert token in page.url and page.inner_text("h1") == "Konto aktivieren"
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("#activate-submit")
    page.wait_for_url(re.compile(r".*/login\?done=activated"))
    page.context.close()


def test_language_switch_keeps_filters_sort_and_page(chromium, served):
    base, _ = served
    page = chromium.new_context(locale="nl-BE").new_page()
    log_in(page, base)
    wanted = "/documents?document_type=invoice&sort=amount&desc=0&page=2"
    page.goto(base + wanted)
    switch_language(page, "en")
    assert page.url == base + wanted
    assert page.inner_text("h1") == "Documents" and "Page 2" in page.inner_text("nav.pages")
    switch_language(page, "nl")
    assert page.url == base + wanted and "Pagina 2" in page.inner_text("nav.pages")
    page.context.close()
