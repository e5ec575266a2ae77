"""Shared users, third parties, grants and notification settings (R8, R9, R11, R12).

Every function takes the account (dict from `lookup.find_account`), runs in one
transaction with its audit event, and refuses with an AccountError that says why.
A new user is a pending membership (`invited`) of the person of its address (issue 16):
it holds nothing but what is granted explicitly (R9), and those grants open nothing
until the person accepts through the invitation that tasks/notify/invitations.py
e-mails to that address (never shown to whoever added it). An address that is a user of
another account is fine: the same person, one more (pending) membership.
"""

from __future__ import annotations

from datetime import datetime

from domain.accounts import (
    AccountError,
    check_email,
    check_grant,
    check_third_party,
    check_user_fields,
)
from tasks.accounts.db import fetch_one, new_id
from tasks.accounts.lookup import code_in_account, find_user
from tasks.accounts.people import link_people
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction


def write_grant(con, account: dict, user: dict, customer_code: str, at, actor: str) -> bool:
    """R8, R9: inside an open transaction; False if it was granted already."""
    check_grant(
        user["role"], user["status"], code_in_account(con, account["account_id"], customer_code),
        customer_code,
    )  # fmt: skip
    params = {"user_id": user["user_id"], "customer_code": customer_code, "at": at}
    done = run_sql(con, load_sql("insert_grant"), params | {"granted_by": actor})
    if done:
        payload = {"customer_code": customer_code, "account_id": account["account_id"]}
        append_events(con, [AuditEvent("access_granted", user["user_id"], payload, actor)])
    return bool(done)


def add_user(
    con,
    account: dict,
    email: str,
    role: str,
    as_of: datetime,
    first_name: str | None = None,
    last_name: str | None = None,
    language: str = "nl",
    customer_codes: tuple[str, ...] = (),
    actor: str = "operator",
) -> dict:
    """Create a pending shared user or third party with its explicit grants; its
    invitation goes out by e-mail (tasks.notify.invitations.mail_invitations)."""
    check_user_fields(language=language)
    email = check_email(email)
    if account["status"] == "merged":
        raise AccountError(f"account {account['account_id']} was merged into another one")
    with transaction(con):
        params = {"account_id": account["account_id"], "email": email}
        if fetch_one(con, "user_in_account", params):
            raise AccountError(f"{email} is already a user of this account")
        user = {
            "user_id": new_id("U"),
            "account_id": account["account_id"],
            "role": role,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "language": language,
            "frequency": "immediate",
            "status": "invited",
            "created_at": as_of,
        }
        insert_rows(con, "users", [user])
        link_people(con)
        person_id = fetch_one(con, "user_by_id", {"user_id": user["user_id"]})["person_id"]
        payload = {"account_id": account["account_id"], "role": role, "person_id": person_id}
        append_events(con, [AuditEvent("user_created", user["user_id"], payload, actor)])
        for code in customer_codes:
            write_grant(con, account, user, code, as_of, actor)
    return {"user_id": user["user_id"], "role": role, "person_id": person_id,
            "status": "invited"}  # fmt: skip


def share_account(con, account: dict, email: str, as_of: datetime, **details) -> dict:
    """R8: the main contact adds a shared user (colleague, accountant)."""
    return add_user(con, account, email, "shared", as_of, **details)


def invite_third_party(con, account: dict, email: str, as_of: datetime, **details) -> dict:
    """R12: a B2B account invites a third party; a B2C account is refused."""
    check_third_party(account["segment"], account["login_id"])
    return add_user(con, account, email, "third_party", as_of, **details)


def grant_access(con, account: dict, email: str, customer_code: str, as_of, actor="operator"):
    with transaction(con):
        user = find_user(con, account["account_id"], email)
        return write_grant(con, account, user, customer_code, as_of, actor)


def revoke_access(con, account: dict, email: str, customer_code: str, actor="operator") -> bool:
    """R8: the user no longer sees the code's documents (R29); False if it had no grant."""
    with transaction(con):
        user = find_user(con, account["account_id"], email)
        params = {"user_id": user["user_id"], "customer_code": customer_code}
        done = run_sql(con, load_sql("revoke_grant"), params)
        if done:
            payload = {"customer_code": customer_code, "account_id": account["account_id"]}
            append_events(con, [AuditEvent("access_revoked", user["user_id"], payload, actor)])
    return bool(done)


def update_user(con, account: dict, email: str, actor: str = "operator", **changes) -> dict:
    """R8, R11: first_name, last_name, language, frequency; None leaves a field as is."""
    check_user_fields(changes.get("language"), changes.get("frequency"))
    fields = {k: changes.get(k) for k in ("first_name", "last_name", "language", "frequency")}
    with transaction(con):
        user = find_user(con, account["account_id"], email)
        run_sql(con, load_sql("update_user_profile"), fields | {"user_id": user["user_id"]})
        changed = sorted(k for k, v in fields.items() if v is not None)
        append_events(
            con, [AuditEvent("user_updated", user["user_id"], {"fields": changed}, actor)]
        )
    return {"user_id": user["user_id"], "changed": changed}


def delete_user(con, account: dict, email: str, as_of: datetime, actor="operator") -> dict:
    """R8: the main contact deletes a shared user or third party; its grants go with it."""
    with transaction(con):
        user = find_user(con, account["account_id"], email)
        if user["role"] == "main":
            raise AccountError("the main contact cannot be deleted; merge the account instead")
        run_sql(con, load_sql("delete_user"), {"at": as_of, "user_id": user["user_id"]})
        codes = [
            row[0]
            for row in run_sql(con, load_sql("delete_user_grants"), {"user_id": user["user_id"]})
        ]
        run_sql(con, load_sql("supersede_invitations"), {"at": as_of, "user_id": user["user_id"]})
        payload = {"account_id": account["account_id"], "grants_revoked": sorted(codes)}
        append_events(con, [AuditEvent("user_deleted", user["user_id"], payload, actor)])
    return {"user_id": user["user_id"], "grants_revoked": sorted(codes)}


def set_notifications(
    con, account: dict, email: str, customer_code: str, enabled: bool, as_of, actor="operator"
) -> dict:
    """R11: notifications on/off for one recipient and customer code it can see."""
    with transaction(con):
        user = find_user(con, account["account_id"], email)
        if not code_in_account(con, account["account_id"], customer_code):
            raise AccountError(f"customer code {customer_code} does not belong to this account")
        params = {"user_id": user["user_id"], "customer_code": customer_code}
        run_sql(
            con, load_sql("set_notification_setting"), params | {"enabled": enabled, "at": as_of}
        )
        payload = {"customer_code": customer_code, "enabled": enabled}
        append_events(
            con, [AuditEvent("notification_setting_changed", user["user_id"], payload, actor)]
        )
    return {"user_id": user["user_id"], "customer_code": customer_code, "enabled": enabled}
