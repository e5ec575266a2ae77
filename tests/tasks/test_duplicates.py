"""Duplicates (R23): visible mark per language, visibility (R29), one delivery per
document, audit (R30), and a digest line for the requester through the real digest
steps and a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import json
import socket
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from config import load_settings
from tasks.accounts.people import link_people, person_id_of
from tasks.duplicates import request_duplicate
from tasks.notify import NotifyConfig, RetryPolicy, SmtpServer, prepare_digests, send_digests
from tasks.search import DocumentNotFound, open_document
from tests.factories import (
    account_code_row,
    account_row,
    customer_row,
    delivery_row,
    document_row,
    grant_row,
    user_row,
)
from warehouse.audit import verify_chain
from warehouse.store import insert_rows, open_writer, run_sql

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
# one customer code per language; the document is drawn in its customer's language
CODES = {"nl": "DL50000001", "fr": "DL50000002", "de": "DL20000003", "en": "DL20000004"}
MARKS = {"nl": "DUPLICAAT", "fr": "DUPLICATA", "de": "DUPLIKAT", "en": "DUPLICATE"}
MAIN, SHARED, UNGRANTED = "main@example.be", "shared@example.be", "nogrant@example.be"


def number_of(language: str) -> str:
    return f"2026-00000{list(CODES).index(language) + 1}"


def document(language: str) -> dict:
    return document_row(
        CODES[language],
        number_of(language),
        date(2026, 11, 20),
        "121.00",
        "21.00",
        NOW,
        due_date=date(2026, 12, 20),
        lines=json.dumps(
            [{"description": "Lease", "quantity": "1", "unit_price": "100.00", "vat_rate": "21"}]
        ),
        payment_reference="+++000/0012/34526+++",
    )


def customer(language: str) -> dict:
    return customer_row(
        CODES[language], NOW, name=f"Klant {language}", language=language, contract_start=None
    )


def user(user_id: str, role: str, address: str, language: str = "en") -> dict:
    return user_row(
        user_id, "A1", role, address, NOW, first_name="Test", last_name=user_id,
        language=language, frequency="immediate",
    )  # fmt: skip


def build_world(con) -> None:
    documents = [document(lang) for lang in CODES]
    insert_rows(con, "documents", documents)
    insert_rows(con, "customers", [customer(lang) for lang in CODES])
    insert_rows(con, "deliveries", [delivery_row(d, NOW) for d in documents])
    insert_rows(con, "accounts", [account_row("A1", MAIN, NOW, segment="B2B")])
    insert_rows(
        con, "account_customer_codes", [account_code_row(c, "A1", NOW) for c in CODES.values()]
    )
    insert_rows(
        con,
        "users",
        [
            user("U1", "main", MAIN, "en"),
            user("U2", "shared", SHARED, "fr"),
            user("U3", "shared", UNGRANTED, "de"),
        ],
    )
    link_people(con)  # issue 16: each user row is a membership of the person of its address
    # R9: the shared user sees only the French customer's code; U3 has no grant at all
    insert_rows(con, "grants", [grant_row("U2", CODES["fr"], "U1", NOW)])


@pytest.fixture
def portal(tmp_path):
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        build_world(con)
    return tmp_path


def writer(data_dir: Path):
    return open_writer(data_dir / "warehouse.duckdb", "test")


def ask(data_dir: Path, who: str, language: str, at: datetime = NOW):
    settings = load_settings(data_dir)
    with writer(data_dir) as con:
        return request_duplicate(
            con,
            settings,
            person_id_of(con, who),
            CODES[language][:3],
            number_of(language),
            at,
            "test",
        )


def pdf_text(path: str) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("language", sorted(CODES))
def test_duplicate_carries_the_visible_mark_in_the_documents_language(portal, language):  # R23
    result = ask(portal, MAIN, language)
    text = pdf_text(result.path)
    assert result.language == language and result.rendered
    assert MARKS[language] in text
    assert number_of(language) in text  # the document itself, not a blank page
    assert Path(result.path).name == f"{number_of(language)}.duplicate.pdf"
    others = {mark for lang, mark in MARKS.items() if lang != language}
    assert not any(mark in text for mark in others)


def test_original_has_no_mark_and_duplicate_differs_from_it(portal):
    from tasks.render.pdf import draw_pages  # the original as the nightly draws it
    from tasks.renditions import render_job_from_row

    result = ask(portal, MAIN, "nl")
    with writer(portal) as con:
        cursor = con.execute(
            "SELECT d.*, d.lines::VARCHAR AS lines, c.name, c.street, c.postal_code, c.city, "
            "c.country, c.language FROM documents d JOIN customers c USING (customer_code) "
            "WHERE document_number = ?",
            [number_of("nl")],
        )
        names = [x[0] for x in cursor.description]
        row = dict(zip(names, cursor.fetchall()[0], strict=True))
    job = render_job_from_row(row, portal, load_settings(portal).issuers)
    original, _pages = draw_pages(job)
    Path(job.out_path).parent.mkdir(parents=True, exist_ok=True)
    Path(job.out_path).write_bytes(original)
    assert "DUPLICAAT" not in pdf_text(job.out_path)
    assert Path(result.path).read_bytes() != original


def test_ungranted_shared_user_is_refused_like_a_missing_document(portal):  # R29
    with writer(portal) as con:
        before = run_sql(con, "SELECT count(*) FROM audit_events")[0][0]
    with pytest.raises(DocumentNotFound) as ungranted:
        ask(portal, UNGRANTED, "nl")
    with pytest.raises(DocumentNotFound) as other_code:
        ask(portal, SHARED, "nl")  # granted fr only
    with pytest.raises(DocumentNotFound) as stranger:
        ask(portal, "nobody@example.be", "nl")
    settings = load_settings(portal)
    with writer(portal) as con:
        with pytest.raises(DocumentNotFound) as missing:
            request_duplicate(con, settings, person_id_of(con, MAIN), "DL5", "2099-9999999", NOW,
                              "test")  # fmt: skip
        after = run_sql(con, "SELECT count(*) FROM audit_events")[0][0]
        duplicates = run_sql(con, "SELECT count(*) FROM deliveries WHERE purpose = 'duplicate'")
        lines = run_sql(con, "SELECT count(*) FROM digest_documents")
    assert {type(e.value) for e in (ungranted, other_code, stranger, missing)} == {DocumentNotFound}
    assert all(str(e.value).startswith("no document") for e in (ungranted, stranger, missing))
    assert after == before and duplicates == [(0,)] and lines == [(0,)]
    assert not (portal / "documents").exists()  # nothing drawn for a refused request


def test_granted_shared_user_gets_it_and_the_request_is_audited(portal):  # R23, R30
    result = ask(portal, SHARED, "fr")
    with writer(portal) as con:
        events = run_sql(
            con,
            "SELECT event_type, entity, actor, payload::VARCHAR FROM audit_events ORDER BY seq",
        )
        requests = run_sql(con, "SELECT user_id, customer_code, announced FROM duplicate_requests")
        chain = verify_chain(con)
    kinds = [e[0] for e in events]
    assert kinds == ["document_rendered", "document_published", "duplicate_requested"]
    entity = f"DL5/{number_of('fr')}"
    assert {e[1] for e in events} == {entity}
    payload = json.loads(events[-1][3])
    assert payload == {
        "announced": True,
        "customer_code": CODES["fr"],
        "request_id": result.request_id,
        "user_id": "U2",
    }
    assert SHARED not in "".join(e[3] for e in events)  # ids, never e-mail addresses (R4)
    assert requests == [("U2", CODES["fr"], True)]
    assert chain.ok and chain.events == 3


def test_one_delivery_per_document_however_often_asked(portal):  # DESIGN rule 4
    first = ask(portal, MAIN, "en")
    again = ask(portal, MAIN, "en", NOW + timedelta(hours=1))
    Path(first.path).unlink()  # lost from storage: drawn again, same bytes
    third = ask(portal, MAIN, "en", NOW + timedelta(hours=2))
    with writer(portal) as con:
        deliveries = run_sql(
            con,
            "SELECT channel, purpose, status FROM deliveries "
            "WHERE document_number = ? ORDER BY purpose",
            [number_of("en")],
        )
        requests = run_sql(con, "SELECT count(*) FROM duplicate_requests")[0][0]
        lines = run_sql(con, "SELECT purpose, status FROM digest_documents")
    assert deliveries == [
        ("portal", "duplicate", "published"),
        ("portal", "original", "published"),
    ]
    assert (first.rendered, again.rendered, third.rendered) == (True, False, True)
    assert (first.published, again.published, third.published) == (True, False, False)
    assert (first.announced, again.announced) == (True, False)
    assert first.sha256 == again.sha256 == third.sha256  # deterministic (DESIGN rule 5)
    assert requests == 3 and lines == [("duplicate", "pending")]


def test_opening_the_original_still_gives_the_original(portal):
    ask(portal, MAIN, "nl")
    with writer(portal) as con:
        insert_rows(
            con,
            "renditions",
            [
                {
                    "issuer": "DL5",
                    "document_number": number_of("nl"),
                    "variant": "original",
                    "path": "documents/DL5/2026/original.pdf",
                    "sha256": "x",
                    "pages": 1,
                    "bytes": 1,
                    "rendered_at": NOW,
                    "run_id": "r",
                }
            ],
        )
        path = open_document(con, portal, person_id_of(con, MAIN), "DL5", number_of("nl"))
    assert path == portal / "documents/DL5/2026/original.pdf"


# --- the announcement, through the real digest steps and a real SMTP server -------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def notify_config(data_dir: Path, port: int) -> NotifyConfig:
    return NotifyConfig(
        data_dir=data_dir,
        portal_base_url="https://portal.example",
        mailer="smtp",
        smtp=SmtpServer("127.0.0.1", port, starttls=False, timeout_seconds=5),
        retry=RetryPolicy(attempts_per_run=1, wait_seconds=0),
    )


def mark_originals_announced(con) -> None:
    """The nightly resolved the originals' recipients long ago (tasks/notify/recipients)."""
    insert_rows(
        con,
        "notification_fanouts",
        [
            {
                "issuer": CODES[lang][:3],
                "document_number": number_of(lang),
                "channel": "portal",
                "purpose": "original",
                "customer_code": CODES[lang],
                "recipients": 1,
                "resolved_at": NOW,
                "run_id": "r",
            }
            for lang in CODES
        ],
    )


def text_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=policy.default)
    return message.get_body(("plain",)).get_content()


def test_requester_hears_of_the_duplicate_in_their_next_digest(portal, smtp):  # R23, R24
    controller, inbox = smtp
    config = notify_config(portal, controller.port)
    # the originals were announced already: the duplicate is a line of its own
    with writer(portal) as con:
        mark_originals_announced(con)
        insert_rows(
            con,
            "digest_documents",
            [
                {
                    "user_id": "U2",
                    "issuer": "DL5",
                    "document_number": number_of("fr"),
                    "customer_code": CODES["fr"],
                    "status": "listed",
                    "digest_id": "earlier",
                    "resolved_at": NOW,
                    "run_id": "r",
                }
            ],
        )
    ask(portal, SHARED, "fr")
    later = NOW + timedelta(hours=1)
    prepared = prepare_digests(config, "immediate", later, "run-1", "test")
    sent = send_digests(config, later, "test")
    assert prepared["digests_queued"] == 1 and sent["digests_sent"] == 1
    [(recipients, raw)] = inbox.messages
    body = text_of(raw)
    assert recipients == [SHARED]  # only the requester, not the main contact
    assert number_of("fr") in body and "duplicata à votre demande" in body  # fr user
    assert f"https://portal.example/documents/DL5/{number_of('fr')}" in body
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",))
    assert "duplicata à votre demande" in html.get_content()
    # announced once: another digest run sends nothing more
    prepare_digests(config, "immediate", later + timedelta(hours=1), "run-2", "test")
    send_digests(config, later + timedelta(hours=1), "test")
    assert len(inbox.messages) == 1


def test_no_line_when_the_requester_switched_notifications_off(portal, smtp):  # R11
    controller, inbox = smtp
    with writer(portal) as con:
        insert_rows(
            con,
            "notification_settings",
            [{"user_id": "U1", "customer_code": CODES["nl"], "enabled": False, "changed_at": NOW}],
        )
        mark_originals_announced(con)
    result = ask(portal, MAIN, "nl")
    config = notify_config(portal, controller.port)
    prepared = prepare_digests(config, "immediate", NOW, "run-1", "test")
    send_digests(config, NOW, "test")
    assert result.announced  # queued, then dropped by the digest step's own check
    assert prepared["lines_dropped"] == {"notifications_off": 1}
    assert inbox.messages == []
