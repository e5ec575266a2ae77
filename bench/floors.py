"""Per-document floors (issue 21): each unit of a night's work alone, in this process.

    .venv/bin/python bench/floors.py [--documents 400]

A unit is timed in a tight loop on the same inputs, CPU time of this process (so the
figure does not depend on other load), after a warm-up that pays one-off costs (font
load, XSLT compile, schema load):

  draw       tasks.render.draw_document (bench/render.py's invoices)
  build      tasks.peppol.build.build_ubl (generated B2B documents with their PDF)
  validate   tasks.peppol.validate.validate_ubl (XSD, CEN and Peppol rules, own policy)
  compose    tasks.notify.message.build_message(...) (a two-line digest, as bytes)
  merge      tasks.print_batch.merge.merge_pieces (one print file of drawn invoices,
             per mail piece; not in the issue's list, but every paper piece needs it)
  record     tasks.renditions.record_renditions (rows + audit events, one transaction
             per 2,000 documents, in a fresh warehouse)

bench/scale.py weighs them by the night's mix (Peppol share, digests and letters per
document) into the night's floor, and prints its CPU per document against that floor.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def wait_for_quiet(limit: float = 0.5, patience: float = 240.0) -> tuple[float, str]:
    """Wait (up to `patience` s) for the 1-minute load average to fall under `limit`;
    (the load, and a warning to print when it did not: figures taken under load)."""
    deadline = time.monotonic() + patience
    while (load := os.getloadavg()[0]) >= limit and time.monotonic() < deadline:
        time.sleep(5)
    if load < limit:
        return load, ""
    return load, f"LOADED MACHINE: 1-min load {load:.2f} >= {limit} at start; upper bounds only"


def cpu_ms_per_item(step, items: list, warm: int = 5) -> float:
    for item in items[:warm]:
        step(item)
    started = time.process_time()
    for item in items:
        step(item)
    return 1000 * (time.process_time() - started) / len(items)


def floor_draw(count: int) -> float:
    from bench.render import make_jobs
    from tasks.render import draw_document

    with tempfile.TemporaryDirectory() as tmp:
        return cpu_ms_per_item(draw_document, make_jobs(count, tmp), warm=20)


def floor_peppol(count: int) -> tuple[float, float]:
    """(build, validate) in CPU ms per document."""
    from tasks.peppol.build import build_ubl
    from tasks.peppol.sample import peppol_samples
    from tasks.peppol.validate import validate_ubl

    with tempfile.TemporaryDirectory() as folder:
        samples = peppol_samples(Path(folder), max(10, count // 20 + 1), years=2, seed=7)
    samples = [samples[i % len(samples)] for i in range(count)]

    def build(s):
        return build_ubl(s.document, s.customer, s.issuer, s.pdf, "x.pdf")

    build_ms = cpu_ms_per_item(build, samples)
    ubls = [build(s) for s in samples]
    return build_ms, cpu_ms_per_item(validate_ubl, ubls)


def sample_digest(n: int):
    from tasks.notify.records import Digest, DigestLine

    lines = [
        DigestLine("DL5", f"2026-{n:07d}-{k}", "DL50000001", "invoice", date(2026, 11, 26),
                   Decimal("121.00"), "EUR", f"user-{n}")
        for k in range(2)
    ]  # fmt: skip
    return Digest(f"digest-{n}", f"contact{n}@example.be", f"contact{n}@example.be",
                  "immediate", "2026-11-27", f"user-{n}", "main", ("nl", "fr", "de", "en")[n % 4],
                  "Contact", f"Nr {n}", lines)  # fmt: skip


def floor_compose(count: int) -> float:
    from tasks.notify.message import build_message

    now = datetime(2026, 11, 27, 2, tzinfo=UTC)
    digests = [sample_digest(n) for n in range(count)]
    return cpu_ms_per_item(
        lambda d: (
            build_message(d, "iportal <noreply@iportal.example>", "https://p.example", now).data
        ),
        digests,
    )


def floor_merge(count: int) -> float:
    import io

    from bench.render import make_jobs
    from tasks.print_batch.merge import merge_pieces
    from tasks.print_batch.pieces import MailPiece
    from tasks.render import render_one

    with tempfile.TemporaryDirectory() as tmp:
        pieces = [
            MailPiece(f"p{n}", job.issuer, job.document_number, "C1", render_one(job).path,
                      "9000", "BE", "Name")
            for n, job in enumerate(make_jobs(count, tmp))
        ]  # fmt: skip
        merge_pieces(pieces[:10], io.BytesIO(), "warm")
        started = time.process_time()
        merge_pieces(pieces, io.BytesIO(), "bench")
        return 1000 * (time.process_time() - started) / count


def floor_record(count: int) -> float:
    from domain.records import RenderedDocument
    from tasks.renditions import record_renditions
    from warehouse.store import open_writer

    rendered = [
        RenderedDocument("DL5", f"2026-{n:07d}", f"pdf/DL5/2026/{n}.pdf", "ab" * 32, 2, 40_000)
        for n in range(count)
    ]
    with tempfile.TemporaryDirectory() as tmp, open_writer(Path(tmp) / "w.duckdb", "bench") as con:
        batches = [rendered[i : i + 2000] for i in range(0, count, 2000)]
        record_renditions(con, rendered[:1], Path(tmp), "warm", "bench", variant="warm")
        started = time.process_time()
        for batch in batches:
            record_renditions(con, batch, Path(tmp), "bench", "bench")
        return 1000 * (time.process_time() - started) / count


def measure_floors(documents: int = 400) -> dict[str, float]:
    """CPU ms per document of each unit of work."""
    build, validate = floor_peppol(documents)
    return {
        "draw": floor_draw(documents * 2),
        "build": build,
        "validate": validate,
        "compose": floor_compose(documents * 2),
        "merge": floor_merge(documents),
        "record": floor_record(10_000),
    }


def night_floor_ms(floors: dict[str, float], mix: dict[str, float]) -> float:
    """The night's floor per document: every document drawn and recorded; Peppol
    documents built and validated; digests composed; letters drawn (counted as draws);
    paper pieces (documents and letters) merged into the print files."""
    return (
        floors["draw"] * (1 + mix["letters"])
        + floors["merge"] * mix["print"]
        + (floors["build"] + floors["validate"]) * mix["peppol"]
        + floors["compose"] * mix["digests"]
        + floors["record"]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    args = parser.parse_args()
    floors = measure_floors(args.documents)
    print(json.dumps({k: round(v, 3) for k, v in floors.items()}, indent=2))


if __name__ == "__main__":
    main()
