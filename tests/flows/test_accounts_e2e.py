"""End to end (R15-R17): a generated customer receives paper with an activation code
(letter in the print batch, code on the invoice), redeems it, and the next night
delivers its new invoice electronically and prints nothing for it."""

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from flows.nightly import nightly
from iportal.cli import app
from tasks.generate import write_landing_files
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z][0-9A-Z*~$=]")


def rows(data_dir: Path, sql: str, params=None) -> list[tuple]:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute(sql, params).fetchall()


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def manifest_rows(summary: dict) -> list[dict]:
    pieces = []
    for batch in summary["print_batches"]:
        pdf = Path(batch["pdf"])
        manifest = pdf.with_name(pdf.stem + ".manifest.csv")
        pieces += list(csv.DictReader(manifest.open(encoding="utf-8")))
    return pieces


def next_invoice(data_dir: Path, customer_number: str, issuer: str) -> dict:
    """Tonight's invoice of the customer, renumbered as tomorrow's billing run."""
    for path in sorted((data_dir / "landing" / "processed").glob("documents_2*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if (doc["issuer"], doc["customer_number"], doc["document_type"]) == (
                issuer,
                customer_number,
                "invoice",
            ):
                return doc | {"document_number": "2026-0800001", "issue_date": "2026-11-27",
                              "due_date": "2026-12-27"}  # fmt: skip
    raise AssertionError("no invoice for the customer tonight")


@pytest.fixture(scope="module")
def first_night(tmp_path_factory, prefect_harness):
    data_dir = tmp_path_factory.mktemp("accounts")
    write_landing_files(
        data_dir / "landing", customers=30, years=1, seed=3, as_of=date(2026, 11, 27)
    )
    summary = nightly(as_of="2026-11-27", data_dir=str(data_dir))
    return data_dir, summary


def test_paper_customer_gets_a_letter_and_the_code_on_its_invoice(first_night):
    data_dir, summary = first_night
    letters = rows(
        data_dir,
        "SELECT l.customer_code, l.document_number, l.path, l.status, c.contact_email "
        "FROM activation_letters l JOIN customers c USING (customer_code) "
        "WHERE c.contact_email IS NOT NULL ORDER BY 1",
    )
    assert letters and all(status == "dispatched" for *_, status, _ in letters)
    pieces = manifest_rows(summary)
    kinds = {(p["customer_code"], p["kind"]) for p in pieces}
    code, invoice, path, _, _ = letters[0]
    assert (code, "activation_letter") in kinds and (code, "document") in kinds
    letter_code = CODE.search(pdf_text(data_dir / path)).group(0)
    [(invoice_pdf,)] = rows(
        data_dir, "SELECT path FROM renditions WHERE document_number = ? AND variant = 'original'",
        [invoice],
    )  # fmt: skip
    assert letter_code in pdf_text(data_dir / invoice_pdf).replace("\n", " ")
    stored = rows(data_dir, "SELECT code_hash FROM activation_codes")
    assert letter_code.replace("-", "") not in str(stored)  # R16: hashes only


def test_redeemed_code_makes_the_next_night_electronic_and_paperless(first_night):
    data_dir, _ = first_night
    [(code, invoice, path, issuer, number, email)] = rows(
        data_dir,
        "SELECT l.customer_code, l.document_number, l.path, c.issuer, c.customer_number, "
        "c.contact_email FROM activation_letters l JOIN customers c USING (customer_code) "
        "WHERE c.contact_email IS NOT NULL ORDER BY 1 LIMIT 1",
    )
    letter_code = CODE.search(pdf_text(data_dir / path)).group(0)
    result = CliRunner().invoke(
        app,
        ["code", "redeem", letter_code, "--email", email, "--as-of", "2026-11-27T12:00:00",
         "--data-dir", str(data_dir), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["reason"] == "redeemed"
    landing = data_dir / "landing" / "documents_2026-11-28.jsonl"
    landing.write_text(json.dumps(next_invoice(data_dir, number, issuer)) + "\n")
    second = nightly(as_of="2026-11-28", data_dir=str(data_dir))
    deliveries = rows(
        data_dir,
        "SELECT channel, status FROM deliveries WHERE document_number = '2026-0800001'",
    )
    assert deliveries == [("network", "published")]  # R15: electronic, no paper
    printed = [p for p in manifest_rows(second) if p["customer_code"] == code]
    assert printed == []  # nothing printed for it: no invoice, no letter
    assert rows(
        data_dir,
        "SELECT event, channel FROM consent_history WHERE customer_code = ?",
        [code],
    ) == [("network_activated", "network")]
    assert second["network_published"] == 1
    assert invoice != "2026-0800001"
