"""Analyst queries at scale (issue 6): 10,000,000 deliveries, seven years.

    .venv/bin/python bench/analyst.py [--deliveries 10000000] [--workdir DIR] [--repeat 5]

1. builds a warehouse straight in SQL (generate_series, not through the pipeline): 8
   documents in 10 have one original delivery, the others two (an original and a
   backfill or duplicate), issued over seven years by two issuers on four channels;
   kept in --workdir and reused (delete it to rebuild);
2. refreshes the analysts' snapshot as a run's end does (warehouse.store.refresh_snapshot);
3. times `SELECT * FROM channel_mix_monthly` (seven years) through `iportal sql`'s own
   function (iportal.analyst.run_query, on the snapshot), best and median of --repeat,
   target < 0.5 s;
4. times `iportal export --parquet` (iportal.export.export_parquet) of every view;
5. prints rows/s, peak RSS (VmHWM) and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

YEARS = 7
FIRST_DAY = "2019-12-01"  # seven years before the bench's as_of (2026-11-30)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build(data_dir: Path, deliveries: int) -> float:
    """Documents and deliveries in bulk SQL; returns seconds."""
    from warehouse.store import open_writer, run_sql

    documents = deliveries * 10 // 12  # 8 in 10 documents once, 2 in 10 twice
    started = time.perf_counter()
    with open_writer(data_dir / "warehouse.duckdb", "bench") as con:
        run_sql(
            con,
            f"""
            INSERT INTO documents
            SELECT
                CASE WHEN i % 3 = 0 THEN 'DL2' ELSE 'DL5' END AS issuer,
                printf('%d-%09d', 2019 + i * {YEARS} // {documents}, i) AS document_number,
                printf('%s%07d', CASE WHEN i % 3 = 0 THEN 'DL2' ELSE 'DL5' END, i % 400000),
                CASE WHEN i % 17 = 0 THEN 'credit_note' ELSE 'invoice' END,
                DATE '{FIRST_DAY}' + CAST(i * ({YEARS} * 365) // {documents} AS INTEGER),
                NULL, printf('%07d', i % 400000), 'C-1', 'EUR', '[]',
                (i % 90000) / 100, 0, (i % 90000) / 100, NULL, NULL, 'x', false,
                'bench', 0, now(), 'bench'
            FROM range({documents}) AS t(i)
            """,
        )
        run_sql(
            con,
            f"""
            INSERT INTO deliveries
                (issuer, document_number, channel, purpose, customer_code, status, reason,
                 decided_at, dispatched_at, run_id)
            SELECT issuer, document_number,
                (['paper', 'portal', 'network', 'peppol'])[1 + (hash(document_number) % 4)::BIGINT],
                'original', customer_code, 'dispatched', 'bench',
                issue_date::TIMESTAMPTZ + INTERVAL 2 HOUR,
                issue_date::TIMESTAMPTZ + INTERVAL 3 HOUR, 'bench'
            FROM documents
            UNION ALL
            SELECT issuer, document_number, 'portal',
                CASE WHEN hash(document_number) % 7 = 0 THEN 'duplicate' ELSE 'backfill' END,
                customer_code, 'published', 'bench',
                issue_date::TIMESTAMPTZ + INTERVAL 30 DAY, NULL, 'bench'
            FROM documents
            WHERE hash(document_number) % 10 < 2
            LIMIT {deliveries}
            """,
        )
        run_sql(con, "CHECKPOINT")
    return time.perf_counter() - started


def count_rows(data_dir: Path) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return (
            con.execute("SELECT count(*) FROM documents").fetchall()[0][0],
            con.execute("SELECT count(*) FROM deliveries").fetchall()[0][0],
        )
    finally:
        con.close()


def time_channel_mix(data_dir: Path, repeat: int) -> tuple[list[float], int]:
    from iportal.analyst import run_query

    query = f"SELECT * FROM channel_mix_monthly WHERE month >= DATE '{FIRST_DAY}'"
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = run_query(data_dir, query)
        times.append(time.perf_counter() - started)
        rows = len(result.rows)
    return times, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iportal-bench-analyst"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = args.workdir / f"deliveries-{args.deliveries}"
    print(f"load average before: {os.getloadavg()}")
    if not (data_dir / "warehouse.duckdb").exists():
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        seconds = build(data_dir, args.deliveries)
        print(f"built in {seconds:.1f} s")
    documents, deliveries = count_rows(data_dir)
    print(f"warehouse: {documents:,} documents, {deliveries:,} deliveries "
          f"({(data_dir / 'warehouse.duckdb').stat().st_size / 2**20:,.0f} MiB)")  # fmt: skip

    from warehouse.lock import writer_lock
    from warehouse.store import open_writer, refresh_snapshot

    with open_writer(data_dir / "warehouse.duckdb", "bench"):
        pass  # migrations and views of this checkout
    started = time.perf_counter()
    with writer_lock(data_dir / "warehouse.duckdb", "bench", 60):
        refresh_snapshot(data_dir / "warehouse.duckdb", data_dir / "snapshot.duckdb")
    print(f"snapshot refreshed in {time.perf_counter() - started:.1f} s")

    times, rows = time_channel_mix(data_dir, args.repeat)
    best, median = min(times), statistics.median(times)
    print(f"channel_mix_monthly over {YEARS} years ({rows} rows from {deliveries:,} "
          f"deliveries): best {best:.3f} s, median {median:.3f} s "
          f"({deliveries / best / 1e6:,.1f} M deliveries/s); target < 0.5 s: "
          f"{'met' if best < 0.5 else 'MISSED'}")  # fmt: skip

    from iportal.export import export_parquet

    out = args.workdir / "export"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    counts = export_parquet(data_dir, out)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    exported = sum(counts.values())
    print(f"export --parquet: {exported:,} rows in {seconds:.1f} s "
          f"({exported / seconds:,.0f} rows/s, {size / 2**20:,.0f} MiB): {counts}")  # fmt: skip
    print(f"peak RSS {peak_rss_mb():,.0f} MB; load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
