"""Start-up (issue 21): wall time of `iportal nightly` on an empty landing folder and of
`iportal demo`, each command as its own process, as an operator runs it.

    .venv/bin/python bench/startup.py [--code DIR] [--runs 3] [--pycache DIR]
        [--skip-demo] [--skip-nights] [--customers 300]

- (a) `iportal nightly` against a running `prefect server start` on 127.0.0.1
  (PREFECT_API_URL set), --runs times on the same data dir: the first run creates the
  warehouse, the later ones find it (the ordinary empty night);
- (b) the same without PREFECT_API_URL: Prefect's ephemeral API, one PREFECT_HOME kept
  across the runs (the first run migrates its SQLite database, the later ones do not);
- (c) `iportal demo` on a fresh data dir and a fresh PREFECT_HOME (a fresh clone).

--code runs another checkout's code (PYTHONPATH=DIR, e.g. a worktree of the commit
before a change) with this venv; every line says which. --pycache DIR emulates an
install with compiled bytecode (`UV_COMPILE_BYTECODE=1`): Python reads and writes its
.pyc files under DIR (PYTHONPYCACHEPREFIX, PYTHONDONTWRITEBYTECODE unset) and one
untimed nightly fills it first. Every line carries the load average (1 min) before
the run; run it under `/work/bin/cpu-slot --exclusive`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from iportal.prefect_env import SERVER_SETTINGS  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_environment(code: Path, pycache: Path | None) -> dict[str, str]:
    """This environment without Prefect and iportal settings, running `code`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "IPORTAL_"))}
    env["PYTHONPATH"] = str(code)
    if pycache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_iportal(args: list[str], env: dict, cwd: Path) -> tuple[float, int, str]:
    """(wall seconds, exit code, last lines) of `iportal ARGS` as its own process."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "iportal", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    wall = time.monotonic() - started
    return wall, done.returncode, (done.stdout + done.stderr).strip().splitlines()[-1:]


def report(label: str, wall: float, code: int, tail: list[str], load: float) -> None:
    print(f"{label:<44} {wall:6.2f} s  exit {code}  load {load:.2f}  {' '.join(tail)[:80]}",
          flush=True)  # fmt: skip


def nights(label: str, env: dict, code: Path, runs: int, work: Path) -> None:
    data = work / label
    (data / "landing").mkdir(parents=True)
    for run in range(1, runs + 1):
        load = os.getloadavg()[0]
        wall, rc, tail = run_iportal(["nightly", "--data-dir", str(data)], env, code)
        report(f"({label}) nightly, empty landing, run {run}", wall, rc, tail, load)


def start_server(env: dict, home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server_env = env | SERVER_SETTINGS | {"PREFECT_HOME": str(home)}
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [VENV_BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--no-ui", "--no-scheduler"],
        env=server_env, cwd=home, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited: {(home / 'server.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=5) as response:
                if response.status == 200:
                    return server, api_url
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("prefect server not healthy")


def measure_nights(env: dict, code: Path, runs: int, work: Path) -> None:
    (work / "server-home").mkdir()
    server, api_url = start_server(env, work / "server-home")
    try:
        served = env | {"PREFECT_API_URL": api_url, "PREFECT_HOME": str(work / "client")}
        nights("a-server", served, code, runs, work)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ephemeral = env | {"PREFECT_HOME": str(work / "ephemeral-home")}
    nights("b-ephemeral", ephemeral, code, runs, work)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pycache", type=Path)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-nights", action="store_true")
    parser.add_argument("--customers", type=int, default=300)
    args = parser.parse_args()
    code = args.code.resolve()
    rev = subprocess.run(["git", "-C", str(code), "log", "-1", "--format=%h %s"],
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    print(f"code {code} ({rev[:70]}); bytecode cache: {args.pycache or 'none'}; "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")  # fmt: skip
    env = base_environment(code, args.pycache)
    with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
        work = Path(tmp)
        if args.pycache:  # fills the cache, as the first run after an install would
            warm = work / "warm"
            (warm / "landing").mkdir(parents=True)
            run_iportal(["nightly", "--data-dir", str(warm)],
                        env | {"PREFECT_HOME": str(work / "warm-home")}, code)  # fmt: skip
        if not args.skip_nights:
            measure_nights(env, code, args.runs, work)
        if not args.skip_demo:
            demo = work / "demo"
            fresh = env | {"PREFECT_HOME": str(work / "demo-home")}
            load = os.getloadavg()[0]
            wall, rc, tail = run_iportal(
                ["demo", "--data-dir", str(demo), "--customers", str(args.customers)], fresh, code
            )
            report(f"(c) demo, {args.customers} customers, fresh home", wall, rc, tail, load)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
