"""Issue 19, alerts as code: `iportal automations apply` puts automations.yaml on a real
Prefect server (started here, SQLite in a temporary PREFECT_HOME), applying twice
changes nothing, and the digest-backlog alert really calls the operators' webhook (a
real HTTP server on 127.0.0.1) when the event arrives."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.flows.test_prefect_server import ROOT, prefect_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect-server")]


class Hooks(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HookHandler)
        self.bodies: list[bytes] = []


class HookHandler(BaseHTTPRequestHandler):
    server: Hooks

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def python(code: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def iportal(argv: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iportal", *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_apply_twice_then_the_backlog_alert_calls_the_webhook(prefect_server):  # noqa: F811
    env, _ = prefect_server
    hooks = Hooks()
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{hooks.server_address[1]}/alert"
        python(
            "from prefect.blocks.notifications import CustomWebhookNotificationBlock as B\n"
            f"B(name='operators', url={url!r}, json_data={{'text': '{{{{subject}}}}'}})"
            ".save('iportal-operators')",
            env,
        )
        first = iportal(["automations", "apply", "--notify-block",
                         "custom-webhook/iportal-operators", "--json"], env)  # fmt: skip
        assert first.returncode == 0, first.stderr
        declared = [a["name"] for a in yaml.safe_load((ROOT / "automations.yaml").read_text())
                    ["automations"]]  # fmt: skip
        assert json.loads(first.stdout)["automations"] == dict.fromkeys(declared, "created")
        again = iportal(["automations", "apply", "--notify-block",
                         "custom-webhook/iportal-operators", "--json"], env)  # fmt: skip
        assert json.loads(again.stdout)["automations"] == dict.fromkeys(declared, "updated")
        listed = python(
            "from prefect.client.orchestration import get_client\n"
            "with get_client(sync_client=True) as c:\n"
            "    print('\\n'.join(sorted(a.name for a in c.read_automations())))",
            env,
        ).split()
        assert listed == sorted(declared)  # one of each, however often applied

        missing = iportal(["automations", "apply"], env)
        assert missing.returncode == 1 and "--notify-block" in missing.stderr

        time.sleep(5)  # the automations service loads new automations periodically
        python(
            "from flows.digest import emit_backlog_event\n"
            "from prefect.events.worker import EventsWorker\n"
            "emit_backlog_event({'digests_by_status': {'queued': 7}, "
            "'mailer_unavailable': 'Connection refused'}, 1000)\n"
            "EventsWorker.drain_all()",
            env,
        )
        deadline = time.monotonic() + 120
        while not hooks.bodies and time.monotonic() < deadline:
            time.sleep(1)
        assert hooks.bodies, "the webhook was not called within 120 s"
        assert b"digests are piling up" in hooks.bodies[0]
    finally:
        hooks.shutdown()
        hooks.server_close()


def test_the_file_is_valid_for_prefect_without_a_server():
    from uuid import uuid4

    from iportal.automations import load_automations

    automations = load_automations(Path(ROOT / "automations.yaml"), uuid4())
    assert {a.trigger.posture for a in automations} == {"Reactive", "Proactive"}
    with pytest.raises(ValueError, match="--notify-block"):
        load_automations(Path(ROOT / "automations.yaml"), None)
