"""`iportal report` in a real browser: the page renders in headless Chromium without a
console error or a page error, and its charts (matplotlib PNGs) are there and decode."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iportal.cli import app
from warehouse.store import insert_rows, open_writer, refresh_snapshot

ARTIFACTS = Path(__file__).parent / "artifacts"
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
CHANNELS = ("paper", "portal", "network", "peppol")


def documents_and_deliveries(months: int = 30) -> tuple[list[dict], list[dict]]:
    documents, deliveries = [], []
    for i in range(months * 8):
        issued = date(2024, 1, 1) + timedelta(days=i * 30 // 8)
        number = f"{issued.year}-{i:07d}"
        documents.append(
            {
                "issuer": "DL5",
                "document_number": number,
                "customer_code": f"DL500000{i % 50:02d}",
                "document_type": "invoice",
                "issue_date": issued,
                "customer_number": f"00000{i % 50:02d}",
                "currency": "EUR",
                "lines": "[]",
                "total_excl_vat": Decimal("10.00"),
                "total_vat": Decimal("2.10"),
                "total_incl_vat": Decimal("12.10"),
                "content_sha256": "x",
                "is_history": False,
                "source_file": "f",
                "source_line": i,
                "ingested_at": NOW,
                "run_id": "r",
            }
        )
        deliveries.append(
            {
                "issuer": "DL5",
                "document_number": number,
                "channel": CHANNELS[i % 7 % 4],
                "purpose": "original",
                "customer_code": f"DL500000{i % 50:02d}",
                "status": "dispatched",
                "reason": "test",
                "decided_at": NOW,
                "run_id": "r",
            }
        )
    return documents, deliveries


def digest_row(i: int, status: str) -> dict:
    return {
        "digest_id": f"d{i}",
        "recipient": f"p{i}@example.be",
        "frequency": "immediate",
        "period": "p",
        "address": f"p{i}@example.be",
        "user_id": f"U{i}",
        "role": "main",
        "language": "nl",
        "documents": 1,
        "customer_codes": ["DL50000001"],
        "invitation": False,
        "message_id": f"<{i}@x>",
        "spooled": False,
        "status": status,
        "attempts": 1,
        "queued_at": NOW,
        "outcome_audited": True,
        "run_id": "r",
    }


@pytest.fixture
def report_file(tmp_path) -> Path:
    documents, deliveries = documents_and_deliveries()
    summary = {
        "documents_routed": 240,
        "documents_rendered": 240,
        "portal_published": 60,
        "print_batches": [{"pieces": 70}],
        "files": [{"quarantined": 3}],
        "timings_seconds": {"total": 31.8},
    }
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        insert_rows(con, "documents", documents)
        insert_rows(con, "deliveries", deliveries)
        insert_rows(
            con,
            "runs",
            [
                {
                    "run_id": f"run-{n}-0000",
                    "flow": "nightly",
                    "as_of": NOW - timedelta(days=n),
                    "started_at": NOW - timedelta(days=n),
                    "finished_at": NOW - timedelta(days=n) + timedelta(seconds=32),
                    "status": "failed" if n == 2 else "completed",
                    "summary": json.dumps(summary),
                }
                for n in range(5)
            ],
        )
        statuses = ["sent"] * 12 + ["soft_bounce"] * 2 + ["hard_bounce", "queued", "failed"]
        insert_rows(con, "digests", [digest_row(i, s) for i, s in enumerate(statuses)])
        insert_rows(
            con,
            "quarantine",
            [
                {
                    "file_sha256": "f",
                    "file_name": "documents.jsonl",
                    "line": line,
                    "reason": "totals_mismatch",
                    "detail": "<script>alert('x')</script>",  # escaped, never run
                    "run_id": "run-0-0000",
                    "quarantined_at": NOW,
                }
                for line in range(3)
            ],
        )
    refresh_snapshot(tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return out


def test_report_renders_in_chromium_without_errors_and_charts_decode(chromium, report_file):
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type in ("error", "warning"):
            errors.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(report_file.as_uri(), wait_until="load")
        charts = page.eval_on_selector_all(
            "figure.chart img",
            "imgs => imgs.map(i => ({alt: i.alt, complete: i.complete, "
            "width: i.naturalWidth, height: i.naturalHeight}))",
        )
        runs = page.locator("#runs tr").count()
        failed = page.locator("#runs td.failed").all_inner_texts()
        quarantine_text = page.locator("#quarantine").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    finally:
        page.close()
    assert errors == []
    # self-contained: nothing but the file itself and its data: URIs is loaded
    assert all(u == report_file.as_uri() or u.startswith("data:") for u in requests), requests
    assert [c["alt"] for c in charts] == ["Channel mix per month", "Notification outcomes"]
    assert all(c["complete"] and c["width"] > 200 and c["height"] > 100 for c in charts), charts
    assert runs == 6 and failed == ["failed"]  # header + five runs
    assert "totals_mismatch" in quarantine_text
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


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
