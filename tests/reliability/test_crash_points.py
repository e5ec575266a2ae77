"""The crash points themselves (tasks/faults.py): each named one is really in the code,
a pass is a no-op without IPORTAL_CRASH_AT, and the n-th pass kills with SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tasks.faults import POINTS, crashpoint

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r"""crashpoint\(["']([\w.]+)["']\)""")


def test_every_listed_point_is_in_the_code_and_every_call_is_listed():
    called = {
        name
        for folder in ("tasks", "flows", "warehouse")
        for path in (ROOT / folder).rglob("*.py")
        for name in CALL.findall(path.read_text(encoding="utf-8"))
    }
    assert called == set(POINTS)


def test_without_the_variable_a_pass_does_nothing(monkeypatch):
    monkeypatch.delenv("IPORTAL_CRASH_AT", raising=False)
    crashpoint("render.before_record")  # still alive


def run_passes(
    crash_at: str, passes: int, tally: Path | None = None
) -> subprocess.CompletedProcess:
    env = dict(os.environ, IPORTAL_CRASH_AT=crash_at)
    if tally:
        env["IPORTAL_CRASH_COUNT"] = str(tally)
    code = (
        "from tasks.faults import crashpoint\n"
        f"for i in range({passes}):\n"
        "    print(i, flush=True)\n"
        "    crashpoint('paper.assigned')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_nth_pass_kills_the_process_like_a_power_cut(tmp_path):
    tally = tmp_path / "passes"
    done = run_passes("paper.assigned:3", 5, tally)
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.split() == ["0", "1", "2"]  # killed in the third pass, no cleanup
    assert tally.read_text().split() == ["paper.assigned"] * 3


def test_another_point_or_too_few_passes_do_not_kill():
    assert run_passes("ingest.before_move:1", 3).returncode == 0
    assert run_passes("paper.assigned:4", 3).returncode == 0
