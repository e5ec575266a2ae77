"""Activation codes on paper (R16-R18): printed on invoices, letters in the print batch;
copies (R15), the network channel and what the partner may know (R4)."""

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from config import DEFAULT_ISSUERS
from domain.records import RenderJob
from tasks import paper
from tasks.accounts import (
    attach_activation_codes,
    mark_copy_deliveries,
    partner_contacts,
    publish_network_deliveries,
    render_activation_letters,
    request_activation_letter,
)
from tasks.accounts.letters import draw_letters, draw_letters_in_pool, select_letters
from tasks.accounts.partner import PARTNER_FIELDS

BRUSSELS = ZoneInfo("Europe/Brussels")


def printed(world) -> list[tuple]:
    return world.rows(
        "SELECT document_number, customer_code, serial FROM printed_activation_codes ORDER BY 1"
    )


def letters(world) -> list[tuple]:
    return world.rows(
        "SELECT customer_code, serial, document_number, reason, status "
        "FROM activation_letters ORDER BY letter_id"
    )


def test_first_paper_invoice_brings_a_code_and_a_letter(world):  # R17
    world.customers(
        world.row("DL50000001", "an@example.be", channel_choice="network"),
        world.row("DL50000002", "jan@example.be", channel_choice="portal"),
    )
    world.sync()
    first = world.document("DL50000001", contract="C-1")
    second = world.document("DL50000001", contract="C-1")
    credit = world.document("DL50000001", document_type="credit_note")
    world.document("DL50000002")  # portal: no paper, no code
    world.route(world.T0)
    totals = world.assign_codes(world.T0)
    assert totals == {"invoices": 2, "codes_issued": 1, "letters": 1}
    assert printed(world) == [(first, "DL50000001", 1), (second, "DL50000001", 1)]
    assert credit not in [p[0] for p in printed(world)]
    assert letters(world) == [("DL50000001", 1, first, "first_code", "decided")]
    stored = world.rows("SELECT code_hash, serial, expires_at FROM activation_codes")
    code = world.code("DL50000001", 1).replace("-", "")
    assert len(stored) == 1 and code not in stored[0][0]  # hash only (R16)
    assert world.assign_codes(world.T0) == {"invoices": 0, "codes_issued": 0, "letters": 0}


def test_a_new_contract_brings_a_letter_with_the_current_code(world):  # R17
    world.customers(world.row("DL50000001", "an@example.be"))
    world.sync()
    world.document("DL50000001", contract="C-1", history=True)
    world.document("DL50000001", contract="C-1")
    world.route(world.T0)
    world.assign_codes(world.T0)
    later = world.at(days=30)
    same = world.document("DL50000001", contract="C-1", issue_date=later.date())
    new = world.document("DL50000001", contract="C-2", issue_date=later.date())
    world.route(later)
    assert world.assign_codes(later) == {"invoices": 2, "codes_issued": 0, "letters": 1}
    assert letters(world)[-1] == ("DL50000001", 1, new, "new_contract", "decided")
    assert (same, "DL50000001", 1) in printed(world)


def test_render_jobs_carry_the_code_and_its_last_valid_day(issued_code):  # R17, R18
    world, code = issued_code
    job = RenderJob("DL5", "2026-0000001", "/tmp/x.pdf", {}, {}, {})
    other = RenderJob("DL5", "2026-9999999", "/tmp/y.pdf", {}, {}, {})
    assert attach_activation_codes(world.con, [job, other], world.SECRET) == 1
    assert job.activation_code == code
    assert job.extra["activation_code_valid_until"] == "2027-03-12"
    assert other.activation_code is None


def test_letters_are_drawn_and_join_the_issuers_print_batch(issued_code, tmp_path: Path):
    world, code = issued_code
    drawn = render_activation_letters(
        world.con, tmp_path, DEFAULT_ISSUERS, world.SECRET, "run-test"
    )
    assert drawn == 1
    [(path, status)] = world.rows("SELECT path, status FROM activation_letters")
    text = PdfReader(tmp_path / path).pages[0].extract_text()
    assert status == "rendered" and code in text and "DL50000001" in text
    assert "2026-0000001" in text  # the invoice it travels with
    assert render_activation_letters(world.con, tmp_path, DEFAULT_ISSUERS, world.SECRET, "r") == 0
    # Same data, same bytes (DESIGN rule 5).
    before = (tmp_path / path).read_bytes()
    world.rows("UPDATE activation_letters SET status = 'decided'")
    render_activation_letters(world.con, tmp_path, DEFAULT_ISSUERS, world.SECRET, "run-test")
    assert (tmp_path / path).read_bytes() == before
    # Phase 1 and 2 of the print batch take the letter along (tasks/paper.py).
    [batch_id] = paper.assign_print_batches(world.con, world.T0, "run-test", "test")
    pieces = paper.mail_pieces(world.con, batch_id, tmp_path)
    assert [(p.kind, p.customer_code) for p in pieces] == [("activation_letter", "DL50000001")]
    assert world.scalar("SELECT print_batch_id FROM activation_letters") == batch_id


def test_letters_drawn_in_the_worker_pool_equal_those_drawn_here(issued_code, tmp_path):
    """Issue 9: the night draws its letters in the render pool; same files, same order,
    a bad letter fails alone."""
    world, _ = issued_code
    [row] = select_letters(world.con, 10)
    rows = [row | {"letter_id": f"L{i:04d}", "document_number": f"2026-{i:07d}"}
            for i in range(250)]  # fmt: skip
    rows[7] = rows[7] | {"issuer": "XX9"}  # no such issuer
    here = draw_letters(rows, tmp_path / "here", DEFAULT_ISSUERS, world.SECRET, "Europe/Brussels")
    pool = draw_letters_in_pool(
        rows, tmp_path / "pool", DEFAULT_ISSUERS, world.SECRET, "Europe/Brussels", workers=2
    )
    assert [r["letter_id"] for r in pool[0]] == [r["letter_id"] for r in here[0]]
    assert [r["sha256"] for r in pool[0]] == [r["sha256"] for r in here[0]]
    assert len(pool[0]) == 249 and [f["letter_id"] for f in pool[1]] == ["L0007"]
    first = pool[0][0]["path"]
    assert (tmp_path / "pool" / first).read_bytes() == (tmp_path / "here" / first).read_bytes()


def test_a_lost_code_is_sent_again_on_request(issued_code):  # R17
    world, _ = issued_code
    again = request_activation_letter(world.con, "DL50000001", world.at(days=1), world.SECRET)
    assert (again["serial"], again["valid_until"], again["new"]) == (1, "2027-03-12", True)
    twice = request_activation_letter(world.con, "DL50000001", world.at(days=1), world.SECRET)
    assert twice["letter_id"] == again["letter_id"] and not twice["new"]
    late = datetime(2027, 4, 1, 10, tzinfo=BRUSSELS)  # code 1 expired: a new serial
    assert request_activation_letter(world.con, "dl50000001", late, world.SECRET)["serial"] == 2


def test_electronic_delivery_of_a_printed_document_after_opt_in_is_a_copy(issued_code):  # R15
    world, code = issued_code
    world.rows(
        "UPDATE deliveries SET status = 'dispatched', dispatched_at = ? WHERE channel = 'paper'",
        [world.at(hours=1)],
    )
    world.redeem(code, "an@example.be", world.at(days=1))
    # The history that follows the opt-in (R21, the backfill) decides network deliveries.
    fresh = world.document("DL50000001", issue_date=world.at(days=2).date())
    world.route(world.at(days=2))
    world.rows(
        "INSERT INTO deliveries (issuer, document_number, channel, purpose, customer_code, "
        "status, reason, decided_at, run_id) VALUES ('DL5', '2026-0000001', 'network', "
        "'backfill', 'DL50000001', 'decided', 'R21', ?, 'run-b')",
        [world.at(days=2)],
    )
    assert mark_copy_deliveries(world.con, "test") == 1
    copies = world.rows("SELECT document_number, purpose FROM deliveries WHERE is_copy")
    assert copies == [("2026-0000001", "backfill")]  # the new document is an original
    assert fresh != "2026-0000001"
    assert mark_copy_deliveries(world.con, "test") == 0


def test_network_deliveries_are_published_once_rendered(issued_code):  # R16
    world, code = issued_code
    world.redeem(code, "an@example.be", world.at(hours=1))
    number = world.document("DL50000001", issue_date=world.at(days=1).date())
    world.route(world.at(days=1))
    assert publish_network_deliveries(world.con, "test") == 0  # no PDF yet
    world.rows(
        "INSERT INTO renditions VALUES ('DL5', ?, 'original', 'x.pdf', 'h', 1, 1, ?, 'r')",
        [number, world.T0],
    )
    assert publish_network_deliveries(world.con, "test") == 1
    assert world.scalar("SELECT status FROM deliveries WHERE document_number = ?", [number]) == (
        "published"
    )


def test_partner_gets_exactly_email_language_and_names(world):  # R4
    world.customers(
        world.row("DL50000001", "an@example.be", enterprise_number=world.VALID_ENTERPRISE),
        world.row("DL50000002", "jan@example.be", contact_first_name="Jan"),
    )
    world.sync()
    contacts = partner_contacts(world.con)
    assert [set(c) for c in contacts] == [set(PARTNER_FIELDS)] * 2
    assert set(PARTNER_FIELDS) == {"email", "language", "last_name", "first_name"}
    assert contacts[0] == {
        "email": "an@example.be",
        "language": "nl",
        "last_name": "Peeters",
        "first_name": "An",
    }


def test_letter_of_a_code_issued_1_september_says_valid_until_15_december(issued_code):  # R18
    """The letter's "valid until" is the last day redemption still works (day 105)."""
    from domain.activation_codes import code_expires_at, is_code_valid
    from tasks.accounts.letter_pdf import draw_activation_letter
    from tasks.accounts.letters import letter_content

    world, _ = issued_code
    [row] = select_letters(world.con, 10)
    issued = datetime(2026, 9, 1, 9, 0, tzinfo=BRUSSELS)
    row = row | {"expires_at": code_expires_at(issued), "language": "nl"}
    letter = letter_content(row, DEFAULT_ISSUERS, world.SECRET, "Europe/Brussels")
    text = PdfReader(io.BytesIO(draw_activation_letter(letter))).pages[0]
    assert "Geldig tot en met 15 december 2026" in text.extract_text()
    assert is_code_valid(row["expires_at"], datetime(2026, 12, 15, 23, 59, tzinfo=BRUSSELS))
    assert not is_code_valid(row["expires_at"], datetime(2026, 12, 16, 0, 0, tzinfo=BRUSSELS))
