"""Invitations and activation (R6, R7).

A token is 32 random bytes from `secrets`, handed out once and stored only as its
sha256. It expires (setting `invitation_valid_days`), a newer invitation for the same
user supersedes it, and it stops working once the account (or the shared user) is
active. Activating sets the password (scrypt) and, for the main contact, activates the
account for every customer code it holds: one password (R6).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import pyarrow as pa

from domain.accounts import (
    INVITATION_VALIDITY,
    AccountError,
    check_password,
    invitation_expires_at,
    invitation_problem,
)
from domain.passwords import hash_password
from tasks.accounts.db import fetch_dicts, fetch_one
from tasks.accounts.history import request_account_history
from tasks.accounts.lookup import user_by_id
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction

log = logging.getLogger("iportal.accounts")
BATCH = pa.schema([("user_id", pa.string())])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def write_invitation(
    con,
    user_id: str,
    as_of: datetime,
    validity: timedelta = INVITATION_VALIDITY,
    actor: str = "system",
) -> str:
    """Like `issue_invitation`, inside the caller's open transaction."""
    user = user_by_id(con, user_id)
    if refusal := invitation_refusal(user):
        raise AccountError(refusal)
    token = secrets.token_urlsafe(32)
    expires_at = invitation_expires_at(as_of, validity)
    run_sql(con, load_sql("supersede_invitations"), {"at": as_of, "user_id": user_id})
    insert_rows(
        con,
        "invitations",
        [
            {
                "token_hash": token_hash(token),
                "user_id": user_id,
                "issued_at": as_of,
                "expires_at": expires_at,
            }
        ],
    )
    payload = {"account_id": user["account_id"], "expires_at": expires_at.isoformat()}
    append_events(con, [AuditEvent("invitation_issued", user_id, payload, actor)])
    return token


def invitation_refusal(user: dict) -> str | None:
    """Why `user` (a users row with account_status) gets no invitation, or None."""
    if user["status"] == "deleted":
        return f"user {user['user_id']} was deleted"
    if user["account_status"] == "merged":
        return f"account {user['account_id']} was merged into another one (R13)"
    if user["status"] == "active" or (
        user["role"] == "main" and user["account_status"] == "active"
    ):
        return f"the account of user {user['user_id']} is already active (R7)"
    return None


def issue_invitations(
    con,
    user_ids: list[str],
    as_of: datetime,
    validity: timedelta = INVITATION_VALIDITY,
    actor: str = "system",
) -> dict[str, str]:
    """`issue_invitation` for a batch (the nightly digests): one query, one UPDATE, one
    INSERT and one audit append in one transaction, instead of a transaction per user
    (issue 9: 12,800 invitations one by one took over ten minutes of a 20,000-document
    night). Returns user id -> token; refused users are logged and left out."""
    con.register("invite_batch", pa.table({"user_id": sorted(set(user_ids))}, schema=BATCH))
    try:
        with transaction(con):
            users = []
            for user in fetch_dicts(con, "users_by_ids"):
                if refusal := invitation_refusal(user):
                    log.warning("no invitation: %s", refusal)
                else:
                    users.append(user)
            tokens = {u["user_id"]: secrets.token_urlsafe(32) for u in users}
            con.unregister("invite_batch")
            con.register("invite_batch", pa.table({"user_id": list(tokens)}, schema=BATCH))
            run_sql(con, load_sql("supersede_invitations_of_batch"), {"at": as_of})
            expires_at = invitation_expires_at(as_of, validity)
            rows = [
                {"token_hash": token_hash(token), "user_id": user_id, "issued_at": as_of,
                 "expires_at": expires_at}
                for user_id, token in tokens.items()
            ]  # fmt: skip
            insert_rows(con, "invitations", rows)
            payload = {"expires_at": expires_at.isoformat()}
            events = [
                AuditEvent("invitation_issued", u["user_id"],
                           payload | {"account_id": u["account_id"]}, actor)
                for u in users
            ]  # fmt: skip
            append_events(con, events)
    finally:
        con.unregister("invite_batch")
    return tokens


def issue_invitation(
    con,
    user_id: str,
    as_of: datetime,
    validity: timedelta = INVITATION_VALIDITY,
    actor: str = "system",
) -> str:
    """R6, R7: a fresh invitation token for `user_id` (give it to the person, e.g. in
    the notification e-mail; it is shown once and stored hashed). Earlier links of that
    user stop working. Refused (AccountError) once the account or user is active."""
    with transaction(con):
        return write_invitation(con, user_id, as_of, validity, actor)


def activate_with_invitation(
    con, token: str, password: str, as_of: datetime, actor: str = "portal"
) -> dict:
    """R6: choose the password with a working invitation; returns what was activated."""
    check_password(password)
    digest = token_hash(token)
    with transaction(con):
        invitation = fetch_one(con, "invitation_by_hash", {"token_hash": digest})
        if invitation is None:
            raise AccountError("this invitation link is unknown")
        problem = invitation_problem(
            invitation["issued_at"],
            invitation["expires_at"],
            invitation["superseded_at"],
            invitation["used_at"],
            invitation["user_status"],
            invitation["account_status"],
            invitation["role"],
            as_of,
        )
        if problem:
            raise AccountError(problem)
        user_id, account_id = invitation["user_id"], invitation["account_id"]
        run_sql(con, load_sql("use_invitation"), {"at": as_of, "token_hash": digest})
        params = {"password_hash": hash_password(password), "user_id": user_id}
        run_sql(con, load_sql("activate_user"), params)
        events = [AuditEvent("user_activated", user_id, {"account_id": account_id}, actor)]
        if invitation["role"] == "main":
            run_sql(con, load_sql("activate_account"), {"at": as_of, "account_id": account_id})
            events.append(AuditEvent("account_activated", account_id, {"user_id": user_id}, actor))
            request_account_history(con, account_id, "account_activated")  # R21
        append_events(con, events)
    return {"user_id": user_id, "account_id": account_id, "role": invitation["role"]}
