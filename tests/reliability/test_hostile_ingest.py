"""Hostile landing data (issue 10 item 3) through the real ingest and the real nightly.

The corpus (tests/reliability/corpus/, written by make_corpus.py) holds wrong types,
float amounts, negative and absurd amounts, totals that do not add up, unknown issuers
and customers, duplicate and conflicting numbers, impossible dates, a BOM, CRLF,
invalid UTF-8, 1 MB fields, `../` document numbers, spreadsheet formulas, CR/LF and
HTML in names and addresses. DESIGN rule 7: the night completes, every bad row is in
quarantine with its reason (checked line by line against expected.json), and what
passes validation reaches the print manifest, the e-mails, the PDFs and the Peppol UBL
without escaping into a path, a header, a CSV cell or HTML.
"""

from __future__ import annotations

import csv
import email
import json
import shutil
from datetime import date
from email import policy
from email.utils import getaddresses
from pathlib import Path

import pytest
from lxml import etree

from tasks.ingest import IngestContext, ingest_file, list_landing_files
from tasks.ingest import read as ingest_read
from warehouse.audit import verify_chain
from warehouse.store import open_writer

CORPUS = Path(__file__).with_name("corpus")
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
AS_OF = "2026-11-27"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
e2e = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.name != "expected.json")


def make_corpus_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS.parent / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(data_dir: Path, sql: str) -> list[tuple]:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute(sql).fetchall()


def quarantined_by_file(data_dir: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for file_name, line, reason in rows(data_dir, "SELECT file_name, line, reason FROM quarantine"):
        found.setdefault(file_name, {})[str(line)] = reason
    return found


# --- the corpus itself -------------------------------------------------------------------


def test_the_committed_corpus_is_what_make_corpus_writes(tmp_path):
    expected = make_corpus_module().make_corpus(tmp_path)
    assert expected == EXPECTED
    for path in corpus_files():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    cases = sum(len(v["quarantined"]) + v["ingested"] for v in EXPECTED.values())
    assert cases >= 80  # the figure quoted in the report


# --- ingest only (fast) --------------------------------------------------------------------


@pytest.fixture
def ctx(tmp_path: Path) -> IngestContext:
    return IngestContext(
        database=tmp_path / "warehouse.duckdb",
        processed_dir=tmp_path / "landing" / "processed",
        issuers=frozenset({"DL2", "DL5"}),
        go_live=date(2026, 11, 1),
        run_id="run-hostile",
        batch_size=7,  # chunks end mid-file: duplicates and conflicts cross chunk borders
        lock_timeout=10,
    )


def test_every_bad_row_is_quarantined_with_its_reason(ctx, tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    for path in corpus_files():
        shutil.copy(path, landing / path.name)
    reports = {p.name: ingest_file(p, ctx) for p in list_landing_files(landing)}
    assert set(reports) == set(EXPECTED)
    for name, want in EXPECTED.items():
        assert (name, reports[name].ingested) == (name, want["ingested"])
        assert reports[name].quarantined == len(want["quarantined"])
    assert quarantined_by_file(tmp_path) == {k: v["quarantined"] for k, v in EXPECTED.items()}
    assert reports["documents_hostile.jsonl"].unchanged == 1  # identical re-delivery
    [(details_without_text,)] = rows(
        tmp_path, "SELECT count(*) FROM quarantine WHERE coalesce(detail, '') = ''"
    )
    assert details_without_text == 0  # every reason comes with a sentence
    assert not list(landing.glob("*.*"))  # every file processed and moved, none dropped
    assert len(list((landing / "processed").iterdir())) == len(EXPECTED)


def test_a_csv_field_past_the_parser_limit_stops_reading_in_the_open(ctx, tmp_path, monkeypatch):
    """Past csv's field limit the reader loses its place inside a quoted field and would
    read the field's tail as rows: a hostile field could smuggle a customer in."""
    make = make_corpus_module()
    landing = tmp_path / "landing"
    landing.mkdir()
    good = make.csv_text(make.customer("0000001"))
    smuggled = make.csv_text(make.customer("0000666", name="Smuggled"))
    huge = make.csv_text(make.customer("0000002", name="x" * 5000 + "\r\n" + smuggled))
    after = make.csv_text(make.customer("0000003"))
    path = landing / "customers_limit.csv"
    path.write_text(",".join(make.FIELDS) + "\r\n" + good + huge + after, encoding="utf-8")
    old_limit = ingest_read.csv.field_size_limit()
    monkeypatch.setattr(ingest_read, "MAX_CSV_FIELD", 1000)
    try:
        ingest_read.csv.field_size_limit(1000)
        report = ingest_file(path, ctx)
    finally:
        ingest_read.csv.field_size_limit(old_limit)
    assert (report.ingested, dict(report.reasons)) == (1, {"unparsable_rest": 1})
    assert rows(tmp_path, "SELECT customer_code FROM customers") == [("DL50000001",)]
    [(line, detail)] = rows(tmp_path, "SELECT line, detail FROM quarantine")
    assert line == 3 and "the rest of the file is not read" in detail


# --- the real nightly over the corpus --------------------------------------------------------


@pytest.fixture(scope="module")
def night(tmp_path_factory, prefect_harness):
    from flows.nightly import nightly

    root = tmp_path_factory.mktemp("hostile")
    data_dir = root / "data"
    (data_dir / "landing").mkdir(parents=True)
    for path in corpus_files():
        shutil.copy(path, data_dir / "landing" / path.name)
    summary = nightly(as_of=AS_OF, data_dir=str(data_dir))
    return root, data_dir, summary


@pytest.mark.e2e
@pytest.mark.xdist_group("prefect")
def test_the_night_completes_and_quarantines_exactly_the_bad_rows(night):
    _, data_dir, summary = night
    assert rows(data_dir, "SELECT status FROM runs") == [("completed",)]
    statuses = {f["file_name"]: f["status"] for f in summary["files"]}
    assert statuses == {
        "customers_hostile.csv": "processed",
        "customers_noheader.csv": "unreadable",
        "documents_corrupt.parquet": "unreadable",
        "documents_hostile.jsonl": "processed",
        "documents_types.parquet": "processed",
    }
    assert quarantined_by_file(data_dir) == {k: v["quarantined"] for k, v in EXPECTED.items()}
    assert rows(data_dir, "SELECT count(*) FROM documents") == [(9,)]
    # every good document travelled: nothing failed, nothing waits
    assert rows(
        data_dir,
        "SELECT count(*) FROM deliveries WHERE status NOT IN ('dispatched', 'published')",
    ) == [(0,)]
    assert rows(data_dir, "SELECT count(DISTINCT document_number) FROM deliveries") == [(9,)]
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        assert verify_chain(con).ok


@pytest.mark.e2e
@pytest.mark.xdist_group("prefect")
def test_nothing_escapes_the_data_dir(night):
    root, data_dir, _ = night
    assert [p.name for p in root.iterdir()] == ["data"]
    assert not [p for p in root.rglob("*") if "passwd" in p.name or p.name == "etc"]
    paths = rows(data_dir, "SELECT path FROM renditions")
    assert len(paths) >= 9
    for (path,) in paths:
        resolved = (data_dir / path).resolve()
        assert resolved.is_relative_to(data_dir.resolve()) and resolved.is_file(), path


def manifest_rows(data_dir: Path) -> list[dict]:
    found = []
    for manifest in sorted((data_dir / "print").glob("*/*.manifest.csv")):
        with manifest.open(encoding="utf-8", newline="") as handle:
            found += list(csv.DictReader(handle))
    return found


@pytest.mark.e2e
@pytest.mark.xdist_group("prefect")
def test_manifest_cells_never_start_a_formula_or_a_row(night):
    _, data_dir, _ = night
    make = make_corpus_module()
    pieces = manifest_rows(data_dir)
    invoices = {r["customer_code"]: r for r in pieces if r["document_number"].startswith("H-")}
    paper = {f"DL5000000{n}" for n in range(1, 7)}  # the six paper customers
    assert paper <= set(invoices)
    for row in pieces:
        assert None not in row and None not in row.values()  # no injected column or row
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS), cell
            assert "\r" not in cell and "\n" not in cell, cell
    for code in sorted(paper):
        hostile = make.HOSTILE_NAMES[code[3:]].strip()
        name = invoices[code]["name"]
        if hostile.startswith(FORMULA_STARTS):
            assert name.startswith("'") and name[1:].startswith(hostile[:3]), name
    injected = invoices["DL50000006"]["name"]
    assert injected.startswith("Evil") and "injected" in injected  # one cell, not a row


def outbox_messages(data_dir: Path) -> list[tuple[bytes, email.message.EmailMessage]]:
    found = []
    for path in sorted((data_dir / "outbox" / "new").iterdir()):
        raw = path.read_bytes()
        found.append((raw, email.message_from_bytes(raw, policy=policy.default)))
    return found


@pytest.mark.e2e
@pytest.mark.xdist_group("prefect")
def test_mail_headers_carry_no_injected_header(night):
    _, data_dir, _ = night
    messages = outbox_messages(data_dir)
    recipients = []
    for raw, message in messages:
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        assert b"\nBcc:" not in head and not head.startswith(b"Bcc:")
        assert message["Bcc"] is None and message["Cc"] is None
        to = getaddresses([str(message["To"])])
        assert len(to) == 1, message["To"]
        recipients.append(to[0][1])
        for name, value in message.items():
            assert "\r" not in str(value) and "\n" not in str(value), name
    assert {"eve@example.be", "o'brien+tag@example.be", "peppol@example.be"} <= set(recipients)
    assert "victim@evil.example" not in recipients


@pytest.mark.e2e
@pytest.mark.xdist_group("prefect")
def test_names_reach_html_mail_escaped(night):
    _, data_dir, _ = night
    html_parts = [
        message.get_body(("html",)).get_content() for _, message in outbox_messages(data_dir)
    ]
    assert html_parts
    joined = "\n".join(html_parts)
    assert "<img" not in joined and "<script" not in joined.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined  # Eve's first name, as text
    for html in html_parts:
        assert html.count("<a ") == html.count("</a>")  # no markup opened by data


@pytest.mark.e2e
@pytest.mark.xdist_group("prefect")
def test_a_hostile_name_reaches_the_peppol_ubl_as_text(night):
    _, data_dir, _ = night
    make = make_corpus_module()
    [ubl] = list((data_dir / "peppol" / "outbox").glob("*H-2026-0000012*.xml"))
    tree = etree.parse(str(ubl))
    names = tree.xpath(
        "//cac:AccountingCustomerParty//cbc:RegistrationName/text()",
        namespaces={
            "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
            "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        },
    )
    assert names == [make.HOSTILE_NAMES["0000012"]]


@pytest.mark.e2e
@pytest.mark.xdist_group("prefect")
def test_names_are_not_terminal_markup_in_the_cli(night):
    """`iportal sql` prints rich tables: a name holding "[/bold]" used to raise
    MarkupError and fail the command (fixed in iportal/output.py)."""
    from typer.testing import CliRunner

    from iportal.cli import app

    _, data_dir, _ = night
    query = "SELECT name FROM customers WHERE customer_code = 'DL50000005'"
    result = CliRunner().invoke(
        app, ["sql", query, "--data-dir", str(data_dir)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    assert "[/bold]" in result.output and "[link=http://evil.example]" in result.output
