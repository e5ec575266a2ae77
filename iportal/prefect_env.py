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


def configure_prefect(quiet: bool = True) -> None:
    for key, value in DEFAULTS.items():
        if key == "PREFECT_LOGGING_LEVEL" and not quiet:
            continue
        os.environ.setdefault(key, value)
