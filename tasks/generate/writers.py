"""Landing-file writers: CSV, JSON Lines, Parquet; byte-identical for identical input.

Each file is written under a hidden temporary name and renamed when complete, so a
nightly run globbing `customers*.csv` / `documents*` never picks up half a file.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_BATCH_ROWS = 50_000
LINE_TYPE = pa.struct(
    [
        ("description", pa.string()),
        ("quantity", pa.string()),
        ("unit_price", pa.string()),
        ("vat_rate", pa.string()),
        # landing contract v2 (issue 17)
        ("vat_category", pa.string()),
        ("vat_exemption_reason_code", pa.string()),
        ("vat_exemption_reason", pa.string()),
    ]
)
DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("issuer", pa.string(), nullable=False),
        pa.field("document_number", pa.string(), nullable=False),
        pa.field("document_type", pa.string(), nullable=False),
        pa.field("issue_date", pa.string(), nullable=False),
        pa.field("due_date", pa.string(), nullable=False),
        pa.field("customer_number", pa.string(), nullable=False),
        pa.field("contract_number", pa.string(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("lines", pa.list_(LINE_TYPE), nullable=False),
        pa.field("total_excl_vat", pa.string(), nullable=False),
        pa.field("total_vat", pa.string(), nullable=False),
        pa.field("total_incl_vat", pa.string(), nullable=False),
        pa.field("payment_reference", pa.string()),
        pa.field("credited_document_number", pa.string()),
        pa.field("period_start", pa.string()),  # landing contract v2 (issue 17)
        pa.field("period_end", pa.string()),
    ]
)

# Issue 20: the history file also says how the legacy system delivered each document.
LEGACY_DOCUMENT_SCHEMA = (
    DOCUMENT_SCHEMA.append(pa.field("legacy_channel", pa.string()))
    .append(pa.field("legacy_delivered_at", pa.string()))
    .append(pa.field("legacy_print_batch", pa.string()))
    .append(pa.field("legacy_message_id", pa.string()))
)


@contextmanager
def open_atomic(path: Path, mode: str = "w") -> Iterator[IO]:
    """Write to .<name>.tmp beside the target, rename into place on success."""
    temporary = path.with_name(f".{path.name}.tmp")
    text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
    try:
        with open(temporary, mode, **text) as f:
            yield f
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_csv(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> None:
    with open_atomic(path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def dump_json_line(document: dict) -> str:
    # ensure_ascii=False: the file is UTF-8 and names stay readable (é, ë, ö).
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_jsonl(path: Path, documents: Iterable[dict]) -> int:
    count = 0
    with open_atomic(path) as f:
        for document in documents:
            f.write(dump_json_line(document))
            count += 1
    return count


def batched(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(
    path: Path, documents: Iterable[dict], schema: pa.Schema = DOCUMENT_SCHEMA
) -> int:
    """Streamed in row groups so 10^5-10^6 documents never sit in memory at once."""
    count = 0
    with open_atomic(path, "wb") as f, pq.ParquetWriter(f, schema) as writer:
        for batch in batched(documents, PARQUET_BATCH_ROWS):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
