"""Crash injection (issue 10): SIGKILL a nightly, a backfill and a digest run at seeded
moments, rerun to completion, check every invariant (tests/reliability/invariants.py).

    IPORTAL_CRASH_TRIALS=30 .venv/bin/pytest -p no:randomly tests/reliability -m crash

runs 30 trials (15 nightly, 7 backfill, 8 digest); CI runs the default, 3 (one each). Each trial
either kills at a named crash point (tasks/faults.py) on its n-th pass, n drawn from
1..(passes counted in a reference run), or kills the whole process group after a delay
drawn from the reference run's duration. The runs talk to a real SMTP server and a real
HTTP Peppol access point, which count what they receive. Seed: IPORTAL_CRASH_SEED.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import signal
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tasks.faults import POINTS
from tasks.generate import write_landing_files
from tests.reliability.harness import AccessPointServer, SmtpSink
from tests.reliability.invariants import check_invariants
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.crash, pytest.mark.xdist_group("prefect")]
TRIALS = int(os.environ.get("IPORTAL_CRASH_TRIALS", "3"))
SEED = int(os.environ.get("IPORTAL_CRASH_SEED", "20261127"))
SETTINGS = {"IPORTAL_BATCH_SIZE": "12", "IPORTAL_RENDER_WORKERS": "2"}
NIGHT_1 = ["nightly", "--as-of", "2026-11-27", "--json"]
NIGHT_2 = ["nightly", "--as-of", "2026-11-28", "--json"]
DIGEST = ["digest", "--frequency", "daily", "--as-of", "2026-11-29T07:00", "--json"]
RESEND_WINDOWS = {"smtp.sent_not_recorded", "peppol.sent_not_recorded"}
# Where the backfill and the digest run pass (once at least), for when no reference run
# is made: a reference run only pays for itself when it calibrates several trials.
KNOWN_PASSES = {
    "backfill": Counter({"render.before_record": 1}),
    "digest": Counter({"digest.spooled": 1, "smtp.sent_not_recorded": 1}),
}


def split_trials(total: int) -> dict[str, int]:
    """Half the trials for the nightly (most crash points), the rest for the others;
    each run gets one from 3 trials on."""
    if total <= 3:
        return {"nightly": min(total, 1), "backfill": int(total >= 2), "digest": int(total >= 3)}
    nightly = math.ceil(total / 2)
    backfill = (total - nightly) // 2
    return {"nightly": nightly, "backfill": backfill, "digest": total - nightly - backfill}


@dataclass
class Scenario:
    """A data dir just before the run under test, and what a clean run does."""

    name: str
    base: Path
    argv: list[str]
    passes: Counter  # crash point -> passes in a clean run
    seconds: float  # duration of a clean run (no import: forked from the zygote)


def plan_trials(scenario: Scenario, count: int, seed: int) -> list[dict]:
    """Two of three trials at a named crash point (round robin, random pass), the
    third after a random delay; plans differ as far as the run's passes allow."""
    rng = random.Random(f"{seed}:{scenario.name}")
    # the two resend windows first: CI's single trial per run lands in one of them
    names = sorted(
        (p for p in scenario.passes if p in POINTS), key=lambda p: (p not in RESEND_WINDOWS, p)
    )
    plans, seen = [], set()
    for trial in range(count):
        for _ in range(20):
            if trial % 3 != 2 and names:
                name = names[(trial - trial // 3) % len(names)]
                plan = {"crash_at": f"{name}:{rng.randint(1, scenario.passes[name])}"}
            else:
                plan = {"kill_after": round(rng.uniform(0.5, scenario.seconds), 2)}
            if json.dumps(plan) not in seen:
                break
        seen.add(json.dumps(plan))
        plans.append(plan)
    return plans


def servers_settings(smtp: SmtpSink, access_point: AccessPointServer) -> dict:
    return SETTINGS | smtp.settings() | access_point.settings()


def with_dir(argv: list[str], data_dir: Path) -> list[str]:
    return [*argv, "--data-dir", str(data_dir)]


def counted_run(zygote, data_dir: Path, argv: list[str], env: dict) -> tuple[Counter, float]:
    """A clean run that tallies its crash point passes; returns them and its duration."""
    tally, log = data_dir.with_suffix(".passes"), data_dir.with_suffix(".log")
    started = time.monotonic()
    code = zygote.run(with_dir(argv, data_dir), log, env | {"IPORTAL_CRASH_COUNT": str(tally)})
    assert code == 0, log.read_text()[-3000:]
    seconds = time.monotonic() - started
    passes = Counter(tally.read_text().split()) if tally.exists() else Counter()
    print(f"reference {argv[0]}: {seconds:.1f} s, passes {dict(passes)}")
    return passes, seconds


def new_landing_documents(data_dir: Path, count: int, prefix: str) -> int:
    """A second night's invoices for existing customers: stored ones under new numbers."""
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        rows = con.execute(
            "SELECT issuer, customer_number, contract_number, lines::VARCHAR, total_excl_vat, "
            "total_vat, total_incl_vat, payment_reference FROM documents "
            "WHERE document_type = 'invoice' ORDER BY issue_date DESC, document_number LIMIT ?",
            [count],
        ).fetchall()
    with (data_dir / "landing" / "documents_2026-11-28.jsonl").open("w") as handle:
        for i, (issuer, customer, contract, lines, excl, vat, incl, ref) in enumerate(rows):
            document = {
                "issuer": issuer, "document_number": f"{prefix}{i:05d}",
                "document_type": "invoice", "issue_date": "2026-11-28",
                "due_date": "2026-12-28", "customer_number": customer,
                "contract_number": contract, "currency": "EUR", "lines": json.loads(lines),
                "total_excl_vat": str(excl), "total_vat": str(vat),
                "total_incl_vat": str(incl), "payment_reference": ref,
                "credited_document_number": None,
            }  # fmt: skip
            handle.write(json.dumps(document) + "\n")
    return len(rows)


@pytest.fixture(scope="module")
def crash_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("crash")


@pytest.fixture(scope="module")
def nightly_scenario(zygote, crash_root) -> Scenario:
    """Tonight's landing files (with one bad row of each kind); the reference night 1
    runs on a copy, which the other scenarios start from."""
    pristine = crash_root / "nightly-base"
    write_landing_files(
        pristine / "landing", customers=10, years=1, seed=3, as_of=date(2026, 11, 27),
        bad_rows=1,
    )  # fmt: skip
    with SmtpSink() as smtp, AccessPointServer() as access_point:
        night = copy_to(pristine, crash_root / "night-1")
        passes, seconds = counted_run(zygote, night, NIGHT_1, servers_settings(smtp, access_point))
    return Scenario("nightly", pristine, NIGHT_1, passes, seconds)


@pytest.fixture(scope="module")
def backfill_scenario(zygote, crash_root, nightly_scenario) -> Scenario:
    """After night 1: seven years of history (R21) for the code with most history."""
    base = copy_to(crash_root / "night-1", crash_root / "backfill-base")
    with open_writer(base / "warehouse.duckdb", "test") as con:
        code = con.execute(
            "SELECT customer_code FROM documents WHERE is_history GROUP BY ALL "
            "ORDER BY count(*) DESC, customer_code LIMIT 1"
        ).fetchall()[0][0]
    argv = ["backfill", "--customer-code", code, "--as-of", "2026-11-27", "--json"]
    if split_trials(TRIALS)["backfill"] < 3:  # no delay to calibrate
        return Scenario("backfill", base, argv, KNOWN_PASSES["backfill"], 0.0)
    with SmtpSink() as smtp, AccessPointServer() as access_point:
        env = servers_settings(smtp, access_point)
        passes, seconds = counted_run(zygote, copy_to(base, crash_root / "backfill-ref"), argv, env)
    return Scenario("backfill", base, argv, passes, seconds)


@pytest.fixture(scope="module")
def digest_scenario(zygote, crash_root, nightly_scenario) -> Scenario:
    """Night 2 after every user chose daily digests (R11): its documents wait for the
    daily digest run under test."""
    night = copy_to(crash_root / "night-1", crash_root / "night-2")
    with open_writer(night / "warehouse.duckdb", "test") as con:
        con.execute("UPDATE users SET frequency = 'daily'").fetchall()
    new_landing_documents(night, 24, "2026-96")
    with SmtpSink() as smtp, AccessPointServer() as access_point:
        env = servers_settings(smtp, access_point)
        assert zygote.run(with_dir(NIGHT_2, night), crash_root / "night-2.log", env) == 0
        base = copy_to(night, crash_root / "digest-base")
        if split_trials(TRIALS)["digest"] < 3:  # no delay to calibrate
            return Scenario("digest", base, DIGEST, KNOWN_PASSES["digest"], 0.0)
        passes, seconds = counted_run(zygote, copy_to(base, crash_root / "digest-ref"), DIGEST, env)
    assert passes["smtp.sent_not_recorded"] > 0, "the daily digest run sent nothing"
    return Scenario("digest", base, DIGEST, passes, seconds)


def copy_to(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


TRIAL_IDS = [
    (name, trial) for name, count in split_trials(TRIALS).items() for trial in range(count)
]


@pytest.mark.parametrize(("name", "trial"), TRIAL_IDS, ids=[f"{n}-{t}" for n, t in TRIAL_IDS])
def test_a_killed_run_finishes_once_on_rerun(name, trial, request, zygote, tmp_path):
    scenario = request.getfixturevalue(f"{name}_scenario")
    plan = plan_trials(scenario, split_trials(TRIALS)[name], SEED)[trial]
    data_dir = copy_to(scenario.base, tmp_path / "data")
    before = sent_before(data_dir)
    with SmtpSink() as smtp, AccessPointServer() as access_point:
        env = servers_settings(smtp, access_point)
        started = time.monotonic()
        crashed = zygote.run(with_dir(scenario.argv, data_dir), tmp_path / "crash.log", env, **plan)
        if "crash_at" in plan:  # the point was reached: calibrated by the reference run
            assert crashed == -signal.SIGKILL, (plan, crashed)
        rerun = zygote.run(with_dir(scenario.argv, data_dir), tmp_path / "rerun.log", env)
        assert rerun == 0, (plan, (tmp_path / "rerun.log").read_text()[-3000:])
        resend = "kill_after" in plan or plan["crash_at"].split(":")[0] in RESEND_WINDOWS
        figures = check_invariants(data_dir, smtp, access_point, resend, before)
    assert figures.problems == [], f"after {plan} (first run exit {crashed})"
    record_trial(name, trial, plan, crashed, figures, time.monotonic() - started)


def sent_before(data_dir: Path) -> dict[str, set]:
    """What earlier runs of the copied data dir already sent (other servers got it)."""
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        messages = con.execute("SELECT message_id FROM digests WHERE status = 'sent'").fetchall()
        keys = con.execute(
            "SELECT idempotency_key FROM peppol_messages WHERE status = 'dispatched'"
        ).fetchall()
    return {"smtp": {m for (m,) in messages}, "peppol": {k for (k,) in keys}}


def record_trial(name, trial, plan, crashed, figures, seconds) -> None:
    """One JSON line per trial in IPORTAL_CRASH_LOG, for docs/reliability.md."""
    line = {
        "run": name, "trial": trial, "plan": plan, "first_exit": crashed,
        "killed": crashed == -9, "deliveries": figures.deliveries,
        "smtp_messages": figures.smtp_messages, "smtp_resent": figures.smtp_resent,
        "peppol_posts": figures.peppol_posts, "peppol_resent": figures.peppol_resent,
        "seconds": round(seconds, 1),
    }  # fmt: skip
    print(json.dumps(line))
    if target := os.environ.get("IPORTAL_CRASH_LOG"):
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
