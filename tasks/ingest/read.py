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
# Python's csv refuses fields over 128 KB with an error that stops the reader; a larger
# limit lets a 1 MB field reach validation and be quarantined as field_too_long.
MAX_CSV_FIELD = 16 * 1024 * 1024


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (bad header, corrupt Parquet...)."""


def has_surrogates(value: object) -> bool:
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


def customer_row(line: int, row: dict, header: list[str]) -> tuple[int, RawRow]:
    if None in row or any(v is None for v in row.values()):
        return line, Rejection("bad_columns", f"expected {len(header)} columns")
    if any(has_surrogates(v) for v in row.values()):
        return line, Rejection("bad_encoding", "the row is not valid UTF-8")
    return line, row


def unparsable_rest(line: int, error: Exception) -> tuple[int, Rejection]:
    """After a CSV parse error the reader's position inside a quoted field is lost (it
    would read the rest of a hostile field as rows), so reading stops here, in the open."""
    detail = f"cannot be parsed from line {line} on ({error}); the rest of the file is not read"
    return line, Rejection("unparsable_rest", detail)


def read_customer_rows(path: Path) -> Iterator[tuple[int, RawRow]]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))
    # utf-8-sig drops a BOM; surrogateescape keeps invalid bytes visible per row.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except csv.Error as error:
            raise UnreadableFile(f"the header cannot be parsed: {error}") from None
        missing = [f for f in CUSTOMER_FIELDS if f not in header]
        if missing:
            raise UnreadableFile(f"header lacks column(s): {', '.join(missing)}")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                # DictReader.line_num is only updated on success; its reader's is current.
                yield unparsable_rest(reader.reader.line_num, error)
                return
            yield customer_row(reader.line_num, row, header)


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
    except RecursionError:
        return True  # hostile nesting, not a line being written: read it, quarantine it
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
    except RecursionError:
        # "[[[[…" 100,000 deep fits in a line and exhausts the decoder's stack.
        return Rejection("bad_json", "JSON nested too deeply")
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
    first = 1
    for group in range(parquet.num_row_groups):
        yield from read_row_group(parquet, group, first, batch_size)
        first += parquet.metadata.row_group(group).num_rows


def read_row_group(parquet, group: int, first: int, batch_size: int):
    """Row groups are independent (the footer says where each starts), so a corrupt one
    costs its own rows only: one quarantine row names the range, the next group is read."""
    line = first - 1
    batches = parquet.iter_batches(batch_size=batch_size, row_groups=[group])
    while True:
        try:
            rows = next(batches).to_pylist()
        except StopIteration:
            return
        except Exception as error:  # a corrupt page or column chunk, any pyarrow type
            last = first + parquet.metadata.row_group(group).num_rows - 1
            detail = f"rows {line + 1}-{last} (row group {group}) cannot be read: {error}"
            yield line + 1, Rejection("unreadable_rows", detail)
            return
        for row in rows:
            line += 1
            yield line, row


def read_document_rows(path: Path) -> Iterator[tuple[int, RawRow]]:
    if path.suffix == ".parquet":
        return read_parquet_rows(path)
    return read_jsonl_rows(path)
