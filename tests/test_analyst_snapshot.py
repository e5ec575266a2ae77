"""Analyst tooling (issue 6): the snapshot's materialised channel_mix_monthly equals the
live view, the Parquet export reads back, and `audit verify --documents` re-renders a
paper invoice with the activation code it printed (R17, DESIGN rule 5)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import duckdb

from config import load_settings
from iportal.analyst import run_query, verify_renditions
from iportal.export import export_parquet
from tasks.accounts.codes import attach_activation_codes
from tasks.render import render_one
from tasks.renditions import render_job_from_row
from tests.factories import delivery_row, document_row
from warehouse.store import insert_rows, open_writer, refresh_snapshot, run_sql

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
CHANNELS = ("paper", "portal", "network")


def document(i: int) -> dict:
    return document_row(
        "DL50000001" if i % 2 else "DL20000002",
        f"2026-{i:07d}",
        date(2025, 1, 15) + timedelta(days=20 * i),
        at=NOW,
        lines=json.dumps(
            [{"description": "Lease", "quantity": "1", "unit_price": "100.00", "vat_rate": "21"}]
        ),
        payment_reference="+++000/0012/34526+++",
        content_sha256="x",
        source_line=i,
    )


def delivery(d: dict, i: int, purpose: str = "original") -> dict:
    channel = CHANNELS[i % 3] if purpose == "original" else "portal"
    return delivery_row(
        d, NOW - timedelta(days=i), channel=channel, purpose=purpose, status="dispatched"
    )


def build(data_dir) -> list[dict]:
    documents = [document(i) for i in range(30)]
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        insert_rows(con, "documents", documents)
        insert_rows(con, "deliveries", [delivery(d, i) for i, d in enumerate(documents)])
        insert_rows(  # not originals: never counted in the channel mix
            con, "deliveries", [delivery(d, i, "backfill") for i, d in enumerate(documents[:9])]
        )
    return documents


def test_snapshot_holds_channel_mix_as_a_table_equal_to_the_live_view(tmp_path):
    build(tmp_path)
    query = "SELECT issuer, channel, month, documents FROM channel_mix_monthly ORDER BY ALL"
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        live = run_sql(con, query)
    refresh_snapshot(tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb")
    snapshot = duckdb.connect(str(tmp_path / "snapshot.duckdb"), read_only=True)
    try:
        kind = run_sql(
            snapshot,
            "SELECT 'table' FROM duckdb_tables() WHERE table_name = 'channel_mix_monthly' "
            "UNION ALL SELECT 'view' FROM duckdb_views() WHERE view_name = 'channel_mix_monthly'",
        )
        columns = run_sql(snapshot, "DESCRIBE channel_mix_monthly")
    finally:
        snapshot.close()
    result = run_query(tmp_path, query)
    assert kind == [("table",)]
    assert [c[:2] for c in columns] == [
        ("issuer", "VARCHAR"),
        ("channel", "VARCHAR"),
        ("month", "DATE"),
        ("documents", "BIGINT"),
        ("source", "VARCHAR"),  # issue 20: 'pipeline' | 'legacy'
    ]
    assert result.rows == live and sum(r[3] for r in live) == 30  # originals only
    # the writer's own database keeps the live view
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        assert run_sql(
            con, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'channel_mix_monthly'"
        ) == [(1,)]


def test_export_reads_back_with_hive_partitions(tmp_path):
    build(tmp_path)
    refresh_snapshot(tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb")
    out = tmp_path / "export"
    counts = export_parquet(tmp_path, out)
    assert counts["delivery_history"] == 39 and counts["channel_mix_monthly"] > 0
    mix = duckdb.sql(
        f"SELECT month, year, documents FROM read_parquet('{out}/channel_mix_monthly/**/*.parquet',"
        " hive_partitioning=true) ORDER BY month"
    ).fetchall()
    assert all(isinstance(m, date) and m.year == y for m, y, _ in mix)  # the date survives
    assert sum(n for *_, n in mix) == 30
    months = duckdb.sql(
        f"SELECT DISTINCT year, month FROM read_parquet('{out}/delivery_history/**/*.parquet', "
        "hive_partitioning=true)"
    ).fetchall()
    assert months and all(1 <= m <= 12 for _, m in months)


def test_verify_documents_redraws_the_activation_code_a_paper_invoice_printed(tmp_path):
    [original] = [document(1)]
    settings = load_settings(tmp_path)
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        insert_rows(con, "documents", [original])
        insert_rows(
            con,
            "customers",
            [
                {
                    "customer_code": original["customer_code"],
                    "issuer": "DL5",
                    "customer_number": original["customer_number"],
                    "name": "Garage Peeters BV",
                    "street": "Kerkstraat 1",
                    "postal_code": "9000",
                    "city": "Gent",
                    "country": "BE",
                    "language": "nl",
                    "channel_choice": "paper",
                    "updated_at": NOW,
                    "source_sha256": "x",
                }
            ],
        )
        insert_rows(
            con,
            "activation_codes",
            [
                {
                    "code_hash": "h",
                    "customer_code": original["customer_code"],
                    "serial": 1,
                    "issued_at": NOW,
                    "expires_at": NOW + timedelta(weeks=15),
                }
            ],
        )
        insert_rows(
            con,
            "printed_activation_codes",
            [
                {
                    "issuer": "DL5",
                    "document_number": original["document_number"],
                    "customer_code": original["customer_code"],
                    "serial": 1,
                    "assigned_at": NOW,
                }
            ],
        )
        row = dict(original, lines=original["lines"], name="Garage Peeters BV")
        row |= {"street": "Kerkstraat 1", "postal_code": "9000", "city": "Gent"}
        row |= {"country": "BE", "language": "nl"}
        job = render_job_from_row(row, tmp_path, settings.issuers)
        # the nightly's own way: the job carries the code the invoice prints (R17)
        assert attach_activation_codes(con, [job], settings.code_secret(), settings.timezone)
        assert job.activation_code
        printed = render_one(job)
        insert_rows(
            con,
            "renditions",
            [
                {
                    "issuer": "DL5",
                    "document_number": original["document_number"],
                    "variant": "original",
                    "path": printed.path,
                    "sha256": printed.sha256,
                    "pages": printed.pages,
                    "bytes": printed.bytes,
                    "rendered_at": NOW,
                    "run_id": "r",
                }
            ],
        )
    check = verify_renditions(tmp_path, 5)
    assert (check.checked, check.mismatches) == (1, [])
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        run_sql(con, "UPDATE renditions SET sha256 = 'tampered'")
    assert verify_renditions(tmp_path, 5).mismatches == [f"DL5/{original['document_number']}"]
