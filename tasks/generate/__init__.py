"""Synthetic landing files for demos, tests and benchmarks (DESIGN "Landing files").

`write_landing_files` writes into `out_dir`:

- `customers_<as_of>.csv`: customer master data, one row per customer code;
- `documents_history_<as_of>.parquet` (or `.jsonl`): documents issued in the `years`
  before `as_of`, up to the day before yesterday;
- `documents_<as_of>.jsonl`: yesterday's billing run, what tonight's ingest receives.

Same arguments, same bytes: every random choice comes from `random.Random` streams
seeded by `seed` and a stage name, and nothing reads the clock except the default
`as_of`. The stages draw from separate streams, so `bad_rows` and `history_format`
leave the good rows untouched (bad rows are only appended).

Choices where the brief is silent:
- history bills on the 1st of each month but not the current month, which tonight's
  run bills: one invoice per contract per month;
- document numbers restart at 0000001 each year, per issuer; 9000000 and up belong
  to bad rows, customer numbers 8000000 and up are never good customers;
- the payment reference is year (2 digits) + sequence (7) + the issuer's last digit,
  then the mod-97 check, so equal numbers at two issuers get different references;
- tonight's file sorts before the history file by name (`documents_2...` <
  `documents_h...`); tonight's credit notes credit invoices of the history file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random

from config import DEFAULT_ISSUERS

from .bad_rows import CUSTOMER_KINDS, DOCUMENT_KINDS, build_bad_customers, build_bad_documents
from .contracts import Contract, build_contracts, fill_billed_contracts, fill_lines
from .customers import (
    CSV_HEADER,
    CustomerCode,
    Registry,
    build_customer_codes,
    to_csv_row,
)
from .documents import Ledger, build_invoice, build_tonight, iter_history
from .legacy import add_legacy_deliveries
from .showcase import SHOWCASE, build_showcase
from .writers import DOCUMENT_SCHEMA, LEGACY_DOCUMENT_SCHEMA, write_csv, write_jsonl, write_parquet

__all__ = ["GeneratedSummary", "write_landing_files"]

# R1: issuers come from configuration; the embedded defaults are DL2 and DL5.
ISSUERS = tuple(sorted(DEFAULT_ISSUERS))
HISTORY_FORMATS = ("parquet", "jsonl")


@dataclass(frozen=True)
class GeneratedSummary:
    paths: list[Path]
    customer_codes: int  # good rows of the customers file
    accounts: int  # distinct main contacts, i.e. accounts once activated (R5)
    history_documents: int
    tonight_documents: int  # good documents; bad rows are counted per kind below
    bad_rows_by_kind: dict[str, int]

    @property
    def main_contacts(self) -> int:
        return self.accounts


def open_stream(seed: int, stage: str) -> Random:
    """One generator per stage; a str seed is hashed with SHA-512, stable across runs."""
    return Random(f"{seed}:{stage}")


def go_back_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_arguments(customers: int, years: int, bad_rows: int, history_format: str) -> None:
    if customers < 0 or years < 0 or bad_rows < 0:
        raise ValueError("customers, years and bad_rows must not be negative")
    if history_format not in HISTORY_FORMATS:
        raise ValueError(f"history_format must be one of {HISTORY_FORMATS}")
    if bad_rows and not customers:
        raise ValueError("bad rows borrow a good customer: customers must be at least 1")


def make_template_invoice(rng: Random, code: CustomerCode, yesterday: date) -> dict:
    """An invoice to corrupt when no contract bills tonight (tiny or lapsed data sets)."""
    contract = Contract(
        code.issuer, code.customer_number, code.party.language, 0, yesterday, yesterday
    )
    contract.number = "C-999999"
    fill_lines(rng, contract)
    return build_invoice(contract, yesterday, f"{yesterday.year}-0000000")


def write_landing_files(
    out_dir: Path,
    customers: int,
    years: int,
    seed: int = 1,
    as_of: date | None = None,
    bad_rows: int = 0,
    history_format: str = "parquet",
    legacy_channels: bool = True,
) -> GeneratedSummary:
    """Write one night's landing files for `customers` customer codes and `years` of history.

    legacy_channels=False leaves out how the legacy system delivered the history (the
    legacy_* fields, issue 20): a history file as before that contract.
    bad_rows=N appends N broken rows of each kind in bad_rows.DOCUMENT_KINDS (to the
    tonight file) and bad_rows.CUSTOMER_KINDS (to the customers file).
    """
    check_arguments(customers, years, bad_rows, history_format)
    as_of = as_of or date.today()
    yesterday = as_of - timedelta(days=1)
    window_start = go_back_years(as_of, years)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = as_of.isoformat()

    registry = Registry(emails=set(), enterprise_numbers=set())
    showcase = []
    if customers >= len(SHOWCASE):  # issue 17: every VAT treatment and script at least once
        showcase = build_showcase(open_stream(seed, "showcase"), ISSUERS, yesterday, registry)
    codes = build_customer_codes(
        open_stream(seed, "customers"), customers, ISSUERS, yesterday, registry, showcase
    )
    contracts = build_contracts(open_stream(seed, "contracts"), codes, yesterday)
    fill_billed_contracts(open_stream(seed, "lines"), contracts, min(window_start, yesterday))

    bad_rng = open_stream(seed, "bad_rows")
    customer_rows = [to_csv_row(code) for code in codes]
    bad_customers = build_bad_customers(bad_rng, customer_rows, bad_rows, registry)
    customers_path = out_dir / f"customers_{stamp}.csv"
    write_csv(customers_path, CSV_HEADER, customer_rows + bad_customers)

    ledger = Ledger()
    history = iter_history(open_stream(seed, "history"), contracts, window_start, yesterday, ledger)
    history_path = out_dir / f"documents_history_{stamp}.{history_format}"
    if legacy_channels:
        history = add_legacy_deliveries(history, codes, seed, yesterday)
    if history_format == "jsonl":
        history_count = write_jsonl(history_path, history)
    else:
        schema = LEGACY_DOCUMENT_SCHEMA if legacy_channels else DOCUMENT_SCHEMA
        history_count = write_parquet(history_path, history, schema)

    tonight = build_tonight(open_stream(seed, "tonight"), contracts, yesterday, ledger)
    bad_documents: list[dict] = []
    if bad_rows:
        invoices = [doc for doc in tonight if doc["document_type"] == "invoice"]
        invoices = invoices or [make_template_invoice(bad_rng, codes[0], yesterday)]
        bad_documents = build_bad_documents(bad_rng, invoices, bad_rows, yesterday)
    tonight_path = out_dir / f"documents_{stamp}.jsonl"
    write_jsonl(tonight_path, tonight + bad_documents)

    return GeneratedSummary(
        paths=[customers_path, history_path, tonight_path],
        customer_codes=len(codes),
        accounts=len({code.contact.email for code in codes}),
        history_documents=history_count,
        tonight_documents=len(tonight),
        bad_rows_by_kind={kind: bad_rows for kind in DOCUMENT_KINDS + CUSTOMER_KINDS},
    )
