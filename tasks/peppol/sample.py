"""Peppol-bound documents of a synthetic night, for tests and the benchmark.

Runs the generator (tasks.generate) into a folder, reads its landing files through the
same row validation as ingest, and keeps the documents of customers with an enterprise
number (R3: B2B), with their rendered PDF.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from config import DEFAULT_ISSUERS
from domain.records import RenderJob
from domain.validate import customer_code_of, validate_customer, validate_document
from tasks.generate import write_landing_files
from tasks.render.pdf import draw_pages

ISSUERS = frozenset(DEFAULT_ISSUERS)
RENDER_FIELDS = ("customer_code", "name", "street", "postal_code", "city", "country", "language")


@dataclass(slots=True)
class Sample:
    document: dict  # clean document (domain.validate)
    customer: dict  # clean customer
    issuer: dict  # config.Issuer as a dict
    pdf: bytes


def read_landing(folder: Path) -> tuple[dict[str, dict], list[dict]]:
    """(customers by code, raw document rows) of the generator's jsonl/csv files."""
    customers = {}
    for path in sorted(folder.glob("customers*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                customer = validate_customer(row, ISSUERS)
                customers[customer["customer_code"]] = customer
    rows = [
        json.loads(line)
        for path in sorted(folder.glob("documents*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return customers, rows


def render_pdf(row: dict, customer: dict, issuer: dict) -> bytes:
    job = RenderJob(
        row["issuer"],
        row["document_number"],
        "",
        dict(row),
        {k: customer[k] for k in RENDER_FIELDS},
        issuer,
    )
    return draw_pages(job)[0]


def peppol_samples(
    folder: Path, customers: int, years: int = 1, seed: int = 7, as_of: date | None = None
) -> list[Sample]:
    """Every B2B document (invoices and credit notes) of a generated night and history."""
    as_of = as_of or date(2026, 11, 27)
    write_landing_files(folder, customers, years, seed, as_of, history_format="jsonl")
    codes, rows = read_landing(folder)
    issuers = {prefix: issuer.model_dump() for prefix, issuer in DEFAULT_ISSUERS.items()}
    samples = []
    for row in rows:
        customer = codes.get(customer_code_of(row["issuer"], row["customer_number"]))
        if customer is None or not customer["enterprise_number"]:
            continue
        issuer = issuers[row["issuer"]]
        document = validate_document(row, ISSUERS)
        samples.append(Sample(document, customer, issuer, render_pdf(row, customer, issuer)))
    return samples
