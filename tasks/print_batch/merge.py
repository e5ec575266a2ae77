"""Duplex merge of rendered PDFs into one print file with pikepdf (qpdf)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name

from tasks.print_batch.pieces import MailPiece

A4 = (0, 0, 595.2756, 841.8898)  # points, as reportlab writes it

# Fixed writer options: the same pieces give the same bytes (DESIGN rule 5), as long as
# pikepdf/qpdf stay at the locked versions. deterministic_id derives the trailer /ID
# from the content instead of the clock; static_id (a constant /ID) is meant for qpdf's
# own test suite. Object streams roughly halve the file (3.4 MB instead of 6.4 MB for
# 5,000 pieces), and need PDF 1.5, which print RIPs have read for two decades.
SAVE_OPTIONS: dict = {
    "linearize": False,
    "qdf": False,
    "compress_streams": True,
    "recompress_flate": False,
    "normalize_content": False,
    "object_stream_mode": pikepdf.ObjectStreamMode.generate,
    "deterministic_id": True,
    "static_id": False,
    "encryption": None,
}


class PrintBatchError(Exception):
    """A print batch could not be built; nothing pickable was left behind."""


class PrintSourceError(PrintBatchError):
    """The rendered PDF of one mail piece is missing, unreadable or damaged."""

    def __init__(self, batch_id: str, piece: MailPiece, reason: str) -> None:
        self.batch_id = batch_id
        self.piece_id = piece.piece_id
        self.customer_code = piece.customer_code
        self.pdf_path = piece.pdf_path
        # R31: operators search by the customer reference (DL...), so quote it.
        super().__init__(
            f"print batch {batch_id}: mail piece {piece.piece_id} "
            f"(customer {piece.customer_code}): source PDF {reason}: {piece.pdf_path}"
        )


@dataclass(frozen=True)
class Placement:
    """Where one piece landed in its print file (1-based, padding blank excluded)."""

    first_page: int
    last_page: int
    pages: int
    sheets: int


def _blank_page(box: object) -> Dictionary:
    # Same size as the page it backs, no content: the back of the piece's last sheet.
    media_box = Array([*box]) if isinstance(box, Array) and len(box) == 4 else Array(A4)
    return Dictionary(Type=Name.Page, MediaBox=media_box, Resources=Dictionary())


def merge_pieces(
    pieces: list[MailPiece], dest: BinaryIO, batch_id: str
) -> tuple[list[Placement], int]:
    """Append each piece's pages to a new PDF written to `dest`; return the placements and
    the file's page count (blanks included).

    One source is open at a time: it is opened, its pages copied, and closed before the
    next one (qpdf keeps what it copied, so the closed source is not needed at save).
    Pages are appended to /Kids directly: with `Pdf.pages.extend` each call costs more
    the more pages the document holds (20,000 pieces: 150 s instead of 17-22 s).
    """
    out = pikepdf.Pdf.new()
    try:
        tree = out.Root.Pages
        kids = tree.Kids
        placements: list[Placement] = []
        for piece in pieces:
            first = len(kids) + 1
            count, last_box = _append_source(out, tree, piece, batch_id)
            placements.append(Placement(first, first + count - 1, count, (count + 1) // 2))
            if count % 2:
                # Duplex: every piece must start on the front of a new sheet.
                blank = out.make_indirect(_blank_page(last_box))
                blank.Parent = tree
                kids.append(blank)
        tree.Count = len(kids)
        # Saved to memory, then written: with deterministic_id, qpdf 11 aborts the whole
        # process (std::terminate) when a write fails, e.g. disk full (issue 10,
        # tests/reliability/test_faults.py); Python's own write raises a clean OSError.
        # Memory: one file of at most print_max_pieces_per_file pieces.
        buffer = io.BytesIO()
        out.save(buffer, **SAVE_OPTIONS)
        dest.write(buffer.getbuffer())
        return placements, len(kids)
    finally:
        out.close()


def _append_source(
    out: pikepdf.Pdf, tree: Dictionary, piece: MailPiece, batch_id: str
) -> tuple[int, object]:
    try:
        # No recovery: qpdf "repairs" a truncated file into fewer pages without a word,
        # and a half invoice must never reach the print house.
        src = pikepdf.open(piece.pdf_path, attempt_recovery=False)
    except FileNotFoundError as exc:
        raise PrintSourceError(batch_id, piece, "is missing") from exc
    except (OSError, pikepdf.PdfError) as exc:
        raise PrintSourceError(batch_id, piece, f"is unreadable ({exc})") from exc
    with src:
        try:
            count = len(src.pages)
            if count == 0:
                raise PrintSourceError(batch_id, piece, "has no pages")
            last_box: object = None
            for page in src.pages:
                # Inherited attributes (MediaBox, Resources) were pushed onto the page
                # by pikepdf.open; qpdf leaves /Parent out of a copied page.
                copy = out.copy_foreign(page.obj)
                copy.Parent = tree
                tree.Kids.append(copy)
                last_box = copy.get(Name.MediaBox)
        except pikepdf.PdfError as exc:
            raise PrintSourceError(batch_id, piece, f"is damaged ({exc})") from exc
    return count, last_box
