"""Prefect defaults for running on the embedded local API, set before Prefect is imported.

- No telemetry: the machine reaches no network beyond loopback (and should not try).
- A longer start-up wait: the ephemeral API takes 2-5 s to answer on a 2-core machine
  (docs/scaling.md "Start-up"), a new PREFECT_HOME ~3 s more, and much longer under load.
- Prefect's INFO lines stay in its UI and logs; the CLI shows a progress bar instead.
Explicit environment variables win.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


# Production (docs/deployment.md "Production"): what the Prefect server and the worker get in their
# environment so that Prefect's own bookkeeping stays a few seconds a night. Checked
# against Prefect's settings models by tests/test_prefect_settings.py and used by the
# server smoke test (tests/flows/test_prefect_server.py).
SERVER_SETTINGS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Task-run recorder: default 1 row per INSERT; a night's few hundred batch tasks
    # then cost one transaction each on the database.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    # Event persister: default 20 events per INSERT.
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
}
WORKER_SETTINGS = {
    "DO_NOT_TRACK": "1",
    # Flows log warnings only: progress lives in the runs table and the run artifacts.
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # Logs go to the API in batches: every 5 s (default 2) or 4 MB, whichever first.
    "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "5",
    "PREFECT_LOGGING_TO_API_BATCH_SIZE": "4000000",
}


def configure_prefect(quiet: bool = True) -> None:
    for key, value in DEFAULTS.items():
        if key == "PREFECT_LOGGING_LEVEL" and not quiet:
            continue
        os.environ.setdefault(key, value)


def guard_ephemeral_api() -> str | None:
    """Start Prefect's ephemeral API now and wait for it: its URL, or None when a server
    is configured. For commands that need the API at once (status, digest)."""
    api = launch_ephemeral_api()
    return api.wait_ready() if api else None


def launch_ephemeral_api() -> LocalApi | None:
    """Fork Prefect's ephemeral API server now, from this (main) thread, so that it dies
    with this process, also on SIGKILL (issue 19); the one launched before in this
    process, if any; None when a server is configured.

    Called before Prefect and the flows are imported (~1.5-2.7 s of this process's
    start, docs/scaling.md "Start-up"), so that the server boots meanwhile, on the other
    core; LocalApi.wait_ready() then waits for it. Prefect itself would start the same
    `uvicorn … prefect.server` child the first time a client needs an API, but only
    after this process imported Prefect's whole server stack (FastAPI, SQLAlchemy, its
    ORM: 2-4 s) to own that child, and without the parent-death signal: a SIGKILL of this
    process left it running (measured: always, ~200 MB). PR_SET_PDEATHSIG is tied to
    the thread that forked the child, hence the start from the CLI's main thread.
    """
    global _launched
    if _launched is None and not (os.environ.get("PREFECT_API_URL") or configured_in_prefect()):
        _launched = LocalApi()
    return _launched


_launched: LocalApi | None = None  # one per process: `demo` launches it before generating


def configured_in_prefect() -> bool:
    """A server named in Prefect's settings (a profile, a test harness), when Prefect is
    imported already; otherwise LocalApi.wait_ready() asks once it is."""
    import sys

    if "prefect.settings" not in sys.modules:
        return False
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


class LocalApi:
    """Prefect's ephemeral API as our child: Prefect 3.9's own command
    (prefect/server/api/server.py: SubprocessASGIServer._run_uvicorn_command) on a free
    port of 127.0.0.1, with the parent-death signal. Its database is Prefect's default,
    `$PREFECT_HOME/prefect.db`: kept between runs, so only the first run migrates it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = self.run_uvicorn()
        self.ready = False

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def run_uvicorn(self):
        import subprocess
        import sys

        from tasks.lifecycle import die_with_parent

        # The child reads the same settings as Prefect would give it (profile, .env,
        # PREFECT_* variables), from the same environment and PREFECT_HOME.
        environment = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                       "PREFECT__SERVER_FINAL": "1"}  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", site_packages(), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env=environment,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - one prctl call, no locks
        )  # fmt: skip
        import atexit

        atexit.register(self.stop)
        return process

    def wait_ready(self) -> str | None:
        """Wait until the API answers, then point every Prefect client of this process
        (and of its children) at it: PREFECT_API_URL. None, and the child ended, when a
        Prefect profile names a server after all."""
        if self.ready:
            return self.api_url
        import time

        import httpx
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        )

        if PREFECT_API_URL.value():
            self.stop()
            return None
        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        while time.monotonic() < deadline:
            if self.process.poll() == 3:  # uvicorn: port taken meanwhile; Prefect retries too
                self.port, self.process = free_port(), self.run_uvicorn()
            elif self.process.poll() is not None:
                raise RuntimeError(f"Prefect's API exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=5).status_code == 200:
                    return self.use()
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"Prefect's API did not answer on {self.api_url}")

    def use(self) -> str:
        self.ready = True
        os.environ["PREFECT_API_URL"] = self.api_url
        import prefect.context

        prefect.context.refresh_global_settings_context()  # settings read at import
        return self.api_url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def site_packages() -> str:
    """Where Prefect is installed (Prefect's --app-dir), found without importing it."""
    from importlib.util import find_spec
    from pathlib import Path

    return str(Path(find_spec("prefect").origin).parents[1])


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
