"""Warehouse API: migrations recorded, bulk writes, the writer lock, the audit chain."""

import multiprocessing
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.audit import AuditEvent, append_events, verify_chain
from warehouse.lock import WarehouseBusy, writer_lock
from warehouse.store import (
    apply_migrations,
    insert_rows,
    migration_files,
    open_reader,
    open_writer,
    refresh_snapshot,
    transaction,
)


def test_migrations_are_recorded_and_idempotent(warehouse):
    versions = [
        r[0]
        for r in warehouse.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    ]
    assert versions == [int(p.name[:3]) for p in migration_files()]
    assert apply_migrations(warehouse) == []  # running twice does nothing


def test_delivery_history_view_has_the_contract_columns(warehouse):
    columns = [r[0] for r in warehouse.execute("DESCRIBE delivery_history").fetchall()]
    contract = ["issuer", "customer_code", "document_number", "document_type", "issue_date",
                "amount_incl_vat", "channel", "purpose", "status", "reason", "decided_at",
                "dispatched_at", "run_id"]  # fmt: skip
    assert columns[: len(contract)] == contract


def test_audit_log_view_has_the_contract_columns(warehouse):
    columns = [r[0] for r in warehouse.execute("DESCRIBE audit_log").fetchall()]
    assert columns == ["seq", "at", "actor", "event_type", "entity", "payload", "prev_hash", "hash"]


def test_transaction_rolls_back_state_and_audit_together(warehouse):
    with pytest.raises(RuntimeError, match="^boom$"), transaction(warehouse):
        insert_rows(
            warehouse, "meta", [{"key": "k", "value": "v", "set_at": "2026-01-01 00:00:00+00"}]
        )
        append_events(warehouse, [AuditEvent("x", "y", {})])
        raise RuntimeError("boom")
    assert warehouse.execute("SELECT count(*) FROM meta").fetchone() == (0,)
    assert warehouse.execute("SELECT count(*) FROM audit_events").fetchone() == (0,)


def test_audit_chain_verifies_and_detects_a_changed_row(warehouse_path: Path):
    with open_writer(warehouse_path, "test") as con, transaction(con):
        append_events(con, [AuditEvent("a", f"e{i}", {"i": i}) for i in range(5)])
    with open_writer(warehouse_path, "test") as con:
        assert verify_chain(con).ok
        with pytest.raises(duckdb.Error, match="append-only"):
            con.execute("UPDATE audit_events SET entity = 'x' WHERE seq = 3")
        con.execute(
            "DROP TRIGGER audit_events_no_update ON audit_events"
        )  # a writer can; the chain still tells
        con.execute("UPDATE audit_events SET payload = '{\"i\":99}' WHERE seq = 3")
        report = verify_chain(con)
    assert not report.ok and report.first_broken_seq == 3


def hold_lock(path: str, seconds: float, ready) -> None:
    with writer_lock(Path(path), "holder", 60):
        ready.set()
        time.sleep(seconds)


def test_second_writer_waits_for_the_lock_then_proceeds(warehouse_path: Path):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=hold_lock, args=(str(warehouse_path), 1.5, ready))
    holder.start()
    assert ready.wait(30)
    started = time.monotonic()
    with writer_lock(warehouse_path, "waiter", 30):
        waited = time.monotonic() - started
    holder.join()
    assert waited > 0.5


def test_writer_gives_up_with_a_clear_message(warehouse_path: Path):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=hold_lock, args=(str(warehouse_path), 3, ready))
    holder.start()
    assert ready.wait(30)
    with pytest.raises(WarehouseBusy, match="holder"):
        with writer_lock(warehouse_path, "waiter", 0.5):
            pass
    holder.join()


def test_lock_is_released_when_the_holder_is_killed(warehouse_path: Path):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=hold_lock, args=(str(warehouse_path), 60, ready))
    holder.start()
    assert ready.wait(30)
    holder.kill()
    holder.join()
    with writer_lock(warehouse_path, "next", 5):
        pass


def test_readers_use_the_snapshot_and_cannot_write(warehouse_path: Path, tmp_path: Path):
    with open_writer(warehouse_path, "test"):
        pass
    snapshot = refresh_snapshot(warehouse_path, tmp_path / "snapshot.duckdb")
    con = open_reader(warehouse_path, snapshot)
    with pytest.raises(duckdb.InvalidInputException, match="read-only mode"):
        con.execute("CREATE TABLE x (i INTEGER)")
    con.close()
