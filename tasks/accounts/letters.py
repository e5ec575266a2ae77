"""Activation letters (R17) as mail pieces of the night's print batch.

decided → rendered (PDF under documents/letters/) → batched (with the issuer's print
batch, phase 1 in tasks/paper.py) → dispatched (phase 2). The same two-phase rule as
for documents: a crash never puts a letter in two batches.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from babel.dates import format_date

from domain.activation_codes import derive_code, format_code, last_valid_day
from domain.paths import resolve_inside
from tasks.accounts.codes import ACTIVATION_LETTER
from tasks.accounts.db import fetch_dicts, register_rows
from tasks.accounts.letter_pdf import draw_activation_letter
from tasks.print_batch import MailPiece
from tasks.render import shared_pool, write_atomic
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction

LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE", "en": "en_GB"}
LETTERS_PER_CHUNK = 100  # letters per worker round-trip


def letter_relpath(row: dict) -> str:
    name = f"{row['customer_code']}-{row['serial']}-{row['document_number']}.pdf"
    return f"documents/letters/{row['issuer']}/{row['letter_date'].year}/{name}"


def letter_content(row: dict, issuers: dict, secret: bytes, timezone: str) -> dict:
    language = row["language"] if row["language"] in LOCALES else "nl"
    locale = LOCALES[language]
    code = derive_code(secret, row["customer_code"], row["serial"])
    valid_until = last_valid_day(row["expires_at"], timezone)
    issuer = issuers[row["issuer"]]
    issuer = issuer.model_dump() if hasattr(issuer, "model_dump") else dict(issuer)
    return {
        "customer_code": row["customer_code"],
        "reference": row["document_number"],
        "code": format_code(code),
        "valid_until": format_date(valid_until, format="long", locale=locale),
        "letter_date": format_date(row["letter_date"], format="long", locale=locale),
        "channel_choice": row["channel_choice"],
        "language": language,
        "issuer": issuer,
        "recipient": {k: row[k] for k in ("name", "street", "postal_code", "city", "country")},
    }


def select_letters(con, limit: int) -> list[dict]:
    """Up to `limit` decided letters with what their page shows."""
    return fetch_dicts(con, "activation_letters_to_render", {"limit": limit})


def draw_letters(rows: list[dict], data_dir: Path, issuers: dict, secret: bytes, timezone: str):
    """Draw and write each letter (no warehouse access); returns (rendered, failed)."""
    rendered, failed = [], []
    for row in rows:
        relpath = letter_relpath(row)
        try:
            data = draw_activation_letter(letter_content(row, issuers, secret, timezone))
            write_atomic(str(resolve_inside(data_dir, relpath)), data)
        except Exception as error:  # one bad letter must not stop the night (DESIGN rule 7)
            failed.append(
                {"letter_id": row["letter_id"], "error": f"{type(error).__name__}: {error}"}
            )
            continue
        rendered.append(
            {"letter_id": row["letter_id"], "path": relpath, "pages": 1, "bytes": len(data),
             "sha256": hashlib.sha256(data).hexdigest(), "rendered_at": datetime.now(UTC)}
        )  # fmt: skip
    return rendered, failed


def draw_letters_in_pool(
    rows: list[dict], data_dir: Path, issuers: dict, secret: bytes, timezone: str, workers: int
):
    """draw_letters over the night's kept render pool (issue 9: the flow process is the
    night's one serial part); the same (rendered, failed), in the order of `rows`."""
    if workers <= 1 or len(rows) <= LETTERS_PER_CHUNK:
        return draw_letters(rows, data_dir, issuers, secret, timezone)
    chunks = [rows[i : i + LETTERS_PER_CHUNK] for i in range(0, len(rows), LETTERS_PER_CHUNK)]
    draw = partial(draw_letters, data_dir=data_dir, issuers=issuers, secret=secret,
                   timezone=timezone)  # fmt: skip
    rendered, failed = [], []
    for chunk_rendered, chunk_failed in shared_pool(workers).map(draw, chunks):
        rendered += chunk_rendered
        failed += chunk_failed
    return rendered, failed


def record_letters(con, rendered: list[dict], failed: list[dict], run_id: str, actor: str):
    """One transaction: rendered letters await their print batch, failed ones are shown."""
    with transaction(con):
        for name, rows, query in (
            ("rendered_letters", rendered, "record_rendered_letters"),
            ("failed_letters", failed, "mark_letters_failed"),
        ):
            if rows:
                register_rows(con, name, rows)
                run_sql(con, load_sql(query))
                con.unregister(name)
        events = [
            AuditEvent("activation_letter_rendered", r["letter_id"],
                       {"sha256": r["sha256"], "run_id": run_id}, actor)
            for r in rendered
        ]  # fmt: skip
        events += [
            AuditEvent("activation_letter_failed", f["letter_id"], {"error": f["error"]}, actor)
            for f in failed
        ]
        append_events(con, events)


def render_activation_letters(
    con,
    data_dir: Path,
    issuers: dict,
    secret: bytes,
    run_id: str,
    timezone: str = "Europe/Brussels",
    limit: int = 2000,
    actor: str = "nightly",
) -> int:
    """Select, draw and record up to `limit` letters; returns how many (0: none left).
    The flow does the three steps itself so the writer lock is free while drawing."""
    rows = select_letters(con, limit)
    if rows:
        rendered, failed = draw_letters(rows, data_dir, issuers, secret, timezone)
        record_letters(con, rendered, failed, run_id, actor)
    return len(rows)


def pending_letter_issuers(con) -> list[str]:
    return [row[0] for row in run_sql(con, load_sql("pending_letter_issuers"))]


def assign_letters_to_batch(con, batch_id: str, issuer: str) -> None:
    """Phase 1, inside the caller's transaction."""
    run_sql(con, load_sql("assign_letters_to_batch"), {"batch_id": batch_id, "issuer": issuer})


def letter_pieces(con, batch_id: str, data_dir: Path) -> list[MailPiece]:
    rows = fetch_dicts(con, "print_batch_letters", {"batch_id": batch_id})
    return [
        MailPiece(
            piece_id=r["letter_id"],
            issuer=r["issuer"],
            document_number=r["document_number"],
            customer_code=r["customer_code"],
            pdf_path=str(data_dir / r["path"]),
            postal_code=r["postal_code"],
            country=r["country"],
            name=r["name"],
            kind=ACTIVATION_LETTER,
        )
        for r in rows
    ]


def mark_letters_dispatched(con, batch_id: str, at: datetime) -> None:
    """Phase 2, inside the caller's transaction."""
    params = {"batch_id": batch_id, "dispatched_at": at}
    run_sql(con, load_sql("mark_letters_dispatched"), params)
