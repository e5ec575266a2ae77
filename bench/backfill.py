"""Backfill benchmark (issue 5): seven years of history fully available, end to end.

    .venv/bin/python bench/backfill.py [--codes 10 100] [--workers 2] [--profile]

For each size: a fresh warehouse holding one active account with N customer codes and 7
years of monthly invoices per code (84 × N documents, none rendered yet), then the real
`backfill` flow (decide, copies, verify, render in the worker pool, publish, one "your
history is available" message to the Maildir outbox) is timed from the call to its
return. Setup and the Prefect ephemeral API start are timed apart. The raw reportlab
baseline of bench/render.py runs in the same process afterwards for comparison.
Target: 10 codes (840 documents) under 30 s on the 2-core build machine.

Peak memory: the flow process (RUSAGE_SELF) and the largest child (RUSAGE_CHILDREN:
the render workers, the compose pool), as ru_maxrss reports them.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from iportal.prefect_env import configure_prefect  # noqa: E402

configure_prefect()

import json  # noqa: E402

from bench.render import cpu_seconds, make_jobs  # noqa: E402
from tasks.render import draw_document  # noqa: E402
from warehouse.store import insert_rows, open_writer  # noqa: E402

AS_OF = date(2026, 11, 27)
YEARS = 7
EMAIL = "group.finance@example.be"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def monthly_dates(years: int) -> list[date]:
    """The 1st of each month, the last `years` × 12 months up to AS_OF's month."""
    months = []
    year, month = AS_OF.year, AS_OF.month
    for _ in range(years * 12):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(months)


def build_history(data_dir: Path, codes: int) -> int:
    """One active account with `codes` customer codes, 84 monthly invoices each."""
    days = monthly_dates(YEARS)
    jobs = make_jobs(codes * len(days), str(data_dir / "unused"))
    customers, documents, holdings = [], [], []
    for c in range(codes):
        issuer = "DL5" if c % 2 else "DL2"
        number = f"{9000000 + c:07d}"
        code = issuer + number
        customers.append({
            "customer_code": code, "issuer": issuer, "customer_number": number,
            "name": f"Groep Vennootschap {c} NV", "enterprise_number": None,
            "street": "Kerkstraat 1", "postal_code": "9000", "city": "Gent", "country": "BE",
            "language": "nl", "contract_start": date(2015, 1, 1), "contact_email": EMAIL,
            "contact_first_name": "An", "contact_last_name": "Peeters",
            "contact_language": "nl", "channel_choice": "portal", "updated_at": NOW,
            "source_sha256": "bench",
        })  # fmt: skip
        holdings.append({"customer_code": code, "account_id": "acc-bench", "added_at": NOW})
        for m, day in enumerate(days):
            d = jobs[c * len(days) + m].document
            documents.append({
                "issuer": issuer, "document_number": f"{day.year}-{c:03d}{m:04d}",
                "customer_code": code, "document_type": "invoice", "issue_date": day,
                "due_date": day.replace(day=28), "customer_number": number,
                "contract_number": d["contract_number"], "currency": "EUR",
                "lines": json.dumps(d["lines"]), "total_excl_vat": d["total_excl_vat"],
                "total_vat": d["total_vat"], "total_incl_vat": d["total_incl_vat"],
                "payment_reference": d["payment_reference"], "credited_document_number": None,
                "content_sha256": f"bench-{c}-{m}", "is_history": True,
                "source_file": "bench", "source_line": m, "ingested_at": NOW, "run_id": "bench",
            })  # fmt: skip
    with open_writer(data_dir / "warehouse.duckdb", "bench") as con:
        insert_rows(con, "customers", customers)
        insert_rows(con, "documents", documents)
        insert_rows(con, "accounts", [{
            "account_id": "acc-bench", "login_kind": "email", "login_id": EMAIL,
            "segment": "B2C", "status": "active", "created_at": NOW, "activated_at": NOW,
        }])  # fmt: skip
        insert_rows(con, "users", [{
            "user_id": "u-bench", "account_id": "acc-bench", "role": "main", "email": EMAIL,
            "first_name": "An", "last_name": "Peeters", "language": "nl", "status": "active",
            "created_at": NOW,
        }])  # fmt: skip
        insert_rows(con, "account_customer_codes", holdings)
    return len(documents)


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def measure_baseline(count: int) -> tuple[float, float]:
    """Raw draw_document in this process: documents per second and per CPU-second."""
    with tempfile.TemporaryDirectory() as tmp:
        jobs = make_jobs(count, tmp)
        started, cpu = time.perf_counter(), time.process_time()
        for job in jobs:
            draw_document(job)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return count / wall, count / cpu


def cpu_used() -> float:
    """CPU seconds of this process and of the render workers alive now (the kept pool:
    RUSAGE_CHILDREN only counts children that have ended)."""
    from tasks.render import _pools  # bench only: the workers' /proc entries

    pids = [pid for pool in _pools.values() for pid in list(pool._processes)]
    return time.process_time() + sum(cpu_seconds(pid) for pid in pids)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_one(codes: int, workers: int, profile: bool) -> dict:
    from flows.backfill import backfill

    data_dir = Path(tempfile.mkdtemp(prefix=f"iportal-bench-backfill-{codes}-"))
    started = time.perf_counter()
    documents = build_history(data_dir, codes)
    setup = time.perf_counter() - started
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started, cpu = time.perf_counter(), cpu_used()
    summary = backfill(account=EMAIL, as_of=AS_OF.isoformat(), data_dir=str(data_dir))
    wall, cpu = time.perf_counter() - started, cpu_used() - cpu
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    with open_writer(data_dir / "warehouse.duckdb", "bench") as con:
        available = con.execute(
            "SELECT count(*) FROM deliveries v JOIN renditions r USING (issuer, document_number) "
            "WHERE v.purpose = 'backfill' AND v.status = 'published' AND r.variant = 'original'"
        ).fetchall()[0][0]
    outbox = len(list((data_dir / "outbox" / "new").iterdir()))
    assert available == documents, (available, documents)  # every document fully available
    assert outbox == 1, outbox  # one "history available" message, not one per document
    print(
        f"{codes:>4} codes {documents:>6} documents: setup {setup:.1f} s, backfill {wall:.1f} s "
        f"({documents / wall:.0f} documents/s, {documents / cpu:.0f} per CPU-second), "
        f"rendered {summary['rendered']}, "
        f"published {summary['published']}, notices {summary['notices']['notices_sent']}"
    )
    return {"codes": codes, "documents": documents, "wall": wall, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the flow process")
    args = parser.parse_args()
    os.environ["IPORTAL_RENDER_WORKERS"] = str(args.workers)
    print(f"load average before: {load_average()}  ({os.cpu_count()} CPUs, {args.workers} workers)")
    from prefect.testing.utilities import prefect_test_harness

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=180):
        print(f"Prefect ephemeral API start: {time.perf_counter() - started:.1f} s (not timed)")
        results = [run_one(n, args.workers, args.profile) for n in args.codes]
    own, children = peak_rss_mb()
    baseline, baseline_cpu = measure_baseline(1000)
    print(f"peak RSS: flow process {own:.0f} MB, largest child {children:.0f} MB")
    for r in results:
        rate = r["documents"] / r["wall"]
        print(
            f"{r['codes']} codes: {rate:.0f} documents/s end to end = "
            f"{rate / (baseline * args.workers):.0%} of the raw baseline × {args.workers} "
            f"({baseline:.0f} documents/s per process); per CPU-second "
            f"{r['documents'] / r['cpu']:.0f} vs raw {baseline_cpu:.0f} "
            f"({r['documents'] / r['cpu'] / baseline_cpu:.0%}); target 840 in < 30 s: "
            f"{'met' if r['documents'] != 840 or r['wall'] < 30 else 'MISSED'}"
        )
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
