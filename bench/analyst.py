"""Analyst queries at scale (issues 6 and 20): 10,000,000 deliveries, seven years.

    .venv/bin/python bench/analyst.py [--deliveries 10000000] [--workdir DIR] [--repeat 5]

1. builds a warehouse straight in SQL (generate_series, not through the pipeline):
   documents issued over seven years by two issuers; those of the first six years are
   history with one *legacy* delivery each (legacy_deliveries, issue 20: paper falling
   year by year), those of the last year one pipeline original on four channels; 2 in
   10 documents also get a backfill or duplicate portal delivery; plus portal reads,
   digests, Peppol messages and quarantine rows for the issue-20 views; kept in
   --workdir and reused (delete it to rebuild);
2. refreshes the analysts' snapshot as a run's end does (warehouse.store.refresh_snapshot,
   which materialises the heavy views), then adds a night (a day of new documents, old
   documents backfilled and read, old Peppol deliveries failed) and refreshes again
   (issue 21: that refresh, the nightly one, is the one with a target: 10 s);
3. times `SELECT * FROM channel_mix_monthly` and each issue-20 view's example query of
   docs/analysts.md through `iportal sql`'s own function (iportal.analyst.run_query, on
   the snapshot), best and median of --repeat, target < 0.5 s each;
4. times `iportal export --parquet` (iportal.export.export_parquet) of every view, in a
   process of its own whose peak RSS (VmHWM) it prints (issue 21: ≤ 1 GiB);
5. prints rows/s, the bench process's peak RSS and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

YEARS = 7
FIRST_DAY = "2019-12-01"  # seven years before the bench's as_of (2026-11-30)
GO_LIVE = "2025-12-01"  # documents issued before it are history, delivered by the legacy system
# the issue-20 views, each with its example query of docs/analysts.md
VIEW_QUERIES = {
    "channel_mix_monthly": f"SELECT * FROM channel_mix_monthly WHERE month >= DATE '{FIRST_DAY}'",
    "paper_share_monthly": "SELECT issuer, year(month) AS year, "
    "round(100 * sum(paper_documents) / sum(documents), 1) AS paper_pct "
    "FROM paper_share_monthly GROUP BY ALL ORDER BY issuer, year",
    "portal_first_reads": "SELECT date_trunc('month', issue_date) AS month, count(*) AS "
    "published, count(first_read_at) AS read, median(hours_to_first_read) / 24 AS "
    "median_days FROM portal_first_reads WHERE NOT backfilled GROUP BY ALL ORDER BY month",
    "digest_outcomes_monthly": "SELECT month, digests, hard_bounces, bounce_rate FROM "
    "digest_outcomes_monthly WHERE bounce_rate > 0.02 ORDER BY month DESC",
    "peppol_status_monthly": "SELECT month, status, sum(documents) AS documents FROM "
    "peppol_status_monthly WHERE month >= DATE '2026-01-01' GROUP BY ALL ORDER BY ALL",
    "quarantine_by_run": "SELECT started_at::DATE AS night, source, reason, rows FROM "
    "quarantine_by_run ORDER BY started_at DESC, rows DESC LIMIT 20",
    # a live view over every delivery (not materialised): shown, no target
    "delivery_history (live view)": "SELECT year(issue_date) AS year, channel, count(*) FROM "
    "delivery_history WHERE source = 'legacy' GROUP BY ALL",
}


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
                'bench', 0, now(), 'bench',
                NULL, NULL, false  -- period_start, period_end, vat_category_inferred (011)
            FROM range({documents}) AS t(i)
            """,
        )
        run_sql(
            con,
            f"""
            INSERT INTO legacy_deliveries
            SELECT issuer, document_number,
                -- paper falls year by year: a document leaves paper when its hash bucket
                -- (0-99) is below 12 points per year since 2019
                CASE WHEN hash(document_number) % 100 >= (year(issue_date) - 2019) * 12
                     THEN 'paper'
                     ELSE (['portal', 'network', 'email', 'portal'])
                          [1 + (hash(customer_code) % 4)::BIGINT]
                END,
                'legacy', customer_code, issue_date::TIMESTAMPTZ + INTERVAL 30 HOUR,
                NULL, NULL, 'bench', 0, now(), 'bench'
            FROM documents WHERE issue_date < DATE '{GO_LIVE}'
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
                'original', customer_code,
                CASE WHEN hash(document_number) % 4 = 1 THEN 'published' ELSE 'dispatched' END,
                'bench', issue_date::TIMESTAMPTZ + INTERVAL 2 HOUR,
                issue_date::TIMESTAMPTZ + INTERVAL 3 HOUR,
                'bench-' || (issue_date - DATE '{GO_LIVE}')
            FROM documents WHERE issue_date >= DATE '{GO_LIVE}'
            UNION ALL
            SELECT issuer, document_number, 'portal',
                CASE WHEN hash(document_number) % 7 = 0 THEN 'duplicate' ELSE 'backfill' END,
                customer_code, 'published', 'bench',
                issue_date::TIMESTAMPTZ + INTERVAL 30 DAY,
                issue_date::TIMESTAMPTZ + INTERVAL 30 DAY, 'bench'
            FROM documents
            WHERE hash(document_number) % 10 < 2
            """,
        )
        add_issue_20_rows(con)
        run_sql(con, "CHECKPOINT")
    return time.perf_counter() - started


def add_issue_20_rows(con) -> None:
    """Reads of 6 in 10 portal documents, a digest per 10 documents, Peppol messages,
    30 nights with quarantine rows: what the issue-20 views read besides deliveries."""
    from warehouse.store import run_sql

    run_sql(
        con,
        "INSERT INTO document_reads SELECT 'P' || (hash(document_number) % 3), "
        "issuer, document_number, min(dispatched_at) + INTERVAL "
        "(hash(document_number) % 900) HOUR FROM deliveries WHERE channel = 'portal' "
        "AND hash(document_number) % 10 < 6 GROUP BY issuer, document_number",
    )
    run_sql(
        con,
        """
        INSERT INTO digests
        SELECT 'd' || i, 'p' || (i % 50000) || '@example.be', 'immediate', 'p' || i,
               'p' || (i % 50000) || '@example.be', 'U' || (i % 50000), 'main', 'nl',
               1 + i % 5, ['DL5' || (i % 50000)], false, '<' || i || '@x>', NULL, false,
               (['sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'soft_bounce', 'hard_bounce',
                 'failed', 'sent'])[1 + i % 10],
               1, NULL, NULL, TIMESTAMPTZ '2019-12-01' + INTERVAL (i % 61000) HOUR,
               TIMESTAMPTZ '2019-12-01' + INTERVAL (i % 61000) HOUR, true, 'bench'
        FROM range((SELECT count(*) // 10 FROM documents)) AS t(i)
        """,
    )
    run_sql(
        con,
        "INSERT INTO peppol_messages (issuer, document_number, purpose, idempotency_key, status, "
        "document_type, access_point, run_id, updated_at) SELECT issuer, document_number, "
        "purpose, issuer || document_number, CASE WHEN hash(document_number) % 50 = 0 THEN "
        "'failed_validation' ELSE 'dispatched' END, 'Invoice', 'outbox', run_id, decided_at "
        "FROM deliveries WHERE channel = 'peppol'",
    )
    run_sql(
        con,
        "INSERT INTO runs (run_id, flow, as_of, started_at, finished_at, status, summary) "
        f"SELECT DISTINCT run_id, 'nightly', DATE '{GO_LIVE}' + CAST(substr("
        "run_id, 7) AS INTEGER), DATE '" + GO_LIVE + "' + CAST(substr(run_id, 7) AS INTEGER), "
        "NULL, 'completed', NULL FROM deliveries WHERE run_id LIKE 'bench-%'",
    )
    run_sql(
        con,
        "INSERT INTO quarantine SELECT 'f' || (i % 400), 'documents.jsonl', i, "
        "(['totals_mismatch', 'bad_date', 'unknown_customer', 'bad_legacy_channel'])"
        "[1 + i % 4], 'bench', NULL, 'bench-' || (i % 360), now() FROM range(40000) AS t(i)",
    )


def add_night(data_dir: Path) -> dict:
    """What a night adds and changes (issue 21: the refresh after it is timed): a day of
    new documents after the last issue date (one in 365 of a year's) with their original
    deliveries, portal backfills and reads of 2,000 old documents, and a status change of
    old Peppol deliveries (late rows in months long closed)."""
    from warehouse.store import open_writer, run_sql

    with open_writer(data_dir / "warehouse.duckdb", "bench") as con:
        day, night = run_sql(
            con, "SELECT max(issue_date) + 1, count(DISTINCT issue_date) FROM documents"
        )[0]
        per_day = run_sql(con, "SELECT count(*) // (365 * 7) FROM documents")[0][0]
        run_sql(
            con,
            f"""
            INSERT INTO documents BY NAME
            SELECT issuer, printf('N%05d-%07d', {night}, i) AS document_number,
                   customer_code, document_type, DATE '{day}' AS issue_date, due_date,
                   customer_number, contract_number, currency, lines, total_excl_vat,
                   total_vat, total_incl_vat, payment_reference, credited_document_number,
                   content_sha256, false AS is_history, source_file, i AS source_line,
                   now() AS ingested_at, 'night-{night}' AS run_id
            FROM (SELECT *, row_number() OVER () AS i FROM documents LIMIT {per_day})
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
                'original', customer_code, 'dispatched', 'bench', now(), now(), 'night-{night}'
            FROM documents WHERE issue_date = DATE '{day}'
            UNION ALL
            SELECT issuer, document_number, 'portal', 'backfill', customer_code, 'published',
                'bench', now(), now(), 'night-{night}'
            FROM documents
            WHERE issue_date < DATE '{day}' - 400 AND hash(document_number || '{night}') % 4000 = 0
            ON CONFLICT DO NOTHING
            """,
        )
        run_sql(
            con,
            f"UPDATE deliveries SET status = 'failed', reason = 'bench night {night}' "
            f"WHERE channel = 'peppol' AND hash(document_number || '{night}') % 10000 = 0",
        )
        changed = run_sql(
            con, f"SELECT count(*) FILTER (WHERE run_id = 'night-{night}'), "
            f"count(*) FILTER (WHERE reason = 'bench night {night}') FROM deliveries"
        )[0]  # fmt: skip
    return {"day": day, "new_documents": per_day, "deliveries_added": changed[0],
            "status_changed": changed[1]}  # fmt: skip


def export_in_child(data_dir: Path, out: Path) -> None:
    """`iportal export --parquet` alone in this process: its own peak RSS (issue 21)."""
    from iportal.export import export_parquet

    started = time.perf_counter()
    counts = export_parquet(data_dir, out)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    exported = sum(counts.values())
    print(f"export --parquet: {exported:,} rows in {seconds:.1f} s "
          f"({exported / seconds:,.0f} rows/s, {size / 2**20:,.0f} MiB), "
          f"peak RSS of the export process {peak_rss_mb():,.0f} MB: {counts}")  # fmt: skip


def count_rows(data_dir: Path) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return (
            con.execute("SELECT count(*) FROM documents").fetchall()[0][0],
            con.execute("SELECT count(*) FROM deliveries").fetchall()[0][0]
            + con.execute("SELECT count(*) FROM legacy_deliveries").fetchall()[0][0],
        )
    finally:
        con.close()


def time_query(data_dir: Path, query: str, repeat: int) -> tuple[list[float], int]:
    from iportal.analyst import run_query

    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = run_query(data_dir, query, snapshot=True)  # analysts read the snapshot
        times.append(time.perf_counter() - started)
        rows = len(result.rows)
    return times, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iportal-bench-analyst"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--export-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = args.workdir / f"deliveries-{args.deliveries}"
    if args.export_only:
        export_in_child(data_dir, args.export_only)
        return
    print(f"load average before: {os.getloadavg()}")
    if not (data_dir / "warehouse.duckdb").exists():
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        seconds = build(data_dir, args.deliveries)
        print(f"built in {seconds:.1f} s")
    documents, deliveries = count_rows(data_dir)
    print(f"warehouse: {documents:,} documents, {deliveries:,} deliveries (legacy included) "
          f"({(data_dir / 'warehouse.duckdb').stat().st_size / 2**20:,.0f} MiB)")  # fmt: skip

    from config.settings import load_settings
    from warehouse.lock import writer_lock
    from warehouse.store import open_writer, refresh_snapshot

    limit = load_settings(data_dir).analyst_memory_limit  # as the flows refresh (issue 21)

    with open_writer(data_dir / "warehouse.duckdb", "bench"):
        pass  # migrations and views of this checkout
    started = time.perf_counter()
    with writer_lock(data_dir / "warehouse.duckdb", "bench", 60):
        refresh_snapshot(data_dir / "warehouse.duckdb", data_dir / "snapshot.duckdb", limit)
    print(f"snapshot refreshed in {time.perf_counter() - started:.1f} s (first of this process)")
    night = add_night(data_dir)
    started = time.perf_counter()
    with writer_lock(data_dir / "warehouse.duckdb", "bench", 60):
        refresh_snapshot(data_dir / "warehouse.duckdb", data_dir / "snapshot.duckdb", limit)
    print(f"snapshot refreshed after a night in {time.perf_counter() - started:.1f} s: {night}")

    for view, query in VIEW_QUERIES.items():
        times, rows = time_query(data_dir, query, args.repeat)
        best, median = min(times), statistics.median(times)
        verdict = "met" if best < 0.5 else "MISSED"
        target = "no target" if "live view" in view else f"target < 0.5 s: {verdict}"
        print(f"{view}: {rows} rows, best {best:.3f} s, median {median:.3f} s; {target}")

    out = args.workdir / "export"
    shutil.rmtree(out, ignore_errors=True)
    # its own process: the bench's refresh and queries above count in this one's RSS
    subprocess.run(
        [sys.executable, __file__, "--export-only", str(out), "--workdir", str(args.workdir),
         "--deliveries", str(args.deliveries)],
        check=True,
    )  # fmt: skip
    print(f"peak RSS {peak_rss_mb():,.0f} MB; load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
