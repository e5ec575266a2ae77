"""The portal's access to the warehouse: a short lease on the writer lock.

DuckDB lets one process hold the file at a time (DESIGN rule 3), and the nightly opens
it step by step. Connecting costs ~90 ms on a 7 MB warehouse (catalog load; measured
by bench/portal.py), too much for every page. So the portal takes the same OS lock as
the CLI and the flows and keeps its connection for a burst of requests: it lets go
after `warehouse_idle_seconds` without a request, and at the latest after
`warehouse_max_hold_seconds`, then pauses long enough for a waiting writer (which
polls the lock every 0.2 s) to get it. A nightly step therefore waits at most a few
seconds for the portal; the portal waits for a nightly step up to `lock_wait_seconds`,
then answers "busy, try again" (503). With an idle time of 0 the connection is closed
after every request.

The lock is a flock owned per thread (filelock's default), so one dedicated thread
opens and closes the connection; requests use it in turn under a threading lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import duckdb

from config import load_settings
from iportal.web.config import PortalConfig
from tasks.accounts.db import fetch_dicts
from warehouse.lock import WarehouseBusy
from warehouse.store import open_writer

ACTOR = "portal"
YIELD_PAUSE = 0.5  # > the writer's 0.2 s poll: a waiting nightly step gets the lock


class WarehouseLease:
    def __init__(self, config: PortalConfig):
        self.config = config
        self.turn = threading.Lock()
        self.owner = ThreadPoolExecutor(1, thread_name_prefix="portal-warehouse")
        self.stack: ExitStack | None = None
        self.con: duckdb.DuckDBPyConnection | None = None
        self.opened_at = self.last_used = 0.0
        self.stopped = threading.Event()
        if config.portal.warehouse_idle_seconds > 0:
            threading.Thread(target=self.watch_idle, daemon=True).start()

    def open(self) -> None:
        settings = load_settings(self.config.data_dir)
        stack = ExitStack()
        self.con = stack.enter_context(
            open_writer(settings.warehouse_path, ACTOR, self.config.portal.lock_wait_seconds)
        )
        self.stack, self.opened_at = stack, time.monotonic()

    def close(self) -> None:
        if self.stack is not None:
            stack, self.stack, self.con = self.stack, None, None
            stack.close()

    def connection(self) -> duckdb.DuckDBPyConnection:
        held_too_long = (
            time.monotonic() - self.opened_at > self.config.portal.warehouse_max_hold_seconds
        )
        if self.con is not None and held_too_long:
            self.owner.submit(self.close).result()
            time.sleep(YIELD_PAUSE)
        if self.con is None:
            self.owner.submit(self.open).result()
        return self.con

    def after_use(self) -> None:
        self.last_used = time.monotonic()
        if self.config.portal.warehouse_idle_seconds <= 0:
            self.owner.submit(self.close).result()

    def watch_idle(self) -> None:
        idle = self.config.portal.warehouse_idle_seconds
        while not self.stopped.wait(min(idle, 0.05)):
            if self.con is None or time.monotonic() - self.last_used < idle:
                continue
            if self.turn.acquire(blocking=False):
                try:
                    self.owner.submit(self.close).result()
                finally:
                    self.turn.release()

    def shutdown(self) -> None:
        self.stopped.set()
        with self.turn:
            self.owner.submit(self.close).result()
        self.owner.shutdown()


@contextmanager
def open_warehouse(config: PortalConfig) -> Iterator[duckdb.DuckDBPyConnection]:
    lease = config.lease
    if not lease.turn.acquire(timeout=config.portal.lock_wait_seconds):
        raise WarehouseBusy("the portal is busy: too many requests at once")
    try:
        yield lease.connection()
    finally:
        try:
            lease.after_use()
        finally:
            lease.turn.release()


def find_login_users(con, login: str) -> list[dict]:
    return fetch_dicts(con, "portal_login_users", {"login": login})


def find_memberships(con, person_id: str) -> list[dict]:
    """The person's live memberships, the main contact's first (issue 16)."""
    return fetch_dicts(con, "portal_person_memberships", {"person_id": person_id})


def person_of(memberships: list[dict]) -> dict | None:
    """The logged-in person as the pages see it: the first membership's name, language
    and frequency, `role` main only with an accepted main-contact membership (that
    membership is `main`), and every live membership under `memberships`."""
    if not memberships:
        return None
    first = memberships[0]
    main = first if first["role"] == "main" and first["status"] == "active" else None
    return first | {"role": "main" if main else "member", "main": main,
                    "memberships": memberships}  # fmt: skip


def list_user_codes(con, user_id: str) -> list[dict]:
    return fetch_dicts(con, "portal_user_codes", {"user_id": user_id})
