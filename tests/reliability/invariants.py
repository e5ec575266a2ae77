"""What must hold after any crash and rerun (issue 10), checked on the real artefacts:
the warehouse, the print batch folders, landing/processed/, the audit chain, and what
the SMTP server and the Peppol access point actually received.

`check_invariants(...)` returns every broken invariant in words; [] means all hold.
Import as `tests.reliability.invariants` (also from other test files, under xdist).

Resends are allowed at exactly two boundaries, where the design says so (DESIGN rule 4,
README "Exactly once"): a digest accepted by the SMTP server but not yet recorded is
sent again with the same Message-ID and the same bytes; a Peppol document accepted by
the access point but not yet recorded is posted again under the same Idempotency-Key
and the same bytes, and the access point does not forward it twice. `resend_allowed`
says whether the trial's kill could land in such a window; without it a resend is a
failure, with it a resend must be identical (detectable and harmless).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.audit import verify_chain

UNFINISHED = ("decided", "batched", "sending")


@dataclass
class Figures:
    """What one check saw, for docs/reliability.md."""

    deliveries: int = 0
    smtp_messages: int = 0
    smtp_resent: int = 0
    peppol_posts: int = 0
    peppol_resent: int = 0
    problems: list[str] = field(default_factory=list)


def scalar(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchall()[0][0]


def check_deliveries(con, problems: list[str]) -> None:
    twice = scalar(
        con,
        "SELECT count(*) FROM (SELECT 1 FROM deliveries GROUP BY issuer, document_number, "
        "channel, purpose HAVING count(*) > 1)",
    )
    if twice:
        problems.append(f"{twice} (document, channel, purpose) with more than one delivery")
    undelivered = scalar(
        con,
        "SELECT count(*) FROM documents d WHERE NOT is_history AND NOT EXISTS "
        "(SELECT 1 FROM deliveries v WHERE v.issuer = d.issuer "
        "AND v.document_number = d.document_number AND v.purpose = 'original')",
    )
    if undelivered:
        problems.append(f"{undelivered} new documents have no original delivery (lost)")
    stuck = con.execute(
        "SELECT channel, purpose, status, count(*) FROM deliveries "
        "WHERE status IN (SELECT unnest(?)) GROUP BY ALL ORDER BY ALL",
        [list(UNFINISHED)],
    ).fetchall()
    if stuck:
        problems.append(f"deliveries left unfinished after the rerun: {stuck}")
    unrendered = scalar(
        con,
        "SELECT count(*) FROM deliveries v WHERE status IN ('published', 'dispatched') "
        "AND channel <> 'peppol' AND NOT EXISTS (SELECT 1 FROM renditions r "
        "WHERE r.issuer = v.issuer AND r.document_number = v.document_number)",
    )
    if unrendered:
        problems.append(f"{unrendered} deliveries published or printed without a PDF")


def manifest_pieces(print_dir: Path, kind: str | None = None) -> Counter:
    """How often each mail piece appears across all print batches (of one kind)."""
    pieces: Counter = Counter()
    for manifest in print_dir.glob("*/*.manifest.csv"):
        with manifest.open(encoding="utf-8") as handle:
            pieces.update(
                row["piece_id"] for row in csv.DictReader(handle) if kind in (None, row["kind"])
            )
    return pieces


def check_print_batches(con, print_dir: Path, problems: list[str]) -> None:
    pieces = manifest_pieces(print_dir)
    twice = sorted(piece for piece, n in pieces.items() if n > 1)
    if twice:
        problems.append(f"mail pieces in two print batches: {twice[:5]}")
    paper = scalar(con, "SELECT count(*) FROM deliveries WHERE channel = 'paper'")
    documents = sum(manifest_pieces(print_dir, "document").values())
    if documents != paper:
        problems.append(f"{paper} paper deliveries but {documents} document pieces printed")
    not_ready = sorted(p.name for p in print_dir.glob("*") if not (p / "READY").exists())
    if not_ready:
        problems.append(f"print batch folders without READY: {not_ready}")
    unready = scalar(con, "SELECT count(*) FROM print_batches WHERE status <> 'ready'")
    if unready:
        problems.append(f"{unready} print batches not ready in the warehouse")


def file_keys(path: Path) -> tuple[int, set[tuple[str, str]]]:
    """Rows of a landing file and the (issuer, number) keys of its readable rows."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return len(rows), {(r.get("issuer"), r.get("customer_number")) for r in rows}
    if path.suffix == ".parquet":
        rows = duckdb.sql(
            "SELECT issuer, document_number FROM read_parquet(?)", params=[str(path)]
        ).fetchall()
        return len(rows), set(rows)
    keys, count = set(), 0
    for line in path.read_bytes().splitlines():
        if not line.strip():
            continue
        count += 1
        try:
            row = json.loads(line)
            keys.add((row.get("issuer"), row.get("document_number")))
        except (ValueError, AttributeError):
            continue
    return count, keys


def check_processed_files(con, landing: Path, problems: list[str]) -> None:
    """A file in processed/ is committed: its row count recorded, each row stored or
    quarantined. Nothing may remain in landing/ after a full rerun."""
    processed = landing / "processed"
    stored_documents = set(con.execute("SELECT issuer, document_number FROM documents").fetchall())
    stored_customers = set(con.execute("SELECT issuer, customer_number FROM customers").fetchall())
    for path in sorted(processed.glob("*")) if processed.exists() else []:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        recorded = con.execute(
            "SELECT rows_total, rows_quarantined FROM landing_files WHERE sha256 = ?", [sha]
        ).fetchall()
        if not recorded:
            problems.append(f"{path.name} in processed/ but not recorded in landing_files")
            continue
        total, quarantined = recorded[0]
        try:
            rows, keys = file_keys(path)
        except (duckdb.Error, UnicodeDecodeError, csv.Error):
            if not scalar(
                con, "SELECT count(*) FROM quarantine WHERE file_sha256 = ?", [sha]
            ):  # an unreadable file must be quarantined as a whole
                problems.append(f"{path.name} cannot be read and is not quarantined")
            continue
        if rows != total:
            problems.append(f"{path.name}: {rows} rows in the file, {total} recorded")
        stored = stored_customers if path.suffix == ".csv" else stored_documents
        missing = keys - stored
        if len(missing) > quarantined:
            problems.append(
                f"{path.name}: {len(missing)} rows neither stored nor quarantined "
                f"({quarantined} quarantined), e.g. {sorted(missing, key=str)[:3]}"
            )
    left = sorted(p.name for p in landing.glob("*.*"))
    if left:
        problems.append(f"landing files left unprocessed: {left}")


def check_smtp(con, smtp, resend_allowed: bool, figures: Figures, earlier: set) -> None:
    problems = figures.problems
    received = smtp.by_message_id()
    figures.smtp_messages = sum(len(v) for v in received.values())
    sent = {
        m: d
        for m, d in con.execute(
            "SELECT message_id, digest_id FROM digests WHERE status = 'sent'"
        ).fetchall()
        if m not in earlier
    }
    if set(received) != set(sent):
        problems.append(
            f"SMTP server got {len(received)} Message-IDs, warehouse says {len(sent)} sent: "
            f"unrecorded {sorted(set(received) - set(sent))[:3]}, "
            f"never received {sorted(set(sent) - set(received))[:3]}"
        )
    for message_id, copies in received.items():
        if len(copies) == 1:
            continue
        figures.smtp_resent += len(copies) - 1
        if not resend_allowed:
            problems.append(f"digest {message_id} reached the SMTP server {len(copies)} times")
        if len({c.data for c in copies}) != 1:
            problems.append(f"digest {message_id} resent with different bytes")
    queued = scalar(con, "SELECT count(*) FROM digests WHERE status = 'queued'")
    if queued:
        problems.append(f"{queued} digests still queued after the rerun")


def check_peppol(con, access_point, resend_allowed: bool, figures: Figures, earlier: set):
    problems = figures.problems
    dispatched = {
        k: m
        for k, m in con.execute(
            "SELECT idempotency_key, message_id FROM peppol_messages WHERE status = 'dispatched'"
        ).fetchall()
        if k not in earlier
    }
    figures.peppol_posts = sum(len(v) for v in access_point.posts.values())
    if dispatched != access_point.forwarded:
        problems.append(
            f"access point forwarded {len(access_point.forwarded)} documents, warehouse "
            f"records {len(dispatched)} dispatched (or other message ids)"
        )
    for key, bodies in access_point.posts.items():
        if len(bodies) == 1:
            continue
        figures.peppol_resent += len(bodies) - 1
        if not resend_allowed:
            problems.append(f"Peppol document {key} posted {len(bodies)} times")
        if len(set(bodies)) != 1:
            problems.append(f"Peppol document {key} posted again with different bytes")


def check_outbox(con, outbox: Path, problems: list[str]) -> None:
    """The embedded access point: one file and one manifest line per dispatched key."""
    lines = Counter()
    for manifest in outbox.glob("manifest-*.jsonl"):
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines[json.loads(line)["idempotency_key"]] += 1
    dispatched = {
        k for (k,) in con.execute(
            "SELECT idempotency_key FROM peppol_messages WHERE status = 'dispatched'"
        ).fetchall()
    }  # fmt: skip
    if set(lines) != dispatched:
        problems.append(f"outbox manifest lists {len(lines)} keys, {len(dispatched)} dispatched")
    twice = [k for k, n in lines.items() if n > 1]
    if twice:
        problems.append(f"Peppol documents twice in the outbox manifest: {twice[:3]}")


def check_invariants(
    data_dir: Path,
    smtp=None,
    access_point=None,
    resend_allowed: bool = False,
    before: dict[str, set] | None = None,
) -> Figures:
    """Every invariant of issue 10 on one data dir; `.problems` lists what is broken.
    `before`: digests ("smtp") and Peppol keys ("peppol") sent before these servers ran."""
    before = before or {}
    figures = Figures()
    problems = figures.problems
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        figures.deliveries = scalar(con, "SELECT count(*) FROM deliveries")
        check_deliveries(con, problems)
        check_print_batches(con, data_dir / "print", problems)
        check_processed_files(con, data_dir / "landing", problems)
        if smtp is not None:
            check_smtp(con, smtp, resend_allowed, figures, before.get("smtp", set()))
        if access_point is not None:
            check_peppol(con, access_point, resend_allowed, figures, before.get("peppol", set()))
        elif (data_dir / "peppol" / "outbox").exists():
            check_outbox(con, data_dir / "peppol" / "outbox", problems)
        chain = verify_chain(con)
        if not chain.ok:
            problems.append(f"audit chain broken at {chain.first_broken_seq}: {chain.problem}")
    finally:
        con.close()
    return figures
