"""The morning report (issue 20): `iportal report`, and the same content as a Prefect
artifact after each night (flows/report.py).

Last night's exceptions first (runs that did not complete, quarantine, Peppol documents
not sent, bounces, print batches not collected), then the last 30 nights as trends
(documents per channel, duration per step, CPU, peak memory) and the channel mix over
the years per issuer with the Peppol mandate marked. Everything is read from the
analysts' snapshot with the SQL in warehouse/queries/report_*.sql.

Charts are matplotlib (Agg) PNGs embedded as base64, so the page is one self-contained
file; colours are the Okabe-Ito palette (readable with every common colour-vision
deficiency), every axis says its unit, every image has an alt text saying what it shows.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: E402

from config import Settings, load_settings  # noqa: E402
from warehouse.store import fetch_dicts, open_reader  # noqa: E402

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "report"
NIGHTS = 30
# Okabe & Ito (2008), "Color Universal Design": one fixed colour per channel.
CHANNEL_COLOURS = {
    "paper": "#E69F00",
    "portal": "#0072B2",
    "network": "#009E73",
    "email": "#CC79A7",
    "peppol": "#D55E00",
}
STEP_COLOURS = {"ingest": "#56B4E9", "route": "#E69F00", "render": "#0072B2",
                "dispatch": "#009E73"}  # fmt: skip
OTHER_COLOUR = "#999999"
STEPS = tuple(STEP_COLOURS)


@dataclass
class Chart:
    title: str
    alt: str
    png: str


@dataclass
class ReportContent:
    generated_at: str
    source: str
    mandate: date | None
    last_night: dict | None
    exception_runs: list[dict]
    quarantine: list[dict]
    failed_peppol: list[dict]
    bounces: list[dict]
    print_batches: list[dict]
    nights: list[dict]  # oldest first, each with `channels`: {channel: documents}
    channels: list[str]
    channel_years: list[dict]  # issuer, year, per-channel documents, total, paper_share
    channel_months: list[dict]
    charts: list[Chart] = field(default_factory=list)


def channel_order(channels) -> list[str]:
    known = [c for c in CHANNEL_COLOURS if c in channels]
    return known + sorted(set(channels) - set(known))


def colour_of(channel: str) -> str:
    return CHANNEL_COLOURS.get(channel, OTHER_COLOUR)


def collect_nights(con, limit: int, zone: str) -> list[dict]:
    nights = list(reversed(fetch_dicts(con, "report_nights", {"limit": limit})))
    for night in nights:  # a night is named by its local date (DESIGN rule 6)
        night["as_of"] = night["as_of"].astimezone(ZoneInfo(zone))
    counts = fetch_dicts(con, "report_night_channels", {"run_ids": [n["run_id"] for n in nights]})
    for night in nights:
        night["channels"] = {c["channel"]: c["documents"] for c in counts
                             if c["run_id"] == night["run_id"]}  # fmt: skip
        night["documents"] = sum(night["channels"].values())
    return nights


def pivot_years(rows: list[dict], channels: list[str]) -> list[dict]:
    table: dict[tuple, dict] = {}
    for row in rows:
        entry = table.setdefault((row["issuer"], row["year"]), {c: 0 for c in channels})
        entry[row["channel"]] = row["documents"]
    result = []
    for (issuer, year), counts in sorted(table.items()):
        total = sum(counts.values())
        share = round(100 * counts.get("paper", 0) / total, 1) if total else 0.0
        result.append({"issuer": issuer, "year": year, "counts": counts, "total": total,
                       "paper_share": share})  # fmt: skip
    return result


def uncollected(batches: list[dict], print_dir: Path) -> list[dict]:
    """Still building, or ready for more than a night and its folder still there: the
    print house takes a batch by taking its folder (docs/analysts.md)."""
    return [b for b in batches if b["status"] != "ready" or (print_dir / b["batch_id"]).exists()]


def collect_report(con, settings: Settings, nights: int = NIGHTS) -> ReportContent:
    night_rows = collect_nights(con, nights, settings.timezone)
    last = night_rows[-1] if night_rows else None
    until = last["started_at"] if last else datetime.now(UTC)
    previous = night_rows[-2]["started_at"] if len(night_rows) > 1 else until - timedelta(days=1)
    year_rows = fetch_dicts(con, "report_channel_years")
    channels = channel_order({r["channel"] for r in year_rows} |
                             {c for n in night_rows for c in n["channels"]})  # fmt: skip
    run_id = last["run_id"] if last else ""
    quarantine = [q for q in fetch_dicts(con, "report_quarantine") if q["run_id"] == run_id]
    return ReportContent(
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        source=settings.snapshot_path.name,
        mandate=settings.peppol_mandate_date,
        last_night=last,
        exception_runs=fetch_dicts(con, "report_exception_runs", {"until": until}),
        quarantine=quarantine,
        failed_peppol=fetch_dicts(con, "report_failed_peppol", {"run_id": run_id}),
        bounces=fetch_dicts(con, "report_bounces", {"since": previous}),
        print_batches=uncollected(
            fetch_dicts(con, "report_print_batches", {"since": until}), settings.print_dir
        ),
        nights=night_rows,
        channels=channels,
        channel_years=pivot_years(year_rows, channels),
        channel_months=fetch_dicts(con, "report_channel_months"),
    )


# -- charts --------------------------------------------------------------------------


def png_of(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def night_labels(nights: list[dict]) -> list[str]:
    return [str(n["as_of"])[:10] for n in nights]


def label_nights(axes, nights: list[dict]) -> list[int]:
    """Positions, not categories: two runs of one night (a re-run after a crash) keep a
    bar each."""
    positions = list(range(len(nights)))
    axes.set_xticks(positions, night_labels(nights), rotation=60, fontsize=7)
    axes.set_xlabel("night (as of)")
    return positions


def chart_night_channels(nights: list[dict], channels: list[str]) -> Chart:
    labels = night_labels(nights)
    figure, axes = plt.subplots(figsize=(9, 3.4))
    positions = label_nights(axes, nights)
    bottom = [0] * len(nights)
    for channel in channels:
        values = [n["channels"].get(channel, 0) for n in nights]
        axes.bar(positions, values, bottom=bottom, label=channel, color=colour_of(channel))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("documents per night")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="channel")
    title = f"Documents per channel, last {len(nights)} nights"
    axes.set_title(title)
    total = sum(n["documents"] for n in nights)
    alt = (f"Stacked bar chart: documents per channel for each of the last {len(nights)} nights "
           f"({labels[0] if labels else '-'} to {labels[-1] if labels else '-'}), "
           f"{total} documents in all; channels {', '.join(channels) or 'none'}.")  # fmt: skip
    return Chart(title, alt, png_of(figure))


def chart_step_durations(nights: list[dict]) -> Chart:
    figure, axes = plt.subplots(figsize=(9, 3.4))
    positions = label_nights(axes, nights)
    bottom = [0.0] * len(nights)
    for step in STEPS:
        values = [n[f"{step}_seconds"] or 0.0 for n in nights]
        axes.bar(positions, values, bottom=bottom, label=step, color=STEP_COLOURS[step])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("duration (s)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="step")
    title = "Duration per step"
    axes.set_title(title)
    longest = max(nights, key=lambda n: n["total_seconds"] or 0, default=None)
    alt = ("Stacked bar chart: seconds spent in ingest, route, render and dispatch for each "
           "night; longest night " + (f"{night_labels([longest])[0]} with "
           f"{longest['total_seconds'] or 0:.1f} s." if longest else "none."))  # fmt: skip
    return Chart(title, alt, png_of(figure))


def chart_resources(nights: list[dict]) -> Chart:
    figure, (cpu, memory) = plt.subplots(2, 1, figsize=(9, 4.2), sharex=True)
    positions = label_nights(memory, nights)
    nan = float("nan")  # a night without a measure is a gap, not a zero
    cpu_values = [nan if n["cpu_seconds"] is None else n["cpu_seconds"] for n in nights]
    rss_values = [nan if n["peak_rss_mib"] is None else n["peak_rss_mib"] for n in nights]
    cpu.plot(positions, cpu_values, marker="o", color="#0072B2")
    cpu.set_ylabel("CPU time (s)")
    memory.plot(positions, rss_values, marker="s", color="#D55E00")
    memory.set_ylabel("peak memory (MiB)")
    title = "CPU time and peak memory per night"
    cpu.set_title(title)
    measured = [n for n in nights if n["cpu_seconds"] is not None]
    alt = ("Two line charts: CPU seconds (flow and render workers) and the peak resident "
           f"memory in MiB of each night; {len(measured)} of {len(nights)} nights measured"
           + (f", last {measured[-1]['cpu_seconds']:.1f} s CPU and "
              f"{measured[-1]['peak_rss_mib']:.0f} MiB." if measured else "."))  # fmt: skip
    return Chart(title, alt, png_of(figure))


def month_shares(rows: list[dict], issuer: str, channels: list[str]):
    months = sorted({r["month"] for r in rows if r["issuer"] == issuer})
    counts = {(r["month"], r["channel"]): r["documents"] for r in rows if r["issuer"] == issuer}
    totals = {m: sum(counts.get((m, c), 0) for c in channels) or 1 for m in months}
    shares = {c: [100 * counts.get((m, c), 0) / totals[m] for m in months] for c in channels}
    return months, shares


def chart_channel_mix(content: ReportContent) -> Chart:
    issuers = sorted({r["issuer"] for r in content.channel_months})
    figure, axes_list = plt.subplots(
        max(len(issuers), 1),
        1,
        figsize=(9, 2.6 * max(len(issuers), 1) + 0.6),
        squeeze=False,
        layout="constrained",
    )
    for axes, issuer in zip(axes_list[:, 0], issuers, strict=False):
        months, shares = month_shares(content.channel_months, issuer, content.channels)
        axes.stackplot(months, *[shares[c] for c in content.channels],
                       labels=content.channels,
                       colors=[colour_of(c) for c in content.channels])  # fmt: skip
        if content.mandate:
            axes.axvline(content.mandate, color="black", linestyle="--", linewidth=1.2)
            axes.annotate(f"Peppol mandate {content.mandate}", (content.mandate, 92),
                          xytext=(-6, 0), textcoords="offset points", ha="right", fontsize=8,
                          bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0})  # fmt: skip
        axes.set_ylim(0, 100)
        axes.set_ylabel("share of documents (%)")
        axes.set_title(f"{issuer}: channel mix per month of issue")
    axes_list[-1, 0].set_xlabel("month of issue")
    axes_list[0, 0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="channel")
    years = sorted({r["year"] for r in content.channel_years})
    span = f"{years[0]}-{years[-1]}" if years else "no data"
    title = "Channel mix over the years, per issuer"
    paper = {(r["issuer"], r["year"]): r["paper_share"] for r in content.channel_years}
    trend = "; ".join(
        f"{i}: paper {paper.get((i, years[0]), 0):.0f}% in {years[0]}, "
        f"{paper.get((i, years[-1]), 0):.0f}% in {years[-1]}"
        for i in issuers
    ) if years else ""  # fmt: skip
    alt = (f"Stacked area charts, one per issuer, of the share of documents per channel per "
           f"month of issue, {span}, with a dashed line at the Peppol mandate "
           f"({content.mandate}). {trend}.")  # fmt: skip
    return Chart(title, alt, png_of(figure))


def draw_charts(content: ReportContent) -> list[Chart]:
    return [
        chart_night_channels(content.nights, content.channels),
        chart_step_durations(content.nights),
        chart_resources(content.nights),
        chart_channel_mix(content),
    ]


# -- output --------------------------------------------------------------------------


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(content: ReportContent) -> str:
    return environment().get_template("report.html.j2").render(r=content, extra_sections=[])


def render_markdown(content: ReportContent, html_path: Path | None = None) -> str:
    """The same sections as the HTML page, as Markdown tables (the Prefect artifact)."""
    text = environment().get_template("report.md.j2").render(r=content, html_path=html_path)
    return text


def build_report(data_dir: Path, out: Path, nights: int = NIGHTS) -> Path:
    write_report(load_settings(data_dir), out, nights)
    return out


def write_report(settings: Settings, out: Path, nights: int = NIGHTS) -> ReportContent:
    con = open_reader(settings.warehouse_path, settings.snapshot_path)
    try:
        content = collect_report(con, settings, nights)
    finally:
        con.close()
    content.charts = draw_charts(content)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(render_html(content), encoding="utf-8")
    partial.replace(out)
    return content
