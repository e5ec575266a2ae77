"""The print-house manifest: one CSV row per mail piece, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import TextIO

MANIFEST_COLUMNS: tuple[str, ...] = (
    "sequence",
    "piece_id",
    "kind",
    "issuer",
    "document_number",
    "customer_code",
    "name",
    "postal_code",
    "country",
    "first_page",
    "last_page",
    "pages",
    "sheets",
    "sort_key",
    # The PDF file (in the batch folder) that holds the piece; first_page/last_page
    # count within that file. Last, so the columns before it keep their positions.
    "file",
)

# A spreadsheet evaluates a cell starting with these as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Line breaks of every kind: a hostile name must not start a new row or field in tools
# that split lines themselves.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def safe_cell(value: object) -> object:
    """Neutralise a text cell: no formula start, no line breaks. Integers pass as they are.

    Names come from master data and are untrusted, so every text column goes through
    here, not only `name`.
    """
    if isinstance(value, int):
        return value
    text = str(value)
    # Check the prefix on the original text: a leading CR becomes a space below, and
    # the leading quote still tells a reader that the cell was altered.
    if text.startswith(_FORMULA_PREFIXES):
        text = "'" + text
    return _LINE_BREAKS.sub(" ", text)


def write_manifest(out: TextIO, rows: Iterable[Sequence[object]]) -> int:
    """Write the header and the rows (in MANIFEST_COLUMNS order); return the row count."""
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(MANIFEST_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return count
