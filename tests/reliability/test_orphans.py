"""Issue 19, no orphans: `kill -9` of `iportal nightly` mid-render and mid-Peppol leaves
no process of that run alive 5 s later (Prefect's ephemeral API, the forkserver, the
resource tracker, the pool workers), and the sweep ends a leftover whose owner is gone
but never one whose owner lives. Real processes throughout: the CLI as a subprocess on
its own ephemeral Prefect API (no PREFECT_API_URL), killed by its crash point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def nightly_killed_at(tmp_path: Path, crash_at: str) -> tuple[int, str]:
    data_dir = tmp_path / "data"
    write_landing_files(data_dir / "landing", 30, 1, 3, None)
    marker = f"H19_ORPHAN_TEST={tmp_path}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "IPORTAL_CRASH_AT": crash_at,
        "IPORTAL_BATCH_SIZE": "10",
        "IPORTAL_RENDER_WORKERS": "2",
        "H19_ORPHAN_TEST": str(tmp_path),
    }
    log = tmp_path / "nightly.log"
    with log.open("w") as out:
        run = subprocess.run(
            [sys.executable, "-m", "iportal", "nightly", "--data-dir", str(data_dir)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=600,
        )  # fmt: skip
    return run.returncode, marker


@pytest.mark.parametrize("crash_at", ["render.before_record:2", "peppol.sent_not_recorded:1"])
def test_sigkill_of_the_nightly_leaves_no_process_alive(tmp_path, crash_at):
    code, marker = nightly_killed_at(tmp_path, crash_at)
    assert code == -signal.SIGKILL, (tmp_path / "nightly.log").read_text()[-3000:]
    time.sleep(5)
    assert processes_marked(marker) == []


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
