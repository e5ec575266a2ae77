"""Legacy deliveries through real flows (issue 20): the nightly never prints, sends or
notifies a history document the legacy system delivered, and a backfill neither copies
nor duplicates a legacy delivery.

Decision (docs/analysts.md): a legacy portal delivery was made in the *old* portal,
which is switched off; the new portal shows a document only through a pipeline
delivery. So a backfill still decides a `backfill` portal delivery for a history
document whose legacy channel was the portal; the legacy row stays as it was, and the
two are told apart by purpose and `source`.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest

from flows.backfill import backfill
from flows.nightly import nightly
from tasks.generate import write_landing_files
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
AS_OF = "2026-11-27"
NOW = datetime(2026, 11, 27, tzinfo=UTC)
HISTORY_KEYS = "SELECT issuer, document_number FROM legacy_deliveries"


@pytest.fixture(scope="module")
def night(tmp_path_factory, prefect_harness):
    data_dir = tmp_path_factory.mktemp("legacy")
    summary = write_landing_files(
        data_dir / "landing", customers=40, years=8, seed=11, as_of=date(2026, 11, 27)
    )
    result = nightly(as_of=AS_OF, data_dir=str(data_dir))
    return data_dir, summary, result


def rows(data_dir, sql, params=None):
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute(sql, params or []).fetchall()


def test_the_night_records_every_history_document_as_a_legacy_delivery(night):
    data_dir, summary, result = night
    history_file = next(f for f in result["files"] if f["file_name"].startswith("documents_h"))
    assert history_file["legacy"] == summary.history_documents
    assert rows(data_dir, "SELECT count(*) FROM legacy_deliveries") == [
        (summary.history_documents,)
    ]
    assert rows(
        data_dir,
        "SELECT count(*) FROM delivery_history WHERE source = 'legacy' AND purpose = 'legacy'",
    ) == [(summary.history_documents,)]


def test_the_night_never_prints_sends_or_notifies_a_legacy_delivery(night):
    data_dir, _, result = night
    assert result["documents_routed"] > 0  # tonight's documents did go through
    # no pipeline delivery, print piece, Peppol message or notification for them
    for table in ("deliveries", "peppol_messages", "digest_documents", "notification_fanouts"):
        assert rows(
            data_dir,
            f"SELECT count(*) FROM {table} WHERE (issuer, document_number) IN ({HISTORY_KEYS})",
        ) == [(0,)], table
    assert rows(
        data_dir,
        "SELECT count(*) FROM deliveries WHERE print_batch_id IS NOT NULL "
        f"AND (issuer, document_number) IN ({HISTORY_KEYS})",
    ) == [(0,)]
    # the manifests list tonight's documents only
    manifests = list((data_dir / "print").rglob("*.csv"))
    assert manifests
    pieces = set()
    for manifest in manifests:
        with manifest.open(encoding="utf-8", newline="") as handle:
            pieces |= {(r["issuer"], r["document_number"]) for r in csv.DictReader(handle)}
    assert pieces and not pieces & set(rows(data_dir, HISTORY_KEYS))


def test_a_backfill_publishes_legacy_portal_documents_once_and_leaves_legacy_rows_alone(night):
    data_dir, _, _ = night
    [(code,)] = rows(
        data_dir,
        "SELECT customer_code FROM legacy_deliveries WHERE channel = 'portal' "
        "AND delivered_at >= TIMESTAMPTZ '2020-01-01' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    rows(
        data_dir,
        "UPDATE accounts SET status = 'active', activated_at = ? WHERE account_id IN "
        "(SELECT account_id FROM account_customer_codes WHERE customer_code = ?)",
        [NOW, code],
    )
    legacy_before = rows(data_dir, "SELECT * FROM legacy_deliveries ORDER BY ALL")
    first = backfill(customer_code=code, as_of=AS_OF, data_dir=str(data_dir))
    legacy_portal = rows(
        data_dir,
        "SELECT count(*) FROM legacy_deliveries l JOIN documents d USING (issuer, document_number) "
        "WHERE l.customer_code = ? AND l.channel = 'portal' AND d.issue_date >= DATE '2019-11-27'",
        [code],
    )[0][0]
    assert legacy_portal > 0 and first["decided"] >= legacy_portal
    # each legacy portal document of the window now has exactly one pipeline delivery:
    # a backfill portal delivery (the new portal), never paper, never a second legacy row
    assert rows(
        data_dir,
        "SELECT purpose, channel, count(*) FROM deliveries WHERE customer_code = ? "
        f"AND (issuer, document_number) IN ({HISTORY_KEYS} WHERE channel = 'portal') "
        "GROUP BY ALL",
        [code],
    ) == [("backfill", "portal", legacy_portal)]
    again = backfill(customer_code=code, as_of=AS_OF, data_dir=str(data_dir))
    assert again["decided"] == 0
    assert rows(data_dir, "SELECT * FROM legacy_deliveries ORDER BY ALL") == legacy_before
    assert rows(
        data_dir,
        "SELECT count(*) FROM delivery_history WHERE customer_code = ? AND source = 'legacy' "
        "AND purpose <> 'legacy'",
        [code],
    ) == [(0,)]


def read_artifact(key: str, naming: str):
    """This night's version of the artifact: the session's Prefect API holds every test's."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    mine = [artifact.data for artifact in found if naming in (artifact.data or "")]
    assert len(mine) == 1, f"{len(mine)} {key} artifacts name {naming}"
    return mine[0]


def test_the_night_leaves_its_morning_report_as_a_file_and_an_artifact(night):
    data_dir, _, result = night
    page = data_dir / "reports" / "morning-2026-11-27.html"
    assert result["morning_report"] == str(page) and page.exists()
    markdown = read_artifact("morning-report", str(page))
    assert markdown.index("## Last night's exceptions") < markdown.index("## The last 1 nights")
    assert str(page) in markdown
    # the same channel mix as the page: history years from the legacy deliveries
    [(paper_2019,)] = rows(
        data_dir,
        "SELECT count(*) FROM legacy_deliveries l JOIN documents d USING (issuer, document_number) "
        "WHERE l.issuer = 'DL5' AND l.channel = 'paper' AND year(d.issue_date) = 2019",
    )
    assert f"| DL5 | 2019 | {paper_2019} |" in markdown
    assert f">{paper_2019}</td>" in page.read_text(encoding="utf-8")
