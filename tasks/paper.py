"""Paper channel (R14): one print batch per run and issuer, never a piece twice.

Two phases make a crash harmless. First the pieces are assigned to a batch id in the
warehouse (status `building`); then the files are written and the batch is marked
`ready` with its deliveries `dispatched`. A run that dies in between rebuilds the same
batch from the same pieces on the next run; the print house only takes folders with a
READY marker, written last.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from tasks.accounts import letters
from tasks.faults import crashpoint
from tasks.print_batch import MailPiece, PrintBatch
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


def print_batch_id(issuer: str, as_of: datetime, run_id: str) -> str:
    return f"{issuer}-{as_of:%Y%m%d}-{run_id[:8]}"


def assign_print_batches(con, as_of: datetime, run_id: str, actor: str) -> list[str]:
    """Phase 1: put tonight's rendered paper deliveries into one batch per issuer."""
    keys = con.execute(load_sql("paper_ready_for_batch")).fetchall()
    # R17: an issuer's activation letters travel in its batch, even on a night without paper.
    issuers = sorted({issuer for issuer, _ in keys} | set(letters.pending_letter_issuers(con)))
    batch_ids = []
    with transaction(con):
        for issuer in issuers:
            batch_id = print_batch_id(issuer, as_of, run_id)
            params = {"batch_id": batch_id, "issuer": issuer}
            created = {"run_id": run_id, "created_at": datetime.now(UTC)}
            run_sql(con, load_sql("insert_print_batch"), params | created)
            run_sql(con, load_sql("assign_paper_to_batch"), params)
            letters.assign_letters_to_batch(con, batch_id, issuer)
            batch_ids.append(batch_id)
        append_events(
            con,
            [AuditEvent("print_batch_assigned", b, {"run_id": run_id}, actor) for b in batch_ids],
        )
    crashpoint("paper.assigned")
    return batch_ids


def building_batches(con) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT batch_id, issuer FROM print_batches WHERE status = 'building' ORDER BY batch_id"
    ).fetchall()


def mail_pieces(con, batch_id: str, data_dir: Path) -> list[MailPiece]:
    rows = con.execute(load_sql("print_batch_pieces"), [batch_id]).fetchall()
    return letters.letter_pieces(con, batch_id, data_dir) + [
        MailPiece(
            piece_id=f"{issuer}/{number}/{channel}/{purpose}",
            issuer=issuer,
            document_number=number,
            customer_code=code,
            pdf_path=path,  # a storage key: local_mail_pieces makes it a file
            postal_code=postal_code,
            country=country,
            name=name,
        )
        for issuer, number, channel, purpose, code, path, postal_code, country, name in rows
    ]


@contextmanager
def local_mail_pieces(pieces: list[MailPiece], storage) -> Iterator[list[MailPiece]]:
    """The print merge reads local files: documents' keys become files of `storage` (a
    folder's own files; from an object store, downloaded for the build and removed
    after); activation letters, written locally by the flow, keep their paths."""
    keys = [p.pdf_path for p in pieces if p.kind == "document"]
    with storage.local_files(keys) as files:
        yield [
            replace(p, pdf_path=files[p.pdf_path]) if p.kind == "document" else p for p in pieces
        ]


def mark_batch_ready(con, batch: PrintBatch, data_dir: Path, actor: str) -> None:
    """Phase 2 commit: the batch is on disk with its READY marker."""
    crashpoint("paper.before_ready_commit")
    now = datetime.now(UTC)
    with transaction(con):
        ready = {
            "ready_at": now,
            "batch_id": batch.batch_id,
            "pieces": batch.pieces,
            "pages": batch.pages,
            "sheets": batch.sheets,
            "sha256": batch.sha256,
            "pdf_path": str(batch.pdf_path.relative_to(data_dir)),
            "manifest_path": str(batch.manifest_path.relative_to(data_dir)),
            "files": json.dumps(
                [
                    {
                        "path": str(p.path.relative_to(data_dir)),
                        "pieces": p.pieces,
                        "pages": p.pages,
                        "sheets": p.sheets,
                        "sha256": p.sha256,
                        "bytes": p.bytes,
                    }
                    for p in batch.parts
                ]
            ),
        }
        run_sql(con, load_sql("mark_print_batch_ready"), ready)
        dispatched = {"dispatched_at": now, "batch_id": batch.batch_id}
        run_sql(con, load_sql("mark_batch_dispatched"), dispatched)
        letters.mark_letters_dispatched(con, batch.batch_id, now)
        append_events(
            con,
            [
                AuditEvent(
                    "print_batch_ready",
                    batch.batch_id,
                    {
                        "pieces": batch.pieces,
                        "pages": batch.pages,
                        "sheets": batch.sheets,
                        "sha256": batch.sha256,
                    },
                    actor,
                )
            ],
        )
