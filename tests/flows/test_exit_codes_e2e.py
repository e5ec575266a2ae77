"""Issue 19, honest exit codes of the verbs that run flows: a night and a digest run with
the mail server unreachable finish with exit 3 (work left queued) and say what waits;
once a real SMTP server (aiosmtpd on 127.0.0.1) answers, the digest run exits 0."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from config import settings as config
from iportal.cli import app
from iportal.exit_codes import DONE, QUEUED
from tasks.generate import write_landing_files
from tests.reliability.harness import SmtpSink, free_port
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]


def smtp_env(port: int) -> dict:
    return {
        "IPORTAL_MAILER": "smtp",
        "IPORTAL_SMTP_HOST": "127.0.0.1",
        "IPORTAL_SMTP_PORT": str(port),
        "IPORTAL_SMTP_STARTTLS": "false",
        "IPORTAL_SMTP_TIMEOUT_SECONDS": "2",
        "IPORTAL_SMTP_ATTEMPTS_PER_RUN": "1",
        "IPORTAL_SMTP_RETRY_WAIT_SECONDS": "0",
    }


def invoke(argv: list[str], env: dict):
    config._cached.cache_clear()  # settings are cached per data dir; the env changes here
    return CliRunner().invoke(app, argv, env=env)


def queued_digests(data_dir) -> int:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute("SELECT count(*) FROM digests WHERE status = 'queued'").fetchone()[0]


def test_mail_server_down_exits_3_then_0_once_it_answers(tmp_path, prefect_harness):
    data_dir = tmp_path / "data"
    write_landing_files(data_dir / "landing", customers=20, years=1, seed=5,
                        as_of=date(2026, 11, 27))  # fmt: skip
    down = smtp_env(free_port())  # nothing listens there: connection refused
    night = invoke(["nightly", "--as-of", "2026-11-27", "--data-dir", str(data_dir), "--json"],
                   down)  # fmt: skip
    assert night.exit_code == QUEUED, night.output
    assert "left queued" in night.output and "mail server unavailable" in night.output
    queued = queued_digests(data_dir)
    assert queued > 0

    daily = ["digest", "--frequency", "daily", "--data-dir", str(data_dir)]
    again = invoke([*daily, "--as-of", "2026-11-28T07:00"], down)
    assert again.exit_code == QUEUED, again.output
    assert queued_digests(data_dir) == queued  # nothing lost, nothing failed

    with SmtpSink() as smtp:
        sent = invoke([*daily, "--as-of", "2026-11-30T07:00", "--json"], smtp_env(smtp.port))
        assert sent.exit_code == DONE, sent.output
        assert len(smtp.by_message_id()) == queued
    assert queued_digests(data_dir) == 0
    summary = json.loads(sent.output[: sent.output.rindex("}") + 1])
    assert summary["mailer_unavailable"] is None or not summary["mailer_unavailable"]
