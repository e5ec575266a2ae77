"""Run bookkeeping: the runs table, the go-live date, the run summary."""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from datetime import UTC, date, datetime, timedelta

from tasks.lifecycle import mark_owner, start_ticks, sweep_orphans
from warehouse.audit import AuditEvent, append_events
from warehouse.store import fetch_dicts, load_sql, run_sql, transaction

log = logging.getLogger("iportal.runs")


def start_run(con, flow: str, as_of: datetime, actor: str) -> str:
    """A new run, recorded with its process (pid + start time), host and Prefect flow
    run. First it ends what crashed runs left behind and marks them crashed (issue 19)."""
    run_id = uuid.uuid4().hex
    mark_owner()  # a deployment's flow process (no CLI): its children carry the marker too
    sweep_orphans()
    mark_crashed_runs(con, actor)
    with transaction(con):
        run_sql(
            con,
            load_sql("start_run"),
            {
                "run_id": run_id,
                "flow": flow,
                "as_of": as_of,
                "started_at": datetime.now(UTC),
                "pid": os.getpid(),
                "pid_start_ticks": start_ticks(os.getpid()),
                "host": socket.gethostname(),
                "prefect_flow_run_id": current_flow_run_id(),
            },
        )
        append_events(
            con,
            [AuditEvent("run_started", run_id, {"flow": flow, "as_of": as_of.isoformat()}, actor)],
        )
    mark_crashed_in_prefect(con)
    return run_id


def finish_run(con, run_id: str, status: str, summary: dict, actor: str) -> None:
    with transaction(con):
        run_sql(
            con,
            load_sql("finish_run"),
            {
                "run_id": run_id,
                "status": status,
                "finished_at": datetime.now(UTC),
                "summary": json.dumps(summary, default=str, sort_keys=True),
            },
        )
        append_events(con, [AuditEvent(f"run_{status}", run_id, summary, actor)])


def resolve_go_live(con, configured: date | None, as_of: datetime) -> date:
    """Configured date, else the one fixed by the first run (the day before its as_of)."""
    if configured:
        return configured
    rows = run_sql(con, "SELECT value FROM meta WHERE key = 'go_live_date'")
    row = rows[0] if rows else None
    if row:
        return date.fromisoformat(row[0])
    go_live = as_of.date() - timedelta(days=1)
    run_sql(
        con,
        "INSERT INTO meta VALUES ('go_live_date', ?, ?)",
        [go_live.isoformat(), datetime.now(UTC)],
    )
    return go_live


def summarise_deliveries(con, run_id: str) -> list[dict]:
    return fetch_dicts(con, "night_summary", {"run_id": run_id})


def summarise_missing_glyphs(con, run_id: str) -> dict:
    """Issue 17: how many documents of the run hold characters no font could draw."""
    documents, characters = run_sql(con, load_sql("missing_glyph_documents"), {"run_id": run_id})[0]
    return {"documents": documents, "characters": "".join(sorted(set(characters)))}


def current_flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    return flow_run.id


def run_process_alive(run: dict) -> bool:
    """Whether the process recorded for a run is still that run's: same pid, same start
    time. A run recorded without a pid (before migration 014) has no process to show."""
    if run["pid"] is None:
        return False
    return start_ticks(run["pid"]) == run["pid_start_ticks"]


def mark_crashed_runs(con, actor: str) -> list[dict]:
    """Runs still `running` on this host whose process is gone become `crashed`, with
    when and by whom that was found, and an audit event. Runs of other hosts are left:
    this machine cannot see their processes."""
    running = fetch_dicts(con, "running_runs")
    here = socket.gethostname()
    crashed = [r for r in running if r["host"] in (None, here) and not run_process_alive(r)]
    if not crashed:
        return []
    now = datetime.now(UTC)
    with transaction(con):
        for run in crashed:
            run_sql(
                con,
                load_sql("mark_run_crashed"),
                {"run_id": run["run_id"], "detected_at": now, "detected_by": actor},
            )
        append_events(
            con,
            [
                AuditEvent(
                    "run_crashed",
                    r["run_id"],
                    {"flow": r["flow"], "pid": r["pid"], "detected_by": actor},
                    actor,
                )
                for r in crashed
            ],
        )
    return crashed


def mark_crashed_in_prefect(con) -> int:
    """Set the Prefect flow runs of crashed runs to Crashed (force: they show Running
    forever otherwise); those done are remembered, the rest wait for a run with an API."""
    rows = run_sql(con, load_sql("crashed_runs_unmarked_in_prefect"))
    if not rows:
        return 0
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    marked = 0
    try:
        with get_client(sync_client=True) as client:
            for run_id, flow_run_id in rows:
                message = f"iportal run {run_id}: its process ended without finishing"
                client.set_flow_run_state(uuid.UUID(flow_run_id), Crashed(message=message),
                                          force=True)  # fmt: skip
                run_sql(
                    con,
                    load_sql("mark_run_marked_in_prefect"),
                    {"run_id": run_id, "marked_at": datetime.now(UTC)},
                )
                marked += 1
    except Exception as error:  # no API at hand: a later run marks them
        log.warning("crashed runs not marked in Prefect yet: %s", error)
    return marked
