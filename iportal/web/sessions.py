"""Server-side sessions and login attempts, in the portal's own SQLite file.

Why not the warehouse: a session is touched on every request (sliding expiry) and
must keep working while a nightly step holds the warehouse's single writer lock
(DESIGN rule 3); SQLite in WAL mode takes small concurrent writes from several
server processes. Nothing here is business data: losing the file logs everyone out.
Session ids are 32 random bytes; only their sha256 is stored. A session carries the
person id (issue 16, DESIGN rule 11), never an address: what the person may see is read
from their memberships on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS person_sessions (
    session_hash TEXT PRIMARY KEY,
    person_id    TEXT,             -- NULL: a visitor not logged in (CSRF for login forms)
    language     TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   REAL NOT NULL,
    expires_at   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    at         REAL NOT NULL,
    login_key  TEXT NOT NULL,
    client     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_login ON login_failures (login_key, at);
CREATE INDEX IF NOT EXISTS login_failures_client ON login_failures (client, at);
DROP TABLE IF EXISTS sessions;  -- before issue 16: by user row and e-mail; logged out
"""
# The idle expiry is pushed back at most once every 30 s: one write less per request.
EXPIRY_STEP_SECONDS = 30


@dataclass
class Session:
    session_id: str
    person_id: str | None
    language: str
    csrf_token: str
    created_at: float
    expires_at: float

    @property
    def logged_in(self) -> bool:
        return self.person_id is not None


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, path: Path, idle: timedelta, absolute: timedelta):
        self.path, self.idle, self.absolute = path, idle, absolute
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self.connect()) as con, con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)

    def connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        # WAL + NORMAL: no fsync per commit (a crash may forget the last expiry push
        # or login failure, never corrupt the file); an fsync cost ~30 ms a request.
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    def create_session(self, now: datetime, language: str, person_id: str | None = None) -> Session:
        """A new id every time (also at login: no session fixation)."""
        session = Session(
            secrets.token_urlsafe(32), person_id, language, secrets.token_urlsafe(32),
            now.timestamp(), (now + self.idle).timestamp(),
        )  # fmt: skip
        row = (hash_id(session.session_id), person_id, language, session.csrf_token,
               session.created_at, session.expires_at)  # fmt: skip
        with closing(self.connect()) as con:
            con.execute("INSERT INTO person_sessions VALUES (?, ?, ?, ?, ?, ?)", row)
            con.execute("DELETE FROM person_sessions WHERE expires_at < ?", (now.timestamp(),))
        return session

    def find_session(self, session_id: str | None, now: datetime) -> Session | None:
        """The live session of this id, its idle expiry pushed back; None if expired."""
        if not session_id or len(session_id) > 100:
            return None
        with closing(self.connect()) as con:
            row = con.execute(
                "SELECT * FROM person_sessions WHERE session_hash = ?", (hash_id(session_id),)
            ).fetchone()
            if row is None:
                return None
            session = Session(session_id, *row[1:])
            ends = min(now + self.idle, datetime.fromtimestamp(session.created_at, now.tzinfo)
                       + self.absolute)  # fmt: skip
            if now.timestamp() >= session.expires_at or now >= ends:
                con.execute(
                    "DELETE FROM person_sessions WHERE session_hash = ?", (hash_id(session_id),)
                )
                return None
            if ends.timestamp() - session.expires_at > EXPIRY_STEP_SECONDS:
                session.expires_at = ends.timestamp()
                con.execute(
                    "UPDATE person_sessions SET expires_at = ? WHERE session_hash = ?",
                    (session.expires_at, hash_id(session_id)),
                )
        return session

    def set_language(self, session: Session, language: str) -> None:
        session.language = language
        with closing(self.connect()) as con:
            con.execute(
                "UPDATE person_sessions SET language = ? WHERE session_hash = ?",
                (language, hash_id(session.session_id)),
            )

    def end_session(self, session_id: str) -> None:
        with closing(self.connect()) as con:
            con.execute(
                "DELETE FROM person_sessions WHERE session_hash = ?", (hash_id(session_id),)
            )

    def end_person_sessions(self, person_id: str) -> None:
        """A person without a live membership is logged out everywhere at once."""
        with closing(self.connect()) as con:
            con.execute("DELETE FROM person_sessions WHERE person_id = ?", (person_id,))

    # Login attempts ------------------------------------------------------------------

    def failures(self, column: str, key: str, since: datetime) -> list[float]:
        sql = f"SELECT at FROM login_failures WHERE {column} = ? AND at >= ? ORDER BY at"
        with closing(self.connect()) as con:
            return [row[0] for row in con.execute(sql, (key, since.timestamp())).fetchall()]

    def record_failure(self, login_key: str, client: str, now: datetime) -> None:
        with closing(self.connect()) as con:
            con.execute(
                "INSERT INTO login_failures VALUES (?, ?, ?)", (now.timestamp(), login_key, client)
            )
            con.execute(
                "DELETE FROM login_failures WHERE at < ?", ((now - timedelta(days=1)).timestamp(),)
            )

    def forget_failures(self, login_key: str) -> None:
        """A successful login resets the count of its identifier (not of the client)."""
        with closing(self.connect()) as con:
            con.execute("DELETE FROM login_failures WHERE login_key = ?", (login_key,))


def locked_until(failures: list[float], limit: int, window: timedelta, lockout: timedelta):
    """When `limit` failures fall within `window`, locked for `lockout` from the last of
    them; attempts during a lock are not recorded, so they do not extend it."""
    until = None
    for i in range(limit - 1, len(failures)):
        if failures[i] - failures[i - limit + 1] <= window.total_seconds():
            end = failures[i] + lockout.total_seconds()
            until = end if until is None else max(until, end)
    return until
