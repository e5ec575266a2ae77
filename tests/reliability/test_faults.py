"""Faults (issue 10): disk full, SMTP down / slow / dropping, Peppol 500 / timeout, the
warehouse locked by another writer, a corrupt landing file, a landing file still being
written. Each: a clear error (asserted), nothing lost, the next run recovers (asserted
on the final state with the crash suite's invariants)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest

from config import settings as config
from flows.nightly import nightly
from tasks.generate import write_landing_files
from tests.reliability.harness import AccessPointServer, SmtpSink, free_port
from tests.reliability.invariants import check_invariants
from warehouse.lock import WarehouseBusy, writer_lock

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """Tonight's files for a handful of customers (paper, portal and Peppol ones)."""
    folder = tmp_path_factory.mktemp("faults") / "landing"
    write_landing_files(folder, customers=8, years=0, seed=11, as_of=date(2026, 11, 27))
    return folder


@pytest.fixture
def data_dir(tmp_path, landing, monkeypatch) -> Path:
    shutil.copytree(landing, tmp_path / "data" / "landing")
    monkeypatch.setenv("IPORTAL_DATA_DIR", str(tmp_path / "data"))  # load_settings sets it
    monkeypatch.setenv("IPORTAL_BATCH_SIZE", "10")
    monkeypatch.setenv("IPORTAL_RENDER_WORKERS", "1")  # disk-full errors come from here
    return tmp_path / "data"


def rows(data_dir: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def statuses(data_dir: Path) -> dict[tuple[str, str], int]:
    found = rows(data_dir, "SELECT channel, status, count(*) FROM deliveries GROUP BY ALL")
    return {(channel, status): n for channel, status, n in found}


def run_night(data_dir: Path) -> dict:
    """A night with the environment as it is now: settings are cached per data dir for
    a process's life, and these tests change the environment between nights."""
    config._cached.cache_clear()
    return nightly(as_of=AS_OF, data_dir=str(data_dir))


# --- disk full ---------------------------------------------------------------------


@pytest.fixture
def small_disk():
    """Mount a tmpfs of a given size on a folder (we run as root); unmounted after."""
    mounted: list[Path] = []

    def mount(folder: Path, size: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        options = f"size={size}" if folder not in mounted else f"remount,size={size}"
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
        if folder not in mounted:
            mounted.append(folder)

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_disk_full_while_rendering_and_printing_loses_nothing(
    data_dir, small_disk, prefect_harness
):
    small_disk(data_dir / "documents", "24k")  # a few PDFs fit, not tonight's
    small_disk(data_dir / "print", "4k")
    with pytest.raises(OSError, match="No space left on device"):
        run_night(data_dir)
    assert not any(status == "failed" for _, status in statuses(data_dir))  # not given up
    routed = rows(
        data_dir,
        "SELECT count(*), count(DISTINCT (issuer, document_number)) FROM deliveries "
        "WHERE purpose = 'original'",
    )[0]
    new = rows(data_dir, "SELECT count(*) FROM documents WHERE NOT is_history")[0][0]
    assert new > 0 and routed[1] == new and routed[0] == sum(statuses(data_dir).values())

    small_disk(data_dir / "documents", "64m")  # the operator makes room
    with pytest.raises(OSError, match="No space left on device"):  # now the print batch
        run_night(data_dir)
    assert statuses(data_dir).get(("paper", "dispatched"), 0) == 0
    assert not list((data_dir / "print").glob("*/READY"))
    assert rows(data_dir, "SELECT count(*) FROM renditions")[0][0] > 0

    small_disk(data_dir / "print", "64m")
    summary = run_night(data_dir)
    assert summary["print_batches"] and statuses(data_dir).get(("paper", "dispatched"), 0) > 0
    assert check_invariants(data_dir).problems == []


# --- SMTP and Peppol access point --------------------------------------------------


class SilentServer:
    """Accepts TCP connections and never says a word: a mail server too slow to greet."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.connections:
            connection.close()


class DroppingHandler:
    """Drops the connection in the middle of DATA for the first `drops` messages
    (before accepting them), then accepts."""

    def __init__(self, sink_handler, drops: int) -> None:
        self.inner = sink_handler
        self.drops = drops

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.drops:
            self.drops -= 1
            server.transport.close()
            return "250 never seen"
        return await self.inner.handle_DATA(server, session, envelope)


def smtp_env(monkeypatch, port: int) -> None:
    for key, value in {
        "IPORTAL_MAILER": "smtp",
        "IPORTAL_SMTP_HOST": "127.0.0.1",
        "IPORTAL_SMTP_PORT": str(port),
        "IPORTAL_SMTP_STARTTLS": "false",
        "IPORTAL_SMTP_TIMEOUT_SECONDS": "1",
        "IPORTAL_SMTP_ATTEMPTS_PER_RUN": "3",
        "IPORTAL_SMTP_RETRY_WAIT_SECONDS": "0",
        "IPORTAL_PEPPOL_TIMEOUT_SECONDS": "1",
    }.items():
        monkeypatch.setenv(key, value)


def test_mail_server_and_access_point_down_slow_dropping_then_recovered(
    data_dir, monkeypatch, prefect_harness
):
    access_point = AccessPointServer().__enter__()
    try:
        # Night 1: no mail server at all; the access point answers 500 to everything.
        smtp_env(monkeypatch, free_port())
        monkeypatch.setenv("IPORTAL_PEPPOL_ACCESS_POINT_URL", access_point.url)
        access_point.fail_next = [500] * 100
        first = run_night(data_dir)
        assert "Connection refused" in first["notifications"]["mailer_unavailable"]
        assert first["peppol"]["sent"] == 0 and first["peppol"]["pending"] > 0
        errors = rows(data_dir, "SELECT DISTINCT last_error FROM peppol_messages")
        assert any("HTTP 500" in (e or "") for (e,) in errors), errors
        queued = rows(data_dir, "SELECT count(*) FROM digests WHERE status = 'queued'")[0][0]
        assert queued > 0 and not access_point.forwarded
        assert statuses(data_dir).get(("portal", "published"), 0) > 0  # R25: published anyway

        # Night 2 (a rerun): the mail server never greets; the access point times out.
        silent = SilentServer()
        smtp_env(monkeypatch, silent.port)
        access_point.fail_next = []
        access_point.delay_seconds = 2.5
        try:
            second = run_night(data_dir)
        finally:
            silent.close()
        assert "timed out" in second["notifications"]["mailer_unavailable"]
        assert second["peppol"]["sent"] == 0 and second["peppol"]["pending"] > 0
        errors = rows(data_dir, "SELECT DISTINCT last_error FROM peppol_messages")
        assert any("unreachable" in (e or "") for (e,) in errors), errors
        assert (
            rows(data_dir, "SELECT count(*) FROM digests WHERE status = 'queued'")[0][0] == queued
        )

        # Night 3: the mail server drops the first two conversations mid-DATA; the access
        # point is healthy again. Everything goes out, each exactly once.
        access_point.delay_seconds = 0
        access_point.posts.clear()
        access_point.forwarded.clear()
        with SmtpSink() as smtp:
            smtp.controller.handler = DroppingHandler(smtp.handler, drops=2)  # per connection
            smtp_env(monkeypatch, smtp.port)
            third = run_night(data_dir)
            assert third["notifications"]["mailer_unavailable"] is None
            assert third["peppol"]["pending"] == 0 and third["peppol"]["sent"] > 0
            figures = check_invariants(data_dir, smtp, access_point)
        assert figures.problems == []
        assert figures.smtp_messages == queued and figures.smtp_resent == 0
        assert figures.peppol_resent == 0
    finally:
        access_point.__exit__()


# --- the warehouse locked by another writer ----------------------------------------


def test_a_locked_warehouse_fails_clearly_and_writes_nothing(
    data_dir, monkeypatch, prefect_harness
):
    monkeypatch.setenv("IPORTAL_LOCK_TIMEOUT_SECONDS", "1")
    database = data_dir / "warehouse.duckdb"
    landed = sorted(p.name for p in (data_dir / "landing").iterdir())
    with writer_lock(database, "an analyst's repair script", 0):
        with pytest.raises(WarehouseBusy, match="still locked by an analyst's repair script"):
            run_night(data_dir)
    assert not database.exists()  # nothing was written
    assert sorted(p.name for p in (data_dir / "landing").iterdir()) == landed  # none moved
    run_night(data_dir)
    assert check_invariants(data_dir).problems == []


# --- landing files: corrupt, still being written -----------------------------------


def test_corrupt_and_half_written_landing_files(data_dir, landing, prefect_harness):
    folder = data_dir / "landing"
    tonight = next(folder.glob("documents_*.jsonl"))
    lines = tonight.read_bytes().splitlines(keepends=True)
    good, late = lines[: len(lines) // 2], lines[len(lines) // 2 :]
    tonight.write_bytes(b"".join(good))
    (folder / "documents_late.jsonl").write_bytes(b"".join(late)[:-40])  # cut mid-line
    (folder / "documents_broken.parquet").write_bytes(b"PAR1" + bytes(range(256)) * 8)

    first = run_night(data_dir)
    reports = {f["file_name"]: f for f in first["files"]}
    assert reports["documents_late.jsonl"]["status"] == "incomplete"
    assert "still being written" in reports["documents_late.jsonl"]["detail"]
    assert (folder / "documents_late.jsonl").exists()  # left for the next run
    assert reports["documents_broken.parquet"]["status"] == "unreadable"
    quarantined = rows(
        data_dir, "SELECT reason FROM quarantine WHERE file_name = 'documents_broken.parquet'"
    )
    assert quarantined == [("unreadable_file",)]
    before = rows(data_dir, "SELECT count(*) FROM documents")[0][0]
    assert before > 0

    (folder / "documents_late.jsonl").write_bytes(b"".join(late))  # the writer finished
    second = run_night(data_dir)
    assert {f["file_name"]: f["status"] for f in second["files"]} == {
        "documents_late.jsonl": "processed"
    }
    after = rows(data_dir, "SELECT count(*) FROM documents")[0][0]
    assert after == before + len(late)  # every row of the finished file, once
    assert check_invariants(data_dir).problems == []
