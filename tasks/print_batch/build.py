"""Build one print batch folder: merged PDF part(s), manifest, and READY last."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from tasks.print_batch.manifest import write_manifest
from tasks.print_batch.merge import PrintSourceError, merge_pieces
from tasks.print_batch.pieces import KINDS, MailPiece, order_mail_pieces, sort_key

# Measured (bench/print_batch.py): peak RSS grows ~15 KB per piece held in one pikepdf
# document until it is saved: 100,000 pieces in one file peak at 1.6 GB, in parts of
# 5,000 at 0.2 GB, at the same speed. Callers pass the setting (see the package doc).
MAX_PIECES_PER_FILE = 5_000
READY_NAME = "READY"
READY_FORMAT = "iportal-print-batch/1"
T = TypeVar("T")
_BATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class PrintPart:
    """One PDF file of a batch (a batch has several only above max_pieces_per_file)."""

    path: Path
    pieces: int
    pages: int  # document pages, padding blanks excluded (sum of the manifest column)
    sheets: int
    pdf_pages: int  # pages in the file = 2 * sheets
    sha256: str
    bytes: int


@dataclass(frozen=True)
class PrintBatch:
    batch_id: str
    issuer: str
    pdf_path: Path  # the merged PDF; with several parts, the first one (see `parts`)
    manifest_path: Path
    pieces: int
    pages: int  # document pages, padding blanks excluded
    sheets: int  # paper sheets (duplex); the PDF files hold 2 * sheets pages
    sha256: str  # sha256 of pdf_path
    parts: tuple[PrintPart, ...] = ()
    ready_path: Path | None = None


def build_print_batch(
    pieces: list[MailPiece],
    out_dir: Path,
    batch_id: str,
    issuer: str,
    *,
    max_pieces_per_file: int = MAX_PIECES_PER_FILE,
) -> PrintBatch:
    """Write `out_dir/<batch_id>/` for the print house and return what was written.

    Raises ValueError for an empty or inconsistent piece list (nothing is written) and
    PrintSourceError, naming the piece, when a source PDF is missing or unreadable (the
    folder is then left without READY, so the print house never picks it up).
    """
    ordered = _checked_order(pieces, batch_id, issuer, max_pieces_per_file)
    batch_dir = Path(out_dir) / batch_id
    ready_path = _withdraw_earlier_build(batch_dir)
    chunks = [
        ordered[i : i + max_pieces_per_file] for i in range(0, len(ordered), max_pieces_per_file)
    ]
    names = _part_names(batch_id, len(chunks))
    _remove_stale_files(batch_dir, batch_id, keep=set(names))
    parts, rows = _write_parts(batch_dir, batch_id, names, chunks)
    manifest_path = batch_dir / f"{batch_id}.manifest.csv"
    _write_atomic(manifest_path, lambda fh: _write_manifest_bytes(fh, rows))
    body = _ready_body(batch_id, issuer, len(ordered), parts, manifest_path, len(rows))
    _write_atomic(ready_path, lambda fh: fh.write(body))  # LAST: makes the batch pickable
    _fsync_dir(batch_dir)
    return PrintBatch(
        batch_id=batch_id,
        issuer=issuer,
        pdf_path=parts[0].path,
        manifest_path=manifest_path,
        pieces=len(ordered),
        pages=sum(p.pages for p in parts),
        sheets=sum(p.sheets for p in parts),
        sha256=parts[0].sha256,
        parts=tuple(parts),
        ready_path=ready_path,
    )


def _checked_order(pieces, batch_id: str, issuer: str, max_pieces_per_file: int) -> list:
    """The pieces in print order, after every check that can fail before a write."""
    if not pieces:
        raise ValueError(f"print batch {batch_id}: no mail pieces, nothing to print")
    if max_pieces_per_file < 1:
        raise ValueError(f"max_pieces_per_file must be >= 1, got {max_pieces_per_file}")
    _check_batch_id(batch_id)
    _check_pieces(pieces, batch_id, issuer)
    ordered = order_mail_pieces(pieces)
    # Cheap stat pass first: a missing file fails the batch before a long merge, and
    # before a previous build of this batch is withdrawn.
    for piece in ordered:
        _check_source(piece, batch_id)
    return ordered


def _withdraw_earlier_build(batch_dir: Path) -> Path:
    """From here until the new READY the folder is not pickable, so the print house
    never sees old and new files mixed; returns where READY goes."""
    batch_dir.mkdir(parents=True, exist_ok=True)
    ready_path = batch_dir / READY_NAME
    ready_path.unlink(missing_ok=True)
    _fsync_dir(batch_dir)
    return ready_path


def _write_parts(batch_dir: Path, batch_id: str, names: list[str], chunks: list[list]):
    """Merge each chunk into its PDF file; (parts, manifest rows in print order)."""
    parts: list[PrintPart] = []
    rows: list[list[object]] = []
    for name, chunk in zip(names, chunks, strict=True):
        path = batch_dir / name
        placements, pdf_pages = _write_atomic(
            path, lambda fh, c=chunk: merge_pieces(c, fh, batch_id)
        )
        for piece, place in zip(chunk, placements, strict=True):
            rows.append(_manifest_row(len(rows) + 1, piece, place, name))
        digest, size = _digest(path)
        parts.append(
            PrintPart(
                path=path,
                pieces=len(chunk),
                pages=sum(p.pages for p in placements),
                sheets=sum(p.sheets for p in placements),
                pdf_pages=pdf_pages,
                sha256=digest,
                bytes=size,
            )
        )
    return parts, rows


def _manifest_row(index: int, piece: MailPiece, place, file_name: str) -> list[object]:
    return [
        index,
        piece.piece_id,
        piece.kind,
        piece.issuer,
        piece.document_number,
        piece.customer_code,
        piece.name,
        piece.postal_code,
        piece.country,
        place.first_page,
        place.last_page,
        place.pages,
        place.sheets,
        sort_key(piece),
        file_name,
    ]


def _ready_body(batch_id, issuer, pieces: int, parts, manifest_path: Path, rows: int) -> bytes:
    """READY: what the folder holds, with sizes and hashes. No timestamp: a rebuild must
    give the same bytes (DESIGN rule 5)."""
    manifest_sha, manifest_bytes = _digest(manifest_path)
    ready = {
        "format": READY_FORMAT,
        "batch_id": batch_id,
        "issuer": issuer,
        "pieces": pieces,
        "pages": sum(p.pages for p in parts),
        "sheets": sum(p.sheets for p in parts),
        "pdf_pages": sum(p.pdf_pages for p in parts),
        "files": [
            {
                "name": p.path.name,
                "sha256": p.sha256,
                "bytes": p.bytes,
                "pieces": p.pieces,
                "pages": p.pages,
                "sheets": p.sheets,
                "pdf_pages": p.pdf_pages,
            }
            for p in parts
        ],
        "manifest": {
            "name": manifest_path.name,
            "sha256": manifest_sha,
            "bytes": manifest_bytes,
            "rows": rows,
        },
    }
    return (json.dumps(ready, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _check_batch_id(batch_id: str) -> None:
    # The id becomes a folder and file names: no separators, no "..", no hidden files.
    if not _BATCH_ID.fullmatch(batch_id) or ".." in batch_id:
        raise ValueError(f"print batch id {batch_id!r}: use letters, digits, '.', '_', '-'")


def _check_pieces(pieces: list[MailPiece], batch_id: str, issuer: str) -> None:
    seen: set[str] = set()
    for piece in pieces:
        if piece.issuer != issuer:
            # One batch per run and issuer: the issuer's mail goes on its own postage.
            raise ValueError(
                f"print batch {batch_id}: piece {piece.piece_id} (customer "
                f"{piece.customer_code}) belongs to issuer {piece.issuer}, not {issuer}"
            )
        if piece.kind not in KINDS:
            raise ValueError(
                f"print batch {batch_id}: piece {piece.piece_id} has unknown kind {piece.kind!r}"
            )
        if piece.piece_id in seen:
            # The piece id is the idempotency key (DESIGN rule 4): twice means printed twice.
            raise ValueError(f"print batch {batch_id}: piece {piece.piece_id} is listed twice")
        seen.add(piece.piece_id)


def _check_source(piece: MailPiece, batch_id: str) -> None:
    try:
        info = os.stat(piece.pdf_path)
    except FileNotFoundError as exc:
        raise PrintSourceError(batch_id, piece, "is missing") from exc
    except OSError as exc:
        raise PrintSourceError(batch_id, piece, f"is unreadable ({exc})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise PrintSourceError(batch_id, piece, "is not a regular file")


def _part_names(batch_id: str, count: int) -> list[str]:
    if count == 1:
        return [f"{batch_id}.pdf"]
    width = max(3, len(str(count)))
    return [f"{batch_id}.{i:0{width}d}.pdf" for i in range(1, count + 1)]


def _remove_stale_files(batch_dir: Path, batch_id: str, keep: set[str]) -> None:
    # A rebuild with fewer parts must not leave an old part behind, nor a temp file of a
    # build killed mid-way. Only names this module writes are touched.
    bid, ready = re.escape(batch_id), re.escape(READY_NAME)
    ours = re.compile(rf"{bid}(\.\d+)?\.pdf|\.({bid}|{ready})\..*\.tmp")
    for entry in batch_dir.iterdir():
        if ours.fullmatch(entry.name) and entry.name not in keep:
            entry.unlink(missing_ok=True)


def _write_atomic(path: Path, write: Callable[[BinaryIO], T]) -> T:
    """Write through a temp file in the same folder, fsync, then os.replace onto `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes 0600 files; the print house's pickup may run as another user.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w+b") as fh:
            result = write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return result


def _write_manifest_bytes(fh: BinaryIO, rows: list[list[object]]) -> None:
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    try:
        write_manifest(text, rows)
        text.flush()
    finally:
        text.detach()  # the caller fsyncs and closes the binary file


def _digest(path: Path) -> tuple[str, int]:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest(), os.fstat(fh.fileno()).st_size


def _fsync_dir(path: Path) -> None:
    # Makes the renames durable: after a power cut READY is either there with its
    # files, or not there.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
