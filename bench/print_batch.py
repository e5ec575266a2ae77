"""Benchmark the print-batch builder against a plain pikepdf concatenation.

    .venv/bin/python bench/print_batch.py [--pieces 5000] [--max-pieces-per-file 5000]
                                          [--workdir DIR] [--no-baseline]

Generates N one- or two-page reportlab invoices (in worker processes), then times, each
in a fresh process so that its peak RSS (getrusage ru_maxrss) is its own:

- builder:  tasks.print_batch.build_print_batch (sort, duplex padding, parts, manifest,
            READY, fsync);
- baseline: the same files in the same order through `Pdf.pages.extend` into one PDF,
            no padding, no manifest (what a first try at merging looks like).

With --workdir the sources are kept and reused by the next run of the same size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

COUNTRIES = ["BE"] * 17 + ["NL", "FR", "LU", "DE"]  # mostly domestic mail, as at night


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _render(args: tuple[str, int, int]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path, n, pages = args
    c = canvas.Canvas(path, pagesize=A4, invariant=1)
    for p in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(56, 780, f"Invoice 2026-{n:07d}  DOC {n} PAGE {p}")
        c.setFont("Helvetica", 9)
        for i in range(30):
            c.drawString(56, 740 - 14 * i, f"Lease contract C-{n:06d} line {i}  612.40  21%")
        c.showPage()
    c.save()


def generate(src: Path, count: int, workers: int) -> Path:
    """Sources plus pieces.jsonl (the MailPiece fields); reused if already complete."""
    spec = src / "pieces.jsonl"
    if spec.exists() and sum(1 for _ in spec.open()) == count:
        return spec
    src.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261126)
    jobs, rows = [], []
    for n in range(count):
        pages = rng.choice((1, 1, 2))  # most invoices fit on one page
        country = rng.choice(COUNTRIES)
        path = str(src / f"doc{n:07d}.pdf")
        jobs.append((path, n, pages))
        rows.append(
            {
                "piece_id": f"DL5/2026-{n:07d}/paper/original",
                "issuer": "DL5",
                "document_number": f"2026-{n:07d}",
                "customer_code": f"DL5{rng.randrange(10**7):07d}",
                "pdf_path": path,
                "postal_code": str(rng.randrange(1000, 10000)),
                "country": country,
                "name": f"Customer {n}",
            }
        )
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_render, jobs, chunksize=64))
    spec.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return spec


def measure(kind: str, spec: Path, out: Path, max_per_file: int) -> dict:
    """Runs in its own process; returns figures as a dict."""
    import pikepdf

    from tasks.print_batch import MailPiece, build_print_batch, order_mail_pieces
    from tasks.print_batch.merge import SAVE_OPTIONS

    pieces = [MailPiece(**json.loads(line)) for line in spec.open()]
    rss_before = _peak_rss_mb()
    start = time.perf_counter()
    if kind == "builder":
        batch = build_print_batch(pieces, out, "BENCH-DL5", "DL5", max_pieces_per_file=max_per_file)
        pages, files = batch.pages, [p.path for p in batch.parts]
        extra = {"sheets": batch.sheets, "parts": len(batch.parts)}
    else:
        out.mkdir(parents=True, exist_ok=True)
        pdf = pikepdf.Pdf.new()
        for piece in order_mail_pieces(pieces):
            with pikepdf.open(piece.pdf_path) as src:
                pdf.pages.extend(src.pages)
        pages = len(pdf.pages)
        files = [out / "baseline.pdf"]
        pdf.save(files[0], **SAVE_OPTIONS)
        pdf.close()
        extra = {}
    seconds = time.perf_counter() - start
    return {
        "kind": kind,
        "pieces": len(pieces),
        "pages": pages,
        "seconds": seconds,
        "pieces_per_s": len(pieces) / seconds,
        "pages_per_s": pages / seconds,
        "rss_before_mb": rss_before,
        "peak_rss_mb": _peak_rss_mb(),
        "output_mb": sum(f.stat().st_size for f in files) / 1e6,
        **extra,
    }


def _run_child(kind: str, spec: Path, out: Path, max_per_file: int) -> dict:
    cmd = [sys.executable, __file__, "--_measure", kind, "--_spec", str(spec)]
    cmd += ["--_out", str(out), "--max-pieces-per-file", str(max_per_file)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from tasks.print_batch import MAX_PIECES_PER_FILE

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", type=int, default=5_000)
    parser.add_argument("--max-pieces-per-file", type=int, default=MAX_PIECES_PER_FILE)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", type=Path, help="keep sources here and reuse them")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    parser.add_argument("--_measure", choices=["builder", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--_spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._measure:  # child process
        print(json.dumps(measure(args._measure, args._spec, args._out, args.max_pieces_per_file)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        root = args.workdir or Path(tmp)
        src = root / f"src-{args.pieces}"
        t0 = time.perf_counter()
        spec = generate(src, args.pieces, args.workers)
        print(f"sources: {args.pieces} PDFs in {src} ({time.perf_counter() - t0:.1f} s)")
        kinds = ["builder"] + ([] if args.no_baseline else ["baseline"])
        for kind in kinds:
            r = _run_child(kind, spec, Path(tmp) / f"out-{kind}", args.max_pieces_per_file)
            what = (
                f"{r['parts']} file(s), {r['sheets']} sheets"
                if kind == "builder"
                else "1 file, no padding"
            )
            print(
                f"{kind:8}  {r['pieces']:>7} pieces {r['pages']:>7} pages  "
                f"{r['seconds']:7.2f} s  {r['pieces_per_s']:7.0f} pieces/s  "
                f"{r['pages_per_s']:7.0f} pages/s  peak RSS {r['peak_rss_mb']:6.0f} MB "
                f"(at start {r['rss_before_mb']:.0f})  {r['output_mb']:.1f} MB out, {what}"
            )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
    main()
