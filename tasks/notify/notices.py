"""Notices: one-off messages that are not digests of new documents. The first one is
"your history is available" (R21, issue 5), sent once to the main contact when a
backfill has published an account's history, in the contact's language.

A notice goes through the digests' machinery rather than a second one: a row in the
`digests` table (frequency `notice`), its message in the same spool, sent by the same
`send_one` (retries, backoff, bounces, outcome audit), and a Message-ID from the same
scheme (`<digest.<id>@domain>`, so bounce ingestion finds it). Its id is derived from
the recipient and the customer codes it announces, and a code once announced to an
account is never announced again (notice_history_candidates.sql): a second backfill,
or a resumed one, sends nothing twice. Never one message per document.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from itertools import groupby

import pyarrow as pa
from babel.numbers import format_decimal

from tasks.notify.message import (
    LANGUAGES,
    TEMPLATES_DIR,
    Email,
    InvalidAddress,
    clean_text,
    compose_email,
    sender_address,
)
from tasks.notify.periods import digest_key, message_id
from tasks.notify.send import Accepted, flush_outcome_audit, send_one
from tasks.notify.settings import NotifyConfig
from tasks.notify.spool import write_spool
from tasks.notify.transport import Unavailable, build_mailer
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, open_writer, run_sql, transaction

FREQUENCY = "notice"  # the digests table's frequency column for one-off notices
HISTORY_AVAILABLE = "history_available"


@dataclass(slots=True)
class Notice:
    """One "your history is available" message to one main contact."""

    digest_id: str
    account_id: str
    user_id: str
    recipient: str  # lower-case address
    address: str  # as written
    language: str
    first_name: str | None
    last_name: str | None
    documents: dict[str, int] = field(default_factory=dict)  # customer code → count

    @property
    def customer_codes(self) -> list[str]:
        return sorted(self.documents)


@cache
def notice_words(language: str) -> dict:
    """The notice's words in one language (nl when the language is unknown)."""
    catalog = json.loads((TEMPLATES_DIR / f"{HISTORY_AVAILABLE}.json").read_text("utf-8"))
    return catalog[language if language in LANGUAGES else "nl"]


def notice_id(recipient: str, customer_codes: list[str]) -> str:
    """Stable across reruns: the same person told about the same codes is one message."""
    return digest_key(recipient, FREQUENCY, f"{HISTORY_AVAILABLE}:{','.join(customer_codes)}")


def group_notices(rows: list[dict]) -> list[Notice]:
    """Rows of notice_history_candidates (one per code) → one notice per main contact."""
    notices = []
    by_person = groupby(rows, key=lambda r: (r["account_id"], r["user_id"]))
    for (account_id, user_id), group in by_person:
        codes = list(group)
        first = codes[0]
        notice = Notice(
            digest_id="",
            account_id=account_id,
            user_id=user_id,
            recipient=first["email"].strip().lower(),
            address=first["email"],
            language=first["language"],
            first_name=first["first_name"],
            last_name=first["last_name"],
            documents={c["customer_code"]: int(c["documents"]) for c in codes},
        )
        notice.digest_id = notice_id(notice.recipient, notice.customer_codes)
        notices.append(notice)
    return notices


def find_history_notices(con, customer_codes: list[str]) -> list[Notice]:
    """Main contacts to tell that the history of some of `customer_codes` is published."""
    con.register("notice_scope", pa.table({"customer_code": customer_codes}))
    try:
        cursor = con.execute(load_sql("notice_history_candidates"))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.unregister("notice_scope")
    return group_notices(rows)


def notice_context(notice: Notice, base_url: str, years: int) -> dict:
    t = notice_words(notice.language)
    locale = t["locale"]
    name = clean_text(f"{notice.first_name or ''} {notice.last_name or ''}")
    codes = notice.customer_codes
    count = format_decimal(sum(notice.documents.values()), locale=locale)
    return {
        "t": t,
        "language": notice.language if notice.language in LANGUAGES else "nl",
        "subject": t["subject"],
        "greeting": t["greeting"].format(name=name) if name else t["greeting_anonymous"],
        "intro": t["intro_one" if len(codes) == 1 else "intro_many"].format(
            years=years, count=count, codes=", ".join(codes)
        ),
        "codes": [
            {"customer_code": c, "documents": format_decimal(notice.documents[c], locale=locale)}
            for c in codes
        ],
        "portal_url": f"{base_url}/",
    }


def build_notice_message(
    notice: Notice, sender: str, base_url: str, date: datetime, years: int = 7
) -> Email:
    """The notice's e-mail: text and HTML alternatives, headers as for digests."""
    context = notice_context(notice, base_url.rstrip("/"), years)
    name = clean_text(f"{notice.first_name or ''} {notice.last_name or ''}")
    return compose_email(notice.digest_id, notice.address, name, sender, date,
                         HISTORY_AVAILABLE, context, notice=HISTORY_AVAILABLE)  # fmt: skip


def notice_row(
    digest_id: str,
    recipient: str,
    address: str,
    user_id: str,
    role: str,
    language: str,
    period: str,
    config: NotifyConfig,
    now: datetime,
) -> dict:
    """A notice's row for the digests table, `failed` until its message is spooled."""
    return {
        "digest_id": digest_id,
        "recipient": recipient,
        "frequency": FREQUENCY,
        "period": period,
        "address": address,
        "user_id": user_id,
        "role": role,
        "language": language,
        "documents": 0,
        "customer_codes": [],
        "invitation": False,
        "message_id": message_id(digest_id, sender_address(config.sender).domain),
        "message_sha256": None,
        "spooled": False,
        "status": "failed",
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": None,
        "queued_at": now,
        "sent_at": None,
        "outcome_audited": False,  # a failure is audited by the next flush
        "run_id": "",
    }


def spooled_row(row: dict, message: Email, config: NotifyConfig) -> dict:
    """The row once its message is written to the spool: queued for the send loop."""
    write_spool(config.spool_dir, row["digest_id"], message.data)
    return row | {
        "address": message.address,  # an IDN as punycode
        "message_sha256": hashlib.sha256(message.data).hexdigest(),
        "spooled": True,
        "status": "queued",
        "outcome_audited": True,
    }


def spool_notice(notice: Notice, config: NotifyConfig, now: datetime, years: int) -> dict:
    """The notice's row for the digests table, its message written to the spool first."""
    row = notice_row(notice.digest_id, notice.recipient, notice.address, notice.user_id,
                     "main", notice.language, HISTORY_AVAILABLE, config, now)  # fmt: skip
    row |= {"documents": sum(notice.documents.values()), "customer_codes": notice.customer_codes}
    try:
        message = build_notice_message(notice, config.sender, config.portal_base_url, now, years)
    except InvalidAddress as error:
        return row | {"last_error": str(error)}
    return spooled_row(row, message, config)


def queue_history_notices(
    con, config: NotifyConfig, customer_codes: list[str], run_id: str, actor: str, years: int
) -> list[dict]:
    """Find, spool and queue the notices for `customer_codes`, one transaction."""
    notices = find_history_notices(con, customer_codes)
    if not notices:
        return []
    now = datetime.now(UTC)
    rows = [spool_notice(n, config, now, years) | {"run_id": run_id} for n in notices]
    events = [
        AuditEvent(
            "notice_composed",
            n.digest_id,
            {"notice": HISTORY_AVAILABLE, "user_id": n.user_id, "account_id": n.account_id,
             "customer_codes": n.customer_codes, "documents": sum(n.documents.values())},
            actor,
        )
        for n in notices
    ]  # fmt: skip
    with transaction(con):
        insert_rows(con, "digests", rows, mode="INSERT OR IGNORE")  # a rerun's same id
        append_events(con, events)
    return rows


def send_notice_chunk(con, session, config: NotifyConfig, as_of, actor: str, outcomes) -> int:
    """One chunk (`batch_size`) of due notices; returns how many were due."""
    due = run_sql(con, load_sql("notice_due"), {"as_of": as_of, "limit": config.batch_size})
    with Accepted(con, actor, config.record_every) as accepted:
        for notice in due:  # send_one may raise Unavailable: `accepted` are recorded
            outcome = send_one(con, session, config, notice, as_of, actor, accepted)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return len(due)


def send_due_notices(config: NotifyConfig, as_of: datetime, actor: str, mailer=None) -> dict:
    """Send the notices that are due (this run's and any left queued), one connection,
    the warehouse released between chunks."""
    outcomes: dict[str, int] = {}
    unavailable = None
    try:
        with (mailer or build_mailer(config)).session() as session:
            due = config.batch_size
            while due == config.batch_size:
                with open_writer(config.warehouse_path, actor, config.lock_timeout_seconds) as con:
                    try:
                        due = send_notice_chunk(con, session, config, as_of, actor, outcomes)
                    finally:
                        flush_outcome_audit(con, actor)
    except Unavailable as error:  # server down, or the outbox cannot be created
        unavailable = str(error)
    return {"notices_sent": outcomes.get("sent", 0), "notice_outcomes": outcomes,
            "mailer_unavailable": unavailable}  # fmt: skip


def announce_history(
    config: NotifyConfig,
    customer_codes: list[str],
    as_of: datetime,
    run_id: str,
    actor: str,
    years: int = 7,
    mailer=None,
) -> dict:
    """R21: tell each main contact once that their history is available; send it."""
    with open_writer(config.warehouse_path, actor, config.lock_timeout_seconds) as con:
        rows = queue_history_notices(con, config, customer_codes, run_id, actor, years)
    summary = send_due_notices(config, as_of, actor, mailer)
    failed = [r for r in rows if r["status"] == "failed"]
    return {
        "notices_queued": len(rows) - len(failed),
        "notices_failed": [
            {"customer_codes": r["customer_codes"], "error": r["last_error"]} for r in failed
        ],
    } | summary
