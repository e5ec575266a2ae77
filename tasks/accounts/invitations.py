"""Invitations and acceptance (R6, R7, issue 16).

A token is 32 random bytes from `secrets`, handed out once (in an e-mail to the
membership's own address, never on the inviter's page) and stored only as its sha256.
It never starts with '-', so a command line cannot take it for an option (issue 22).
It expires (setting `invitation_valid_days`), a newer invitation for the same
membership supersedes it, and it stops working once the membership is accepted.

Accepting: a person without a login chooses its one password (scrypt); a person who
has one already gives that password, i.e. logs in as that person: nobody sets or resets
another person's password through an invitation. The membership becomes active; for
the main contact the account too, for every customer code it holds (R6).
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
from domain.passwords import hash_password, verify_password
from tasks.accounts.db import fetch_dicts, fetch_one
from tasks.accounts.history import request_account_history
from tasks.accounts.lookup import user_by_id
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction

log = logging.getLogger("iportal.accounts")
BATCH = pa.schema([("user_id", pa.string())])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def new_token(draw=secrets.token_urlsafe) -> str:
    """256 random bits, URL-safe, never starting with '-' (issue 22: `iportal account
    activate -Xq2…` read the token as an option). Drawing again costs 1/64 of a symbol's
    choices, about 0.02 bits."""
    token = draw(32)
    while token.startswith("-"):
        token = draw(32)
    return token


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
    token = new_token()
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


def write_invitations(
    con,
    user_ids: list[str],
    as_of: datetime,
    validity: timedelta = INVITATION_VALIDITY,
    actor: str = "system",
) -> dict[str, str]:
    """Like `issue_invitations`, inside the caller's open transaction."""
    con.register("invite_batch", pa.table({"user_id": sorted(set(user_ids))}, schema=BATCH))
    try:
        users = []
        for user in fetch_dicts(con, "users_by_ids"):
            if refusal := invitation_refusal(user):
                log.warning("no invitation: %s", refusal)
            else:
                users.append(user)
        tokens = {u["user_id"]: new_token() for u in users}
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
    with transaction(con):
        return write_invitations(con, user_ids, as_of, validity, actor)


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


def accept_credential(con, invitation: dict, password: str, as_of: datetime) -> str:
    """The invited person's one credential: chosen now when it has none (the link went
    to its address), else checked. Returns "chosen" or "existing"."""
    if invitation["person_password_hash"] is None:
        check_password(password)
        params = {"password_hash": hash_password(password), "at": as_of,
                  "person_id": invitation["person_id"]}  # fmt: skip
        if run_sql(con, load_sql("set_person_credential"), params):
            return "chosen"
        raise AccountError("this address already has a login: give its password to accept")
    if not verify_password(password, invitation["person_password_hash"]):
        raise AccountError("this address already has a login: give its password to accept")
    return "existing"


def activate_with_invitation(
    con, token: str, password: str, as_of: datetime, actor: str = "portal"
) -> dict:
    """R6, issue 16: accept a membership with a working invitation: choose the person's
    password, or give it when the person has a login already. Returns what was accepted."""
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
        credential = accept_credential(con, invitation, password, as_of)
        user_id, account_id = invitation["user_id"], invitation["account_id"]
        run_sql(con, load_sql("use_invitation"), {"at": as_of, "token_hash": digest})
        run_sql(con, load_sql("activate_user"), {"user_id": user_id})
        payload = {"account_id": account_id, "person_id": invitation["person_id"],
                   "credential": credential}  # fmt: skip
        events = [AuditEvent("user_activated", user_id, payload, actor)]
        if invitation["role"] == "main":
            run_sql(con, load_sql("activate_account"), {"at": as_of, "account_id": account_id})
            events.append(AuditEvent("account_activated", account_id, {"user_id": user_id}, actor))
            request_account_history(con, account_id, "account_activated")  # R21
        append_events(con, events)
    return {"user_id": user_id, "account_id": account_id, "role": invitation["role"],
            "person_id": invitation["person_id"], "credential": credential}  # fmt: skip
