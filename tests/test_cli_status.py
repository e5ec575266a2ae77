"""Issue 19: `iportal status` (one screen, --json, exit 4 when a person is needed),
crashed runs marked with when and by whom, operator reads of the live warehouse, and
the exit-code table in --help."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iportal.cli import app
from iportal.exit_codes import ATTENTION, DONE, USAGE, queued_work
from warehouse.store import open_writer, refresh_snapshot

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A warehouse with one good night four hours ago."""
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        insert_run(con, "night1", "completed", hours_ago=4, pid=None)
    return tmp_path


def insert_run(con, run_id: str, status: str, hours_ago: float, pid: int | None) -> None:
    started = datetime.now(UTC) - timedelta(hours=hours_ago)
    finished = started + timedelta(minutes=20) if status == "completed" else None
    con.execute(
        "INSERT INTO runs (run_id, flow, as_of, started_at, finished_at, status, pid, "
        "pid_start_ticks, host) VALUES (?, 'nightly', ?, ?, ?, ?, ?, 1, NULL)",
        [run_id, started, started, finished, status, pid],
    )


def gone_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def status(data_dir: Path):
    result = CliRunner().invoke(app, ["status", "--json", "--data-dir", str(data_dir)])
    return result.exit_code, json.loads(result.stdout)


def test_help_shows_the_exit_codes():
    text = CliRunner().invoke(app, ["--help"]).output
    assert "Exit codes" in text
    for line in ("0  done", "1  failed", "2  bad arguments", "3  finished with work left queued",
                 "4  a check found something"):  # fmt: skip
        assert line in text


def test_queued_work_reads_the_summaries_of_the_runs():
    assert queued_work({"notifications": {"mailer_unavailable": None}, "peppol": {}}) == []
    night = {"notifications": {"mailer_unavailable": "refused"}, "peppol": {"pending": 2}}
    assert queued_work(night) == [
        "mail server unavailable, digests stay queued: refused",
        "2 Peppol documents left to send (access point unreachable)",
    ]
    assert queued_work({"digests_deferred": 1, "mailer_unavailable": ""}) == [
        "1 digests deferred (4xx), retried later"
    ]


def test_a_quiet_warehouse_needs_nobody(data_dir):
    code, found = status(data_dir)
    assert code == DONE and found["needs_a_person"] == []
    assert found["source"]["live"] is True
    assert [r["run_id"] for r in found["runs"]] == ["night1"]
    assert found["runs"][0]["seconds"] == 1200


def test_a_run_whose_process_is_gone_is_marked_crashed_with_when_and_by_whom(data_dir):
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        insert_run(con, "night2", "running", hours_ago=1, pid=gone_pid())
        insert_run(con, "night3", "running", hours_ago=0.5, pid=None)  # before migration 014
    before = datetime.now(UTC)
    code, found = status(data_dir)
    assert code == ATTENTION
    assert sorted(found["crashed_now"]) == ["night2", "night3"]
    crashed = {r["run_id"]: r for r in found["runs"] if r["status"] == "crashed"}
    assert set(crashed) == {"night2", "night3"}
    assert crashed["night2"]["crash_detected_by"].startswith("operator:")
    assert datetime.fromisoformat(crashed["night2"]["crash_detected_at"]) >= before
    assert "run night2 (nightly) crashed" in found["needs_a_person"]
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        events = con.execute(
            "SELECT entity FROM audit_log WHERE event_type = 'run_crashed' ORDER BY entity"
        ).fetchall()
    assert events == [("night2",), ("night3",)]
    code, again = status(data_dir)  # found once: a second look changes nothing
    assert again["crashed_now"] == []


def test_a_live_run_is_not_marked_crashed(data_dir):
    import os

    from tasks.lifecycle import start_ticks

    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        con.execute("INSERT INTO runs (run_id, flow, as_of, started_at, status, pid, "
                    "pid_start_ticks) VALUES ('live', 'nightly', now(), now(), 'running', ?, ?)",
                    [os.getpid(), start_ticks(os.getpid())])  # fmt: skip
    code, found = status(data_dir)
    assert found["crashed_now"] == [] and code == DONE


def test_what_waits_is_counted_and_needs_a_person(data_dir):
    now = datetime.now(UTC)
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        con.execute("INSERT INTO flagged_addresses VALUES ('a@example.be', 2, ?, ?)", [now, now])
        con.execute(
            "INSERT INTO quarantine VALUES ('f', 'documents.jsonl', 3, 'bad', 'bad row', '{}', "
            "'night1', ?)",
            [now],
        )
        con.execute(
            "INSERT INTO print_batches (batch_id, issuer, run_id, status, created_at, ready_at,"
            " pieces) VALUES ('b-old', 'DL5', 'night1', 'ready', ?, ?, 7)",
            [now - timedelta(hours=30), now - timedelta(hours=30)],
        )
    (data_dir / "print" / "b-old").mkdir(parents=True)
    (data_dir / "print" / "b-old" / "READY").write_text("{}")
    code, found = status(data_dir)
    assert code == ATTENTION
    waiting = found["waiting"]
    assert waiting["flagged_addresses"] == 1 and waiting["quarantined_since_last_run"] == 1
    assert [b["batch_id"] for b in found["print_batches_uncollected"]] == ["b-old"]
    assert "1 flagged e-mail addresses" in found["needs_a_person"]
    assert "print batches not collected after 24 h: b-old" in found["needs_a_person"]
    screen = CliRunner().invoke(app, ["status", "--data-dir", str(data_dir)])
    assert screen.exit_code == ATTENTION and "needs a person" in screen.output
    assert "print batch b-old READY, not collected" in screen.output


def hold_the_warehouse(database: Path) -> subprocess.Popen:
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom warehouse.store import open_writer\n"
        f"with open_writer(Path({str(database)!r}), 'nightly'):\n"
        "    print('held', flush=True)\n    time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_while_a_run_writes_status_and_sql_show_the_snapshot_and_say_why(data_dir):
    database = data_dir / "warehouse.duckdb"
    refresh_snapshot(database, data_dir / "snapshot.duckdb")
    with open_writer(database, "test") as con:  # after the snapshot: only live shows it
        con.execute("INSERT INTO flagged_addresses VALUES ('b@example.be', 2, now(), now())")
    query = ["sql", "SELECT count(*) AS n FROM flagged_addresses", "--format", "json",
             "--data-dir", str(data_dir)]  # fmt: skip
    live = CliRunner().invoke(app, query)
    assert json.loads(live.stdout) == [{"n": 1}]
    holder = hold_the_warehouse(database)
    try:
        started = time.monotonic()
        code, found = status(data_dir)
        shown = CliRunner().invoke(app, query)
        assert time.monotonic() - started < 10  # no waiting for the writer
    finally:
        holder.kill()
        holder.wait()
    assert found["source"]["live"] is False
    assert "nightly" in found["source"]["why"] and "snapshot" in found["source"]["why"]
    assert json.loads(shown.stdout) == [{"n": 0}]
    assert "being written by nightly" in shown.stderr


def test_status_of_a_data_dir_without_a_warehouse_fails_clearly_and_creates_nothing(tmp_path):
    result = CliRunner().invoke(app, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "no warehouse" in result.output
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_digests_waiting_after_a_delivery_error_need_a_person(data_dir):
    """The mail server was down: the night finished (exit 3), the digests wait."""
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        con.execute(
            "INSERT INTO digests (digest_id, recipient, frequency, period, address, user_id, "
            "role, language, documents, customer_codes, invitation, message_id, spooled, "
            "status, attempts, last_error, queued_at, outcome_audited, run_id) VALUES "
            "('d1', 'an@example.be', 'immediate', 'p', 'an@example.be', 'u1', 'main', 'nl', 1,"
            " ['DL50012345'], false, '<m>', true, 'queued', 0, 'Connection refused', now(), "
            "false, 'night1')"
        )
    code, found = status(data_dir)
    assert code == ATTENTION and found["waiting"]["digests_queued"] == 1
    assert "1 digests wait after a delivery error: Connection refused" in found["needs_a_person"]


@pytest.mark.parametrize(
    "argv",
    [
        ["backfill"],  # neither --account nor --customer-code
        ["digest", "--frequency", "hourly"],
        ["status", "--no-such-option"],
    ],
)
def test_bad_arguments_exit_2(tmp_path, argv):
    result = CliRunner().invoke(app, [*argv, "--data-dir", str(tmp_path)])
    assert result.exit_code == USAGE, result.output
