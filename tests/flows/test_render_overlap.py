"""The render step overlaps drawing and recording (issue 21): the next batch is picked
and handed to the workers before the previous one is recorded. Every document is still
drawn and recorded exactly once, also one that lands behind the batch in flight."""

from __future__ import annotations

import copy
import csv
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.settings import load_settings
from domain.routing import PeppolMandate
from domain.validate import CUSTOMER_FIELDS
from flows.nightly import render_all_pending
from tasks import route
from tasks.ingest import IngestContext, ingest_file
from tasks.pool import shutdown_pools
from warehouse.store import open_writer

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def land(folder: Path, name: str, document: dict, customer: dict, numbers: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"customers_{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CUSTOMER_FIELDS)
        writer.writeheader()
        writer.writerow(customer | {"enterprise_number": "", "channel_choice": "portal"})
    rows = [copy.deepcopy(document) | {"document_number": n} for n in numbers]
    path = folder / f"documents_{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def ingest_and_route(data_dir: Path, folder: Path) -> None:
    ctx = IngestContext(data_dir / "warehouse.duckdb", folder / "processed",
                        frozenset({"DL2", "DL5"}), date(2026, 11, 1), "run-0", 100, 10)  # fmt: skip
    for path in sorted(folder.glob("*.*")):
        ingest_file(path, ctx)
    with open_writer(ctx.database, "test") as con:
        route.route_batch(con, AS_OF, "run-0", 100, "test", PeppolMandate(date(2030, 1, 1)))


def rendered_events(data_dir: Path) -> list[str]:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return [
            entity
            for (entity,) in con.execute(
                "SELECT entity FROM audit_events WHERE event_type = 'document_rendered' "
                "ORDER BY entity"
            ).fetchall()
        ]


@pytest.mark.parametrize("workers", [1, 2])
def test_every_document_drawn_and_recorded_once(tmp_path, monkeypatch, document, customer,
                                                workers):  # fmt: skip
    monkeypatch.setenv("IPORTAL_BATCH_SIZE", "2")
    monkeypatch.setenv("IPORTAL_RENDER_WORKERS", str(workers))
    numbers = [f"2026-00012{n:02d}" for n in range(10, 17)]  # 7 documents: 4 batches
    land(tmp_path / "in", "1", document, customer, numbers)
    ingest_and_route(tmp_path, tmp_path / "in")
    batches: list[int] = []
    try:
        total = render_all_pending(load_settings(tmp_path), "run-1", "test", batches.append)
    finally:
        shutdown_pools()
    assert total == 7
    assert batches == [2, 2, 2, 1]
    assert rendered_events(tmp_path) == [f"DL5/{n}" for n in numbers]
    assert len(list((tmp_path / "documents").rglob("*.pdf"))) == 7


def test_a_document_behind_the_cursor_is_drawn_by_the_last_pass(tmp_path, monkeypatch,
                                                                 document, customer):  # fmt: skip
    """Another writer (a backfill) adds a document whose key sorts before the batch in
    flight: the pass in key order has gone by it, the pass from the start takes it."""
    monkeypatch.setenv("IPORTAL_BATCH_SIZE", "2")
    monkeypatch.setenv("IPORTAL_RENDER_WORKERS", "1")
    land(tmp_path / "in", "1", document, customer, ["2026-0001250", "2026-0001251",
                                                     "2026-0001252", "2026-0001253"])  # fmt: skip
    ingest_and_route(tmp_path, tmp_path / "in")
    late = iter([lambda: (land(tmp_path / "late", "2", document, customer, ["2026-0001200"]),
                          ingest_and_route(tmp_path, tmp_path / "late"))])  # fmt: skip
    batches: list[int] = []

    def after_batch(done: int) -> None:
        batches.append(done)
        for add in late:  # once, after the first batch is recorded
            add()

    total = render_all_pending(load_settings(tmp_path), "run-1", "test", after_batch)
    assert total == 5
    assert batches == [2, 2, 1]
    assert rendered_events(tmp_path) == [
        "DL5/2026-0001200", "DL5/2026-0001250", "DL5/2026-0001251",
        "DL5/2026-0001252", "DL5/2026-0001253",
    ]  # fmt: skip
