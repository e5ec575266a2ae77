"""The warehouse API: one writer at a time, readers on a snapshot (DESIGN rules 3, 8).

`open_writer` takes the OS writer lock, connects, applies pending migrations and the
views, and hands out a connection; callers wrap each batch in `transaction()`.
`refresh_snapshot` copies the database for analysts at the end of a run.
"""

from __future__ import annotations

import hashlib
import os
import re
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


def refresh_snapshot(database: Path, snapshot: Path, memory_limit: str | None = None) -> Path:
    """Copy the warehouse for readers; call while holding the writer lock, connection closed.

    Analysts query the snapshot, so a long query never blocks or breaks the night. The
    copy is made beside the snapshot and renamed over it only once complete: a refresh
    that dies halfway leaves the previous snapshot as it was (issue 21).
    """
    con = duckdb.connect(str(database))
    try:
        run_sql(con, "CHECKPOINT")
    finally:
        con.close()
    partial = snapshot.with_name(snapshot.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        # a crashed refresh's copy, and above all its WAL: DuckDB would replay that WAL
        # onto the fresh copy
        leftover.unlink(missing_ok=True)
    shutil.copyfile(database, partial)
    materialise_for_readers(partial, snapshot if snapshot.exists() else None, memory_limit)
    os.replace(partial, snapshot)
    return snapshot


@dataclass(frozen=True)
class Materialised:
    """How a view becomes a table in the snapshot (issues 6, 20) and is kept up to date
    there (issue 21). `keys` and `sums`: the view counts `sums` per `keys` (merged by
    adding what changed); no sums: one row per document, keyed by issuer and
    document_number (merged by replacing the touched documents' rows). `select`: the
    view's columns in its order, those computed from the sums with the view's formula."""

    order: str
    keys: tuple[str, ...] = ("issuer", "document_number")
    sums: tuple[str, ...] = ()
    select: str = ""


# view → its sort order as a table (zone maps then skip months a query filters out)
MATERIALISED_VIEWS = {
    "channel_mix_monthly": Materialised(
        "month, issuer, channel",
        ("issuer", "channel", "month", "source"),
        ("documents",),
        "issuer, channel, month, documents, source",
    ),
    "paper_share_monthly": Materialised(
        "month, issuer",
        ("issuer", "month"),
        ("documents", "paper_documents"),
        # warehouse/views/paper_share_monthly.sql's formula
        "issuer, month, documents, paper_documents, "
        "round(paper_documents / documents, 4) AS paper_share",
    ),
    "peppol_status_monthly": Materialised(
        "month, issuer, status",
        ("issuer", "month", "purpose", "status", "source"),
        ("documents",),
        "issuer, month, purpose, status, source, documents",
    ),
    "portal_first_reads": Materialised("issue_date, issuer, document_number"),
}
# Issue 21: every table the materialised views read, each with the timestamp or date
# that buckets its rows by day in the fingerprints; each row names its document.
FINGERPRINTED_TABLES = {
    "documents": "issue_date",
    "deliveries": "decided_at",
    "legacy_deliveries": "delivered_at",
    "peppol_messages": "updated_at",
    "document_reads": "first_read_at",
}
FINGERPRINT_SHARDS = 64  # per day: a late change marks ~1/64 of a day's documents
SNAPSHOT_FORMAT = 2  # raise when the code (not the SQL, in the key already) changes meaning


def snapshot_state_key() -> str:
    """What the previous snapshot's tables must have been made with for an incremental
    refresh; anything else (new views or migrations, another DuckDB, whose hash may
    differ) and the refresh rebuilds in full."""
    parts = [str(SNAPSHOT_FORMAT), duckdb.__version__, repr(MATERIALISED_VIEWS)]
    parts += [repr(FINGERPRINTED_TABLES), str(FINGERPRINT_SHARDS)]
    parts += [path.name for path in migration_files()]
    parts += [(VIEWS_DIR / f"{view}.sql").read_text() for view in MATERIALISED_VIEWS]
    parts += [path.read_text() for path in sorted(QUERIES_DIR.glob("snapshot_*.sql"))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def materialise_for_readers(
    snapshot: Path, previous: Path | None = None, memory_limit: str | None = None
) -> dict[str, str]:
    """In the snapshot copy, analyst views too slow to run live become tables (issue 6:
    channel_mix_monthly; issue 20: the views over every delivery). With the previous
    snapshot at hand, made the same way, only the documents whose rows changed since are
    computed again (issue 21: the nightly refresh at 10^7 deliveries); else every
    document. Each view in its own transaction: if one fails that view stays a view,
    slower, never broken. Returns how each view became a table: merged or rebuilt."""
    con = duckdb.connect(str(snapshot))
    done = {}
    try:
        configure_reads(con, memory_limit)
        home = run_sql(con, "SELECT current_database()")[0][0]
        touched = find_touched_documents(con, home, previous)
        present = {row[0] for row in run_sql(con, "SELECT view_name FROM duckdb_views()")}
        for view, spec in MATERIALISED_VIEWS.items():
            order = spec.order
            if view not in present:
                continue
            if touched and merge_view(con, home, view, spec):
                done[view] = "merged"
                continue
            try:
                with transaction(con):
                    run_sql(con, load_sql("snapshot_materialise").format(view=view, order=order))
            except duckdb.Error:
                continue
            done[view] = "rebuilt"
    finally:
        con.close()
    return done


def configure_reads(con: duckdb.DuckDBPyConnection, memory_limit: str | None) -> None:
    """UTC (fingerprint days must not depend on the process's zone); DuckDB's memory
    bounded when set (it spills to disk beyond: docs/analysts.md, issue 21)."""
    run_sql(con, "SET TimeZone = 'UTC'")
    if memory_limit:
        run_sql(con, f"SET memory_limit = {quote(memory_limit)}")


def quote(text: str) -> str:
    """A SQL string literal (settings and paths, in statements that take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def find_touched_documents(
    con: duckdb.DuckDBPyConnection, home: str, previous: Path | None
) -> bool:
    """Fingerprint this snapshot's tables (kept in it for the next refresh) and, when
    the previous snapshot was made the same way, attach it as `previous` and list in
    temp table touched_documents every document with a row that changed. False: no
    usable previous snapshot, rebuild in full."""
    key = snapshot_state_key()
    try:
        record_fingerprints(con, key)
        return previous is not None and compare_with_previous(con, home, previous, key)
    except duckdb.Error:
        return False  # never a broken snapshot: a full rebuild, slower


def record_fingerprints(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """One transaction: a snapshot has its state key only with all its fingerprints."""
    with transaction(con):
        run_sql(con, "CREATE TABLE snapshot_state (key VARCHAR, refreshed_at TIMESTAMPTZ)")
        run_sql(
            con,
            "CREATE TABLE snapshot_fingerprints (table_name VARCHAR, day DATE, "
            "shard UBIGINT, rows BIGINT, fingerprint HUGEINT)",
        )
        for table, day in FINGERPRINTED_TABLES.items():
            columns = ", ".join(f"t.{name}" for name in fingerprinted_columns(con, table))
            run_sql(
                con,
                load_sql("snapshot_fingerprints").format(
                    table=table, day=day, shards=FINGERPRINT_SHARDS, columns=columns
                ),
            )
        run_sql(con, "INSERT INTO snapshot_state VALUES (?, now())", [key])


def fingerprinted_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of `table` whose name appears in a materialised view's SQL: the views
    read no other (every column if one selects `*`), and hashing a document's invoice
    lines too would double the refresh's fingerprint time. A new or edited view changes
    the state key, so its first refresh rebuilds in full."""
    sql = "\n".join((VIEWS_DIR / f"{view}.sql").read_text() for view in MATERIALISED_VIEWS)
    sql = re.sub(r"--[^\n]*", "", sql).lower()
    names = [
        row[0]
        for row in run_sql(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        )
    ]
    if "*" in sql.replace("count(*)", ""):
        return names
    words = set(re.findall(r"[a-z_][a-z0-9_]*", sql))
    return [name for name in names if name in words]


def compare_with_previous(
    con: duckdb.DuckDBPyConnection, home: str, previous: Path, key: str
) -> bool:
    run_sql(con, f"ATTACH {quote(str(previous))} AS previous (READ_ONLY)")
    made = run_sql(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' "
        "AND table_name IN ('snapshot_state', 'snapshot_fingerprints')",
    )[0][0]
    if made < 2 or run_sql(con, "SELECT key FROM previous.snapshot_state") != [(key,)]:
        return False
    run_sql(con, load_sql("snapshot_dirty_buckets"))
    run_sql(con, "CREATE TEMP TABLE touched_documents (issuer VARCHAR, document_number VARCHAR)")
    for table, day in FINGERPRINTED_TABLES.items():
        for source in ("previous", home):
            run_sql(
                con,
                load_sql("snapshot_touched_documents").format(
                    source=source, table=table, day=day, shards=FINGERPRINT_SHARDS
                ),
            )
    touched, documents = run_sql(
        con, "SELECT (SELECT count(*) FROM touched_documents), (SELECT count(*) FROM documents)"
    )[0]
    # beyond a tenth of the documents (a large backfill, a migration rewriting a column)
    # the per-document merge costs more than computing the views again
    return touched <= max(documents // 10, 1000)


def build_worlds(con: duckdb.DuckDBPyConnection, home: str) -> None:
    """The touched documents' rows before (previous snapshot) and after (this one), each
    in an in-memory database of its own: `world_before` and `world_after`."""
    for world, source in (("world_before", "previous"), ("world_after", home)):
        run_sql(con, f"ATTACH IF NOT EXISTS ':memory:' AS {world}")
        for table in FINGERPRINTED_TABLES:
            run_sql(
                con,
                load_sql("snapshot_world_table").format(world=world, source=source, table=table),
            )


def view_over_world(con: duckdb.DuckDBPyConnection, home: str, view: str) -> None:
    """temp tables world_before_<view> and world_after_<view>: the view's own SQL run
    over each world."""
    sql = (VIEWS_DIR / f"{view}.sql").read_text()
    for world in ("world_before", "world_after"):
        run_sql(con, f"USE {world}")
        try:
            run_sql(con, sql)
            run_sql(con, f"CREATE TEMP TABLE {world}_{view} AS SELECT * FROM {world}.{view}")
        finally:
            run_sql(con, f"USE {home}")


def merge_view(con: duckdb.DuckDBPyConnection, home: str, view: str, spec: Materialised) -> bool:
    """Bring the previous snapshot's table of `view` up to date with the touched
    documents; False when it cannot (then the view is rebuilt in full)."""
    had = run_sql(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' AND table_name = ?",
        [view],
    )[0][0]
    if not had:
        return False
    try:
        worlds = "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'world_after'"
        if not run_sql(con, worlds)[0][0]:
            build_worlds(con, home)
        view_over_world(con, home, view)
        with transaction(con):
            run_sql(con, merge_statement(view, spec))
    except duckdb.Error:
        return False
    return True


def merge_statement(view: str, spec: Materialised) -> str:
    if not spec.sums:
        return load_sql("snapshot_merge_rows").format(view=view, order=spec.order)
    return load_sql("snapshot_merge_counts").format(
        view=view,
        keys=", ".join(spec.keys),
        sums=", ".join(spec.sums),
        negated=", ".join(f"-{name} AS {name}" for name in spec.sums),
        summed=", ".join(f"sum({name})::BIGINT AS {name}" for name in spec.sums),
        nonzero=" OR ".join(f"sum({name}) <> 0" for name in spec.sums),
        select=spec.select,
        order=spec.order,
    )


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
