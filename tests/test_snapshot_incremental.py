"""Issue 21: the snapshot refresh computes again only the documents whose rows changed
since the previous snapshot. After several runs (new documents, late deliveries of old
documents, a status change of an old delivery, a Peppol answer, a read, a purge) every
materialised table equals the live view on the warehouse; a refresh killed halfway leaves
the previous snapshot readable and the next refresh right; the Parquet export carries
peppol_history."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.dataset as ds

from iportal.export import export_parquet
from warehouse.store import (
    FINGERPRINTED_TABLES,
    MATERIALISED_VIEWS,
    VIEWS_DIR,
    insert_rows,
    materialise_for_readers,
    open_writer,
    refresh_snapshot,
    run_sql,
)

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
CHANNELS = ("paper", "portal", "network", "peppol")


def document(i: int, issued: date) -> dict:
    code = "DL50000001" if i % 2 else "DL20000002"
    return {
        "issuer": code[:3], "document_number": f"{issued.year}-{i:07d}", "customer_code": code,
        "document_type": "invoice", "issue_date": issued, "customer_number": code[3:],
        "currency": "EUR", "lines": "[]", "total_excl_vat": Decimal("100.00"),
        "total_vat": Decimal("21.00"), "total_incl_vat": Decimal("121.00"),
        "content_sha256": "x", "is_history": False, "source_file": "f", "source_line": i,
        "ingested_at": NOW, "run_id": "r",
    }  # fmt: skip


def delivery(doc: dict, channel: str, purpose: str = "original", status: str = "dispatched"):
    decided = datetime.combine(doc["issue_date"], datetime.min.time(), UTC) + timedelta(hours=2)
    return {
        "issuer": doc["issuer"], "document_number": doc["document_number"], "channel": channel,
        "purpose": purpose, "customer_code": doc["customer_code"], "status": status,
        "reason": "test", "decided_at": decided, "dispatched_at": decided, "run_id": "r",
    }  # fmt: skip


def legacy(doc: dict, channel: str) -> dict:
    at = datetime.combine(doc["issue_date"], datetime.min.time(), UTC) + timedelta(hours=30)
    return {
        "issuer": doc["issuer"], "document_number": doc["document_number"], "channel": channel,
        "purpose": "legacy", "customer_code": doc["customer_code"], "delivered_at": at,
        "source_file": "f", "source_line": 1, "recorded_at": NOW, "run_id": "r",
    }  # fmt: skip


def message(doc: dict, status: str) -> dict:
    return {
        "issuer": doc["issuer"], "document_number": doc["document_number"],
        "purpose": "original", "idempotency_key": doc["document_number"], "status": status,
        "document_type": "Invoice", "access_point": "outbox", "run_id": "r", "updated_at": NOW,
    }  # fmt: skip


def read(doc: dict, reader: str, at: datetime) -> dict:
    return {"person_id": reader, "issuer": doc["issuer"],
            "document_number": doc["document_number"], "first_read_at": at}  # fmt: skip


def history(count: int, first: date) -> list[dict]:
    """Documents every 11 days from `first`: several per month, over a year or more."""
    return [document(i, first + timedelta(days=11 * i)) for i in range(count)]


def first_night(database: Path) -> list[dict]:
    old = history(40, date(2024, 1, 3))  # legacy-delivered history
    new = [document(100 + i, date(2025, 6, 2) + timedelta(days=11 * i)) for i in range(30)]
    with open_writer(database, "test") as con:
        insert_rows(con, "documents", old + new)
        insert_rows(con, "legacy_deliveries", [legacy(d, ("paper", "email")[i % 2])
                                               for i, d in enumerate(old)])  # fmt: skip
        insert_rows(con, "deliveries", [delivery(d, CHANNELS[i % 4]) for i, d in enumerate(new)])
        peppol = [d for i, d in enumerate(new) if i % 4 == 3]
        insert_rows(con, "peppol_messages", [message(d, "dispatched") for d in peppol])
        portal = [d for i, d in enumerate(new) if i % 4 == 1]
        insert_rows(con, "document_reads", [read(d, "a@x.be", NOW) for d in portal[:3]])
    return old + new


def live_views(database: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {
            view: run_sql(con, f"SELECT * FROM {view} ORDER BY ALL") for view in MATERIALISED_VIEWS
        }
    finally:
        con.close()


def snapshot_tables(snapshot: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        kinds = dict(run_sql(con, "SELECT table_name, 'table' FROM duckdb_tables()"))
        assert all(kinds.get(view) == "table" for view in MATERIALISED_VIEWS)
        return {
            view: run_sql(con, f"SELECT * FROM {view} ORDER BY ALL") for view in MATERIALISED_VIEWS
        }
    finally:
        con.close()


def refresh_paths(database: Path, snapshot: Path, scratch: Path) -> dict[str, str]:
    """How each view would be made from the current snapshot (merged, or rebuilt)."""
    shutil.copyfile(database, scratch)
    try:
        return materialise_for_readers(scratch, snapshot)
    finally:
        scratch.unlink()


def test_incremental_refreshes_equal_the_live_views_run_after_run(tmp_path):
    database, snapshot = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    docs = first_night(database)
    refresh_snapshot(database, snapshot)
    assert snapshot_tables(snapshot) == live_views(database)
    old, new = docs[:40], docs[40:]

    nights = [
        # a new day: documents and their deliveries, one by Peppol with its message
        lambda con: (
            insert_rows(con, "documents", extra := history(4, date(2026, 11, 26))),
            insert_rows(con, "deliveries", [delivery(d, CHANNELS[i]) for i, d in enumerate(extra)]),
            insert_rows(con, "peppol_messages", [message(extra[3], "sending")]),
        ),
        # late rows in months long closed: an old document backfilled in the portal and
        # read; a status change of an old delivery; a Peppol answer to an old message
        lambda con: (
            insert_rows(con, "deliveries", [delivery(old[5], "portal", "backfill", "published")]),
            insert_rows(con, "document_reads", [read(old[5], "b@x.be", NOW)]),
            run_sql(
                con,
                "UPDATE deliveries SET status = 'failed' WHERE document_number = ? "
                "AND purpose = 'original'",
                [new[2]["document_number"]],
            ),  # fmt: skip
            run_sql(
                con,
                "UPDATE peppol_messages SET status = 'rejected' WHERE document_number = ?",
                [new[3]["document_number"]],
            ),  # fmt: skip
        ),
        # an old legacy delivery corrected (paper, not e-mail) and a document purged with
        # its rows (retention): a month loses a document
        lambda con: (
            run_sql(
                con,
                "UPDATE legacy_deliveries SET channel = 'paper' WHERE document_number = ?",
                [old[1]["document_number"]],
            ),  # fmt: skip
            [
                run_sql(
                    con,
                    f"DELETE FROM {table} WHERE document_number = ?",
                    [new[7]["document_number"]],
                )
                for table in FINGERPRINTED_TABLES
            ],  # fmt: skip
        ),
        # a night that changes nothing
        lambda con: None,
    ]
    before = snapshot_tables(snapshot)
    for night in nights:
        with open_writer(database, "test") as con:
            night(con)
        paths = refresh_paths(database, snapshot, tmp_path / "scratch.duckdb")
        assert set(paths.values()) == {"merged"}, paths
        refresh_snapshot(database, snapshot)
        assert snapshot_tables(snapshot) == live_views(database)
    after = snapshot_tables(snapshot)

    # the changes, written out: the failed delivery is still an original on its channel
    # (channel mix), the rejected Peppol message shows in its month, the purged document
    # is gone from its month, the backfilled old document appears among the first reads
    peppol_month = new[3]["issue_date"].replace(day=1)
    assert ("DL5", peppol_month, "original", "rejected", "pipeline", 1) in after[
        "peppol_status_monthly"
    ]
    assert ("DL5", peppol_month, "original", "dispatched", "pipeline", 1) in before[
        "peppol_status_monthly"
    ]
    purged = new[7]
    assert not [r for r in after["portal_first_reads"] if r[2] == purged["document_number"]]
    backfilled = [r for r in after["portal_first_reads"] if r[2] == old[5]["document_number"]]
    assert len(backfilled) == 1 and backfilled[0][5] is True  # backfilled, read once
    paper_of = {(r[0], r[1]): r[3] for r in after["paper_share_monthly"]}
    paper_before = {(r[0], r[1]): r[3] for r in before["paper_share_monthly"]}
    corrected = (old[1]["issuer"], old[1]["issue_date"].replace(day=1))
    assert paper_of[corrected] == paper_before[corrected] + 1


def test_a_changed_view_or_an_old_snapshot_rebuilds_in_full(tmp_path):
    database, snapshot = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    first_night(database)
    refresh_snapshot(database, snapshot)
    scratch = tmp_path / "scratch.duckdb"
    assert set(refresh_paths(database, snapshot, scratch).values()) == {"merged"}
    con = duckdb.connect(str(snapshot))  # as if made by other views or another DuckDB
    run_sql(con, "UPDATE snapshot_state SET key = 'another version'")
    con.close()
    assert set(refresh_paths(database, snapshot, scratch).values()) == {"rebuilt"}
    con = duckdb.connect(str(snapshot))  # as made before issue 21: no state at all
    run_sql(con, "DROP TABLE snapshot_state")
    con.close()
    assert set(refresh_paths(database, snapshot, scratch).values()) == {"rebuilt"}
    refresh_snapshot(database, snapshot)
    assert snapshot_tables(snapshot) == live_views(database)


CRASH = """
import os, sys
from pathlib import Path
import warehouse.store as store
def crash(*args, **kwargs):
    os._exit(9)  # killed halfway: the copy made, the fingerprints written, a merge begun
store.merge_statement = crash
folder = Path(sys.argv[1])
store.refresh_snapshot(folder / "warehouse.duckdb", folder / "snapshot.duckdb")
"""


def test_a_refresh_killed_halfway_leaves_the_previous_snapshot_readable(tmp_path):
    database, snapshot = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    docs = first_night(database)
    refresh_snapshot(database, snapshot)
    before = snapshot_tables(snapshot)
    with open_writer(database, "test") as con:
        insert_rows(con, "deliveries", [delivery(docs[0], "portal", "backfill", "published")])
    killed = subprocess.run(
        [sys.executable, "-c", CRASH, str(tmp_path)], cwd=Path(__file__).parents[1], timeout=120
    )
    assert killed.returncode == 9
    assert (tmp_path / "snapshot.duckdb.partial").exists()  # the crash's leftover
    assert snapshot_tables(snapshot) == before  # readable, the previous numbers
    refresh_snapshot(database, snapshot)
    assert snapshot_tables(snapshot) == live_views(database) != before
    assert not (tmp_path / "snapshot.duckdb.partial").exists()


def test_every_table_a_materialised_view_reads_is_fingerprinted():
    """A view reading a table the fingerprints do not cover would miss its changes."""
    for view in MATERIALISED_VIEWS:
        sql = (VIEWS_DIR / f"{view}.sql").read_text()
        ctes = set(re.findall(r"(\w+) AS \(", sql))
        read = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", sql)) - ctes
        assert read <= set(FINGERPRINTED_TABLES), (view, read - set(FINGERPRINTED_TABLES))


def test_the_export_carries_peppol_history(tmp_path, monkeypatch):
    monkeypatch.setenv("IPORTAL_ANALYST_MEMORY_LIMIT", "64MiB")  # far below: it spills
    database, snapshot = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    docs = first_night(database)
    refresh_snapshot(database, snapshot)
    counts = export_parquet(tmp_path, tmp_path / "exports")
    peppol = [d for i, d in enumerate(docs[40:]) if i % 4 == 3]  # first_night's Peppol ones
    table = ds.dataset(
        tmp_path / "exports" / "peppol_history", format="parquet", partitioning="hive"
    ).to_table()
    assert counts["peppol_history"] == table.num_rows == len(peppol) == 7
    assert set(table.column("document_number").to_pylist()) == {
        d["document_number"] for d in peppol
    }
    assert set(table.column("message_status").to_pylist()) == {"dispatched"}
    for row in table.select(["decided_at", "year", "month"]).to_pylist():
        assert (row["year"], row["month"]) == (row["decided_at"].year, row["decided_at"].month)
