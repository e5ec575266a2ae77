"""The portal in real headless Chromium (issue 8): a nightly run (Prefect, real SMTP
to aiosmtpd) invites the main contact; the browser activates the account from the
link in that e-mail, logs in, filters, sorts, opens a document (its bold goes), adds
a shared user with one customer code, logs in as that user and sees only that code,
and redeems an activation code (R6, R8, R9, R16, R26-R29). Screenshots go to
tests/artifacts/ (the documents page also to docs/img/portal-documents.png)."""

from __future__ import annotations

import csv
import email
import json
import re
import shutil
import socket
import threading
import time
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from stdnum.be import ogm_vcs

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CONTACT, COLLEAGUE = "eva@example.be", "colleague@example.be"
PORTAL_CODES = ["DL50000101", "DL20000102"]
NETWORK_CODE = "DL50000103"  # R15 "network": paper and an activation code until redeemed
PASSWORD, COLLEAGUE_PASSWORD = "Eva's long password", "colleague password 1"
CUSTOMER_FIELDS = [
    "issuer", "customer_number", "name", "enterprise_number", "street", "postal_code",
    "city", "country", "language", "contract_start", "contact_email",
    "contact_first_name", "contact_last_name", "contact_language", "channel_choice",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def reference(n: int) -> str:
    base = f"{n:010d}"
    digits = base + ogm_vcs.calc_check_digits(base)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def write_landing(landing: Path, today: date) -> None:
    landing.mkdir(parents=True)
    with (landing / "customers_web.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, CUSTOMER_FIELDS)
        writer.writeheader()
        for code in [*PORTAL_CODES, NETWORK_CODE]:
            writer.writerow({
                "issuer": code[:3], "customer_number": code[3:], "name": f"Garage {code}",
                "enterprise_number": "0418711287", "street": "Kerkstraat 1",
                "postal_code": "9000", "city": "Gent", "country": "BE", "language": "nl",
                "contract_start": "2020-01-01", "contact_email": CONTACT,
                "contact_first_name": "Eva", "contact_last_name": "Claes",
                "contact_language": "nl",
                "channel_choice": "network" if code == NETWORK_CODE else "portal",
            })  # fmt: skip
    lines = []
    for i in range(14):
        code = [*PORTAL_CODES, NETWORK_CODE][i % 3] if i < 12 else NETWORK_CODE
        issued = today - timedelta(days=25 * (i + 1))
        amount = 100 + 37 * i
        vat = round(amount * 0.21, 2)
        lines.append({
            "issuer": code[:3], "document_number": f"2026-{i:07d}", "document_type": "invoice",
            "issue_date": issued.isoformat(), "due_date": (issued + timedelta(30)).isoformat(),
            "customer_number": code[3:], "contract_number": "C-1", "currency": "EUR",
            "lines": [{"description": "Lease", "quantity": "1", "unit_price": f"{amount}.00",
                       "vat_rate": "21"}],
            "total_excl_vat": f"{amount}.00", "total_vat": f"{vat:.2f}",
            "total_incl_vat": f"{amount + vat:.2f}", "payment_reference": reference(i + 1),
            "credited_document_number": None,
        })  # fmt: skip
    (landing / "documents_web.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")


@pytest.fixture(scope="module")
def inbox():
    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(scope="module")
def night(tmp_path_factory, prefect_harness, inbox):
    """A data dir after one real nightly run; the portal's port chosen beforehand so
    that the e-mails carry its address."""
    from flows.nightly import nightly

    data_dir = tmp_path_factory.mktemp("portal-browser")
    port = free_port()
    today = datetime.now().date()
    (data_dir / "iportal.toml").write_text(
        f'mailer = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {inbox.port}\n'
        "smtp_starttls = false\nsmtp_attempts_per_run = 1\n"
        f'portal_base_url = "http://127.0.0.1:{port}"\n'
        f'go_live_date = "{today - timedelta(days=500)}"\n'
        'peppol_mandate_date = "9999-12-31"\nrender_workers = 1\n'
    )
    write_landing(data_dir / "landing", today)
    nightly(data_dir=str(data_dir))
    return data_dir, port


@pytest.fixture(scope="module")
def portal_url(night):
    import uvicorn

    from iportal.web import PortalConfig, create_app

    data_dir, port = night
    server = uvicorn.Server(
        uvicorn.Config(create_app(PortalConfig(data_dir)), host="127.0.0.1", port=port,
                       log_level="warning")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def invitation_link(inbox, recipient: str = CONTACT) -> str:
    for recipients, message in inbox.handler.messages:
        if recipient in recipients:
            text = message.get_body(("plain",)).get_content()
            found = re.search(r"http://127\.0\.0\.1:\d+/activate\?token=\S+", text)
            if found:
                return found.group(0)
    raise AssertionError(f"no invitation e-mail for {recipient}: {len(inbox.handler.messages)}")


def shoot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base: str, login: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/documents")


def activate(page, link: str, password: str) -> None:
    page.goto(link)
    page.fill("#password", password)
    page.fill("#password_again", password)
    page.click("#activate-submit")
    page.wait_for_url(re.compile(r".*/login\?done=activated"))


def shown_numbers(page) -> list[str]:
    return page.eval_on_selector_all(
        "#documents tbody tr", "rows => rows.map(r => r.dataset.number)"
    )


def weight_of(page, number: str) -> str:
    return page.eval_on_selector(
        f'tr[data-number="{number}"] td', "cell => getComputedStyle(cell).fontWeight"
    )


def test_customer_journey_in_chromium(chromium, inbox, night, portal_url):
    data_dir, _ = night
    context = chromium.new_context(accept_downloads=True, locale="nl-BE")
    page = context.new_page()

    # R6: the link of the real notification e-mail activates the account
    activate(page, invitation_link(inbox), PASSWORD)
    log_in(page, portal_url, "BE 0418.711.287", PASSWORD)
    assert len(shown_numbers(page)) == 8  # the two portal codes' documents, published
    assert page.locator("tr.unread").count() == 8  # R28: nothing opened yet
    assert shown_numbers(page)[0] == "2026-0000000"  # R27: newest first
    shoot(page, "portal-documents-unread")

    # R26: filter by customer code, then R27: sort by amount, both ways
    page.select_option("#customer_code", PORTAL_CODES[1])
    page.click("#apply-filters")
    assert shown_numbers(page) == ["2026-0000001", "2026-0000004", "2026-0000007",
                                   "2026-0000010"]  # fmt: skip
    page.click("#sort-amount")
    assert shown_numbers(page)[0] == "2026-0000010"  # highest amount first
    page.click("#sort-amount")
    assert shown_numbers(page)[0] == "2026-0000001"
    page.goto(f"{portal_url}/documents")

    # R28: downloading a document (or viewing it: tests/web/test_portal_pages_browser.py)
    # gives the PDF; its row is no longer bold
    assert int(weight_of(page, "2026-0000003")) >= 700
    with page.expect_download() as download:
        page.click('tr[data-number="2026-0000003"] a.download')
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    page.reload()
    assert int(weight_of(page, "2026-0000003")) == 400
    assert int(weight_of(page, "2026-0000000")) >= 700
    shutil.copyfile(shoot(page, "portal-documents"), ROOT / "docs" / "img" / "portal-documents.png")

    # R8, R9: a shared user with one customer code (boxes start unchecked)
    page.goto(f"{portal_url}/users")
    assert not page.is_checked(f"#new-{PORTAL_CODES[0]}")
    page.fill("#new-email", COLLEAGUE)
    page.fill("#new-first", "Kim")
    page.check(f"#new-{PORTAL_CODES[0]}")
    page.click("#add-user-submit")
    page.wait_for_selector("#invitation-mailed")
    assert "token=" not in page.content()  # issue 16: the link goes to the address only
    link = invitation_link(inbox, COLLEAGUE)
    shoot(page, "portal-users")

    colleague = chromium.new_context(accept_downloads=True).new_page()
    activate(colleague, link, COLLEAGUE_PASSWORD)
    log_in(colleague, portal_url, COLLEAGUE, COLLEAGUE_PASSWORD)
    # R29: one code only, newest first
    assert shown_numbers(colleague) == ["2026-0000000", "2026-0000003", "2026-0000006",
                                        "2026-0000009"]  # fmt: skip
    assert colleague.locator("tr.unread").count() == 4  # unread is per person (R28)
    shoot(colleague, "portal-shared-user")
    colleague.goto(f"{portal_url}/documents/DL2/2026-0000001")
    assert "Niet gevonden" in colleague.content() or "Not found" in colleague.content()
    colleague.context.close()

    # R16: redeem the activation code that came with the network code's paper invoice
    from config import load_settings
    from domain.activation_codes import derive_code, format_code

    code = format_code(derive_code(load_settings(data_dir).code_secret(), NETWORK_CODE, 1))
    page.goto(f"{portal_url}/redeem")
    page.fill("#code", code)
    page.click("#redeem-submit")
    result = page.inner_text("#redeem-result")
    assert "Gelukt" in result and NETWORK_CODE in result
    shoot(page, "portal-redeem")
    context.close()
