"""The run report as Prefect artifacts: counts per channel, quarantine, timings; and the
morning report (issue 20) after each night."""

from __future__ import annotations

import logging
from pathlib import Path

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from config import Settings


def quarantine_lines(summary: dict) -> list[str]:
    lines = []
    for f in summary["files"]:
        for reason, count in sorted(f["reasons"].items()):
            lines.append(f"| {f['file_name']} | {reason} | {count} |")
    return lines


def peppol_markdown(summary: dict) -> str:
    """Issue 7: Peppol documents sent, failed validation (with their rules), rejected."""
    counts = summary.get("peppol")
    if not counts:
        return ""
    failed = "\n".join(
        f"| {f['document']} | {f['customer_code']} | {f['rules']} |" for f in counts["failures"]
    )
    listed = (
        f"\n\n| document | customer | failed rules |\n|---|---|---|\n{failed}" if failed else ""
    )
    lookup = counts.get("lookup") or {}
    return (
        f"\n## Peppol\n\n| sent | failed validation | rejected | pending |\n|---|---|---|---|\n"
        f"| {counts['sent']} | {counts['failed_validation']} | {counts['rejected']} | "
        f"{counts['pending']} |{listed}\n\nParticipant lookup (issue 18): "
        f"{lookup.get('routed_peppol', 0)} to Peppol, {lookup.get('not_registered', 0)} "
        f"not registered (previous rules), {lookup.get('waiting_lookup', 0)} waiting; "
        f"operator queue: {counts.get('queue', 0)} (`iportal peppol list`)\n"
    )


def render_night_markdown(summary: dict) -> str:
    files = "\n".join(
        f"| {f['file_name']} | {f['status']} | {f['rows_total']} | {f['ingested']} | "
        f"{f['unchanged']} | {f['quarantined']} | {f.get('vat_inferred', 0)} |"
        for f in summary["files"]
    )
    deliveries = "\n".join(
        f"| {d['channel']} | {d['purpose']} | {d['status']} | {d['deliveries']} |"
        for d in summary["deliveries"]
    )
    quarantine = "\n".join(quarantine_lines(summary)) or "| – | none | 0 |"
    timings = ", ".join(f"{k} {v} s" for k, v in summary["timings_seconds"].items())
    return (
        f"# Nightly run {summary['run_id']}\n\nas of {summary['as_of']}; go-live "
        f"{summary['go_live_date']}; {timings}\n\n## Landing files\n\n"
        "| file | status | rows | ingested | unchanged | quarantined | VAT category inferred |\n"
        "|---|---|---|---|---|---|---|\n"
        f"{files}\n\n## Deliveries\n\n| channel | purpose | status | deliveries |\n"
        f"|---|---|---|---|\n{deliveries}\n\n## Quarantine\n\n| file | reason | rows |\n"
        f"|---|---|---|\n{quarantine}\n{peppol_markdown(summary)}"
    )


def publish_night_report(summary: dict) -> None:
    create_markdown_artifact(
        key="nightly-report", markdown=render_night_markdown(summary), description="Nightly run"
    )
    create_table_artifact(
        key="nightly-deliveries",
        table=summary["deliveries"] or [{"channel": "-", "deliveries": 0}],
        description="Deliveries decided by this run, per channel and status",
    )


def publish_morning_report(settings: Settings, as_of: str) -> Path | None:
    """Issue 20: the morning report as `<data_dir>/reports/morning-<date>.html` and the
    same sections as the `morning-report` Markdown artifact. A report problem is logged,
    never fails the night: the night's work is committed by then."""
    from tasks.report import render_markdown, write_report

    out = settings.data_dir / "reports" / f"morning-{as_of[:10]}.html"
    try:
        content = write_report(settings, out)
        create_markdown_artifact(
            key="morning-report",
            markdown=render_markdown(content, out),
            description="Morning report: exceptions first, 30 nights, channel mix",
        )
    except Exception:  # noqa: BLE001 - logged with its traceback; the night stands
        logging.getLogger(__name__).exception("the morning report could not be written")
        return None
    return out
