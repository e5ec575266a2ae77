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


# Every page: phone and desktop, screenshots, no horizontal overflow, axe-core -------

PHONE, DESKTOP = 390, 1366
MAIN_PAGES = {  # name -> path, for the main contact of account A (3 customer codes)
    "documents": "/documents",
    "documents-filtered": "/documents?document_type=credit_note&sort=amount&desc=0",
    "view-confirm-duplicate": "/documents/DL5/A-0028/duplicate",
    "codes": "/codes",
    "confirm-optout": "/codes/DL50000001/optout",
    "users": "/users",
    "redeem": "/redeem",
    "not-found": "/documents/DL5/NO-SUCH",
}


def check_axe(page) -> list[dict]:
    """axe-core's serious and critical violations on the page (WCAG 2.x A/AA rules and
    best practices), each as {id, impact, nodes}."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make axe` (npm ci in tests/web/axe)")
    # evaluated through the DevTools protocol: the page's CSP (script-src 'none') stays
    # in force and is what axe sees; a <script> tag would be (rightly) refused
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]  # fmt: skip


def check_page(page, name: str, width: int, report: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal-{name}-{width}.png"), full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name} at {width} px is {scroll_width} px wide"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(e => !e.labels.length
        && !e.getAttribute('aria-label')).map(e => e.name)""")
    assert unlabelled == [], f"{name}: form controls without a label: {unlabelled}"
    report[f"{name}-{width}"] = check_axe(page)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_page_fits_and_passes_axe(chromium, served, width):
    """No horizontal overflow at 390 px, every control labelled, axe-core: zero serious
    or critical violations, on every page, logged out and logged in, in both widths."""
    base, data_dir = served
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale="nl-BE")
    page = context.new_page()
    report: dict[str, list] = {}
    page.goto(f"{base}/login")
    check_page(page, "login", width, report)
    page.goto(f"{base}/activate?token={invite_new_user(data_dir, f'axe{width}@example.be')}")
    check_page(page, "activate", width, report)
    page.goto(f"{base}/activate?token=unknown")
    check_page(page, "activate-refused", width, report)
    log_in(page, base)
    for name, path in MAIN_PAGES.items():
        page.goto(base + path)
        check_page(page, name, width, report)
    user_id = world_of(data_dir)["a_shared"]
    page.goto(f"{base}/users/{user_id}/delete")
    check_page(page, "confirm-delete-user", width, report)
    (ARTIFACTS / f"portal-axe-{width}.json").write_text(json.dumps(report, indent=1))
    assert {k: v for k, v in report.items() if v} == {}
    context.close()


def test_filters_fold_on_a_phone_and_stay_open_on_a_desktop(chromium, served):
    base, _ = served
    for width, visible in ((PHONE, False), (DESKTOP, True)):
        context = chromium.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        log_in(page, base)
        assert page.is_visible("#date_from") is visible, width
        if not visible:  # one tap on "Filters" opens them, no script
            page.click("label.fold")
            assert page.is_visible("#date_from")
            form_top = page.locator("#filters").bounding_box()["y"]
            assert form_top < page.locator("#documents").bounding_box()["y"]  # above the list
        context.close()


# Keyboard alone -----------------------------------------------------------------------


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent")


def test_keyboard_alone_logs_in_and_reaches_the_documents(chromium, served):
    base, _ = served
    page = chromium.new_context(locale="en-BE").new_page()
    page.goto(f"{base}/login")
    for _ in range(15):  # skip link, brand, language buttons, then the form
        page.keyboard.press("Tab")
        if focused(page) == "login":
            break
    assert focused(page) == "login"
    page.keyboard.type(A_LOGIN)
    page.keyboard.press("Tab")
    assert focused(page) == "password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base}/documents"
    for _ in range(40):  # tab on to the first document's link, open its view with Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('open')"):
            break
    number = page.evaluate("document.activeElement.textContent")
    assert re.fullmatch(r"A-\d{4}", number)
    with page.expect_response(re.compile(rf".*/documents/DL\d/{number}/view")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    page.context.close()


# Confirmations: one click alone does not act ---------------------------------------------


def count(data_dir: Path, sql: str, params=None) -> int:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


def test_back_to_paper_delete_user_and_duplicate_ask_first(chromium, served):
    base, data_dir = served
    page = chromium.new_context(locale="en-BE").new_page()
    log_in(page, base)
    duplicates = "SELECT count(*) FROM duplicate_requests"
    before = count(data_dir, duplicates)
    page.click('tr[data-number="A-0027"] a.duplicate')
    assert "/documents/DL5/A-0027/duplicate" in page.url
    assert "A-0027" in page.inner_text("#confirm-text")
    assert count(data_dir, duplicates) == before  # the click only asked
    page.click("#confirm-cancel")
    assert page.url == f"{base}/documents" and count(data_dir, duplicates) == before
    page.click('tr[data-number="A-0027"] a.duplicate')
    page.click("#confirm-yes")
    page.wait_for_url(re.compile(r".*/documents\?done=duplicate_requested"))
    assert count(data_dir, duplicates) == before + 1

    opted = "SELECT count(*) FROM consent_events WHERE event = 'opted_out'"
    page.goto(f"{base}/codes")
    page.click("#optout-DL50000002")  # R15: channel choice "portal", so electronic
    assert "DL50000002" in page.inner_text("#confirm-text")
    assert count(data_dir, opted) == 0
    page.click("#confirm-yes")
    page.wait_for_url(re.compile(r".*/codes\?done=opted_out"))
    assert count(data_dir, opted) == 1

    user_id = world_of(data_dir)["a_shared"]
    live = "SELECT count(*) FROM users WHERE user_id = ? AND status <> 'deleted'"
    page.goto(f"{base}/users")
    page.click(f"#delete-{user_id}")
    assert "sam@example.be" in page.inner_text("#confirm-text")
    assert count(data_dir, live, [user_id]) == 1
    page.click("#confirm-yes")
    page.wait_for_url(re.compile(r".*/users\?done=user_deleted"))
    assert count(data_dir, live, [user_id]) == 0
    page.context.close()


def test_a_post_without_confirmation_asks_instead_of_acting(make_client, helpers, world):
    """The old one-click forms (a bookmarked or scripted POST) get the question."""
    client = make_client()
    helpers.login(client, helpers.A_LOGIN)
    token = helpers.csrf(client.get("/documents").text)
    for path in ("/documents/DL5/A-0027/duplicate", f"/users/{world['a_shared']}/delete",
                 "/codes/DL50000001/optout"):  # fmt: skip
        answer = client.post(path, data={"csrf_token": token})
        assert answer.status_code == 200 and 'id="confirm-yes"' in answer.text
    assert f'id="user-{world["a_shared"]}"' in client.get("/users").text  # nobody deleted
    assert 'class="error"' not in client.get("/codes").text


# Viewing a document in the browser ---------------------------------------------------------


def test_a_document_is_viewed_inline_in_a_sandbox_or_downloaded(chromium, served):
    base, _ = served
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    log_in(page, base)
    answer = page.request.get(f"{base}/documents/DL5/A-0025/view")
    assert answer.status == 200 and answer.body().startswith(b"%PDF")
    assert answer.headers["content-disposition"] == 'inline; filename="DL5-A-0025.pdf"'
    csp = answer.headers["content-security-policy"]
    assert csp.startswith("sandbox") and "script-src" not in csp and "default-src 'none'" in csp
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.click('tr[data-number="A-0025"] a.view-link')  # Chromium's own viewer shows it
    page.wait_for_url(f"{base}/documents/DL5/A-0025/view")
    assert page.evaluate("document.contentType") == "application/pdf" and downloads == []
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "portal-pdf-view.png"))
    page.goto(f"{base}/documents")
    with page.expect_download() as download:
        page.click('tr[data-number="A-0024"] a.download')
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    context.close()
