"""Render scaling (issue 9): process pool vs local Dask cluster, 1 vs 2 workers.

    .venv/bin/python bench/render_scaling.py [--documents 4000]

The same synthetic invoices (bench/render.py) through render_documents, in one run:

  baseline        draw_document in a tight loop, this process, nothing written
  pool x1, x2     the render step's kept process pool (forkserver), warm
  dask x1, x2     a local Dask cluster (bench/local_cluster.py): scheduler and workers
                  as separate processes on 127.0.0.1, single-threaded, warm

Every variant writes the PDFs (atomic, to a temporary folder) and returns the results to
this process; figures are documents/s (wall) and the ratio to baseline x workers. The
baseline is measured before and after, so a change of the machine's load shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.local_cluster import local_cluster  # noqa: E402
from bench.render import make_jobs  # noqa: E402
from tasks.render import draw_document, render_documents, render_pool  # noqa: E402
from tasks.render.cluster import cluster_executor  # noqa: E402


def baseline(jobs) -> float:
    started = time.perf_counter()
    for job in jobs:
        draw_document(job)
    return len(jobs) / (time.perf_counter() - started)


def timed(jobs, workers: int, executor) -> float:
    render_documents(jobs[: workers * 4], workers, executor=executor)  # warm every worker
    started = time.perf_counter()
    results = render_documents(jobs, workers, executor=executor)
    assert len(results) == len(jobs)
    return len(jobs) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=4000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iportal-scaling-") as tmp:
        jobs = make_jobs(args.documents, tmp)
        for job in jobs[:20]:
            draw_document(job)
        load = os.getloadavg()[0]
        base = [baseline(jobs[:1500])]
        rates = {}
        for workers in (1, 2):
            pool = render_pool(workers)
            try:
                rates[f"pool x{workers}"] = (workers, timed(jobs, workers, pool))
            finally:
                pool.shutdown()
        for workers in (1, 2):
            with local_cluster(workers, Path(tmp) / f"dask{workers}") as address:
                executor, threads = cluster_executor(address)
                rates[f"dask x{workers}"] = (workers, timed(jobs, threads, executor))
        base.append(baseline(jobs[:1500]))
    mean = sum(base) / 2
    after = os.getloadavg()[0]
    print(f"{args.documents} invoices; {os.cpu_count()} CPUs; load {load:.1f} -> {after:.1f}; "
          f"baseline {base[0]:.0f} / {base[1]:.0f} documents/s")  # fmt: skip
    print(f"{'variant':<10} {'docs/s':>8} {'per worker':>10} {'vs baseline x workers':>22}")
    for name, (workers, rate) in rates.items():
        print(f"{name:<10} {rate:>8.0f} {rate / workers:>10.0f} {rate / (mean * workers):>22.2f}")


if __name__ == "__main__":
    main()
