"""Parquet exports of the analyst views, partitioned by year and month (issue 6)."""

from __future__ import annotations

from pathlib import Path

from config import load_settings
from warehouse.store import configure_reads, open_reader, run_sql

# view → the timestamp or date that places a row in a year/month partition
EXPORTED_VIEWS = {
    "delivery_history": "decided_at",
    "notification_history": "sent_at",
    "consent_history": '"at"',
    "audit_log": '"at"',
    "channel_mix_monthly": "month",
    "paper_share_monthly": "month",  # issue 20
    "portal_first_reads": "issue_date",
    "digest_outcomes_monthly": "month",
    "peppol_status_monthly": "month",
    "quarantine_by_run": "started_at",
    "peppol_history": "decided_at",  # issue 21: was missing
}
# views with a `month` column of their own: partitioned by year only (see copy_statement)
MONTHLY_VIEWS = {view for view, moment in EXPORTED_VIEWS.items() if moment == "month"}


def copy_statement(view: str, moment: str, target: Path) -> str:
    """COPY … PARTITION_BY year (and month). The names are ours (EXPORTED_VIEWS), never
    user input; the path is quoted. channel_mix_monthly has a `month` column of its own
    (a DATE): it is partitioned by year only, so reading it back with
    hive_partitioning=true keeps that column instead of replacing it with a number."""
    partitions = "year" if view in MONTHLY_VIEWS else "year, month"
    month = "" if view in MONTHLY_VIEWS else f", coalesce(month({moment}), 0) AS month"
    path = str(target).replace(chr(39), chr(39) * 2)
    return (
        f"COPY (SELECT *, coalesce(year({moment}), 0) AS year{month} FROM {view}) "
        f"TO '{path}' (FORMAT parquet, PARTITION_BY ({partitions}), OVERWRITE_OR_IGNORE)"
    )


def existing_views(con) -> set[str]:
    """Views, and tables standing in for them (the snapshot materialises some)."""
    return {
        row[0]
        for row in run_sql(
            con,
            "SELECT view_name FROM duckdb_views() UNION SELECT table_name FROM duckdb_tables()",
        )
    }


def bound_memory(con, memory_limit: str) -> None:
    """Issue 21: stream instead of holding (4.8 GB peak at 10^7 deliveries before). The
    rows of a file need no order (each partition is a folder; readers sort), so DuckDB
    may write them as they come (preserve_insertion_order, DuckDB's "Tuning workloads"
    guide); memory_limit makes the joins spill to disk beyond it; a partitioned COPY
    flushes each thread's rows to their files every 100,000 rows, not 524,288."""
    configure_reads(con, memory_limit)
    run_sql(con, "SET preserve_insertion_order = false")
    run_sql(con, "SET partitioned_write_flush_threshold = 100000")


def export_parquet(data_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write each view to out_dir/<view>/year=YYYY/month=M/*.parquet; returns row counts."""
    settings = load_settings(data_dir)
    con = open_reader(settings.warehouse_path, settings.snapshot_path)
    counts = {}
    try:
        bound_memory(con, settings.analyst_memory_limit)
        present = existing_views(con)
        for view, moment in EXPORTED_VIEWS.items():
            if view not in present:
                continue
            target = out_dir / view
            target.mkdir(parents=True, exist_ok=True)
            run_sql(con, copy_statement(view, moment, target))
            counts[view] = run_sql(con, f"SELECT count(*) FROM {view}")[0][0]
    finally:
        con.close()
    return counts
