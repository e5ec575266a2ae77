"""Build + validate: one document, or a batch in parallel worker processes (DESIGN
rule 2: CPU-bound work goes to a process pool).

Validation runs the official CEN and Peppol rule sets in Saxon (tasks.peppol.validate):
~7-9 ms of CPU a document on the shared build machine (bench/peppol.py, docs/peppol.md),
so one core checks ~110-140 documents a second and a night of 10^5 Peppol documents
wants every core. Workers are stateless (rows in, `Checked` out, never the warehouse);
they are the night's one kept pool (tasks/pool.py) and each compiles the stylesheets
once (~1 s). Small batches stay in this process, compiled after the first one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator
from functools import partial

from tasks.peppol.build import build_ubl
from tasks.peppol.failure import Failure
from tasks.peppol.record import Checked
from tasks.peppol.validate import validate_ubl
from tasks.pool import shared_pool, shutdown_pools
from tasks.storage import StorageConfig, open_storage

MIN_PARALLEL = 200  # below this a batch is checked in-process (worker start ~1-2 s each)
CHUNK = 50  # documents per worker round-trip

__all__ = ["check_documents", "start_checks", "shutdown_pools"]


def document_of(row: dict) -> dict:
    return row | {"lines": json.loads(row["lines"])}


def build_failure(error: Exception) -> Failure:
    text = f"[IPORTAL-PEPPOL-BUILD]-{type(error).__name__}: {error}"[:500]
    return Failure("build", "IPORTAL-PEPPOL-BUILD", text)


def check_document(row: dict, issuers: dict[str, dict], storage: StorageConfig) -> Checked:
    """Build the UBL with the archived PDF (read from storage) and validate it; never
    raises."""
    ubl, failures = b"", []
    try:
        pdf = open_storage(storage).read(row["pdf_path"])
        name = f"{row['document_number']}.pdf"
        ubl = build_ubl(document_of(row), row, issuers[row["issuer"]], pdf, name)
        failures = validate_ubl(ubl)
    except Exception as error:  # bad data or a missing PDF: this document, not the night
        failures = [build_failure(error)]
    kind = "CreditNote" if row["document_type"] == "credit_note" else "Invoice"
    sha256 = hashlib.sha256(ubl).hexdigest() if ubl else ""
    return Checked(row["issuer"], row["document_number"], row["purpose"], row["customer_code"],
                   kind, ubl, sha256, failures)  # fmt: skip


def check_chunk(
    rows: list[dict], issuers: dict[str, dict], storage: StorageConfig
) -> list[Checked]:
    return [check_document(row, issuers, storage) for row in rows]


def check_documents(
    rows: list[dict], issuers: dict[str, dict], storage: StorageConfig, workers: int
) -> list[Checked]:
    """Every row built and validated, in order."""
    return list(start_checks(rows, issuers, storage, workers))


def start_checks(
    rows: list[dict], issuers: dict[str, dict], storage: StorageConfig, workers: int
) -> Generator[Checked]:
    """Hand the rows to the night's pool and return at once; iterating waits for the
    results, in order (closing it cancels what no worker took yet). Small batches are
    checked in this process, before returning."""
    if workers <= 1 or len(rows) < MIN_PARALLEL:
        return (checked for checked in check_chunk(rows, issuers, storage))
    chunks = [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]
    step = partial(check_chunk, issuers=issuers, storage=storage)
    parts = shared_pool(workers).map(step, chunks)
    return (checked for part in parts for checked in part)
