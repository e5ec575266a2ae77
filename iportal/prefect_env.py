"""Prefect defaults for running on the embedded local API, set before Prefect is imported.

- No telemetry: the machine reaches no network beyond loopback (and should not try).
- A longer start-up wait: the ephemeral API takes 7-9 s on an idle 2-core machine and
  much longer under load.
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
    """Start Prefect's ephemeral API now, in this (main) thread, so that it dies with this
    process, also on SIGKILL (issue 19); its URL, or None when a server is configured.

    Without PREFECT_API_URL, Prefect starts `uvicorn … prefect.server` as a child the
    first time any of its clients needs an API, and a SIGKILL of this process leaves it
    running (measured: always, ~200 MB). Prefect shares one instance per port
    (SubprocessASGIServer._instances); ours takes that place before Prefect makes its
    own, so every Prefect client uses it. PR_SET_PDEATHSIG is tied to the thread that
    forked the child, hence the start here, from the CLI's main thread.
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    from prefect.server.api.server import SubprocessASGIServer

    server = guarded_server(SubprocessASGIServer)
    server.start()
    return server.api_url


def guarded_server(base):
    """Prefect's shared ephemeral server instance, ours if Prefect has not made one."""
    if None in base._instances:  # Prefect's own is already there: nothing left to guard
        return base._instances[None]

    class GuardedServer(base):
        def _run_uvicorn_command(self):
            import subprocess
            import sys

            import prefect
            from prefect.settings import get_current_settings

            from tasks.lifecycle import die_with_parent

            # Prefect 3.9's command (server.py: _run_uvicorn_command), plus the signal.
            environment = {
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            }
            return subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir",
                 str(prefect.__module_path__.parent), "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                env=environment,
                preexec_fn=die_with_parent,  # noqa: PLW1509 - one prctl call, no locks
            )  # fmt: skip

    return GuardedServer()
