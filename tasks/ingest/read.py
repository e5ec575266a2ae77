"""Readers for landing files: each yields (line number, raw row) or (line, Rejection).

Lines are 1-based as an operator sees them in an editor (CSV: the header is line 1).
Encoding problems are per row, so one bad byte does not cost the whole file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from domain.validate import CUSTOMER_FIELDS, Rejection

RawRow = dict | Rejection
MAX_LINE_BYTES = 256 * 1024  # a landing row is a few KB; 1 MB fields are hostile input


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (bad header, corrupt Parquet...)."""


def has_surrogates(value: object) -> bool:
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


def read_customer_rows(path: Path) -> Iterator[tuple[int, RawRow]]:
    # utf-8-sig drops a BOM; surrogateescape keeps invalid bytes visible per row.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [f for f in CUSTOMER_FIELDS if f not in header]
        if missing:
            raise UnreadableFile(f"header lacks column(s): {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                yield line, Rejection("bad_columns", f"expected {len(header)} columns")
            elif any(has_surrogates(v) for v in row.values()):
                yield line, Rejection("bad_encoding", "the row is not valid UTF-8")
            else:
                yield line, row


def jsonl_is_complete(path: Path) -> bool:
    """False while the billing system is still writing: last line cut mid-object."""
    size = path.stat().st_size
    if size == 0:
        return True
    with path.open("rb") as handle:
        handle.seek(max(0, size - 1))
        if handle.read(1) == b"\n":
            return True
        handle.seek(max(0, size - MAX_LINE_BYTES))
        tail = handle.read().rsplit(b"\n", 1)[-1]
    try:
        json.loads(tail)
    except ValueError:
        return False
    return True


def parse_json_line(raw: bytes) -> RawRow:
    if len(raw) > MAX_LINE_BYTES:
        return Rejection("field_too_long", f"the line is {len(raw)} bytes (limit {MAX_LINE_BYTES})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection("bad_encoding", "the line is not valid UTF-8")
    try:
        value = json.loads(text)
    except ValueError as error:
        return Rejection("bad_json", f"not valid JSON: {error}")
    if not isinstance(value, dict):
        return Rejection("bad_json", "the line is not a JSON object")
    return value


def read_jsonl_rows(path: Path) -> Iterator[tuple[int, RawRow]]:
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            raw = raw.rstrip(b"\r\n")
            if raw.strip():
                yield line, parse_json_line(raw)


def read_parquet_rows(path: Path, batch_size: int = 5000) -> Iterator[tuple[int, RawRow]]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several types for a corrupt file
        raise UnreadableFile(f"not a readable Parquet file: {error}") from None
    line = 0
    for batch in parquet.iter_batches(batch_size=batch_size):
        for row in batch.to_pylist():
            line += 1
            yield line, row


def read_document_rows(path: Path) -> Iterator[tuple[int, RawRow]]:
    if path.suffix == ".parquet":
        return read_parquet_rows(path)
    return read_jsonl_rows(path)
