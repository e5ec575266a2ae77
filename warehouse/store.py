"""The warehouse API: one writer at a time, readers on a snapshot (DESIGN rules 3, 8).

`open_writer` takes the OS writer lock, connects, applies pending migrations and the
views, and hands out a connection; callers wrap each batch in `transaction()`.
`refresh_snapshot` copies the database for analysts at the end of a run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.lock import writer_lock

HERE = Path(__file__).parent
MIGRATIONS_DIR = HERE / "migrations"
VIEWS_DIR = HERE / "views"
QUERIES_DIR = HERE / "queries"


@cache
def load_sql(name: str) -> str:
    """SQL lives in warehouse/queries/<name>.sql, one query per file."""
    return (QUERIES_DIR / f"{name}.sql").read_text()


def run_sql(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[tuple]:
    """Execute and drain: DuckDB 2 refuses new work while a result is left unread."""
    return con.execute(sql, params).fetchall()


def fetch_dicts(con: duckdb.DuckDBPyConnection, query: str, params=None) -> list[dict]:
    """Run warehouse/queries/<query>.sql and drain it into dicts (column name -> value)."""
    cursor = con.execute(load_sql(query), params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, batch: pa.Table) -> Iterator[None]:
    """`batch` visible to SQL as the view `name` inside the block, then gone (a batch
    meets the warehouse in one query, DESIGN rule 1)."""
    con.register(name, batch)
    try:
        yield
    finally:
        con.unregister(name)


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending numbered migrations, one transaction each; returns those applied."""
    run_sql(
        con,
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
    )
    done = {row[0] for row in run_sql(con, "SELECT version FROM schema_migrations")}
    applied = []
    for path in migration_files():
        version = int(path.name[:3])
        if version in done:
            continue
        run_sql(con, "BEGIN TRANSACTION")
        try:
            run_sql(con, path.read_text())
            run_sql(
                con,
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, path.stem, datetime.now(UTC)],
            )
            run_sql(con, "COMMIT")
        except Exception:
            run_sql(con, "ROLLBACK")
            raise
        applied.append(path.stem)
    return applied


def apply_views(con: duckdb.DuckDBPyConnection) -> None:
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        run_sql(con, path.read_text())


_migrated: set[Path] = set()


def connect_writer(database: Path) -> duckdb.DuckDBPyConnection:
    """Connect; migrations and views are checked once per database and process."""
    database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    run_sql(con, "SET TimeZone = 'UTC'")
    if database.resolve() not in _migrated:
        apply_migrations(con)
        apply_views(con)
        _migrated.add(database.resolve())
    return con


@contextmanager
def open_writer(
    database: Path, actor: str, timeout: float = 1800.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The only way to write: lock, connect, migrate; closed (and unlocked) after."""
    with writer_lock(database, actor, timeout):
        con = connect_writer(database)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One batch = one transaction: the state change and its audit events together."""
    run_sql(con, "BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        run_sql(con, "ROLLBACK")
        raise
    run_sql(con, "COMMIT")


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], mode: str = "INSERT"
) -> int:
    """Bulk insert through Arrow (never executemany: hundreds of rows/s vs ~10^6)."""
    if not rows:
        return 0
    batch = pa.Table.from_pylist(rows)
    columns = ", ".join(batch.column_names)
    con.register("rows_batch", batch)
    try:
        run_sql(con, f"{mode} INTO {table} ({columns}) SELECT {columns} FROM rows_batch")
    finally:
        con.unregister("rows_batch")
    return len(rows)


def refresh_snapshot(database: Path, snapshot: Path) -> Path:
    """Copy the warehouse for readers; call while holding the writer lock, connection closed.

    Analysts query the snapshot, so a long query never blocks or breaks the night.
    """
    con = duckdb.connect(str(database))
    try:
        run_sql(con, "CHECKPOINT")
    finally:
        con.close()
    partial = snapshot.with_name(snapshot.name + ".partial")
    shutil.copyfile(database, partial)
    materialise_for_readers(partial)
    os.replace(partial, snapshot)
    return snapshot


# view → its sort order as a table (zone maps then skip months a query filters out)
MATERIALISED_VIEWS = {
    "channel_mix_monthly": "month, issuer, channel",
    "paper_share_monthly": "month, issuer",
    "peppol_status_monthly": "month, issuer, status",
    "portal_first_reads": "issue_date, issuer, document_number",
}


def materialise_for_readers(snapshot: Path) -> list[str]:
    """In the snapshot copy, analyst views too slow to run live become tables (issue 6:
    channel_mix_monthly; issue 20: the views over every delivery). Each in its own
    transaction: if one fails that view stays a view, slower, never broken."""
    con = duckdb.connect(str(snapshot))
    done = []
    try:
        present = {row[0] for row in run_sql(con, "SELECT view_name FROM duckdb_views()")}
        for view, order in MATERIALISED_VIEWS.items():
            if view not in present:
                continue
            try:
                with transaction(con):
                    run_sql(con, load_sql("snapshot_materialise").format(view=view, order=order))
            except duckdb.Error:
                continue
            done.append(view)
    finally:
        con.close()
    return done


def open_reader(database: Path, snapshot: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the latest snapshot (or the warehouse if none yet)."""
    source = snapshot if snapshot.exists() else database
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {database}: run `iportal nightly` first")
    con = duckdb.connect(str(source), read_only=True)
    run_sql(con, "SET TimeZone = 'UTC'")
    return con


@dataclass
class ReadSource:
    """What an operator's read shows: the live warehouse, or the snapshot and why."""

    live: bool
    path: Path
    fresh_as_of: datetime
    why: str


@contextmanager
def open_operator_reader(
    database: Path, snapshot: Path
) -> Iterator[tuple[duckdb.DuckDBPyConnection, ReadSource]]:
    """Read-only connection to the live warehouse when no writer holds it (the writer
    lock is tried once, not waited for, and held while reading so no writer starts
    meanwhile), else to the snapshot, saying who holds the warehouse (issue 19)."""
    from filelock import FileLock, Timeout

    from warehouse.lock import describe_holder

    lock = FileLock(database.with_name(database.name + ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = describe_holder(database.with_name(database.name + ".holder"))
        why = f"the warehouse is being written by {holder}: showing the snapshot"
        with snapshot_reader(database, snapshot) as (con, source):
            yield con, replace(source, why=why)
        return
    try:
        if not database.exists():
            raise FileNotFoundError(f"no warehouse at {database}: run `iportal nightly` first")
        con = duckdb.connect(str(database), read_only=True)
        run_sql(con, "SET TimeZone = 'UTC'")
        try:
            yield con, ReadSource(True, database, datetime.now(UTC), "live warehouse")
        finally:
            con.close()
    finally:
        lock.release()


def modified_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


@contextmanager
def snapshot_reader(
    database: Path, snapshot: Path
) -> Iterator[tuple[duckdb.DuckDBPyConnection, ReadSource]]:
    con = open_reader(database, snapshot)
    source = snapshot if snapshot.exists() else database
    try:
        yield con, ReadSource(False, source, modified_at(source), "the snapshot, as asked")
    finally:
        con.close()
