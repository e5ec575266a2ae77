"""Production shape (docs/deployment.md "Production"), for real: a Prefect server, a process work
pool, `prefect deploy` from prefect.yaml, a worker, and one run of the nightly
deployment on a small generated night. Every step is a subprocess with a bounded wait;
the server and the worker are ended at teardown.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import pytest

from iportal.prefect_env import SERVER_SETTINGS, WORKER_SETTINGS
from tasks.generate import write_landing_files

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect-server")]
ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
SERVER_START_TIMEOUT = 300  # a fresh SQLite database runs every migration first
CLI_TIMEOUT = 300
RUN_TIMEOUT = 400


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environment(prefect_home: Path, api_url: str) -> dict[str, str]:
    """This process's environment without its Prefect and iportal settings (the test
    session runs its own harness), plus a private PREFECT_HOME on this server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "IPORTAL_"))}
    private = {"PREFECT_HOME": str(prefect_home), "PREFECT_API_URL": api_url}
    return env | SERVER_SETTINGS | WORKER_SETTINGS | private


def wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server not healthy in {SERVER_START_TIMEOUT} s")


def prefect(args: list[str], env: dict, cwd: Path, timeout: float = CLI_TIMEOUT) -> str:
    done = subprocess.run([PREFECT, "--no-prompt", *args], env=env, cwd=cwd, timeout=timeout,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr}"
    return done.stdout


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a worker waiting on a gone server lingers
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A Prefect server on 127.0.0.1 (SQLite in a temporary PREFECT_HOME): (env, home)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = clean_environment(home, api_url) | {
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
    }
    log = home / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui",
             "--no-scheduler"],  # no cron runs of their own during the test
            env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_healthy(api_url, server, log)
        yield env, home
    finally:
        stop(server)


def test_nightly_deployment_runs_through_a_worker(prefect_server, tmp_path):
    env, home = prefect_server
    data_dir = tmp_path / "data"
    generated = write_landing_files(
        data_dir / "landing", customers=8, years=1, seed=4, as_of=date(2026, 11, 27)
    )
    prefect(["work-pool", "create", "iportal", "--type", "process"], env, home)
    # From ROOT/prefect.yaml; only `nightly` (--all imports every flow: slower, same path)
    deployed = prefect(["deploy", "--name", "nightly"], env, ROOT)
    assert "nightly/nightly" in deployed
    # The worker runs from elsewhere: the deployment's pull step must find the project
    # through IPORTAL_HOME (resolved when the run starts, in the worker's environment).
    worker_env = env | {"IPORTAL_HOME": str(ROOT), "PREFECT_WORKER_QUERY_SECONDS": "1"}
    with (home / "worker.log").open("wb") as out:
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "iportal", "--limit", "1"],
            env=worker_env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        prefect(
            ["deployment", "run", "nightly/nightly", "-p", "as_of=2026-11-27",
             "-p", f"data_dir={data_dir}", "--watch", "--watch-timeout", str(RUN_TIMEOUT)],
            env, home, timeout=RUN_TIMEOUT + 60,
        )  # fmt: skip
    finally:
        stop(worker)
    con = duckdb.connect(str(data_dir / "snapshot.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT flow, status FROM runs").fetchall() == [("nightly", "completed")]
        [(delivered,)] = con.execute(
            "SELECT count(DISTINCT (issuer, document_number)) FROM deliveries"
        ).fetchall()
        [(rendered,)] = con.execute("SELECT count(*) FROM renditions").fetchall()
    finally:
        con.close()
    assert delivered == rendered == generated.tonight_documents
