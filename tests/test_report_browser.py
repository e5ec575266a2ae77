"""The morning report (issue 20) in a real browser: `iportal report` on generated data
(one real night with its legacy history, earlier nights, a crashed run, Peppol failures,
bounces, a batch never finished) renders in headless Chromium without a console error,
every chart decodes and has an alt text, a screenshot is kept in tests/artifacts/, and
the numbers in the page equal the test's own SQL on the snapshot."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from iportal.cli import app
from tests.analyst_data import build_analyst_data
from warehouse.store import insert_rows, open_writer, refresh_snapshot

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
ARTIFACTS = Path(__file__).parent / "artifacts"


def earlier_nights(last_as_of, last_started) -> list[dict]:
    rows = []
    for n in range(1, 6):
        summary = {
            "timings_seconds": {"ingest": 2.0 + n, "route": 1.0, "render": 10.0 + n,
                                "dispatch": 3.0, "total": 16.0 + 2 * n},
            "resources": {"cpu_seconds": 20.0 + n, "peak_rss_mib": 300.0 + 10 * n},
        }  # fmt: skip
        rows.append(
            {"run_id": f"night-{n}", "flow": "nightly", "as_of": last_as_of - timedelta(days=n),
             "started_at": last_started - timedelta(days=n, hours=1),
             "finished_at": last_started - timedelta(days=n), "status": "completed",
             "summary": json.dumps(summary)}
        )  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, prefect_harness) -> Path:
    path = tmp_path_factory.mktemp("report")
    night = build_analyst_data(path)
    with open_writer(path / "warehouse.duckdb", "test") as con:
        [(as_of, started)] = con.execute(
            "SELECT as_of, started_at FROM runs WHERE run_id = ?", [night["run_id"]]
        ).fetchall()
        insert_rows(con, "runs", earlier_nights(as_of, started))
        insert_rows(
            con,
            "bounces",
            [
                {"bounce_id": f"b{i}", "address": f"x{i % 2}@example.be",
                 "kind": "hard" if i < 3 else "soft", "category": "unknown_address",
                 "action": "failed", "digest_id": None, "source": "dsn",
                 "recorded_at": started + timedelta(minutes=i)}
                for i in range(5)
            ],
        )  # fmt: skip
        insert_rows(
            con,
            "print_batches",
            [{"batch_id": "never-finished", "issuer": "DL5", "run_id": "night-3",
              "status": "building", "created_at": started - timedelta(days=3)}],
        )  # fmt: skip
        con.execute(  # one Peppol document of the night failed validation
            "UPDATE peppol_messages SET status = 'failed_validation' WHERE (issuer, "
            "document_number) IN (SELECT issuer, document_number FROM peppol_failures LIMIT 1)"
        ).fetchall()
    refresh_snapshot(path / "warehouse.duckdb", path / "snapshot.duckdb")
    return path


@pytest.fixture(scope="module")
def report_file(data_dir) -> Path:
    out = data_dir / "report.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def snapshot(data_dir):
    con = duckdb.connect(str(data_dir / "snapshot.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


@pytest.fixture(scope="module")
def page(chromium, report_file):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else 0)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_file.as_uri(), wait_until="load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    yield page, errors, requests
    page.close()


def table(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def test_renders_without_errors_self_contained_with_decoded_charts(page, report_file):
    browser_page, errors, requests = page
    charts = browser_page.eval_on_selector_all(
        "figure.chart img",
        "imgs => imgs.map(i => ({alt: i.alt, complete: i.complete, "
        "width: i.naturalWidth, height: i.naturalHeight}))",
    )
    assert errors == []
    assert all(u == report_file.as_uri() or u.startswith("data:") for u in requests), requests
    assert len(charts) == 4
    assert all(c["complete"] and c["width"] > 300 and c["height"] > 150 for c in charts), charts
    assert all(len(c["alt"]) > 60 for c in charts)  # an alt text that says what it shows
    assert "Peppol mandate (2026-01-01)" in charts[3]["alt"]
    assert (ARTIFACTS / "report.png").stat().st_size > 20_000


def test_exceptions_come_first_and_equal_sql(page, snapshot):
    browser_page, _, _ = page
    headings = browser_page.eval_on_selector_all("h2", "hs => hs.map(h => h.innerText)")
    assert headings[0] == "Last night's exceptions"
    [(last_run, started)] = snapshot.execute(
        "SELECT run_id, started_at FROM runs WHERE flow = 'nightly' "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchall()
    crashed = table(browser_page, "#exception-runs")[1:]
    assert [row[4] for row in crashed] == [
        s for (s,) in snapshot.execute(
            "SELECT status FROM runs WHERE status <> 'completed' "
            "AND started_at > ?::TIMESTAMPTZ - INTERVAL 30 DAY ORDER BY started_at DESC",
            [started],
        ).fetchall()
    ] and "crashed" in [row[4] for row in crashed]  # fmt: skip
    quarantine = {r[0]: int(r[1]) for r in table(browser_page, "#quarantine")[1:]}
    assert quarantine == dict(
        snapshot.execute(
            "SELECT reason, count(*) FROM quarantine WHERE run_id = ? GROUP BY 1", [last_run]
        ).fetchall()
    ) and quarantine  # fmt: skip
    failed = table(browser_page, "#failed-peppol")[1:]
    expected_failed = snapshot.execute(
        "SELECT issuer || ' ' || document_number FROM peppol_messages "
        "WHERE run_id = ? AND status IN ('failed_validation', 'rejected') ORDER BY 1",
        [last_run],
    ).fetchall()
    assert [r[0] for r in failed] == [e for (e,) in expected_failed] and failed
    bounces = {(r[0], r[1]): int(r[2]) for r in table(browser_page, "#bounces")[1:]}
    assert bounces == {("hard", "unknown_address"): 3, ("soft", "unknown_address"): 2}
    batches = [r[0] for r in table(browser_page, "#print-batches")[1:]]
    assert batches == ["never-finished"]  # tonight's batch is ready and in print/


def test_nights_table_equals_sql(page, snapshot):
    browser_page, _, _ = page
    rows = browser_page.eval_on_selector_all(
        "#nights tr[data-run]",
        "rows => rows.map(r => ({run: r.dataset.run, channels: Object.fromEntries("
        "[...r.querySelectorAll('td[data-channel]')].map(c => [c.dataset.channel, "
        "+c.innerText])), total: +r.querySelector('td[data-total]').innerText, "
        "cells: [...r.cells].map(c => c.innerText)}))",
    )
    expected_runs = [
        r for (r,) in snapshot.execute(
            "SELECT run_id FROM runs WHERE flow = 'nightly' ORDER BY started_at DESC LIMIT 30"
        ).fetchall()
    ]  # fmt: skip
    assert [r["run"] for r in rows] == expected_runs and len(rows) >= 6
    for row in rows:
        counts = dict(
            snapshot.execute(
                "SELECT channel, count(*) FROM deliveries WHERE run_id = ? "
                "AND purpose = 'original' GROUP BY 1",
                [row["run"]],
            ).fetchall()
        )
        assert {c: n for c, n in row["channels"].items() if n} == counts
        assert row["total"] == sum(counts.values())
    last = rows[0]
    assert last["total"] > 0
    [(cpu, peak)] = snapshot.execute(
        "SELECT (summary->>'$.resources.cpu_seconds')::DOUBLE, "
        "(summary->>'$.resources.peak_rss_mib')::DOUBLE FROM runs WHERE run_id = ?",
        [last["run"]],
    ).fetchall()
    assert cpu > 0 and peak > 50  # the nightly measures itself (tasks/usage.py)
    assert f"{cpu:.1f}" in last["cells"] and f"{peak:.0f}" in last["cells"]


def test_channel_mix_over_the_years_equals_sql_on_delivery_history(page, snapshot):
    browser_page, _, _ = page
    rows = browser_page.eval_on_selector_all(
        "#channel-years tr[data-issuer]",
        "rows => rows.map(r => [r.dataset.issuer, +r.dataset.year, Object.fromEntries("
        "[...r.querySelectorAll('td[data-channel]')].map(c => [c.dataset.channel, "
        "+c.innerText])), +r.cells[r.cells.length - 1].innerText])",
    )
    expected: dict[tuple, dict] = {}
    for issuer, year, channel, documents in snapshot.execute(
        "SELECT issuer, year(issue_date), channel, count(*) FROM delivery_history "
        "WHERE purpose IN ('original', 'legacy') GROUP BY ALL"
    ).fetchall():
        expected.setdefault((issuer, year), {})[channel] = documents
    shown = {(i, y): {c: n for c, n in counts.items() if n} for i, y, counts, _ in rows}
    assert shown == expected
    years = {y for _, y in expected}
    assert len(years) >= 8 and {"DL2", "DL5"} == {i for i, _ in expected}
    for *_, counts, share in rows:
        assert share == pytest.approx(100 * counts.get("paper", 0) / sum(counts.values()), abs=0.05)


def test_a_broken_chart_would_be_seen(chromium, report_file, tmp_path):
    """The check can fail: a corrupted image decodes to naturalWidth 0."""
    broken = tmp_path / "broken.html"
    html = report_file.read_text(encoding="utf-8")
    start = html.index("data:image/png;base64,") + len("data:image/png;base64,")
    broken.write_text(html[:start] + "AAAA" + html[start + 40 :], encoding="utf-8")
    page = chromium.new_page()
    try:
        page.goto(broken.as_uri(), wait_until="load")
        widths = page.eval_on_selector_all(
            "figure.chart img", "imgs => imgs.map(i => i.naturalWidth)"
        )
    finally:
        page.close()
    assert widths[0] == 0 and widths[1] > 0
