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


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending numbered migrations, one transaction each; returns those applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for path in migration_files():
        version = int(path.name[:3])
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text())
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, path.stem, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(path.stem)
    return applied


def apply_views(con: duckdb.DuckDBPyConnection) -> None:
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        con.execute(path.read_text())


def connect_writer(database: Path) -> duckdb.DuckDBPyConnection:
    database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    con.execute("SET TimeZone = 'UTC'")
    apply_migrations(con)
    apply_views(con)
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
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


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
        con.execute(f"{mode} INTO {table} ({columns}) SELECT {columns} FROM rows_batch")
    finally:
        con.unregister("rows_batch")
    return len(rows)


def refresh_snapshot(database: Path, snapshot: Path) -> Path:
    """Copy the warehouse for readers; call while holding the writer lock, connection closed.

    Analysts query the snapshot, so a long query never blocks or breaks the night.
    """
    con = duckdb.connect(str(database))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    partial = snapshot.with_name(snapshot.name + ".partial")
    shutil.copyfile(database, partial)
    os.replace(partial, snapshot)
    return snapshot


def open_reader(database: Path, snapshot: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the latest snapshot (or the warehouse if none yet)."""
    source = snapshot if snapshot.exists() else database
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {database}: run `iportal nightly` first")
    con = duckdb.connect(str(source), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con
