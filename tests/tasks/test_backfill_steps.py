"""Backfill steps on a tiny warehouse: the portal window (R21), the network mailbox's
own floor (R22), copies of printed documents (R15) and the counts of the run report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tasks.accounts import mark_copy_deliveries
from tasks.backfill import (
    NothingToBackfill,
    decide_backfill_deliveries,
    publish_backfill_deliveries,
    resolve_backfill_codes,
)
from tests.factories import (
    account_code_row,
    account_row,
    customer_row,
    delivery_row,
    document_row,
    rendition_row,
    user_row,
)
from warehouse.store import insert_rows, run_sql

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
T0 = AS_OF - timedelta(days=400)
OLD = "DL50000001"  # contract from 2005: network history from the May 2008 floor
NEW = "DL50000002"  # contract from 2012-06-15: network history from that day
PORTAL_ONLY = "DL50000003"  # no network mailbox


def add_customer(con, code: str, contract_start: date | None) -> None:
    row = customer_row(code, T0, contract_start=contract_start, contact_email="an@example.be",
                       channel_choice="network")  # fmt: skip
    insert_rows(con, "customers", [row])


def add_document(con, code: str, number: str, issued: date) -> None:
    row = document_row(code, number, issued, "12.10", "2.10", T0, contract_number=None,
                       is_history=True)  # fmt: skip
    insert_rows(con, "documents", [row])


def add_delivery(con, number: str, code: str, channel: str, status: str, at: datetime) -> None:
    document = {"issuer": code[:3], "document_number": number, "customer_code": code}
    row = delivery_row(document, at, channel=channel, status=status, dispatched_at=at)
    insert_rows(con, "deliveries", [row])


def add_rendition(con, code: str, number: str) -> None:
    document = {"issuer": code[:3], "document_number": number}
    row = rendition_row(document, T0, path=f"documents/{number}.pdf", sha256="0" * 64)
    insert_rows(con, "renditions", [row])


@pytest.fixture
def history(warehouse):
    """Three codes of one account, documents on both sides of every boundary."""
    con = warehouse
    insert_rows(con, "accounts", [account_row("acc-1", "an@example.be", T0)])
    insert_rows(con, "users", [user_row("u-an", "acc-1", "main", "an@example.be", T0)])
    for code, start in ((OLD, date(2005, 3, 1)), (NEW, date(2012, 6, 15)), (PORTAL_ONLY, None)):
        add_customer(con, code, start)
        insert_rows(con, "account_customer_codes", [account_code_row(code, "acc-1", T0)])
    for code in (OLD, NEW):
        mailbox = {"customer_code": code, "account_id": "acc-1", "activated_at": T0}
        insert_rows(con, "network_mailboxes", [mailbox])
    documents = {
        OLD: [date(2008, 4, 30), date(2008, 5, 1), date(2019, 11, 26), date(2019, 11, 27)],
        NEW: [date(2012, 6, 14), date(2012, 6, 15), date(2026, 11, 27), date(2026, 11, 28)],
        PORTAL_ONLY: [date(2008, 5, 1), date(2019, 11, 27)],
    }
    for code, days in documents.items():
        for day in days:
            add_document(con, code, f"{code}-{day.isoformat()}", day)
    return con


def decided(con, channel: str) -> list[str]:
    rows = run_sql(
        con,
        "SELECT document_number FROM deliveries WHERE purpose = 'backfill' AND channel = ? "
        "ORDER BY 1",
        [channel],
    )
    return [r[0] for r in rows]


def test_portal_window_is_seven_years_and_network_follows_its_own_floor(history):  # R21, R22
    codes = resolve_backfill_codes(history, "an@example.be", None)
    assert codes == [OLD, NEW, PORTAL_ONLY]
    counts = decide_backfill_deliveries(history, codes, AS_OF, "run-1", "test")
    # portal: 2019-11-27 .. 2026-11-27 included (as_of's day); the day before is out
    assert decided(history, "portal") == [
        f"{OLD}-2019-11-27",
        f"{NEW}-2026-11-27",
        f"{PORTAL_ONLY}-2019-11-27",
    ]
    # network: from May 2008 for the 2005 contract, from its start for the 2012 one; the
    # code without a mailbox gets none; nothing issued after as_of
    assert decided(history, "network") == [
        f"{OLD}-2008-05-01",
        f"{OLD}-2019-11-26",
        f"{OLD}-2019-11-27",
        f"{NEW}-2012-06-15",
        f"{NEW}-2026-11-27",
    ]
    assert counts.as_dict() == {"portal": 3, "network": 5, "skipped": 0}
    again = decide_backfill_deliveries(history, codes, AS_OF, "run-2", "test")
    assert again.as_dict() == {"portal": 0, "network": 0, "skipped": 3}  # idempotent


def test_a_code_backfill_touches_that_code_only(history):
    codes = resolve_backfill_codes(history, None, NEW)
    assert codes == [NEW]
    decide_backfill_deliveries(history, codes, AS_OF, "run-1", "test")
    touched = run_sql(history, "SELECT DISTINCT customer_code FROM deliveries")
    assert touched == [(NEW,)]


def test_floor_is_a_setting(history):
    codes = [OLD]
    decide_backfill_deliveries(history, codes, AS_OF, "run-1", "test", floor=date(2010, 1, 1))
    assert decided(history, "network") == [f"{OLD}-2019-11-26", f"{OLD}-2019-11-27"]


def test_unknown_account_or_code_is_refused(history):
    with pytest.raises(NothingToBackfill, match="nobody@example.be"):
        resolve_backfill_codes(history, "nobody@example.be", None)
    with pytest.raises(NothingToBackfill, match="DL59999999"):
        resolve_backfill_codes(history, None, "DL59999999")


def test_printed_documents_keep_their_paper_and_their_history_is_a_copy(history):  # R15
    con = history
    printed_before = f"{OLD}-2019-11-27"  # printed, then the customer opted in
    printed_after = f"{NEW}-2026-11-27"  # printed after the opt-in: not a copy
    add_delivery(con, printed_before, OLD, "paper", "dispatched", T0)
    add_delivery(con, printed_after, NEW, "paper", "dispatched", T0 + timedelta(days=30))
    for code in (OLD, NEW):  # "at" is a keyword: a plain INSERT
        run_sql(
            con,
            "INSERT INTO consent_events VALUES (?, ?, 'network_activated', 'network', 'R16', "
            "'test', NULL)",
            [code, T0 + timedelta(days=1)],
        )
    decide_backfill_deliveries(con, [OLD, NEW, PORTAL_ONLY], AS_OF, "run-1", "test")
    assert mark_copy_deliveries(con, "test") == 2  # portal + network of printed_before
    copies = run_sql(
        con,
        "SELECT document_number, channel, is_copy FROM deliveries WHERE purpose = 'backfill' "
        "AND document_number IN (?, ?) ORDER BY 1, 2",
        [printed_before, printed_after],
    )
    assert copies == [
        (printed_before, "network", True),
        (printed_before, "portal", True),
        (printed_after, "network", False),
        (printed_after, "portal", False),
    ]
    for number in (printed_before, printed_after):
        add_rendition(con, number[:10], number)
    published = publish_backfill_deliveries(con, "test")
    assert published == {"portal": 2, "network": 2, "copies": 2}
    paper = run_sql(
        con,
        "SELECT document_number, purpose, status FROM deliveries WHERE channel = 'paper' "
        "ORDER BY 1",
    )  # the paper originals stay as they were: never printed again, never a backfill
    assert paper == [(printed_before, "original", "dispatched"),
                     (printed_after, "original", "dispatched")]  # fmt: skip


def test_only_rendered_deliveries_are_published(history):
    decide_backfill_deliveries(history, [PORTAL_ONLY], AS_OF, "run-1", "test")
    assert publish_backfill_deliveries(history, "test") == {"portal": 0, "network": 0, "copies": 0}
    add_rendition(history, PORTAL_ONLY, f"{PORTAL_ONLY}-2019-11-27")
    assert publish_backfill_deliveries(history, "test") == {"portal": 1, "network": 0, "copies": 0}
    events = run_sql(
        history,
        "SELECT count(*) FROM audit_events WHERE event_type = 'document_published' "
        "AND payload->>'purpose' = 'backfill'",
    )
    assert events == [(1,)]


def test_a_redeemed_code_asks_for_its_network_history(history):  # R16, R22
    from domain.redemption import StoredCode
    from tasks.accounts.redeem import activate_network
    from tasks.backfill import pending_backfill_requests
    from warehouse.store import transaction

    stored = StoredCode(PORTAL_ONLY, 1, AS_OF + timedelta(days=100), 1)
    with transaction(history):
        activate_network(history, stored, "acc-1", AS_OF, "test")
    requests = pending_backfill_requests(history)
    assert [(r["account_id"], r["customer_code"], r["reason"]) for r in requests] == [
        ("acc-1", PORTAL_ONLY, "code_redeemed")
    ]
