"""`iportal documents`, `iportal open`, `iportal duplicate` (R23, R26-R29) through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iportal.cli import app
from tasks.accounts.people import link_people
from tests.factories import (
    account_code_row,
    account_row,
    customer_row,
    delivery_row,
    document_row,
    grant_row,
    rendition_row,
    user_row,
)
from warehouse.store import insert_rows, open_writer, run_sql

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
MAIN, SHARED = "main@example.be", "shared@example.be"
# (number, customer code, type, issue date, amount incl. VAT)
DOCS = [
    ("2026-0000001", "DL50000001", "invoice", date(2026, 1, 10), "121.00"),
    ("2026-0000002", "DL50000001", "credit_note", date(2026, 3, 5), "50.00"),
    ("2026-0000003", "DL50000002", "invoice", date(2026, 6, 1), "999.99"),
    ("2025-0000004", "DL50000002", "invoice", date(2025, 12, 31), "10.00"),
]
runner = CliRunner()


def document(number, code, kind, issued, amount) -> dict:
    return document_row(
        code, number, issued, amount, vat="0.00", at=NOW, document_type=kind,
        lines=json.dumps(
            [{"description": "Lease", "quantity": "1", "unit_price": amount, "vat_rate": "0"}]
        ),
        credited_document_number="2026-0000001" if kind == "credit_note" else None,
        content_sha256="x",
    )  # fmt: skip


def pdf_of(document: dict) -> str:
    return f"documents/DL5/{document['issue_date'].year}/{document['document_number']}.pdf"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    documents = [document(*d) for d in DOCS]
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        insert_rows(con, "documents", documents)
        insert_rows(
            con,
            "customers",
            [
                customer_row(code, NOW, name="Garage Peeters BV", contract_start=None)
                for code in ("DL50000001", "DL50000002")
            ],
        )
        insert_rows(con, "deliveries", [delivery_row(d, NOW) for d in documents])
        insert_rows(con, "renditions", [rendition_row(d, NOW, path=pdf_of(d)) for d in documents])
        insert_rows(con, "accounts", [account_row("A1", MAIN, NOW)])
        insert_rows(
            con,
            "account_customer_codes",
            [account_code_row(c, "A1", NOW) for c in ("DL50000001", "DL50000002")],
        )
        insert_rows(
            con,
            "users",
            [
                user_row("U1", "A1", "main", MAIN, NOW),
                user_row("U2", "A1", "shared", SHARED, NOW),
            ],
        )
        link_people(con)  # issue 16: the CLI resolves an address to its one person
        insert_rows(con, "grants", [grant_row("U2", "DL50000002", "U1", NOW)])
    return tmp_path


def cli(data_dir: Path, *args: str):
    return runner.invoke(app, [*args, "--data-dir", str(data_dir)])


def listed(data_dir: Path, *args: str) -> list[str]:
    result = cli(data_dir, "documents", *args, "--json")
    assert result.exit_code == 0, result.output
    return [row["document_number"] for row in json.loads(result.output)["rows"]]


def test_documents_lists_newest_first_with_unread_marks(data_dir):  # R27, R28
    result = cli(data_dir, "documents", "--user", MAIN)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "DL5 " in line or "│ DL5" in line]
    numbers = [n for line in lines for n in [d[0] for d in DOCS] if n in line]
    assert numbers == ["2026-0000003", "2026-0000002", "2026-0000001", "2025-0000004"]
    assert all("●" in line for line in lines)  # nothing opened yet
    assert "4 documents for main@example.be" in result.output


def test_documents_filters_and_sorts(data_dir):  # R26, R27
    assert listed(data_dir, "--user", MAIN, "--type", "invoice", "--sort", "amount", "--asc") == [
        "2025-0000004",
        "2026-0000001",
        "2026-0000003",
    ]
    assert listed(data_dir, "--user", MAIN, "--from", "2026-01-01", "--to", "2026-03-05") == [
        "2026-0000002",
        "2026-0000001",
    ]
    assert listed(data_dir, "--user", MAIN, "--min-amount", "50", "--max-amount", "121.00") == [
        "2026-0000002",
        "2026-0000001",
    ]
    assert listed(data_dir, "--user", MAIN, "--number", "2026-0000002") == ["2026-0000002"]
    assert listed(data_dir, "--user", MAIN, "--number-prefix", "2025-") == ["2025-0000004"]
    assert listed(data_dir, "--user", MAIN, "--customer-code", "DL50000002") == [
        "2026-0000003",
        "2025-0000004",
    ]
    assert listed(data_dir, "--user", MAIN, "--page", "2", "--page-size", "3") == ["2025-0000004"]
    assert listed(data_dir, "--user", SHARED) == ["2026-0000003", "2025-0000004"]  # R29
    assert listed(data_dir, "--user", "stranger@example.be") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "27/11/2026"], "--from must be YYYY-MM-DD"),
        (["--min-amount", "ten"], "--min-amount must be an amount"),
        (["--max-amount", "NaN"], "finite amount"),
        (["--type", "receipt"], "document type must be invoice or credit_note"),
        (["--sort", "issue_date; DROP TABLE documents"], "cannot sort by"),
        (["--page-size", "501"], "less than or equal to 500"),
    ],
)
def test_documents_refuses_bad_input_in_one_line(data_dir, args, message):
    result = cli(data_dir, "documents", "--user", MAIN, *args)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        assert run_sql(con, "SELECT count(*) FROM documents") == [(4,)]


def test_open_prints_the_path_and_clears_unread(data_dir):  # R28
    result = cli(data_dir, "open", "DL5", "2026-0000003", "--user", SHARED)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(data_dir / "documents/DL5/2026/2026-0000003.pdf")
    rows = json.loads(cli(data_dir, "documents", "--user", SHARED, "--json").output)["rows"]
    assert {r["document_number"]: r["unread"] for r in rows} == {
        "2026-0000003": False,
        "2025-0000004": True,
    }
    # the read is this person's: the main contact still sees it unread
    rows = json.loads(cli(data_dir, "documents", "--user", MAIN, "--json").output)["rows"]
    assert all(r["unread"] for r in rows)


def test_open_answers_the_same_for_invisible_and_missing(data_dir):  # R29
    invisible = cli(data_dir, "open", "DL5", "2026-0000001", "--user", SHARED)
    missing = cli(data_dir, "open", "DL5", "2099-0000001", "--user", SHARED)
    assert invisible.exit_code == missing.exit_code == 1
    assert "DocumentNotFound" in invisible.output and "DocumentNotFound" in missing.output
    assert invisible.output.replace("2026-0000001", "X") == missing.output.replace(
        "2099-0000001", "X"
    )


def test_duplicate_draws_publishes_and_refuses_the_ungranted(data_dir):  # R23, R29
    result = cli(data_dir, "duplicate", "DL5", "2026-0000003", "--requested-by", SHARED, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["path"].endswith("2026-0000003.duplicate.pdf") and Path(answer["path"]).is_file()
    assert answer["rendered"] and answer["published"] and answer["announced"]
    refused = cli(data_dir, "duplicate", "DL5", "2026-0000001", "--requested-by", SHARED)
    assert refused.exit_code == 1 and "DocumentNotFound" in refused.output
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        assert run_sql(
            con, "SELECT document_number FROM deliveries WHERE purpose = 'duplicate'"
        ) == [("2026-0000003",)]
