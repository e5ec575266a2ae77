"""Crash injection (issue 10): SIGKILL the nightly at seeded random moments, rerun, check.

CI runs IPORTAL_CRASH_TRIALS trials (default 3, for time); the full proof is
    IPORTAL_CRASH_TRIALS=30 .venv/bin/pytest tests/reliability -p no:randomly
Each trial either kills at a named crash point (tasks/faults.py) on its n-th pass, or
after a random delay, so the kills land in ingest, mid-render, between the print batch
files and their commit, and before publishing.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tasks.generate import write_landing_files
from warehouse.audit import verify_chain

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
TRIALS = int(os.environ.get("IPORTAL_CRASH_TRIALS", "3"))
SEED = int(os.environ.get("IPORTAL_CRASH_SEED", "20261127"))
POINTS = {
    "ingest.chunk_committed": 12,
    "ingest.before_move": 3,
    "render.before_record": 4,
    "paper.assigned": 1,
    "paper.before_ready_commit": 2,
    "portal.before_publish": 1,
}


def plan_trials(count: int, seed: int) -> list[dict]:
    """Half at named crash points, half after a random delay; every plan different."""
    rng = random.Random(seed)
    names = sorted(POINTS)
    plans = []
    for trial in range(count):
        if trial % 2 == 0:
            name = names[(trial // 2) % len(names)]
            plans.append({"crash_at": f"{name}:{rng.randint(1, POINTS[name])}"})
        else:
            plans.append({"kill_after": round(rng.uniform(1.0, 12.0), 2)})
    return plans


def manifest_pieces(print_dir: Path, kind: str | None = None) -> Counter:
    """How often each mail piece appears across all print batches (of one kind)."""
    pieces: Counter = Counter()
    for manifest in print_dir.glob("*/*.manifest.csv"):
        with manifest.open(encoding="utf-8") as handle:
            pieces.update(
                row["piece_id"] for row in csv.DictReader(handle) if kind in (None, row["kind"])
            )
    return pieces


def check_invariants(data_dir: Path) -> list[str]:
    """Every broken invariant, in words; an empty list means all hold."""
    problems = []
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:

        def value(sql: str):
            return con.execute(sql).fetchall()[0][0]

        undelivered = value(
            "SELECT count(*) FROM documents d WHERE NOT is_history AND NOT EXISTS "
            "(SELECT 1 FROM deliveries v WHERE v.issuer = d.issuer "
            "AND v.document_number = d.document_number AND v.purpose = 'original')"
        )
        if undelivered:
            problems.append(f"{undelivered} new documents have no original delivery")
        stuck = value("SELECT count(*) FROM deliveries WHERE status IN ('decided', 'batched')")
        if stuck:
            problems.append(f"{stuck} deliveries still decided or batched after the rerun")
        paper = value("SELECT count(*) FROM deliveries WHERE channel = 'paper'")
        pieces = manifest_pieces(data_dir / "print")
        twice = [piece for piece, n in pieces.items() if n > 1]
        if twice:
            problems.append(f"mail pieces in two print batches: {twice[:5]}")
        documents = sum(manifest_pieces(data_dir / "print", "document").values())
        if documents != paper:
            problems.append(f"{paper} paper deliveries but {documents} document pieces")
        not_ready = [p.name for p in (data_dir / "print").glob("*") if not (p / "READY").exists()]
        if not_ready:
            problems.append(f"print batch folders without READY: {not_ready}")
        known = {row[0] for row in con.execute("SELECT file_name FROM landing_files").fetchall()}
        processed = data_dir / "landing" / "processed"
        orphans = (
            [p.name for p in processed.glob("*") if p.name not in known]
            if processed.exists()
            else []
        )
        if orphans:
            problems.append(f"files in processed/ whose rows are not in the warehouse: {orphans}")
        left = [p.name for p in (data_dir / "landing").glob("*.*")]
        if left:
            problems.append(f"landing files left unprocessed: {left}")
        chain = verify_chain(con)
        if not chain.ok:
            problems.append(f"audit chain broken at {chain.first_broken_seq}: {chain.problem}")
    finally:
        con.close()
    return problems


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("pristine")
    write_landing_files(
        data_dir / "landing", customers=30, years=2, seed=3, as_of=date(2026, 11, 27), bad_rows=1
    )
    return data_dir


def run_night(
    data_dir: Path, api_url: str, crash_at: str | None = None, kill_after: float | None = None
) -> int:
    env = dict(
        os.environ, PREFECT_API_URL=api_url, IPORTAL_BATCH_SIZE="40", IPORTAL_RENDER_WORKERS="2"
    )
    env.pop("IPORTAL_CRASH_AT", None)
    if crash_at:
        env["IPORTAL_CRASH_AT"] = crash_at
    command = [
        sys.executable,
        "-m",
        "iportal",
        "nightly",
        "--data-dir",
        str(data_dir),
        "--as-of",
        "2026-11-27",
        "--json",
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    if kill_after is not None:
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the flow and its render workers
    process.wait(timeout=600)
    return process.returncode


@pytest.mark.parametrize("trial", range(TRIALS))
def test_nightly_survives_a_kill_at_any_moment(trial, pristine, prefect_harness, tmp_path):
    plan = plan_trials(TRIALS, SEED)[trial]
    data_dir = tmp_path / "data"
    shutil.copytree(pristine, data_dir)
    started = time.monotonic()
    crashed = run_night(data_dir, prefect_harness, **plan)
    rerun = run_night(data_dir, prefect_harness)
    assert rerun == 0, f"rerun failed after {plan}"
    assert check_invariants(data_dir) == [], f"after {plan} (first run exit {crashed})"
    print(f"trial {trial}: {plan} exit {crashed} in {time.monotonic() - started:.1f} s")
