"""The audit chain is tamper-evident (R30): in a copy of a warehouse file, another
connection drops the guard triggers and changes, deletes, reorders or inserts rows;
`verify_audit` and `iportal audit verify` name the first broken row. With the triggers
in place, UPDATE and DELETE are refused by the database itself."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from iportal.analyst import verify_audit
from iportal.cli import app
from warehouse.audit import (
    AuditEvent,
    append_events,
    chain_hash,
    verify_chain,
    verify_chain_row_by_row,
)
from warehouse.store import open_writer, transaction

START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
EVENTS = 30
TRIGGERS = ("audit_events_no_update", "audit_events_no_delete")
# text that needs JSON escaping takes the Python path of verify_chain: include some
ODD = ['quote " and back\\slash', "line\nbreak\ttab", "Zoë – ünïcode", "\x01control"]


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    """A warehouse with a clean chain, written in three batches like the flows do."""
    data_dir = tmp_path_factory.mktemp("audit")
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        for batch in range(3):
            events = [
                AuditEvent(
                    "document_published",
                    f"DL5/2026-{batch * 10 + i:07d}",
                    {"channel": "portal", "note": ODD[i % len(ODD)], "n": i},
                    actor=f"run-{batch}" if i % 5 else ODD[batch],
                )
                for i in range(EVENTS // 3)
            ]
            with transaction(con):
                append_events(con, events, at=START + timedelta(minutes=batch))
    return data_dir


@pytest.fixture
def copy(original, tmp_path) -> Path:
    """A copy of the warehouse file in a data dir of its own (no snapshot: verify reads it)."""
    shutil.copyfile(original / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    return tmp_path


def tamper(data_dir: Path, *statements: str, params=None) -> None:
    """Another connection, as an intruder with file access would: triggers dropped first."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        for trigger in TRIGGERS:
            con.execute(f"DROP TRIGGER {trigger} ON audit_events").fetchall()
        for statement in statements:
            con.execute(statement, params).fetchall()
    finally:
        con.close()


def row(data_dir: Path, seq: int) -> tuple:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'").fetchall()
        return con.execute(
            'SELECT seq, epoch_us("at"), actor, event_type, entity, payload::VARCHAR, '
            "prev_hash, hash FROM audit_events WHERE seq = ?",
            [seq],
        ).fetchall()[0]
    finally:
        con.close()


def both_verifiers(data_dir: Path):
    """verify_audit (the fast set-wise check) and the reference row-by-row walk agree."""
    fast = verify_audit(data_dir)
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        reference = verify_chain_row_by_row(con)
    finally:
        con.close()
    assert fast == reference
    return fast


def cli_verify(data_dir: Path):
    return CliRunner().invoke(app, ["audit", "verify", "--data-dir", str(data_dir)])


def test_clean_copy_verifies(copy):
    report = both_verifiers(copy)
    assert report.ok and report.events == EVENTS
    result = cli_verify(copy)
    assert result.exit_code == 0 and f"{EVENTS} events verified" in result.output


@pytest.mark.parametrize(
    ("statement", "seq"),
    [
        ('UPDATE audit_events SET payload = \'{"channel":"paper"}\' WHERE seq = 7', 7),
        ("UPDATE audit_events SET actor = 'someone else' WHERE seq = 12", 12),
        ("UPDATE audit_events SET event_type = 'document_printed' WHERE seq = 1", 1),
        ("UPDATE audit_events SET entity = 'DL5/2026-9999999' WHERE seq = 30", 30),
        ('UPDATE audit_events SET "at" = "at" + INTERVAL 1 MICROSECOND WHERE seq = 18', 18),
        ('UPDATE audit_events SET payload = \'{"note":"line\\nbreak"}\' WHERE seq = 6', 6),
    ],
    ids=["payload", "actor", "event_type-first", "entity-last", "at-1us", "payload-escaped"],
)
def test_a_modified_row_is_named(copy, statement, seq):
    tamper(copy, statement)
    report = both_verifiers(copy)
    assert not report.ok and report.first_broken_seq == seq
    assert report.problem == "row content does not match its hash"
    result = cli_verify(copy)
    assert result.exit_code == 4 and f"BROKEN at seq {seq}" in result.output


def test_a_row_rewritten_with_its_own_hash_recomputed_breaks_the_next_link(copy):
    """The intruder recomputes the changed row's hash; the next row still names the old."""
    seq, at_us, actor, event_type, entity, _payload, prev_hash, _hash = row(copy, 9)
    forged = json.dumps({"channel": "paper"})
    digest = chain_hash(prev_hash, seq, at_us, actor, event_type, entity, forged)
    tamper(
        copy, "UPDATE audit_events SET payload = ?, hash = ? WHERE seq = 9", params=[forged, digest]
    )
    report = both_verifiers(copy)
    assert (report.ok, report.first_broken_seq) == (False, 10)
    assert report.problem == "prev_hash does not match the previous row"


def test_a_deleted_row_is_named(copy):
    tamper(copy, "DELETE FROM audit_events WHERE seq = 15")
    report = both_verifiers(copy)
    assert (report.ok, report.first_broken_seq) == (False, 16)
    assert report.problem == "expected seq 15, found 16"
    assert "BROKEN at seq 16" in cli_verify(copy).output


def test_deleting_the_first_row_is_caught(copy):
    tamper(copy, "DELETE FROM audit_events WHERE seq = 1")
    report = both_verifiers(copy)
    assert (report.ok, report.first_broken_seq) == (False, 2)


def test_deleted_and_renumbered_rows_are_caught_by_the_link(copy):
    """Renumbering after a delete hides the gap; the hashes still name the row."""
    tamper(
        copy,
        "DELETE FROM audit_events WHERE seq = 20",
        "UPDATE audit_events SET seq = seq - 1 WHERE seq > 20",
    )
    report = both_verifiers(copy)
    assert (report.ok, report.first_broken_seq) == (False, 20)
    assert report.problem == "prev_hash does not match the previous row"


def test_reordered_rows_are_named(copy):
    tamper(
        copy,
        "UPDATE audit_events SET seq = -5 WHERE seq = 5",
        "UPDATE audit_events SET seq = 5 WHERE seq = 6",
        "UPDATE audit_events SET seq = 6 WHERE seq = -5",
    )
    report = both_verifiers(copy)
    assert (report.ok, report.first_broken_seq) == (False, 5)
    assert report.problem == "prev_hash does not match the previous row"
    assert "BROKEN at seq 5" in cli_verify(copy).output


def test_an_inserted_row_is_named(copy):
    """A forged event slid in after seq 10, well hashed against row 10; rows behind it
    renumbered. The row after it still points at row 10."""
    seq, at_us, *_rest, hash10 = row(copy, 10)
    payload = json.dumps({"channel": "portal"})
    digest = chain_hash(hash10, 11, at_us, "run-1", "document_published", "DL5/X", payload)
    tamper(
        copy,
        "UPDATE audit_events SET seq = seq + 1000 WHERE seq > 10",
        "UPDATE audit_events SET seq = seq - 999 WHERE seq > 1000",
        "INSERT INTO audit_events SELECT 11, \"at\", 'run-1', 'document_published', 'DL5/X', "
        f"'{payload}', prev_hash, '{digest}' FROM audit_events WHERE seq = 10",
        "UPDATE audit_events SET prev_hash = (SELECT hash FROM audit_events WHERE seq = 10) "
        "WHERE seq = 11",
    )
    report = both_verifiers(copy)
    assert (report.ok, report.first_broken_seq) == (False, 12)
    assert report.problem == "prev_hash does not match the previous row"


def test_an_inserted_row_with_a_made_up_hash_is_named(copy):
    tamper(
        copy,
        'INSERT INTO audit_events SELECT 31, "at", actor, event_type, entity, payload, '
        "hash, repeat('0', 64) FROM audit_events WHERE seq = 30",
    )
    report = both_verifiers(copy)
    assert (report.ok, report.first_broken_seq) == (False, 31)


def test_the_guard_triggers_refuse_update_and_delete(copy):
    with open_writer(copy / "warehouse.duckdb", "test") as con:
        with pytest.raises(duckdb.Error, match="append-only: UPDATE refused"):
            con.execute("UPDATE audit_events SET actor = 'x' WHERE seq = 3").fetchall()
        with pytest.raises(duckdb.Error, match="append-only: DELETE refused"):
            con.execute("DELETE FROM audit_events WHERE seq = 30").fetchall()
        with transaction(con):  # appending is what the log is for
            append_events(con, [AuditEvent("checked", "audit", {})])
        report = verify_chain(con)
    assert report.ok and report.events == EVENTS + 1
    assert row(copy, 3)[2] == "run-0"


# Any single change to any field of any row is caught at that row, and the
# fast check always agrees with the reference walk.
FIELDS = {
    "actor": "'x'",
    "event_type": "'x'",
    "entity": "entity || ' '",
    "payload": "'{\"x\":1}'",
    "prev_hash": "repeat('1', 64)",
    "hash": "repeat('2', 64)",
    '"at"': '"at" - INTERVAL 1 SECOND',
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seq=st.integers(1, EVENTS), column=st.sampled_from(sorted(FIELDS)))
def test_any_single_field_change_is_caught(original, tmp_path_factory, seq, column):
    data_dir = tmp_path_factory.mktemp("tampered")
    shutil.copyfile(original / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    tamper(data_dir, f"UPDATE audit_events SET {column} = {FIELDS[column]} WHERE seq = {seq}")
    report = both_verifiers(data_dir)
    assert not report.ok
    assert report.first_broken_seq == seq
