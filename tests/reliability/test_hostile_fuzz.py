"""Fuzzing the ingest parser and validator (issue 10 item 3, DESIGN rule 7).

Properties: arbitrary bytes and structured-but-wrong rows never raise anything but the
documented quarantine path (a Rejection from the readers, a RowError from validation,
UnreadableFile for a whole file); valid rows round-trip through validation and through
the real ingest into DuckDB unchanged.

CI runs the modest `fuzz-ci` profile. The long run:

    IPORTAL_FUZZ_PROFILE=fuzz-long .venv/bin/pytest -p no:randomly \\
        tests/reliability/test_hostile_fuzz.py

(`fuzz-long`: 20,000 examples per pure property, 500 per property that writes a
warehouse; expect about an hour on one core.)
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain.validate import (
    CONTROL_CHARACTERS,
    CUSTOMER_FIELDS,
    DOCUMENT_FIELDS,
    Rejection,
    RowError,
    validate_customer,
    validate_document,
)
from tasks.ingest import IngestContext, ingest_file
from tasks.ingest.read import (
    UnreadableFile,
    jsonl_is_complete,
    parse_json_line,
    read_customer_rows,
    read_jsonl_rows,
)
from tests.oracles import euros, totals_in_cents
from warehouse.store import open_writer

QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
settings.register_profile("fuzz-ci", max_examples=150, deadline=None, suppress_health_check=QUIET)
settings.register_profile(
    "fuzz-long", max_examples=20_000, deadline=None, suppress_health_check=QUIET
)
PROFILE = settings.get_profile(os.environ.get("IPORTAL_FUZZ_PROFILE", "fuzz-ci"))
# Properties that write a DuckDB file cost ~0.2 s an example: fewer of them.
IO_EXAMPLES = 12 if PROFILE.max_examples <= 150 else 500
ISSUERS = frozenset({"DL2", "DL5"})

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Text that looks like the things validators parse: numbers, dates, separators.
TRICKY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "-0",
            "1e999999999",
            "0E-1000000",
            "Infinity",
            "..",
            "2026-02-30",
            "2026-13-01",
            "DL5",
            "EUR",
            "invoice",
            "credit_note",
            "\ud800",
            "\x00",
            "=1+1",
            "../x",
            "+++000/0012/34526+++",
        ]
    ),  # fmt: skip
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
)
VALUE = st.one_of(JSON, TRICKY_TEXT)


def assert_quarantine_path(fn, *args) -> object:
    """`fn` returns a clean record or raises RowError with a reason and a sentence."""
    try:
        return fn(*args)
    except RowError as error:
        assert error.rejection.reason and error.rejection.detail
        # a snake_case code of ours, or an EN 16931 rule id (issue 17)
        assert re.fullmatch(r"[a-z_]+|BR-[A-Z0-9-]+", error.rejection.reason)
        return error.rejection


# --- the readers --------------------------------------------------------------------


@settings(PROFILE)
@given(st.binary(max_size=2000))
def test_any_line_of_bytes_is_a_row_or_a_rejection(raw):
    result = parse_json_line(raw)
    assert isinstance(result, (dict, Rejection))


@settings(PROFILE)
@given(st.lists(st.binary(max_size=300), max_size=8), st.sampled_from([b"\n", b"\r\n"]))
def test_any_jsonl_file_reads_row_by_row(tmp_path_factory, lines, end):
    path = tmp_path_factory.mktemp("fuzz") / "documents_fuzz.jsonl"
    path.write_bytes(end.join(lines))
    assert jsonl_is_complete(path) in (True, False)  # the "still being written" check
    seen = [line for line, row in read_jsonl_rows(path)]
    assert all(isinstance(n, int) and n >= 1 for n in seen) and seen == sorted(seen)


@settings(PROFILE)
@given(st.binary(max_size=3000), st.booleans())
def test_any_csv_bytes_give_rows_rejections_or_an_unreadable_file(tmp_path_factory, body, header):
    path = tmp_path_factory.mktemp("fuzz") / "customers_fuzz.csv"
    head = (",".join(CUSTOMER_FIELDS) + "\r\n").encode() if header else b""
    path.write_bytes(head + body)
    try:
        rows = list(read_customer_rows(path))
    except UnreadableFile as error:
        assert str(error)
        return
    for line, row in rows:
        assert line >= 2
        assert isinstance(row, Rejection) or set(CUSTOMER_FIELDS) <= set(row)


# --- the validators -------------------------------------------------------------------


@settings(PROFILE)
@given(st.dictionaries(st.sampled_from(DOCUMENT_FIELDS), VALUE, max_size=16) | JSON)
def test_any_json_value_as_a_document_is_validated_or_rejected(row):
    assert_quarantine_path(validate_document, row, ISSUERS)


@settings(PROFILE)
@given(
    st.sampled_from(DOCUMENT_FIELDS + ("lines[0]", "lines[0].quantity", "lines[0].unit_price",
                                       "lines[0].vat_rate", "lines[0].description")),
    VALUE,
)  # fmt: skip
def test_one_wrong_field_in_a_good_document_is_rejected_or_harmless(document, field, value):
    row = copy.deepcopy(document)
    if field.startswith("lines[0]"):
        if field == "lines[0]":
            row["lines"][0] = value
        else:
            row["lines"][0][field.split(".")[1]] = value
    else:
        row[field] = value
    result = assert_quarantine_path(validate_document, row, ISSUERS)
    if isinstance(result, dict):  # accepted: then it is clean and hashable again
        assert result["content_sha256"] == validate_document(row, ISSUERS)["content_sha256"]
        json.loads(result["lines_json"])
        assert ".." not in result["document_number"] and "/" not in result["document_number"]


@settings(PROFILE)
@given(st.dictionaries(st.sampled_from(CUSTOMER_FIELDS), TRICKY_TEXT, max_size=15))
def test_any_text_as_a_customer_is_validated_or_rejected(customer, changes):
    result = assert_quarantine_path(validate_customer, customer | changes, ISSUERS)
    if isinstance(result, dict):
        assert result["customer_code"] == result["issuer"] + result["customer_number"]
        assert result["customer_number"].isdigit()
        assert result["language"] in {"nl", "fr", "de", "en"}


# --- valid rows round-trip ----------------------------------------------------------------

CONTROL = "".join(chr(c) for c in range(0x80) if CONTROL_CHARACTERS.match(chr(c)))
AMOUNT = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
LINE = st.fixed_dictionaries(
    {
        "description": st.text(
            # control characters other than tab and line breaks are bad_character
            st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROL),
            min_size=1,
            max_size=60,
        ).filter(str.strip),
        "quantity": st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100"), places=3),
        "unit_price": AMOUNT,
        "vat_rate": st.sampled_from([Decimal("0"), Decimal("6"), Decimal("12"), Decimal("21")]),
    }
)


def ogm(first10: int) -> str:
    digits = f"{first10:010d}"
    check = int(digits) % 97 or 97
    digits += f"{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


@st.composite
def valid_documents(draw) -> dict:
    lines = draw(st.lists(LINE, min_size=1, max_size=5))
    # totals from the test's own oracle (integer cents), not from domain.money, which
    # the validator under test uses (issue 22)
    excl, vat, incl = totals_in_cents(lines)
    assume(0 <= excl and incl <= 10_000_000_00)
    issue = draw(st.dates(min_value=date(2008, 1, 1), max_value=date(2030, 12, 31)))
    credit = draw(st.booleans())
    return {
        "issuer": draw(st.sampled_from(sorted(ISSUERS))),
        "document_number": draw(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,20}\Z")),
        "document_type": "credit_note" if credit else "invoice",
        "issue_date": str(issue),
        "due_date": str(issue + timedelta(days=draw(st.integers(0, 90)))),
        "customer_number": draw(st.from_regex(r"\A[0-9]{1,12}\Z")),
        "contract_number": draw(st.from_regex(r"\A[A-Z0-9-]{0,20}\Z")),
        "currency": "EUR",
        "lines": [{k: str(v) for k, v in line.items()} for line in lines],
        "total_excl_vat": euros(excl),
        "total_vat": euros(vat),
        "total_incl_vat": euros(incl),
        "payment_reference": ogm(draw(st.integers(0, 10**10 - 1))),
        "credited_document_number": "2026-0000001" if credit else None,
    }


@settings(PROFILE)
@given(valid_documents())
def test_valid_documents_round_trip_through_validation(row):
    document = validate_document(row, ISSUERS)
    for field in ("issuer", "document_number", "document_type", "currency",
                  "payment_reference", "credited_document_number"):  # fmt: skip
        assert document[field] == row[field]
    assert str(document["issue_date"]) == row["issue_date"]
    for field in ("total_excl_vat", "total_vat", "total_incl_vat"):
        assert document[field] == Decimal(row[field])
    assert json.loads(document["lines_json"]) == [
        {k: v.strip() for k, v in sorted(line.items())} for line in row["lines"]
    ]
    reordered = dict(reversed(list(row.items())))
    assert validate_document(reordered, ISSUERS)["content_sha256"] == document["content_sha256"]


@settings(PROFILE, max_examples=IO_EXAMPLES)
@given(
    st.lists(valid_documents(), min_size=1, max_size=4, unique_by=lambda d: d["document_number"])
)
def test_valid_documents_round_trip_through_the_warehouse(tmp_path_factory, customer, documents):
    tmp = tmp_path_factory.mktemp("roundtrip")
    ctx = IngestContext(tmp / "w.duckdb", tmp / "processed", ISSUERS, date(2026, 11, 1),
                        "fuzz", 3, 10)  # fmt: skip
    customers = tmp / "customers_1.csv"
    with customers.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CUSTOMER_FIELDS)
        writer.writeheader()
        for d in documents:
            writer.writerow(customer | {k: d[k] for k in ("issuer", "customer_number")})
    ingest_file(customers, ctx)
    path = tmp / "documents_1.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    report = ingest_file(path, ctx)
    assert (report.ingested, report.quarantined) == (len(documents), 0)
    with open_writer(ctx.database, "test") as con:
        stored = con.execute(
            "SELECT document_number, total_incl_vat, issue_date, lines FROM documents"
        ).fetchall()
    want = {d["document_number"]: d for d in documents}
    assert sorted(number for number, *_ in stored) == sorted(want)  # every one, none else
    for number, incl, issued, lines in stored:
        assert incl == Decimal(want[number]["total_incl_vat"])
        assert str(issued) == want[number]["issue_date"]
        assert [line["description"] for line in json.loads(lines)] == [
            line["description"].strip() for line in want[number]["lines"]
        ]


@settings(PROFILE, max_examples=IO_EXAMPLES)
@given(st.lists(st.binary(max_size=400) | JSON.map(lambda v: json.dumps(v).encode()),
                min_size=1, max_size=6))  # fmt: skip
def test_any_documents_file_ingests_without_raising(tmp_path_factory, customer, lines):
    tmp = tmp_path_factory.mktemp("anyfile")
    ctx = IngestContext(tmp / "w.duckdb", tmp / "processed", ISSUERS, date(2026, 11, 1),
                        "fuzz", 2, 10)  # fmt: skip
    path = tmp / "documents_any.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = ingest_file(path, ctx)
    assert report.status in {"processed", "incomplete"}
    if report.status == "processed":
        assert report.ingested + report.unchanged + report.quarantined == report.rows_total
        assert (tmp / "processed" / path.name).exists()
