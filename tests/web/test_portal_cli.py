"""`iportal portal serve`: serves the portal on the data dir; refuses a missing one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from iportal.cli import app

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_a_data_dir_without_warehouse(tmp_path):
    result = CliRunner().invoke(app, ["portal", "serve", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no warehouse" in result.output


@pytest.mark.slow
def test_serve_answers_on_the_chosen_port(portal_dir):
    port = free_port()
    command = [sys.executable, "-m", "iportal", "portal", "serve", "--port", str(port),
               "--data-dir", str(portal_dir)]  # fmt: skip
    env = os.environ | {"IPORTAL_DATA_DIR": str(portal_dir)}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "iportal_session" in answer.headers["set-cookie"]
    finally:
        server.terminate()
        server.wait(timeout=20)
