"""The reliability harness (issue 10): runs `iportal` verbs in child processes that can
be killed, and the outside systems they talk to, real and local, counting what they
receive: an SMTP server (aiosmtpd) and a Peppol access point (http.server) that
honours the Idempotency-Key header as the README's contract asks.

Import as `tests.reliability.harness` (tests is a namespace package on pytest's
pythonpath; works the same under pytest-xdist).
"""

from __future__ import annotations

import email
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Zygote:
    """Client of tests/reliability/zygote.py: one CLI run at a time, killable."""

    def __init__(self, api_url: str, env: dict | None = None) -> None:
        self.env = dict(env or os.environ, PREFECT_API_URL=api_url)
        self.env.pop("IPORTAL_CRASH_AT", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.zygote"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def answer(self, timeout: float | None) -> dict | None:
        """The zygote's next line, or None when `timeout` passes first."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"zygote ended (exit {self.process.poll()})")
        return json.loads(line)

    def run(
        self,
        argv: list[str],
        log: Path,
        env: dict | None = None,
        crash_at: str | None = None,
        kill_after: float | None = None,
        timeout: float = 600,
    ) -> int:
        """Exit code of `iportal ARGV` (negative: killed by that signal). With crash_at
        the child kills itself at that crash point; with kill_after the whole process
        group is killed after that many seconds unless it ended before."""
        child_env = dict(self.env, **(env or {}))
        if crash_at:
            child_env["IPORTAL_CRASH_AT"] = crash_at
        request = {"argv": argv, "env": child_env, "log": str(log)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        pid = self.answer(60)["pid"]
        if kill_after is not None:
            ended = self.answer(kill_after)
            if ended is not None:
                return ended["exit"]
            try:
                os.killpg(pid, signal.SIGKILL)  # the flow and its worker processes
            except ProcessLookupError:
                pass
        ended = self.answer(timeout)
        if ended is None:
            os.killpg(pid, signal.SIGKILL)
            raise TimeoutError(f"iportal {argv} did not end within {timeout} s")
        return ended["exit"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


@dataclass
class Received:
    message_id: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpHandler:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append(
                Received(
                    str(message["Message-ID"]), list(envelope.rcpt_tos), envelope.original_content
                )
            )
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it accepted."""

    def __init__(self) -> None:
        self.handler = SmtpHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    def settings(self) -> dict:
        return {
            "IPORTAL_MAILER": "smtp",
            "IPORTAL_SMTP_HOST": "127.0.0.1",
            "IPORTAL_SMTP_PORT": str(self.port),
            "IPORTAL_SMTP_STARTTLS": "false",
            "IPORTAL_SMTP_TIMEOUT_SECONDS": "10",
        }

    def by_message_id(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = defaultdict(list)
        with self.handler.lock:
            for r in self.handler.received:
                found[r.message_id].append(r)
        return dict(found)


class AccessPointServer(ThreadingHTTPServer):
    """A Peppol access point that honours Idempotency-Key: a repeated key is answered
    with the first message id and is not forwarded again. `posts` counts every POST
    per key, `forwarded` what would have gone out on the network."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), AccessPointHandler)
        self.lock = threading.Lock()
        self.posts: dict[str, list[str]] = defaultdict(list)  # key -> sha256 of each body
        self.forwarded: dict[str, str] = {}  # key -> message id
        self.fail_next: list[int] = []  # status codes to answer first (faults)
        self.delay_seconds = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/documents"

    def __enter__(self) -> AccessPointServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def settings(self) -> dict:
        return {"IPORTAL_PEPPOL_ACCESS_POINT_URL": self.url}


class AccessPointHandler(BaseHTTPRequestHandler):
    server: AccessPointServer

    def do_POST(self):  # noqa: N802 (http.server's naming)
        import time

        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        key = self.headers.get("Idempotency-Key", "")
        server = self.server
        if server.delay_seconds:
            time.sleep(server.delay_seconds)
        with server.lock:
            status = server.fail_next.pop(0) if server.fail_next else 200
            if status == 200:
                server.posts[key].append(hashlib.sha256(body).hexdigest())
                message_id = server.forwarded.setdefault(key, f"ap-{uuid.uuid4().hex}")
        if status != 200:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"access point trouble")
            return
        answer = json.dumps({"message_id": message_id}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass
