"""The single-writer lock beside the warehouse file (DESIGN rule 3).

An OS file lock (flock through `filelock`): the kernel releases it if the holder dies,
so a killed run never leaves the warehouse locked. A second writer waits, bounded,
and says who it waits for.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger("iportal.warehouse")

# Threads of one process (the night's steps that overlap, issue 21) queue here first:
# the file lock would serve them too, but by polling, with a warning each time.
_threads_lock = threading.Lock()
_thread_locks: dict[Path, threading.Lock] = {}


def thread_lock(lock_path: Path) -> threading.Lock:
    with _threads_lock:
        return _thread_locks.setdefault(lock_path.resolve(), threading.Lock())


class WarehouseBusy(RuntimeError):
    """Another writer held the warehouse for longer than the configured wait."""


def describe_holder(holder_path: Path) -> str:
    try:
        holder = json.loads(holder_path.read_text())
    except (OSError, ValueError):
        return "another process"
    actor, pid, since = (holder.get(k, "?") for k in ("actor", "pid", "since"))
    return f"{actor} (pid {pid}, since {since})"


@contextmanager
def writer_lock(database: Path, actor: str, timeout: float) -> Iterator[None]:
    lock_path = database.with_name(database.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    in_process = thread_lock(lock_path)
    started = time.monotonic()
    if not in_process.acquire(timeout=timeout):
        holder = describe_holder(database.with_name(database.name + ".holder"))
        raise WarehouseBusy(
            f"warehouse {database} still locked by {holder} (this process) after "
            f"{timeout:.0f} s; {actor} gave up, nothing was written"
        )
    try:
        remaining = max(0.0, timeout - (time.monotonic() - started))
        with process_writer_lock(database, actor, remaining):
            yield
    finally:
        in_process.release()


@contextmanager
def process_writer_lock(database: Path, actor: str, timeout: float) -> Iterator[None]:
    """The OS lock between processes."""
    lock_path = database.with_name(database.name + ".lock")
    holder_path = database.with_name(database.name + ".holder")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path)
    started = time.monotonic()
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.warning(
            "warehouse is being written by %s; %s waits (up to %.0f s)",
            describe_holder(holder_path),
            actor,
            timeout,
        )
        try:
            lock.acquire(timeout=timeout, poll_interval=0.2)
        except Timeout:
            raise WarehouseBusy(
                f"warehouse {database} still locked by {describe_holder(holder_path)} "
                f"after {timeout:.0f} s; {actor} gave up, nothing was written"
            ) from None
        log.info("%s got the warehouse after %.1f s", actor, time.monotonic() - started)
    try:
        holder_path.write_text(
            json.dumps({"actor": actor, "pid": os.getpid(), "since": datetime.now(UTC).isoformat()})
        )
        yield
    finally:
        lock.release()
