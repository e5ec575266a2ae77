"""`iportal`: the operators' and analysts' command line, a thin layer over the flows
and the warehouse API. Every command takes --data-dir (env IPORTAL_DATA_DIR)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from iportal import exit_codes, output
from iportal.cli_accounts import account_app
from iportal.cli_common import (
    AsOf,
    DataDir,
    Json,
    console,
    err,
    exit_if_queued,
    one_line_errors,
)
from iportal.cli_consent import code_app, optout
from iportal.cli_documents import documents, duplicate, open_
from iportal.cli_notify import bounces_app, digest
from iportal.cli_operator import automations_app, partner_app, reprint, retention
from iportal.cli_peppol import peppol_app
from iportal.cli_portal import portal_app
from iportal.cli_status import status
from iportal.prefect_env import configure_prefect

configure_prefect()

app = typer.Typer(
    help="iportal: deliver invoices and credit notes (ingest, render, route, print, publish).",
    epilog=exit_codes.epilog(),
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def own_children() -> None:
    # Every process this command starts carries IPORTAL_RUN_OWNER, so that the next run
    # or `iportal status` can end what a crash of this one left behind (issue 19).
    from tasks.lifecycle import mark_owner

    mark_owner()


app.add_typer(account_app, name="account")
app.add_typer(code_app, name="code")
app.command()(optout)
app.command()(digest)
app.add_typer(bounces_app, name="bounces")
app.add_typer(portal_app, name="portal")
app.add_typer(peppol_app, name="peppol")
app.command()(documents)
app.command("open")(open_)
app.command()(duplicate)
app.command()(status)
app.add_typer(partner_app, name="partner")
app.command()(reprint)
app.add_typer(automations_app, name="automations")
app.command()(retention)


@app.command()
@one_line_errors
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder for the landing files.")],
    customers: Annotated[int, typer.Option(min=1)] = 300,
    years: Annotated[int, typer.Option(min=0, max=30)] = 18,
    seed: int = 1,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today.")] = None,
    bad_rows: Annotated[int, typer.Option(help="Bad rows of each kind, for tests.")] = 0,
    json_out: Json = False,
) -> None:
    """Write synthetic landing files (customers CSV, history Parquet, tonight's JSONL).

    Example: iportal generate --customers 300 --years 18 --out var/landing --seed 7
    """
    from tasks.generate import write_landing_files

    summary = write_landing_files(
        out, customers, years, seed, date.fromisoformat(as_of) if as_of else None, bad_rows
    )
    output.show_generated(console, summary, json_out)


@app.command()
@one_line_errors
def nightly(data_dir: DataDir = Path("var"), as_of: AsOf = None, json_out: Json = False) -> None:
    """Run the nightly flow on the data dir's landing folder.

    Example: iportal nightly --data-dir var --as-of 2026-11-27
    """
    summary = output.run_with_progress(console, "nightly", data_dir, as_of, json_out)
    output.show_night(console, summary, data_dir, json_out)
    exit_if_queued(summary)


@app.command()
@one_line_errors
def backfill(
    account: Annotated[str | None, typer.Option(help="Main contact e-mail or account id.")] = None,
    customer_code: Annotated[
        str | None, typer.Option(help="One customer code, e.g. DL50012345.")
    ] = None,
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
) -> None:
    """Publish seven years of history (R21) of an account or a customer code to the portal.

    Example: iportal backfill --account an.peeters@example.be
    """
    if bool(account) == bool(customer_code):
        raise typer.BadParameter("give exactly one of --account or --customer-code")
    summary = output.run_with_progress(
        console, "backfill", data_dir, as_of, json_out, account=account, customer_code=customer_code
    )
    if json_out:
        console.print_json(json.dumps(summary, default=str))
    else:
        console.print(
            ", ".join(
                f"{k} {summary[k]}"
                for k in ("decided", "skipped", "rendered", "verified", "repaired", "published")
            )
        )
    exit_if_queued(summary)


@app.command()
@one_line_errors
def demo(
    data_dir: DataDir = Path("var"),
    customers: Annotated[int, typer.Option(min=1)] = 300,
    years: Annotated[int, typer.Option(min=1, max=30)] = 18,
    seed: int = 1,
) -> None:
    """Generate a sample and run one night on the embedded defaults.

    Example: iportal demo --data-dir var
    """
    from iportal.prefect_env import launch_ephemeral_api
    from tasks.generate import write_landing_files

    launch_ephemeral_api()  # it boots while the sample is generated (issue 21)
    landing = data_dir / "landing"
    console.print(f"generating {customers} customers, {years} years of history into {landing}")
    output.show_generated(console, write_landing_files(landing, customers, years, seed), False)
    from tasks.peppol.lookup import write_demo_registry  # issue 18: no SML here

    registry = write_demo_registry(landing, data_dir / "peppol" / "registry.csv", seed)
    console.print(f"Peppol registry (stand-in for the SML): {registry}", highlight=False)
    summary = output.run_with_progress(console, "nightly", data_dir, None, False)
    output.show_night(console, summary, data_dir, False)


@app.command()
@one_line_errors
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    data_dir: DataDir = Path("var"),
    format: Annotated[str, typer.Option(help="table, csv or json")] = "table",
    snapshot: Annotated[
        bool, typer.Option("--snapshot", help="Read the snapshot even when the warehouse is free.")
    ] = False,
) -> None:
    """Run read-only SQL on the live warehouse when no run writes it, else on the
    analysts' snapshot (refreshed at the end of each run); the last line says which.

    Example: iportal sql "SELECT channel, count(*) FROM delivery_history GROUP BY 1"
    """
    from iportal.analyst import run_query

    result = run_query(data_dir, query, snapshot)
    output.show_query(console, err, result, format)


audit_app = typer.Typer(help="The tamper-evident audit chain (R30).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.callback()
def audit_group() -> None:
    """Audit commands (a group, so that `iportal audit verify` keeps its name)."""


@audit_app.command("verify")
@one_line_errors
def audit_verify(
    data_dir: DataDir = Path("var"),
    documents: Annotated[int, typer.Option(help="Also re-render N archived PDFs.")] = 0,
    json_out: Json = False,
) -> None:
    """Recompute the audit hash chain and report the first broken link; with
    --documents N, re-render N archived PDFs and compare their sha256.

    Example: iportal audit verify --documents 20 --data-dir var
    """
    from iportal.analyst import verify_audit, verify_renditions

    report = verify_audit(data_dir)
    renders = verify_renditions(data_dir, documents) if documents else None
    if json_out:
        console.print_json(
            json.dumps({"chain": vars(report), "renditions": renders and vars(renders)})
        )
    elif report.ok:
        console.print(f"audit chain intact: {report.events} events verified")
    else:
        err.print(f"audit chain BROKEN at seq {report.first_broken_seq}: {report.problem}")
    if renders and not json_out:
        console.print(
            f"re-rendered {renders.checked} PDFs: {len(renders.mismatches)} differ "
            f"{', '.join(renders.mismatches[:10])}"
        )
    if not report.ok or (renders and renders.mismatches):
        raise typer.Exit(exit_codes.ATTENTION)


@app.command()
@one_line_errors
def export(
    parquet: Annotated[Path, typer.Option("--parquet", help="Folder for the Parquet files.")],
    data_dir: DataDir = Path("var"),
    json_out: Json = False,
) -> None:
    """Export the analyst views as Parquet, partitioned by year and month.

    Example: iportal export --parquet exports/ --data-dir var
    """
    from iportal.export import export_parquet

    counts = export_parquet(data_dir, parquet)
    if json_out:
        console.print_json(json.dumps(counts))
    else:
        for view, rows in counts.items():
            console.print(f"{view}: {rows} rows → {parquet / view}")


@app.command()
@one_line_errors
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    data_dir: DataDir = Path("var"),
) -> None:
    """Write the run report: last runs, quarantine, charts, in one self-contained HTML file.

    Example: iportal report --out var/report.html
    """
    from tasks.report import build_report

    console.print(f"report written to {build_report(data_dir, out)}")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
