"""Analysts' own tools (issue 20, docs/analysts.md): the snapshot opened from Python with
pandas and polars and from the documented one-line command while the warehouse is held
by a writer and refreshed under an open connection; the Parquet export read back by
pyarrow with its Hive partitions."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

from iportal.analyst import run_query
from iportal.export import export_parquet
from tests.factories import delivery_row, document_row
from warehouse.store import insert_rows, open_writer, refresh_snapshot, transaction

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def document(i: int) -> dict:
    issued = date(2012, 1, 1) + timedelta(days=73 * i)
    return document_row(
        "DL50000001" if i % 2 else "DL20000002", f"{issued.year}-{i:07d}", issued, at=NOW,
        is_history=issued < date(2026, 11, 1), source_line=i,
    )  # fmt: skip


def legacy(doc: dict, i: int) -> dict:
    channel = ("paper", "portal", "email", "network")[i % 4]
    at = datetime.combine(doc["issue_date"], datetime.min.time(), UTC) + timedelta(hours=30)
    return {
        "issuer": doc["issuer"], "document_number": doc["document_number"], "channel": channel,
        "purpose": "legacy", "customer_code": doc["customer_code"], "delivered_at": at,
        "print_batch": "LEG-1" if channel == "paper" else None, "message_id": None,
        "source_file": "f", "source_line": i, "recorded_at": NOW, "run_id": "r",
    }  # fmt: skip


@pytest.fixture
def data_dir(tmp_path):
    documents = [document(i) for i in range(80)]  # 2012-2027: go-live falls inside
    history = [d for d in documents if d["is_history"]]
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        insert_rows(con, "documents", documents)
        insert_rows(con, "legacy_deliveries", [legacy(d, i) for i, d in enumerate(history)])
        insert_rows(
            con, "deliveries", [delivery_row(d, NOW) for d in documents if not d["is_history"]]
        )
    refresh_snapshot(tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb")
    return tmp_path


QUERY = "SELECT issuer, month, documents, paper_documents FROM paper_share_monthly ORDER BY ALL"


def test_pandas_and_polars_read_the_snapshot_while_a_writer_holds_the_warehouse(data_dir):
    expected = run_query(data_dir, QUERY).rows
    assert len(expected) > 20
    with open_writer(data_dir / "warehouse.duckdb", "night") as writer, transaction(writer):
        writer.execute("DELETE FROM legacy_deliveries").fetchall()  # uncommitted, held
        con = duckdb.connect(str(data_dir / "snapshot.duckdb"), read_only=True)
        try:
            frame = con.sql(QUERY).df()
            polars_frame = con.sql(QUERY).pl()
        finally:
            con.close()
        writer.execute("ROLLBACK").fetchall()
        writer.execute("BEGIN TRANSACTION").fetchall()
    frame["month"] = frame["month"].dt.date  # pandas holds a DATE as a Timestamp
    assert list(frame.itertuples(index=False, name=None)) == expected
    assert isinstance(polars_frame, pl.DataFrame)
    assert polars_frame.rows() == expected


def test_an_open_connection_survives_the_snapshot_refresh(data_dir):
    con = duckdb.connect(str(data_dir / "snapshot.duckdb"), read_only=True)
    try:
        before = con.sql("SELECT count(*) FROM delivery_history").fetchall()
        with open_writer(data_dir / "warehouse.duckdb", "night") as writer:
            writer.execute("DELETE FROM legacy_deliveries WHERE channel = 'paper'").fetchall()
        refresh_snapshot(data_dir / "warehouse.duckdb", data_dir / "snapshot.duckdb")
        # the open connection keeps its file (replaced by rename, not overwritten)
        assert con.sql("SELECT count(*) FROM delivery_history").fetchall() == before
    finally:
        con.close()
    fresh = run_query(data_dir, "SELECT count(*) FROM delivery_history").rows
    assert fresh[0][0] < before[0][0]


def test_the_documented_one_line_command_opens_the_snapshot(data_dir):
    command = (
        "import duckdb; duckdb.connect('snapshot.duckdb', read_only=True)"
        ".sql('SELECT source, count(*) FROM delivery_history GROUP BY ALL ORDER BY 1').show()"
    )
    with open_writer(data_dir / "warehouse.duckdb", "night"):  # a night holds the writer
        shown = subprocess.run(
            [sys.executable, "-c", command], cwd=data_dir, capture_output=True, text=True,
            timeout=60, check=True,
        ).stdout  # fmt: skip
    assert "legacy" in shown and "pipeline" in shown


def test_the_parquet_export_reads_back_with_pyarrow_and_its_partitions(data_dir):
    out = data_dir / "exports"
    counts = export_parquet(data_dir, out)
    dataset = ds.dataset(out / "delivery_history", format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == counts["delivery_history"] == 80
    assert {"year", "month", "source"} <= set(table.column_names)
    legacy_2015 = dataset.to_table(
        filter=(ds.field("year") == 2015) & (ds.field("source") == "legacy")
    )
    expected = run_query(
        data_dir,
        "SELECT count(*) FROM delivery_history WHERE source = 'legacy' AND year(decided_at) = 2015",
    ).rows[0][0]
    assert legacy_2015.num_rows == expected > 0
    for row in table.select(["decided_at", "year", "month"]).to_pylist():
        assert (row["year"], row["month"]) == (row["decided_at"].year, row["decided_at"].month)
    mix = ds.dataset(out / "paper_share_monthly", format="parquet", partitioning="hive")
    assert mix.to_table().num_rows == counts["paper_share_monthly"]
