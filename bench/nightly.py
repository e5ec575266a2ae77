"""The whole night on N new documents (issue 2): documents/s end to end and peak RSS.

    .venv/bin/python bench/nightly.py [--documents 20000] [--workers 2]

One run: generate landing files with no history (not timed), start Prefect's
ephemeral API (timed apart), run the nightly flow (timed), then, for scale, the raw
reportlab baseline of bench/render.py on 1,000 documents in this process. The
end-to-end rate is compared with baseline × workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from iportal.prefect_env import configure_prefect  # noqa: E402

configure_prefect()

from bench.render import make_jobs  # noqa: E402
from tasks.generate import write_landing_files  # noqa: E402
from tasks.render import draw_document  # noqa: E402

TONIGHT_PER_CUSTOMER = 1.56  # measured: the generator bills ~1.56 contracts per customer


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def measure_baseline(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        jobs = make_jobs(count, tmp)
        started = time.perf_counter()
        for job in jobs:
            draw_document(job)
        return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="data dir to keep (default: temporary)")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="iportal-bench-"))
    os.environ["IPORTAL_RENDER_WORKERS"] = str(args.workers)
    customers = max(1, round(args.documents / TONIGHT_PER_CUSTOMER))
    generated = write_landing_files(data_dir / "landing", customers, 0, 7, date(2026, 11, 27))
    print(f"{generated.tonight_documents} new documents for {customers} customers in {data_dir}")

    from prefect.testing.utilities import prefect_test_harness

    from flows.nightly import nightly

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=180):
        api_start = time.perf_counter() - started
        started = time.perf_counter()
        summary = nightly(as_of="2026-11-27", data_dir=str(data_dir))
        night = time.perf_counter() - started
    own, children = peak_rss_mb()
    baseline = measure_baseline(1000)
    rate = generated.tonight_documents / night
    print(f"Prefect ephemeral API start: {api_start:.1f} s (not in the night's time)")
    print(f"steps (s): {summary['timings_seconds']}")
    print(f"nightly end to end: {night:.1f} s, {rate:.0f} documents/s")
    print(f"peak RSS: flow process {own:.0f} MB, largest child {children:.0f} MB")
    print(
        f"raw reportlab baseline: {baseline:.0f} documents/s per process; "
        f"end to end = {rate / (baseline * args.workers):.0%} of baseline × {args.workers}"
    )


if __name__ == "__main__":
    main()
