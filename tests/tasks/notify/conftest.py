"""Notification fixtures: a real SMTP server (aiosmtpd on 127.0.0.1), a warehouse with
accounts, users, grants and published documents written directly in SQL (the accounts
package of issue 3 builds them from master data in production), and a stand-in for
its `issue_invitation`."""

from __future__ import annotations

import email
import hashlib
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tasks.accounts.people import link_people
from tasks.notify import NotifyConfig, RetryPolicy, SmtpServer, deliver_digests
from tests.factories import (
    account_code_row,
    account_row,
    customer_row,
    delivery_row,
    document_row,
    grant_row,
    user_row,
)
from warehouse.store import insert_rows, open_writer, run_sql

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
NASTY_NAME = "Zoë\r\nBcc: evil@attacker.example"
NASTY_LAST = "<script>alert('x')</script> Ça"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.data, policy=policy.default)


@dataclass
class Handler:
    """Accepts everything, unless told to refuse (rcpt/data replies) or drop."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)  # consumed one per DATA
    drop_before_reply: int = 0  # drop the connection before accepting, this many times
    drop_after_accept: int = 0  # accept (store) then drop before replying

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_before_reply:
            self.drop_before_reply -= 1
            server.transport.close()
            return "250 never seen"
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        if self.drop_after_accept:
            self.drop_after_accept -= 1
            server.transport.close()
        return "250 Message accepted for delivery"

    def by_recipient(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = {}
        for r in self.received:
            for rcpt in r.recipients:
                found.setdefault(rcpt, []).append(r)
        return found


@pytest.fixture
def smtp_server():
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def make_config(data_dir: Path, port: int, batch_size: int = 2, **retry) -> NotifyConfig:
    policy_ = {"attempts_per_run": 2, "wait_seconds": 0, "backoff_base_seconds": 600} | retry
    return NotifyConfig(
        data_dir=data_dir,
        sender="I-Portal <no-reply@iportal.example>",
        portal_base_url="https://portal.example",
        mailer="smtp",
        smtp=SmtpServer("127.0.0.1", port, starttls=False, timeout_seconds=5),
        retry=RetryPolicy(**policy_),
        batch_size=batch_size,
    )


@pytest.fixture
def config(tmp_path, smtp_server) -> NotifyConfig:
    return make_config(tmp_path, smtp_server.port)  # batch_size 2: several chunks


@pytest.fixture
def config_for(tmp_path):
    """Another configuration on the same data dir (another port, other retry rules)."""

    def build(port: int, **retry) -> NotifyConfig:
        return make_config(tmp_path, port, **retry)

    return build


def invite(con, user_id: str, as_of: datetime) -> str:
    """Stand-in for issue 3's issue_invitation: a fresh token supersedes older ones."""
    token = secrets.token_urlsafe(24)
    run_sql(
        con,
        "UPDATE invitations SET superseded_at = ? WHERE user_id = ? AND superseded_at IS NULL",
        [as_of, user_id],
    )
    insert_rows(
        con,
        "invitations",
        [
            {
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "user_id": user_id,
                "issued_at": as_of,
                "expires_at": as_of + timedelta(days=30),
            }
        ],
    )
    return token


class World:
    """Rows for accounts, people and published documents, written directly."""

    def __init__(self, con):
        self.con = con

    def account(self, account_id: str, status: str = "active") -> None:
        row = account_row(account_id, account_id, AS_OF - timedelta(days=9), segment="B2B",
                          status=status)  # fmt: skip
        insert_rows(self.con, "accounts", [row])

    def code(self, customer_code: str, account_id: str, email_: str = "x@example.be") -> None:
        row = customer_row(customer_code, AS_OF, contract_start=None, contact_email=email_)
        insert_rows(self.con, "customers", [row])
        insert_rows(
            self.con, "account_customer_codes", [account_code_row(customer_code, account_id, AS_OF)]
        )

    def user(
        self,
        user_id,
        account_id,
        role,
        email_,
        language,
        first=None,
        last=None,
        frequency="immediate",
        status="active",
    ) -> None:
        row = user_row(user_id, account_id, role, email_, AS_OF, first_name=first, last_name=last,
                       language=language, frequency=frequency, status=status)  # fmt: skip
        insert_rows(self.con, "users", [row])
        link_people(self.con)  # issue 16: the membership belongs to its address's person

    def grant(self, user_id: str, customer_code: str) -> None:
        insert_rows(self.con, "grants", [grant_row(user_id, customer_code, "test", AS_OF)])

    def setting(self, user_id: str, customer_code: str, enabled: bool) -> None:
        insert_rows(
            self.con,
            "notification_settings",
            [
                {
                    "user_id": user_id,
                    "customer_code": customer_code,
                    "enabled": enabled,
                    "changed_at": AS_OF,
                }
            ],
        )

    def document(
        self,
        issuer,
        number,
        code,
        document_type="invoice",
        amount="741.00",
        issue_date=date(2026, 11, 26),
        channel="portal",
        status="published",
        history=False,
        purpose="original",
    ) -> None:
        document = document_row(
            code, number, issue_date, amount, "0", AS_OF, issuer=issuer,
            document_type=document_type, contract_number=None, is_history=history, run_id="r0",
        )  # fmt: skip
        insert_rows(self.con, "documents", [document])
        delivery = delivery_row(document, AS_OF, channel=channel, purpose=purpose, status=status,
                                run_id="r0")  # fmt: skip
        insert_rows(self.con, "deliveries", [delivery])


def populate(con) -> World:
    """Two issuers, four accounts; see the expectations in test_notify_smtp.py."""
    w = World(con)
    w.account("acc-a")
    w.code("DL50012345", "acc-a")
    w.code("DL20000777", "acc-a")
    w.user("u-an", "acc-a", "main", "an.peeters@example.be", "nl", "An", "Peeters")
    w.user("u-luc", "acc-a", "shared", "boekhouding@fiduciaire.example", "fr", "Luc", "Dubois")
    w.grant("u-luc", "DL50012345")  # not DL20000777 (R9)
    w.account("acc-b", status="pending")
    w.code("DL50099999", "acc-b")
    w.user(
        "u-zoe", "acc-b", "main", "zoe@example.de", "de", NASTY_NAME, NASTY_LAST, status="invited"
    )
    w.account("acc-c")
    w.code("DL20000555", "acc-c")
    w.user("u-jean", "acc-c", "main", "jean@example.fr", "fr", "Jean", "Dupont")
    w.setting("u-jean", "DL20000555", False)  # R11: off
    w.account("acc-d")
    w.code("DL50044444", "acc-d")
    w.user("u-day", "acc-d", "main", "daily@example.be", "en", "Dee", "Daily", "daily")
    w.user("u-week", "acc-d", "shared", "weekly@example.be", "nl", "Wim", "Week", "weekly")
    w.grant("u-week", "DL50044444")
    w.document("DL5", "2026-0001", "DL50012345", amount="741.00")
    w.document("DL2", "2026-0002", "DL20000777", "credit_note", "50.00", date(2026, 11, 25))
    w.document("DL5", "2026-0003", "DL50012345", amount="12345.67", issue_date=date(2026, 11, 24))
    w.document("DL5", "2026-0004", "DL50099999", amount="99.00")
    w.document("DL2", "2026-0005", "DL20000555")
    w.document("DL5", "2026-0006", "DL50012345", channel="paper", status="dispatched")
    w.document("DL5", "2019-0007", "DL50012345", history=True, purpose="backfill")
    w.document("DL5", "2026-0008", "DL50044444")
    w.document("DL5", "2026-0009", "DL50012345", status="decided")  # not published yet
    return w


class Kit:
    """What a notification test needs beside the fixtures (helpers cannot be imported
    from conftest under --import-mode=importlib)."""

    as_of = AS_OF
    nasty_last = NASTY_LAST
    invite = staticmethod(invite)

    def __init__(self, database: Path):
        self.database = database

    @contextmanager
    def edit(self) -> Iterator[World]:
        with open_writer(self.database, "test") as con:
            yield World(con)

    def rows(self, sql: str, params=None) -> list[tuple]:
        with open_writer(self.database, "test") as con:
            return run_sql(con, sql, params)


@pytest.fixture
def world(config) -> Kit:
    kit = Kit(config.warehouse_path)
    with kit.edit() as w:
        populate(w.con)
    return kit


@pytest.fixture
def deliver(world, config):
    """Run all notification steps the way the nightly flow does (immediate digests)."""

    def run(frequency="immediate", as_of=AS_OF, config_=None, mailer=None):
        return deliver_digests(
            config_ or config, frequency, as_of, "run-1", "test", invite=invite, mailer=mailer
        )

    return run
