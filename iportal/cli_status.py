"""`iportal status`: one screen for the operator at 2 a.m. (issue 19).

Last runs (state, duration, counts), what waits for someone (digests queued or failed,
Peppol rejected or failed, print batches READY and not collected, quarantined rows since
the last completed night, flagged addresses, pending backfills) and how fresh the
analysts' snapshot is. It reads the live warehouse when no writer holds it, and then
also ends what crashed runs left behind and marks those runs `crashed`; while a run
writes, it shows the snapshot and says so. Exit 0 when nothing needs a person, else 4.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.table import Table

from iportal.cli_common import DataDir, Json, console, one_line_errors, operator
from iportal.exit_codes import ATTENTION, DONE

# A READY batch the print house has not collected after this long needs a phone call.
UNCOLLECTED_AFTER = timedelta(hours=24)
# The nightly runs every night: older than this, the schedule or the worker is down.
NIGHT_OVERDUE_AFTER = timedelta(hours=26)


def rows_of(con, name: str, params: dict | None = None) -> list[dict]:
    from warehouse.store import fetch_dicts

    return fetch_dicts(con, name, params or {})


def read_status(con, print_dir: Path, now: datetime) -> dict:
    runs = rows_of(con, "status_runs", {"limit": 8})
    waiting = rows_of(con, "status_waiting")[0]
    ready = [
        b | {"uncollected_hours": round((now - b["ready_at"]).total_seconds() / 3600, 1)}
        for b in rows_of(con, "status_ready_batches")
        if (print_dir / b["batch_id"] / "READY").exists()
    ]
    return {"runs": runs, "waiting": waiting, "print_batches_uncollected": ready}


def needs_a_person(status: dict, now: datetime) -> list[str]:
    """Why a person must look, one line each (empty: all is well)."""
    waiting, reasons = status["waiting"], []
    for run in status["runs"]:
        if run["status"] in ("crashed", "failed"):
            reasons.append(f"run {run['run_id']} ({run['flow']}) {run['status']}")
        if run["flow"] == "nightly" and run["status"] == "completed":
            break  # older trouble was followed by a good night
    labels = {
        "digests_failed": "digests failed",
        "peppol_rejected": "Peppol documents rejected by the access point",
        "peppol_failed": "Peppol documents failed validation",
        "quarantined_since_last_run": "rows quarantined since the last night",
        "flagged_addresses": "flagged e-mail addresses",
    }
    reasons += [f"{waiting[k]} {text}" for k, text in labels.items() if waiting[k]]
    if waiting["digests_queued_after_error"]:  # e.g. the mail server is down (runbook)
        reasons.append(f"{waiting['digests_queued_after_error']} digests wait after a delivery "
                       f"error: {waiting['digest_error']}")  # fmt: skip
    late = [
        b["batch_id"]
        for b in status["print_batches_uncollected"]
        if now - b["ready_at"] > UNCOLLECTED_AFTER
    ]
    if late:
        reasons.append(f"print batches not collected after 24 h: {', '.join(late)}")
    last = waiting["last_completed_nightly"]
    if last is None or now - last > NIGHT_OVERDUE_AFTER:
        reasons.append(f"no completed nightly since {last or 'ever'}")
    return reasons


def collect_status(data_dir: Path) -> dict:
    """Everything the screen shows, as data (also the --json answer)."""
    from config import load_settings
    from tasks import lifecycle, runs
    from warehouse.lock import WarehouseBusy
    from warehouse.store import modified_at, open_writer, snapshot_reader

    settings = load_settings(data_dir)
    if not settings.warehouse_path.exists():  # never create one by looking
        raise FileNotFoundError(f"no warehouse at {settings.warehouse_path}: run a night first")
    now = datetime.now(UTC)
    snapshot = settings.snapshot_path
    found: dict = {"swept_processes": [], "crashed_now": []}
    try:
        with open_writer(settings.warehouse_path, "status", timeout=0) as con:
            found["swept_processes"] = lifecycle.sweep_orphans()
            found["crashed_now"] = [r["run_id"] for r in runs.mark_crashed_runs(con, operator())]
            if rows_of(con, "crashed_runs_unmarked_in_prefect"):
                from iportal.prefect_env import guard_ephemeral_api

                guard_ephemeral_api()  # the local API when no server is configured
                runs.mark_crashed_in_prefect(con)
            found |= read_status(con, settings.print_dir, now)
            found["source"] = {"live": True, "why": "live warehouse"}
    except WarehouseBusy as busy:
        with snapshot_reader(settings.warehouse_path, snapshot) as (con, source):
            found |= read_status(con, settings.print_dir, now)
        found["source"] = {"live": False, "why": f"{busy}; showing the snapshot"}
    found["snapshot_fresh_as_of"] = modified_at(snapshot) if snapshot.exists() else None
    found["needs_a_person"] = needs_a_person(found, now)
    return found


def show_status(status: dict) -> None:
    table = Table("run", "flow", "state", "started UTC", "seconds", "routed", "rendered",
                  "published", "detected")  # fmt: skip
    for r in status["runs"]:
        detected = f"{r['crash_detected_by']} {r['crash_detected_at']:%m-%d %H:%M}" if (
            r["crash_detected_at"]) else ""  # fmt: skip
        table.add_row(
            r["run_id"][:8], r["flow"], r["status"], f"{r['started_at']:%m-%d %H:%M}",
            *("" if r[k] is None else str(r[k]) for k in ("seconds", "routed", "rendered",
                                                          "published")),
            detected,
        )  # fmt: skip
    console.print(table)
    w = status["waiting"]
    console.print(
        f"digests: {w['digests_queued']} queued, {w['digests_failed']} failed · Peppol: "
        f"{w['peppol_rejected']} rejected, {w['peppol_failed']} failed validation, "
        f"{w['peppol_sending']} waiting to send · quarantined since last night: "
        f"{w['quarantined_since_last_run']} · flagged addresses: {w['flagged_addresses']} · "
        f"backfills pending: {w['backfills_pending']}",
        highlight=False,
    )
    for b in status["print_batches_uncollected"]:
        console.print(f"print batch {b['batch_id']} READY, not collected for "
                      f"{b['uncollected_hours']} h ({b['pieces']} pieces)")  # fmt: skip
    fresh = status["snapshot_fresh_as_of"]
    console.print(f"snapshot: {f'{fresh:%Y-%m-%d %H:%M} UTC' if fresh else 'none yet'} · "
                  f"read from: {status['source']['why']}", highlight=False)  # fmt: skip
    if status["crashed_now"] or status["swept_processes"]:
        console.print(f"marked crashed now: {', '.join(status['crashed_now']) or '-'}; "
                      f"leftover processes ended: {status['swept_processes'] or '-'}")  # fmt: skip
    if status["needs_a_person"]:
        console.print("[red]needs a person:[/red]")
        for reason in status["needs_a_person"]:
            console.print(f"  - {reason}", highlight=False)
    else:
        console.print("[green]nothing needs a person[/green]")


@one_line_errors
def status(data_dir: DataDir = Path("var"), json_out: Json = False) -> None:
    """One screen: last runs, what waits, snapshot freshness. Marks crashed runs and ends
    their leftover processes. Exit 0: nothing needs a person; 4: something does.

    Example: iportal status --data-dir var
    """
    found = collect_status(data_dir)
    if json_out:
        console.print_json(json.dumps(found, default=str))
    else:
        show_status(found)
    raise typer.Exit(ATTENTION if found["needs_a_person"] else DONE)
