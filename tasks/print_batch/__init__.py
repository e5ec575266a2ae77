"""Print-house batch builder (R14 paper channel, R17 activation letters).

Every night the mail pieces routed to paper go to the print house in one batch per run
and issuer: a folder `<out_dir>/<batch_id>/` with

- `<batch_id>.pdf`: the pieces merged in mass-mail order (country with BE first, postal
  code, customer code, document number), each starting on the front of a new sheet
  (duplex: a piece with an odd page count is followed by one blank page of its size);
- `<batch_id>.manifest.csv`: one row per piece (sequence, ids, recipient, page range in
  its file, pages, sheets, sort key, file), safe against spreadsheet formula injection;
- `READY`, written last: JSON with the counts and the sha256 of every file. The print
  house picks up only folders with READY, so a build that crashes leaves nothing
  pickable; a rebuild first withdraws READY, and yields byte-identical files.

Parts, chosen by measurement (bench/print_batch.py, reportlab 1-2 page invoices of
~4 KB, 2 CPUs): pikepdf/qpdf keeps every copied page in memory until the document is
saved. Sources are opened one at a time and closed right after their pages are copied
(5,000 pieces with all sources left open: ~270 MB and one file descriptor each), but what
was copied stays: peak RSS for one file is 107 MB at 5,000 pieces, 340 MB at 20,000 and
1,577 MB at 100,000 (~15 KB a piece, more for heavier PDFs). So a batch above
`max_pieces_per_file` (default 5,000) is written as consecutive part files
`<batch_id>.001.pdf`, `<batch_id>.002.pdf`, ... (the mailing order runs on across them;
the manifest's `file` column names each piece's part, and its page numbers count within
that part): 100,000 pieces then peak at 211 MB, in 58 s (~1,700 pieces/s, the same speed
as one file). A batch that fits in one part is the single file `<batch_id>.pdf`.

Pages are appended to the page tree's /Kids directly. The usual `Pdf.pages.extend`
slows down with every page already in the document: 20,000 pieces take 150 s with it,
17-22 s this way.
"""

from tasks.print_batch.build import (
    MAX_PIECES_PER_FILE,
    READY_NAME,
    PrintBatch,
    PrintPart,
    build_print_batch,
)
from tasks.print_batch.manifest import MANIFEST_COLUMNS, safe_cell
from tasks.print_batch.merge import PrintBatchError, PrintSourceError
from tasks.print_batch.pieces import MailPiece, order_mail_pieces, sort_key

__all__ = [
    "MANIFEST_COLUMNS",
    "MAX_PIECES_PER_FILE",
    "READY_NAME",
    "MailPiece",
    "PrintBatch",
    "PrintBatchError",
    "PrintPart",
    "PrintSourceError",
    "build_print_batch",
    "order_mail_pieces",
    "safe_cell",
    "sort_key",
]
