"""Ingest of landing contract v2 (issue 17): real files into a real DuckDB warehouse."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from domain.validate import CUSTOMER_FIELDS
from tasks.ingest import IngestContext, ingest_file, list_landing_files
from warehouse.store import open_writer

AE_LINE = {
    "description": "Lease Škoda Enyaq — Nov 2026",
    "quantity": "1",
    "unit_price": "700.00",
    "vat_rate": "0",
    "vat_category": "AE",
    "vat_exemption_reason_code": "VATEX-EU-AE",
    "vat_exemption_reason": "Reverse charge (art. 196 Directive 2006/112/EC)",
}


@pytest.fixture
def ctx(tmp_path: Path) -> IngestContext:
    return IngestContext(
        database=tmp_path / "warehouse.duckdb",
        processed_dir=tmp_path / "landing" / "processed",
        issuers=frozenset({"DL2", "DL5"}),
        go_live=date(2026, 11, 1),
        run_id="run-1",
        batch_size=10,
        lock_timeout=10,
    )


def write_customers(landing: Path, rows: list[dict], fields) -> None:
    with (landing / "customers_1.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def write_documents(landing: Path, rows: list[dict]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (landing / "documents_1.jsonl").write_text(text, encoding="utf-8")


def query(ctx: IngestContext, sql: str) -> list[tuple]:
    with open_writer(ctx.database, "test") as con:
        return con.execute(sql).fetchall()


def ingest_all(ctx, landing):
    return [ingest_file(p, ctx) for p in list_landing_files(landing)]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


def test_a_v1_night_still_loads_and_counts_inferred_documents(ctx, landing, customer, document):
    write_customers(landing, [customer], CUSTOMER_FIELDS)
    insurance = {"description": "Insurance", "quantity": "1", "unit_price": "10.00"}
    second = {
        **document,
        "document_number": "2026-0001235",
        "lines": [*document["lines"], {**insurance, "vat_rate": "0"}],
        "total_excl_vat": "622.40",
        "total_incl_vat": "751.00",
    }
    write_documents(landing, [document, second])
    reports = ingest_all(ctx, landing)
    assert [(r.ingested, r.quarantined, r.vat_inferred) for r in reports] == [(1, 0, 0), (2, 0, 2)]
    assert query(ctx, "SELECT vat_id, vat_id_inferred FROM customers") == [("BE0418711287", True)]
    assert query(ctx, "SELECT count(*) FROM documents WHERE vat_category_inferred") == [(2,)]


def test_v2_fields_are_stored_and_a_foreign_customer_gets_reverse_charge(
    ctx, landing, customer, document
):
    foreign = {
        **customer,
        "customer_number": "0012346",
        "name": "Łukasz Wójcik Transport sp. z o.o.",
        "enterprise_number": "",
        "country": "PL",
        "city": "Kraków",
        "vat_id": "PL5260001246",
    }
    write_customers(landing, [{**customer, "vat_id": ""}, foreign], [*CUSTOMER_FIELDS, "vat_id"])
    reverse = {
        **document,
        "document_number": "2026-0001236",
        "customer_number": "0012346",
        "lines": [AE_LINE],
        "total_excl_vat": "700.00",
        "total_vat": "0.00",
        "total_incl_vat": "700.00",
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
    }
    # The same reverse charge to the Belgian customer without vat_id: BR-AE-02.
    no_vat_id = {**reverse, "document_number": "2026-0001237", "customer_number": "0012345"}
    write_documents(landing, [reverse, no_vat_id])
    reports = ingest_all(ctx, landing)
    assert dict(reports[1].reasons) == {"BR-AE-02": 1}
    assert query(ctx, "SELECT customer_code, vat_id FROM customers ORDER BY 1") == [
        ("DL50012345", None),
        ("DL50012346", "PL5260001246"),
    ]
    [(start, end, inferred, lines)] = query(
        ctx, "SELECT period_start, period_end, vat_category_inferred, lines FROM documents"
    )
    assert (start, end, inferred) == (date(2026, 11, 1), date(2026, 11, 30), False)
    assert json.loads(lines)[0]["vat_exemption_reason_code"] == "VATEX-EU-AE"
    [(line, detail)] = query(ctx, "SELECT line, detail FROM quarantine")
    assert line == 2 and "no VAT identifier" in detail and "Buyer VAT identifier (BT-48)" in detail


def test_bad_vat_id_in_customers_is_quarantined(ctx, landing, customer):
    write_customers(landing, [{**customer, "vat_id": "BE0418711288"}], [*CUSTOMER_FIELDS, "vat_id"])
    [report] = ingest_all(ctx, landing)
    assert dict(report.reasons) == {"bad_vat_id": 1}
