"""`iportal report`: a self-contained HTML page with the last runs and charts (issue 6).

Charts are drawn by matplotlib (Agg backend) and embedded as base64 PNG, so the page
opens anywhere without a server or a network.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: E402

from iportal.config import load_settings  # noqa: E402
from warehouse.store import load_sql, open_reader, run_sql  # noqa: E402

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "report"


def query_dicts(con, name: str, params: dict | None = None) -> list[dict]:
    cursor = con.execute(load_sql(name), params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def summarise_run(run: dict) -> dict:
    summary = json.loads(run["summary"] or "{}")
    return run | {
        "routed": summary.get("documents_routed", ""),
        "rendered": summary.get("documents_rendered", ""),
        "published": summary.get("portal_published", ""),
        "pieces": sum(b.get("pieces", 0) for b in summary.get("print_batches", [])),
        "quarantined": sum(f.get("quarantined", 0) for f in summary.get("files", [])),
        "total_seconds": summary.get("timings_seconds", {}).get("total", ""),
    }


def png_of(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def chart_channel_mix(rows: list[dict]) -> dict:
    months = sorted({r["month"] for r in rows})
    channels = sorted({r["channel"] for r in rows})
    figure, axes = plt.subplots(figsize=(9, 3.5))
    bottom = [0] * len(months)
    for channel in channels:
        counts = {r["month"]: r["documents"] for r in rows if r["channel"] == channel}
        values = [counts.get(m, 0) for m in months]
        axes.bar([str(m)[:7] for m in months], values, bottom=bottom, label=channel)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("documents")
    axes.set_title("Channel mix per month")
    if channels:  # beside the bars, never over the last months
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    axes.tick_params(axis="x", labelrotation=45)
    return {"title": "Channel mix per month", "png": png_of(figure)}


def chart_outcomes(rows: list[tuple]) -> dict:
    figure, axes = plt.subplots(figsize=(6, 3))
    axes.bar([r[0] for r in rows], [r[1] for r in rows], color="#4a7")
    axes.set_title("Notification outcomes")
    axes.set_ylabel("e-mails")
    return {"title": "Notification outcomes", "png": png_of(figure)}


def has_view(con, name: str) -> bool:
    return bool(run_sql(con, "SELECT 1 FROM duckdb_views() WHERE view_name = ?", [name]))


def build_report(data_dir: Path, out: Path, last_runs: int = 20) -> Path:
    settings = load_settings(data_dir)
    con = open_reader(settings.warehouse_path, settings.snapshot_path)
    try:
        runs = [summarise_run(r) for r in query_dicts(con, "report_runs", {"limit": last_runs})]
        quarantine = query_dicts(con, "report_quarantine")
        charts = [chart_channel_mix(query_dicts(con, "report_channel_mix"))]
        if has_view(con, "notification_history"):
            outcomes = run_sql(
                con, "SELECT status, count(*) FROM notification_history GROUP BY 1 ORDER BY 1"
            )
            charts.append(chart_outcomes(outcomes))
    finally:
        con.close()
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    html = environment.get_template("report.html.j2").render(
        runs=runs,
        quarantine=quarantine,
        charts=charts,
        extra_sections=[],
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        source=settings.snapshot_path.name,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
