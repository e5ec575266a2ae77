"""Legacy deliveries of history documents (issue 20): parsed, stored once, visible to
analysts with source 'legacy', bad values quarantined; a file without them loads as
before."""

from __future__ import annotations

import copy
import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from domain.validate import CUSTOMER_FIELDS, RowError, validate_document
from tasks.ingest import IngestContext, ingest_file, list_landing_files
from tasks.ingest.legacy import parse_legacy_delivery
from warehouse.store import open_writer

GO_LIVE = date(2026, 11, 1)
ZONE = "Europe/Brussels"


@pytest.fixture
def ctx(tmp_path: Path) -> IngestContext:
    return IngestContext(
        database=tmp_path / "warehouse.duckdb",
        processed_dir=tmp_path / "landing" / "processed",
        issuers=frozenset({"DL2", "DL5"}),
        go_live=GO_LIVE,
        run_id="run-1",
        batch_size=2,
        lock_timeout=10,
    )


def history_document(document: dict, number: str, **legacy) -> dict:
    doc = copy.deepcopy(document)
    doc |= {"document_number": number, "issue_date": "2015-03-01", "due_date": "2015-03-31"}
    return doc | legacy


def parse(document: dict, **legacy):
    clean = validate_document(document, frozenset({"DL5"}))
    return parse_legacy_delivery(document | legacy, clean, GO_LIVE, ZONE)


def rejection(document: dict, **legacy) -> tuple[str, str]:
    with pytest.raises(RowError) as caught:
        parse(document, **legacy)
    return caught.value.rejection.reason, caught.value.rejection.detail


# -- parse_legacy_delivery: one rule per test -------------------------------------------


def test_a_row_without_legacy_fields_has_no_legacy_delivery(document):
    assert parse(history_document(document, "2015-0000001")) is None
    assert parse(history_document(document, "2015-0000001", legacy_channel="")) is None


def test_a_paper_delivery_with_its_print_batch(document):
    legacy = parse(
        history_document(document, "2015-0000001"),
        legacy_channel="Paper",
        legacy_delivered_at="2015-03-02T09:15:00+01:00",
        legacy_print_batch="LEG-DL5-20150302",
    )
    assert legacy == {
        "issuer": "DL5",
        "document_number": "2015-0000001",
        "channel": "paper",
        "purpose": "legacy",  # DESIGN rule 4: its own idempotency key
        "customer_code": "DL50012345",
        "delivered_at": datetime(2015, 3, 2, 8, 15, tzinfo=UTC),
        "print_batch": "LEG-DL5-20150302",
        "message_id": None,
    }


def test_a_timestamp_without_offset_is_brussels_local_time(document):
    summer = parse(
        history_document(document, "2015-0000001", issue_date="2015-07-01", due_date=None),
        legacy_channel="email",
        legacy_delivered_at="2015-07-01 05:00:00",
        legacy_message_id="<a@b>",
    )
    assert summer["delivered_at"] == datetime(2015, 7, 1, 3, 0, tzinfo=UTC)  # CEST, +02:00


@pytest.mark.parametrize(
    ("legacy", "reason", "words"),
    [
        ({"legacy_channel": "fax", "legacy_delivered_at": "2015-03-02T09:00:00Z"},
         "bad_legacy_channel", "is not one of paper, portal, network, email, peppol"),
        ({"legacy_delivered_at": "2015-03-02T09:00:00Z"},
         "bad_legacy_channel", "legacy_delivered_at given without legacy_channel"),
        ({"legacy_channel": "portal"}, "bad_legacy_delivered_at", "is not an ISO timestamp"),
        ({"legacy_channel": "portal", "legacy_delivered_at": "2015-03-02"},
         "bad_legacy_delivered_at", "is not an ISO timestamp"),
        ({"legacy_channel": "portal", "legacy_delivered_at": "yesterday morning"},
         "bad_legacy_delivered_at", "is not an ISO timestamp"),
        ({"legacy_channel": "portal", "legacy_delivered_at": "2015-02-28T23:00:00+01:00"},
         "bad_legacy_delivered_at", "is before issue_date 2015-03-01"),
        ({"legacy_channel": "portal", "legacy_delivered_at": "2015-03-02T09:00:00Z",
          "legacy_print_batch": "B1"}, "bad_legacy_reference", "legacy_print_batch is for paper"),
        ({"legacy_channel": "paper", "legacy_delivered_at": "2015-03-02T09:00:00Z",
          "legacy_message_id": "<m@x>"}, "bad_legacy_reference", "for electronic channels"),
        ({"legacy_channel": 7, "legacy_delivered_at": "2015-03-02T09:00:00Z"},
         "bad_type", "legacy_channel must be text"),
    ],
)  # fmt: skip
def test_bad_legacy_values_are_rejected_with_a_clear_reason(document, legacy, reason, words):
    got_reason, detail = rejection(history_document(document, "2015-0000001"), **legacy)
    assert got_reason == reason and words in detail


def test_a_document_after_go_live_cannot_carry_a_legacy_delivery(document):
    reason, detail = rejection(
        document,  # issued 2026-11-26, after go-live 2026-11-01
        legacy_channel="paper",
        legacy_delivered_at="2026-11-27T09:00:00+01:00",
    )
    assert reason == "legacy_not_history" and "the pipeline delivers it" in detail


# -- ingest ------------------------------------------------------------------------------


def write_customers(landing: Path, customer: dict) -> None:
    with (landing / "customers_1.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CUSTOMER_FIELDS)
        writer.writeheader()
        writer.writerow(customer)


def write_jsonl(landing: Path, name: str, rows: list[dict]) -> Path:
    path = landing / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def ingest_all(landing: Path, ctx: IngestContext):
    return [ingest_file(p, ctx) for p in list_landing_files(landing)]


def query(ctx: IngestContext, sql: str) -> list[tuple]:
    with open_writer(ctx.database, "test") as con:
        return con.execute(sql).fetchall()


PAPER = {"legacy_channel": "paper", "legacy_delivered_at": "2015-03-02T09:00:00+01:00",
         "legacy_print_batch": "LEG-DL5-20150302"}  # fmt: skip
PORTAL = {"legacy_channel": "portal", "legacy_delivered_at": "2015-03-01T05:00:00+01:00"}


@pytest.fixture
def landing(tmp_path: Path, customer: dict) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    write_customers(path, customer)
    return path


def test_legacy_deliveries_are_stored_apart_and_shown_in_delivery_history(ctx, landing, document):
    rows = [
        history_document(document, "2015-0000001", **PAPER),
        history_document(document, "2015-0000002", **PORTAL),
        history_document(document, "2015-0000003"),  # no legacy fields: loads as before
    ]
    write_jsonl(landing, "documents_history.jsonl", rows)
    reports = ingest_all(landing, ctx)
    assert [(r.ingested, r.quarantined, r.legacy) for r in reports] == [(1, 0, 0), (3, 0, 2)]
    assert query(ctx, "SELECT count(*) FROM deliveries") == [(0,)]  # none for the pipeline
    assert query(
        ctx,
        "SELECT document_number, channel, purpose, status, source, print_batch_id, "
        "decided_at, dispatched_at FROM delivery_history ORDER BY document_number",
    ) == [
        ("2015-0000001", "paper", "legacy", "delivered", "legacy", "LEG-DL5-20150302",
         datetime(2015, 3, 2, 8, 0, tzinfo=UTC), datetime(2015, 3, 2, 8, 0, tzinfo=UTC)),
        ("2015-0000002", "portal", "legacy", "delivered", "legacy", None,
         datetime(2015, 3, 1, 4, 0, tzinfo=UTC), datetime(2015, 3, 1, 4, 0, tzinfo=UTC)),
    ]  # fmt: skip
    assert query(
        ctx, "SELECT channel, month, documents, source FROM channel_mix_monthly ORDER BY 1"
    ) == [("paper", date(2015, 3, 1), 1, "legacy"), ("portal", date(2015, 3, 1), 1, "legacy")]
    assert query(
        ctx,
        "SELECT entity, payload->>'channel' FROM audit_log "
        "WHERE event_type = 'legacy_delivery_recorded' ORDER BY 1",
    ) == [("DL5/2015-0000001", "paper"), ("DL5/2015-0000002", "portal")]  # R30


def test_a_re_delivery_adds_no_second_legacy_delivery_and_completes_old_history(
    ctx, landing, document
):
    plain = [history_document(document, f"2015-000000{i}") for i in (1, 2)]
    write_jsonl(landing, "documents_history_a.jsonl", plain)
    ingest_all(landing, ctx)
    assert query(ctx, "SELECT count(*) FROM legacy_deliveries") == [(0,)]
    # the same documents again, now with their legacy channel: identical content, so
    # the documents are unchanged, and their legacy deliveries are recorded once
    legacy = [history_document(document, "2015-0000001", **PAPER),
              history_document(document, "2015-0000002", **PORTAL)]  # fmt: skip
    write_jsonl(landing, "documents_history_b.jsonl", legacy)
    [again] = ingest_all(landing, ctx)
    assert (again.ingested, again.unchanged, again.legacy) == (0, 2, 2)
    write_jsonl(landing, "documents_history_c.jsonl", legacy + legacy)  # twice in one file
    [third] = ingest_all(landing, ctx)
    assert (third.unchanged, third.legacy, third.quarantined) == (4, 0, 0)
    assert query(ctx, "SELECT count(*), count(DISTINCT document_number) FROM legacy_deliveries")[
        0
    ] == (2, 2)
    assert query(ctx, "SELECT count(*) FROM documents") == [(2,)]


def test_bad_legacy_values_quarantine_the_row_and_a_corrected_file_loads(ctx, landing, document):
    bad = history_document(document, "2015-0000001", legacy_channel="fax",
                           legacy_delivered_at="2015-03-02T09:00:00Z")  # fmt: skip
    good = history_document(document, "2015-0000002", **PORTAL)
    write_jsonl(landing, "documents_history.jsonl", [bad, good])
    [_, report] = ingest_all(landing, ctx)
    assert (report.ingested, report.quarantined, report.legacy) == (1, 1, 1)
    assert query(ctx, "SELECT line, reason FROM quarantine") == [(1, "bad_legacy_channel")]
    assert query(ctx, "SELECT document_number FROM documents") == [("2015-0000002",)]
    corrected = history_document(document, "2015-0000001", **PAPER)
    write_jsonl(landing, "documents_history_fixed.jsonl", [corrected, good])
    [fixed] = ingest_all(landing, ctx)
    assert (fixed.ingested, fixed.unchanged, fixed.legacy) == (1, 1, 1)
    assert query(ctx, "SELECT channel FROM legacy_deliveries ORDER BY 1") == [
        ("paper",),
        ("portal",),
    ]


def test_a_parquet_history_with_typed_timestamps_loads(ctx, landing, document):
    rows = [history_document(document, "2015-0000001")]
    table = pa.Table.from_pylist(
        [
            {**r, "lines": r["lines"], "legacy_channel": "peppol",
             "legacy_delivered_at": datetime(2015, 3, 1, 6, 0, tzinfo=UTC),
             "legacy_message_id": "9f1c"}
            for r in rows
        ]
    )  # fmt: skip
    pq.write_table(table, landing / "documents_history.parquet")
    [_, report] = ingest_all(landing, ctx)
    assert (report.ingested, report.legacy) == (1, 1)
    assert query(ctx, "SELECT channel, delivered_at, message_id FROM legacy_deliveries") == [
        ("peppol", datetime(2015, 3, 1, 6, 0, tzinfo=UTC), "9f1c")
    ]
    assert query(ctx, "SELECT peppol_message_id, legacy_message_id FROM delivery_history") == [
        ("9f1c", "9f1c")
    ]
