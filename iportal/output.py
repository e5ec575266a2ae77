"""What the CLI prints: rich tables and progress for people, JSON for machines."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from tasks import progress


def run_with_progress(
    console: Console, flow_name: str, data_dir: Path, as_of, quiet: bool, **parameters
) -> dict:
    """Run a flow in this process with a rich progress bar fed by tasks.progress."""
    from iportal.prefect_env import launch_ephemeral_api

    api = launch_ephemeral_api()  # first: it boots while the flows are imported (issue 21)
    from flows.backfill import backfill
    from flows.nightly import nightly

    if api:
        api.wait_ready()  # dies with this process (issue 19)

    flows = {"nightly": nightly, "backfill": backfill}
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
        disable=quiet,
    )
    ids: dict[str, int] = {}

    def report(step: str, done: int, total: int | None) -> None:
        if step not in ids:
            ids[step] = bars.add_task(escape(step), total=total)  # step names a landing file
        bars.update(ids[step], advance=done, total=total)

    progress.set_reporter(report)
    try:
        with bars:
            return flows[flow_name](as_of=as_of, data_dir=str(data_dir), **parameters)
    finally:
        progress.set_reporter(None)


def show_generated(console: Console, summary, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(vars(summary), default=str))
        return
    console.print(
        f"{summary.customer_codes} customer codes, {summary.history_documents} history and "
        f"{summary.tonight_documents} new documents → {len(summary.paths)} files"
    )


def show_night(console: Console, summary: dict, data_dir: Path, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(summary, default=str))
        return
    files = Table("landing file", "status", "rows", "ingested", "unchanged", "quarantined")
    for f in summary["files"]:
        files.add_row(
            escape(f["file_name"]),  # from the billing system: "[/x]" is not markup
            f["status"],
            *(str(f[k]) for k in ("rows_total", "ingested", "unchanged", "quarantined")),
        )
    deliveries = Table("channel", "purpose", "status", "deliveries")
    for d in summary["deliveries"]:
        deliveries.add_row(d["channel"], d["purpose"], d["status"], str(d["deliveries"]))
    console.print(files, deliveries)
    for batch in summary["print_batches"]:
        console.print(
            f"print batch {batch['batch_id']}: {batch['pieces']} pieces, "
            f"{batch['sheets']} sheets → {batch['pdf']}"
        )
    console.print(f"PDFs:      {data_dir / 'documents'}")
    console.print(
        f"warehouse: {data_dir / 'warehouse.duckdb'} (analysts: {data_dir / 'snapshot.duckdb'})"
    )
    console.print(f"run {summary['run_id']} took {summary['timings_seconds']['total']} s")


def show_query(console: Console, err: Console, result, fmt: str) -> None:
    if fmt == "csv":
        from tasks.print_batch.manifest import safe_cell  # pikepdf stays out of other verbs

        # Names come from master data: a text cell starting with = + - @ would run as a
        # formula in the analyst's spreadsheet (the manifests' rule); numbers stay numbers.
        writer = csv.writer(sys.stdout)
        writer.writerow(safe_cell(c) for c in result.columns)
        writer.writerows(
            [safe_cell(v) if isinstance(v, str) else v for v in r] for r in result.rows
        )
    elif fmt == "json":
        print(
            json.dumps(
                [dict(zip(result.columns, r, strict=True)) for r in result.rows], default=str
            )
        )
    else:
        table = Table(*result.columns)
        for row in result.rows:
            # Data, not rich markup: a customer named "[/b]" must not break the table.
            table.add_row(*("" if v is None else escape(str(v)) for v in row))
        console.print(table)
    err.print(
        f"{len(result.rows)} rows from {result.source.name}, "
        f"fresh as of {result.fresh_as_of:%Y-%m-%d %H:%M:%S} UTC"
        + (f" ({result.read.why})" if result.read and not result.read.live else "")
    )
