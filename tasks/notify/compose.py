"""Compose digests: one e-mail per recipient per period listing all their new
documents across customer codes and issuers (R24), with a fresh invitation when the
main contact's account is not active yet (R6, R7).

Each digest is written to the spool and committed as `queued` before any SMTP
conversation, so a crash before sending loses nothing (exactly once: see send.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import pyarrow as pa

from tasks.faults import crashpoint
from tasks.notify import invitations, spool
from tasks.notify.enqueue import digest_rows, queue_digests
from tasks.notify.message import sender_address
from tasks.notify.periods import digest_key, period_of
from tasks.notify.records import Digest, DigestLine
from tasks.notify.settings import NotifyConfig
from warehouse.store import load_sql, run_sql

log = logging.getLogger("iportal.notify")
Invite = Callable[..., str]


@dataclass
class Composed:
    queued: int = 0
    documents: int = 0
    invitations: int = 0
    failed: list[dict] = field(default_factory=list)  # unusable addresses, with codes (R31)


def group_digests(rows: list[dict], frequency: str, period: str) -> list[Digest]:
    """Rows of notify_digest_lines (main contact's row first) → one digest per person."""
    digests: dict[str, Digest] = {}
    seen: set[tuple[str, str, str, str]] = set()
    for row in rows:
        recipient = row["recipient"]
        digest = digests.get(recipient)
        if digest is None:
            digest = digests[recipient] = Digest(
                digest_id=digest_key(recipient, frequency, period),
                recipient=recipient,
                address=row["address"],
                frequency=frequency,
                period=period,
                user_id=row["user_id"],
                role=row["role"],
                language=row["language"],
                first_name=row["first_name"],
                last_name=row["last_name"],
            )
        if row["role"] == "main" and row["account_status"] != "active":
            digest.invite_user_id = digest.invite_user_id or row["user_id"]
        # one line per document and purpose: a duplicate asked for (R23) is its own line
        key = (recipient, row["issuer"], row["document_number"], row.get("purpose", "original"))
        if key in seen:
            continue
        seen.add(key)
        digest.lines.append(
            DigestLine(
                row["issuer"],
                row["document_number"],
                row["customer_code"],
                row["document_type"],
                row["issue_date"],
                row["total_incl_vat"],
                row["currency"],
                row["user_id"],
                row.get("purpose", "original"),
            )
        )
    for digest in digests.values():
        digest.lines.sort(
            key=lambda x: (x.customer_code, x.issue_date, x.issuer, x.document_number)
        )
    return list(digests.values())


def fetch_lines(con, recipients: list[str], frequency: str) -> list[dict]:
    con.register("compose_recipients", pa.table({"recipient": recipients}))
    try:
        cursor = con.execute(load_sql("notify_digest_lines"), {"frequency": frequency})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.unregister("compose_recipients")


def invite_main_contacts(con, digests, as_of, base_url: str, invite: Invite | None) -> int:
    """R7: every notification to a not yet active main contact carries a fresh link.
    invite None: the accounts package issues the chunk's links in bulk (one transaction;
    one per user cost minutes a night, issue 9); else one `invite` call per user."""
    wanted = [d for d in digests if d.invite_user_id is not None]
    if invite is None:
        tokens = invitations.issue_invitations(con, [d.invite_user_id for d in wanted], as_of)
    else:
        tokens = {}
        for digest in wanted:
            try:
                tokens[digest.invite_user_id] = invite(con, digest.invite_user_id, as_of)
            except ImportError:  # a missing accounts package is a deployment error
                raise
            except Exception:  # one refused invitation must not hold back every digest
                log.exception("no invitation for user %s", digest.invite_user_id)
    issued = 0
    for digest in wanted:
        if token := tokens.get(digest.invite_user_id):
            digest.invitation_url = f"{base_url.rstrip('/')}/activate?token={quote(token, safe='')}"
            issued += 1
    return issued


def pending_recipients(con, frequency: str, period: str) -> list[str]:
    params = {"frequency": frequency, "period": period}
    return [r for (r,) in run_sql(con, load_sql("notify_pending_recipients"), params)]


def compose_chunk(con, config, recipients, frequency, as_of, run_id, actor, invite, pool):
    """Compose, spool and queue the digests of some recipients; adds to a Composed."""
    period = period_of(frequency, as_of)
    lines = fetch_lines(con, recipients, frequency)
    digests = group_digests(lines, frequency, period)
    if not digests:  # another run listed them meanwhile
        return Composed()
    ids = {d.recipient: d.digest_id for d in digests}
    listed = [  # every fetched line, also one listed twice under two roles of one person
        {
            "digest_id": ids[x["recipient"]],
            "user_id": x["user_id"],
            "issuer": x["issuer"],
            "document_number": x["document_number"],
        }
        for x in lines
    ]
    invited = invite_main_contacts(con, digests, as_of, config.portal_base_url, invite)
    now = datetime.now(UTC)
    spooled = spool.spool_messages(
        digests, config.sender, config.portal_base_url, config.spool_dir, now, pool
    )
    crashpoint("digest.spooled")  # spooled, not queued: the next run composes them again
    rows = digest_rows(digests, spooled, sender_address(config.sender).domain, now, run_id)
    queue_digests(con, digests, rows, listed, actor)
    failed = [r for r in rows if r["status"] == "failed"]
    return Composed(
        queued=len(rows) - len(failed),
        documents=sum(r["documents"] for r in rows),
        invitations=invited,
        failed=[
            {
                "digest_id": r["digest_id"],
                "customer_codes": r["customer_codes"],
                "error": r["last_error"],
            }
            for r in failed
        ],
    )


def add_up(total: Composed, part: Composed) -> Composed:
    total.queued += part.queued
    total.documents += part.documents
    total.invitations += part.invitations
    total.failed += part.failed
    return total


def compose_digests(con, config, frequency, as_of, run_id, actor, invite=None) -> Composed:
    """Compose and queue the digests of `frequency` for the period of `as_of`, on one
    connection (the flows open the warehouse per chunk: see prepare_digests)."""
    recipients = pending_recipients(con, frequency, period_of(frequency, as_of))
    total = Composed()
    with spool.compose_pool(pool_size(config, len(recipients))) as pool:
        for start in range(0, len(recipients), config.batch_size):
            chunk = recipients[start : start + config.batch_size]
            part = compose_chunk(con, config, chunk, frequency, as_of, run_id, actor, invite, pool)
            add_up(total, part)
    return total


def pool_size(config: NotifyConfig, digests: int) -> int:
    return config.workers if digests >= spool.POOL_MIN_DIGESTS else 1
