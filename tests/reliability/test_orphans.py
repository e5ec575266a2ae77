"""Issue 19, no orphans: `kill -9` of `iportal nightly` mid-render and mid-Peppol leaves
no process of that run alive 5 s later (Prefect's ephemeral API, the forkserver, the
resource tracker, the pool workers), and the sweep ends a leftover whose owner is gone
but never one whose owner lives. Real processes throughout: the CLI as a subprocess on
its own ephemeral Prefect API (no PREFECT_API_URL), killed by its crash point."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tasks.generate import write_landing_files
from tasks.lifecycle import OWNER_VARIABLE, is_running, owner_of, sweep_orphans

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]


def processes_marked(marker: str) -> list[str]:
    """Command lines of live processes whose environment carries `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            if marker.encode() in environment:
                stat = Path(f"/proc/{pid}/stat").read_text()
                if stat.rsplit(")", 1)[1].split()[0] != "Z":  # a zombie is not alive
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                    found.append(f"{pid} {cmd[:120].decode(errors='replace')}")
        except OSError:
            continue
    return found


def iportal(tmp_path: Path, argv: list[str], **env) -> subprocess.CompletedProcess:
    """`iportal ARGV` as its own process on its own ephemeral Prefect API (PREFECT_HOME in
    tmp_path), marked so that the test can find every process it started."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    environment |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "IPORTAL_DATA_DIR": str(tmp_path / "data"),
        "IPORTAL_BATCH_SIZE": "10",
        "IPORTAL_RENDER_WORKERS": "2",
        "H19_ORPHAN_TEST": str(tmp_path),
    } | env
    with (tmp_path / "iportal.log").open("a") as out:
        return subprocess.run(
            [sys.executable, "-m", "iportal", *argv], cwd=ROOT, env=environment,
            stdout=subprocess.PIPE, stderr=out, text=True, timeout=600,
        )  # fmt: skip


@pytest.mark.parametrize("crash_at", ["render.before_record:2", "peppol.sent_not_recorded:1"])
def test_sigkill_of_the_nightly_leaves_no_process_alive(tmp_path, crash_at):
    write_landing_files(tmp_path / "data" / "landing", 30, 1, 3, None)
    killed = iportal(tmp_path, ["nightly"], IPORTAL_CRASH_AT=crash_at)
    assert killed.returncode == -signal.SIGKILL, (tmp_path / "iportal.log").read_text()[-3000:]
    time.sleep(5)
    assert processes_marked(f"H19_ORPHAN_TEST={tmp_path}") == []
    if crash_at.startswith("render"):
        the_crashed_run_is_marked_by_status(tmp_path)


def the_crashed_run_is_marked_by_status(tmp_path: Path) -> None:
    """Issue 19 item 2: `iportal status` finds the killed run, marks it crashed (runs
    table, with when and by whom; Prefect's flow run Crashed) and exits 4."""
    status = iportal(tmp_path, ["status", "--json"])
    assert status.returncode == 4, (tmp_path / "iportal.log").read_text()[-3000:]
    found = json.loads(status.stdout)
    (run,) = found["runs"]
    assert run["status"] == "crashed" and found["crashed_now"] == [run["run_id"]]
    assert run["crash_detected_by"].startswith("operator:") and run["crash_detected_at"]
    assert f"run {run['run_id']} (nightly) crashed" in found["needs_a_person"]
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    flow_run_id, marked = con.execute(
        "SELECT prefect_flow_run_id, prefect_marked_at FROM runs"
    ).fetchone()
    con.close()
    assert flow_run_id and marked
    prefect_db = sqlite3.connect(tmp_path / "prefect" / "prefect.db")
    (state,) = prefect_db.execute(
        "SELECT state_type FROM flow_run WHERE id = ?", [flow_run_id]
    ).fetchone()
    prefect_db.close()
    assert state == "CRASHED"
    assert processes_marked(f"H19_ORPHAN_TEST={tmp_path}") == []  # status's API ended too


def test_the_sweep_ends_a_leftover_whose_owner_is_gone_and_only_that(tmp_path):
    # An owner that has ended, and one that lives (this test's process).
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    dead_owner = f"{gone}:1"
    live_owner = owner_of(os.getpid())
    assert not is_running(dead_owner) and is_running(live_owner)
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    orphan = subprocess.Popen(sleeper, env=dict(os.environ, **{OWNER_VARIABLE: dead_owner}))
    kept = subprocess.Popen(sleeper, env=dict(os.environ, **{OWNER_VARIABLE: live_owner}))
    try:
        time.sleep(0.5)  # both have exec'd: /proc shows their own environment
        ended = sweep_orphans()
        assert orphan.wait(timeout=5) == -signal.SIGKILL
        assert orphan.pid in ended and kept.pid not in ended
        assert kept.poll() is None
    finally:
        for process in (orphan, kept):
            if process.poll() is None:
                process.kill()
                process.wait()
