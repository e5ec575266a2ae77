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


# Production (README "Production"): what the Prefect server and the worker get in their
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
