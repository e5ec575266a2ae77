"""Peppol access points: the outbox folder and the HTTP adapter (issue 7)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tasks.peppol import (
    HttpAccessPoint,
    OutboxAccessPoint,
    Rejected,
    Unavailable,
    make_access_point,
)

KEY = "DL5/2026-0001234/peppol/original"
UBL = b"<?xml version='1.0' encoding='UTF-8'?><Invoice/>"


# --- the outbox -----------------------------------------------------------------------


def manifest_lines(folder) -> list[dict]:
    return [json.loads(line) for p in folder.glob("manifest-*.jsonl") for line in p.open()]


def test_outbox_writes_one_file_per_key_and_a_manifest_line(tmp_path):
    outbox = OutboxAccessPoint(tmp_path)
    message_id = outbox.send(KEY, UBL).message_id
    outbox.flush()
    assert message_id == "outbox:DL5_2026-0001234_peppol_original.xml"
    assert (tmp_path / "DL5_2026-0001234_peppol_original.xml").read_bytes() == UBL
    [line] = manifest_lines(tmp_path)
    assert line["idempotency_key"] == KEY and line["bytes"] == len(UBL)
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically


def test_outbox_send_is_idempotent(tmp_path):
    outbox = OutboxAccessPoint(tmp_path)
    first = outbox.send(KEY, UBL)
    again = OutboxAccessPoint(tmp_path).send(KEY, UBL + b"<!-- resent -->")
    assert again == first
    assert (tmp_path / "DL5_2026-0001234_peppol_original.xml").read_bytes() == UBL
    assert len(manifest_lines(tmp_path)) == 1


def test_outbox_repairs_a_manifest_line_lost_in_a_crash(tmp_path):
    (tmp_path / "DL5_2026-0001234_peppol_original.xml").write_bytes(UBL)  # renamed, then crash
    OutboxAccessPoint(tmp_path).send(KEY, UBL)
    OutboxAccessPoint(tmp_path).send(KEY, UBL)
    assert [line["idempotency_key"] for line in manifest_lines(tmp_path)] == [KEY]


def test_the_setting_chooses_the_access_point(tmp_path):
    assert isinstance(make_access_point(None, 5, tmp_path), OutboxAccessPoint)
    http = make_access_point("http://127.0.0.1:9/peppol", 5, tmp_path)
    assert isinstance(http, HttpAccessPoint) and http.timeout == 5


# --- the HTTP adapter against a small server on 127.0.0.1 ------------------------------


class ScriptedAccessPoint(ThreadingHTTPServer):
    """Answers POSTs from a script of (delay seconds, status, body); records each."""

    daemon_threads = True

    def __init__(self, script: list[tuple[float, int, dict]]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.script = list(script)
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/peppol/documents"


class Handler(BaseHTTPRequestHandler):
    server: ScriptedAccessPoint

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.requests.append({"key": self.headers["Idempotency-Key"], "body": body})
            delay, status, answer = self.server.script.pop(0)
        time.sleep(delay)
        payload = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up waiting (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def access_point(request):
    server = ScriptedAccessPoint(request.param)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def client(server: ScriptedAccessPoint, timeout: float = 2.0) -> HttpAccessPoint:
    return HttpAccessPoint(server.url, timeout=timeout, attempts=3, backoff_seconds=0.01)


@pytest.mark.parametrize(
    "access_point", [[(0, 500, {"error": "busy"}), (0, 201, {"message_id": "AP-1"})]], indirect=True
)
def test_a_server_error_is_retried_and_the_success_recorded(access_point):
    assert client(access_point).send(KEY, UBL).message_id == "AP-1"
    assert [r["key"] for r in access_point.requests] == [KEY, KEY]  # same idempotency key
    assert all(r["body"] == UBL for r in access_point.requests)


@pytest.mark.parametrize("access_point", [[(0, 400, {"error": "bad UBL"})]], indirect=True)
def test_a_client_error_is_not_retried(access_point):
    with pytest.raises(Rejected, match="HTTP 400.*bad UBL"):
        client(access_point).send(KEY, UBL)
    assert len(access_point.requests) == 1


SLOW_THEN_FAST = [(3.0, 200, {"message_id": "late"})] + [(0, 200, {"message_id": "AP-2"})] * 2


@pytest.mark.parametrize("access_point", [SLOW_THEN_FAST], indirect=True)
def test_a_timeout_is_retried(access_point):
    # The first answer comes after the client gave up; a retry gets the prompt one (a
    # third attempt is allowed: on a loaded machine the second may time out too).
    assert client(access_point, timeout=1.0).send(KEY, UBL).message_id == "AP-2"
    assert 2 <= len(access_point.requests) <= 3


@pytest.mark.parametrize("access_point", [[(0, 503, {})] * 3], indirect=True)
def test_an_access_point_down_for_every_attempt_is_unavailable(access_point):
    with pytest.raises(Unavailable, match="HTTP 503"):
        client(access_point).send(KEY, UBL)
    assert len(access_point.requests) == 3


def test_no_server_at_all_is_unavailable():
    with pytest.raises(Unavailable, match="unreachable"):
        HttpAccessPoint("http://127.0.0.1:9/", timeout=0.5, attempts=2, backoff_seconds=0).send(
            KEY, UBL
        )
