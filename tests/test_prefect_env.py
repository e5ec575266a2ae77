"""Issue 21: the CLI's own start of Prefect's ephemeral API (iportal/prefect_env.py).

Each case runs in a process of its own: the API is a child of that process and Prefect
reads its settings once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Launch before Prefect is imported (as `iportal nightly` does), then report what the
# process sees once the API answers.
CHILD = """
import json, os, sys
from iportal.prefect_env import launch_ephemeral_api
api = launch_ephemeral_api()
import prefect
url = api.wait_ready() if api else None
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL
healthy = None
if api:
    with get_client(sync_client=True) as client:
        healthy = client.api_healthcheck() is None
print(json.dumps({
    "launched": api is not None, "url": url, "setting": PREFECT_API_URL.value(),
    "environment": os.environ.get("PREFECT_API_URL"), "healthy": healthy,
    "child": api.process.pid if api else None,
    "once": launch_ephemeral_api() is api and (not api or api.wait_ready() == url),
    "server_stack_imported": "prefect.server.api.server" in sys.modules,
}))
"""


def run_child(tmp_path: Path, **env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    environment |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONPATH": str(ROOT)} | env
    done = subprocess.run([sys.executable, "-c", CHILD], env=environment, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_without_a_server_the_cli_starts_the_api_and_every_client_uses_it(tmp_path):
    seen = run_child(tmp_path)
    assert seen["launched"] and seen["healthy"]
    assert seen["once"]  # a second launch in the process (demo, then the night) reuses it
    assert seen["url"].startswith("http://127.0.0.1:") and seen["url"].endswith("/api")
    assert seen["setting"] == seen["environment"] == seen["url"]
    # The point of the own start: this process never imports Prefect's server stack.
    assert not seen["server_stack_imported"]
    assert not alive(seen["child"])  # ended with its process (atexit)
    assert (tmp_path / "prefect" / "prefect.db").exists()  # kept: the next run skips migrating


def test_with_a_configured_server_nothing_is_started(tmp_path):
    seen = run_child(tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert not seen["launched"] and seen["url"] is None
    assert seen["setting"] == seen["environment"] == "http://127.0.0.1:9/api"
