"""Run bookkeeping: the runs table, the go-live date, the run summary."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


def start_run(con, flow: str, as_of: datetime, actor: str) -> str:
    run_id = uuid.uuid4().hex
    with transaction(con):
        run_sql(
            con,
            load_sql("start_run"),
            {"run_id": run_id, "flow": flow, "as_of": as_of, "started_at": datetime.now(UTC)},
        )
        append_events(
            con,
            [AuditEvent("run_started", run_id, {"flow": flow, "as_of": as_of.isoformat()}, actor)],
        )
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
    cursor = con.execute(load_sql("night_summary"), {"run_id": run_id})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def summarise_missing_glyphs(con, run_id: str) -> dict:
    """Issue 17: how many documents of the run hold characters no font could draw."""
    documents, characters = run_sql(con, load_sql("missing_glyph_documents"), {"run_id": run_id})[0]
    return {"documents": documents, "characters": "".join(sorted(set(characters)))}
