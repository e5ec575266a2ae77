"""The analysts' views (issue 20) on generated data, each against a brute-force pandas
computation from the base tables; on the snapshot (where the heavy ones are tables) and
on the live warehouse alike."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from tests.analyst_data import build_analyst_data
from warehouse.store import MATERIALISED_VIEWS

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, prefect_harness):
    path = tmp_path_factory.mktemp("analyst-views")
    build_analyst_data(path)
    return path


@pytest.fixture(scope="module")
def tables(data_dir) -> dict[str, pd.DataFrame]:
    """The base tables, read once; the expectations below use pandas on these only."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        names = ("documents", "deliveries", "legacy_deliveries", "document_reads", "digests",
                 "peppol_messages", "peppol_failures", "quarantine", "runs")  # fmt: skip
        return {name: con.sql(f"SELECT * FROM {name}").df() for name in names}
    finally:
        con.close()


@pytest.fixture(scope="module", params=["snapshot", "live"])
def con(request, data_dir):
    name = "snapshot.duckdb" if request.param == "snapshot" else "warehouse.duckdb"
    connection = duckdb.connect(str(data_dir / name), read_only=True)
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


def view(con, name: str, order: list[str]) -> pd.DataFrame:
    frame = con.sql(f"SELECT * FROM {name}").df()
    return frame.sort_values(order).reset_index(drop=True)


def month_of(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.to_period("M").dt.to_timestamp()


def same(actual: pd.DataFrame, expected: pd.DataFrame, order: list[str]) -> None:
    expected = expected.sort_values(order).reset_index(drop=True)
    assert len(actual) == len(expected) > 0
    for column in expected.columns:
        left, right = actual[column], expected[column]
        if column == "month":
            left, right = month_of(left), month_of(right)
        if pd.api.types.is_float_dtype(right) or pd.api.types.is_float_dtype(left):
            assert (left.astype(float) - right.astype(float)).abs().fillna(0).max() < 1e-4, column
            assert (left.isna() == right.isna()).all(), column
        else:
            assert left.astype(str).tolist() == right.astype(str).tolist(), column


def test_the_heavy_views_are_tables_in_the_snapshot(data_dir):
    con = duckdb.connect(str(data_dir / "snapshot.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert set(MATERIALISED_VIEWS) <= tables


def test_paper_share_monthly_covers_the_whole_history(con, tables):
    documents = tables["documents"]
    pipeline = tables["deliveries"].query("purpose == 'original'")
    delivered = pd.concat([pipeline, tables["legacy_deliveries"]])[
        ["issuer", "document_number", "channel"]
    ]
    delivered["paper"] = delivered["channel"] == "paper"
    per_document = delivered.groupby(["issuer", "document_number"], as_index=False)["paper"].max()
    merged = per_document.merge(documents, on=["issuer", "document_number"])
    merged["month"] = month_of(merged["issue_date"])
    expected = merged.groupby(["issuer", "month"], as_index=False).agg(
        documents=("paper", "size"), paper_documents=("paper", "sum")
    )
    expected["paper_share"] = (expected["paper_documents"] / expected["documents"]).round(4)
    actual = view(con, "paper_share_monthly", ["issuer", "month"])
    same(actual, expected, ["issuer", "month"])
    assert actual["month"].min() < pd.Timestamp("2019-01-01")  # legacy years are there
    assert actual["month"].dt.year.nunique() >= 8


def test_portal_first_reads(con, tables):
    deliveries = tables["deliveries"]
    published = deliveries[
        (deliveries.channel == "portal")
        & (deliveries.status == "published")
        & deliveries.purpose.isin(["original", "backfill"])
    ]
    first = published.groupby(["issuer", "document_number"], as_index=False).agg(
        published_at=("dispatched_at", "min")
    )
    reads = (
        tables["document_reads"]
        .groupby(["issuer", "document_number"], as_index=False)
        .agg(first_read_at=("first_read_at", "min"), readers=("person_id", "size"))
    )
    expected = first.merge(tables["documents"], on=["issuer", "document_number"]).merge(
        reads, on=["issuer", "document_number"], how="left"
    )
    expected["readers"] = expected["readers"].fillna(0).astype(int)
    issued = pd.to_datetime(expected["issue_date"]).dt.tz_localize("UTC")
    hours = (expected["first_read_at"] - issued).dt.total_seconds() / 3600
    expected["hours_to_first_read"] = hours.round(2)
    columns = ["issuer", "document_number", "customer_code", "readers", "hours_to_first_read"]
    actual = view(con, "portal_first_reads", ["issuer", "document_number"])
    same(actual[columns], expected[columns], ["issuer", "document_number"])
    assert actual["first_read_at"].isna().any() and actual["first_read_at"].notna().any()


def test_digest_outcomes_and_bounce_rate_per_month(con, tables):
    digests = tables["digests"].copy()
    digests["month"] = month_of(digests["queued_at"].dt.tz_convert("UTC").dt.tz_localize(None))
    counts = pd.crosstab(digests["month"], digests["status"])
    expected = pd.DataFrame({"month": counts.index})
    expected["digests"] = counts.sum(axis=1).to_numpy()
    for status, column in (("sent", "sent"), ("soft_bounce", "soft_bounces"),
                           ("hard_bounce", "hard_bounces"), ("failed", "failed"),
                           ("queued", "queued")):  # fmt: skip
        expected[column] = counts[status].to_numpy() if status in counts else 0
    bounced = expected["soft_bounces"] + expected["hard_bounces"]
    attempted = expected["sent"] + bounced
    expected["bounce_rate"] = (bounced / attempted.where(attempted > 0)).round(4)
    actual = view(con, "digest_outcomes_monthly", ["month"])
    same(actual, expected, ["month"])
    assert (actual["hard_bounces"] > 0).any() and len(actual) >= 6


def test_peppol_statuses_per_month(con, tables):
    deliveries = tables["deliveries"].query("channel == 'peppol'")
    messages = tables["peppol_messages"][["issuer", "document_number", "purpose", "status"]]
    pipeline = deliveries.merge(
        messages, on=["issuer", "document_number", "purpose"], how="left", suffixes=("", "_m")
    )
    pipeline["status"] = pipeline["status_m"].fillna(pipeline["status"])
    pipeline["source"] = "pipeline"
    legacy = tables["legacy_deliveries"].query("channel == 'peppol'").copy()
    legacy["status"], legacy["source"] = "delivered", "legacy"
    rows = pd.concat([pipeline, legacy])[["issuer", "document_number", "purpose", "status",
                                          "source"]]  # fmt: skip
    rows = rows.merge(tables["documents"], on=["issuer", "document_number"])
    rows["month"] = month_of(rows["issue_date"])
    keys = ["issuer", "month", "purpose", "status", "source"]
    expected = rows.groupby(keys, as_index=False).agg(documents=("document_number", "size"))
    actual = view(con, "peppol_status_monthly", keys)
    same(actual, expected, keys)
    assert set(actual["source"]) == {"pipeline", "legacy"}


def test_quarantine_reasons_per_run(con, tables):
    quarantine = tables["quarantine"]
    ingest = quarantine.groupby(["run_id", "reason"], as_index=False).agg(
        rows=("line", "size"), files=("file_name", "nunique")
    )
    ingest["source"] = "ingest"
    failures = tables["peppol_failures"].drop_duplicates(
        ["run_id", "rule_id", "issuer", "document_number", "purpose"]
    )
    peppol = failures.groupby(["run_id", "rule_id"], as_index=False).agg(
        rows=("document_number", "size")
    )
    peppol = peppol.rename(columns={"rule_id": "reason"})
    peppol["source"], peppol["files"] = "peppol", 0
    expected = pd.concat([ingest, peppol]).merge(
        tables["runs"][["run_id", "flow", "status"]], on="run_id", how="left"
    )
    expected = expected.rename(columns={"status": "run_status"})
    keys = ["run_id", "source", "reason"]
    actual = view(con, "quarantine_by_run", keys)
    same(actual[[*keys, "rows", "files", "flow", "run_status"]], expected[
        [*keys, "rows", "files", "flow", "run_status"]], keys)  # fmt: skip
    assert {"ingest", "peppol"} == set(actual["source"])
