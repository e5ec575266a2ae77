"""Invitation links (R6, R7, issue 16): the seam to the accounts package, and the
e-mail that asks an added person to accept a membership.

Main contacts get their link in their digests (`issue_invitations`, R6). A shared user,
third party or former main contact moved by a merge is a pending membership that grants
nothing until accepted; `mail_invitations` issues its link and e-mails it **to that
address**, in the invitee's language, through the notices' machinery (a `digests` row of
frequency `notice`, period `invitation`, its message in the spool, sent by `send_one`):
the only way to the link, so whoever added the address never sees it. One e-mail per
membership, ever (R7: no resend button; delete and add again for a new one).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import quote

from babel.dates import format_date

from tasks.accounts.db import fetch_dicts
from tasks.notify.message import (
    LANGUAGES,
    TEMPLATES_DIR,
    InvalidAddress,
    clean_text,
    compose_email,
)
from tasks.notify.notices import FREQUENCY, notice_row, send_notice_chunk, spooled_row
from tasks.notify.periods import digest_key
from tasks.notify.send import flush_outcome_audit
from tasks.notify.settings import NotifyConfig
from tasks.notify.transport import Unavailable, build_mailer
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, transaction

INVITATION = "invitation"


def issue_invitation(con, user_id: str, as_of: datetime) -> str:
    from tasks.accounts.invitations import issue_invitation as issue

    return issue(con, user_id, as_of)


def issue_invitations(con, user_ids: list[str], as_of: datetime) -> dict[str, str]:
    """The same for a chunk of digests in one transaction: user id -> token (issue 9)."""
    from tasks.accounts.invitations import issue_invitations as issue

    return issue(con, user_ids, as_of)


@cache
def invitation_words(language: str) -> dict:
    catalog = json.loads((TEMPLATES_DIR / f"{INVITATION}.json").read_text("utf-8"))
    return catalog[language if language in LANGUAGES else "nl"]


def full_name(first: str | None, last: str | None) -> str:
    return clean_text(f"{first or ''} {last or ''}")


def invitation_context(member: dict, accept_url: str, expires_at: datetime) -> dict:
    t = invitation_words(member["language"])
    name = full_name(member["first_name"], member["last_name"])
    account = member["login_id"]
    inviter = full_name(member["inviter_first_name"], member["inviter_last_name"]) or account
    return {
        "t": t,
        "language": member["language"] if member["language"] in LANGUAGES else "nl",
        "subject": t["subject"],
        "greeting": t["greeting"].format(name=name) if name else t["greeting_anonymous"],
        "intro": t["intro"].format(inviter=inviter, account=account),
        "accept_url": accept_url,
        "valid_until": t["valid_until"].format(
            date=format_date(expires_at.date(), format="long", locale=t["locale"])
        ),
    }


def invitation_message(member: dict, digest_id: str, token: str, expires_at, config, now):
    url = f"{config.portal_base_url.rstrip('/')}/activate?token={quote(token, safe='')}"
    context = invitation_context(member, url, expires_at)
    name = full_name(member["first_name"], member["last_name"])
    return compose_email(digest_id, member["email"], name, config.sender, now, INVITATION,
                         context, notice=INVITATION)  # fmt: skip


def invitation_row(member: dict, config: NotifyConfig, now: datetime) -> dict:
    """One e-mail per membership: the id is derived from the address and the membership."""
    email, user_id = member["email"], member["user_id"]
    digest_id = digest_key(email, FREQUENCY, f"{INVITATION}:{user_id}")
    row = notice_row(digest_id, email, email, user_id, member["role"], member["language"],
                     INVITATION, config, now)  # fmt: skip
    return row | {"invitation": True}


def queue_invitations(
    con, config: NotifyConfig, as_of: datetime, actor: str, validity: timedelta
) -> list[dict]:
    """Issue the links of the members waiting for one and queue their e-mails; the links
    and the queued rows commit together, so a link exists only in its e-mail."""
    from tasks.accounts.invitations import invitation_expires_at, write_invitations

    members = fetch_dicts(con, "members_to_invite", {"limit": config.batch_size})
    if not members:
        return []
    rows, events = [], []
    with transaction(con):
        tokens = write_invitations(con, [m["user_id"] for m in members], as_of, validity, actor)
        expires_at = invitation_expires_at(as_of, validity)
        for member in members:
            row = invitation_row(member, config, as_of)
            token = tokens.get(member["user_id"])
            try:
                digest_id = row["digest_id"]
                message = invitation_message(member, digest_id, token, expires_at, config, as_of)
                row = spooled_row(row, message, config)
            except (InvalidAddress, TypeError) as error:  # TypeError: no token (refused)
                row["last_error"] = str(error)
            rows.append(row)
            events.append(AuditEvent("invitation_mail_queued", row["digest_id"],
                                     {"user_id": member["user_id"],
                                      "account_id": member["account_id"]}, actor))  # fmt: skip
        insert_rows(con, "digests", rows, mode="INSERT OR IGNORE")
        append_events(con, events)
    return rows


def mail_invitations(
    con,
    config: NotifyConfig,
    as_of: datetime,
    actor: str,
    validity: timedelta = timedelta(days=30),
    mailer=None,
) -> dict:
    """Queue the invitations that are due and send every due notice on this connection
    (the portal and the CLI hold the warehouse already). A mail server that is down
    leaves them queued: the next digest or notice run sends them."""
    queued = queue_invitations(con, config, as_of, actor, validity)
    outcomes: dict[str, int] = {}
    unavailable = None
    try:
        with (mailer or build_mailer(config)).session() as session:
            due = config.batch_size
            while due == config.batch_size:
                try:
                    due = send_notice_chunk(con, session, config, as_of, actor, outcomes)
                finally:
                    flush_outcome_audit(con, actor)
    except Unavailable as error:
        unavailable = str(error)
    return {
        "invitations_queued": sum(r["status"] == "queued" for r in queued),
        "invitations_failed": [r["last_error"] for r in queued if r["status"] == "failed"],
        "notices_sent": outcomes.get("sent", 0),
        "mailer_unavailable": unavailable,
    }
