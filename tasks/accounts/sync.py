"""Accounts appear from master data (R3, R5): one per main-contact e-mail.

`sync_accounts` runs right after ingest. Set-based: SQL finds what differs between
master data and the accounts (new contacts, codes to link or move, changed names and
languages, segments); Python only builds the few new rows. Every change is audited
with ids only, never names or e-mails (R4).
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from domain.accounts import choose_login
from tasks.accounts.db import fetch_dicts, new_id, register_rows
from tasks.accounts.history import request_code_history
from tasks.accounts.people import link_people
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, registered, run_sql, transaction


def create_accounts_for_new_contacts(con, as_of: datetime, actor: str) -> list[AuditEvent]:
    """R5: one pending account, its main user and its e-mail link per new contact."""
    contacts = fetch_dicts(con, "new_main_contacts")
    taken = {row[0] for row in run_sql(con, load_sql("enterprise_number_logins"))}
    accounts, users, links, events = [], [], [], []
    for contact in contacts:
        login = choose_login(
            contact["contact_email"],
            contact["enterprise_numbers"] or [],
            contact["countries"] or [],
            taken,
        )
        taken.add(login.login_id)
        account_id, user_id = new_id("A"), new_id("U")
        accounts.append(
            {
                "account_id": account_id,
                "login_kind": login.kind,
                "login_id": login.login_id,
                "segment": login.segment,
                "status": "pending",
                "created_at": as_of,
            }
        )
        users.append(
            {
                "user_id": user_id,
                "account_id": account_id,
                "role": "main",
                "email": contact["contact_email"],
                "first_name": contact["first_name"],
                "last_name": contact["last_name"],
                "language": contact["language"] or "nl",
                "frequency": "immediate",
                "status": "invited",
                "created_at": as_of,
            }
        )
        links.append(
            {
                "contact_email": contact["contact_email"],
                "account_id": account_id,
                "linked_at": as_of,
            }
        )
        payload = {"login_kind": login.kind, "segment": login.segment, "main_user": user_id}
        events.append(AuditEvent("account_created", account_id, payload, actor))
    insert_rows(con, "accounts", accounts)
    insert_rows(con, "users", users)
    link_people(con)  # issue 16: the main contact's membership belongs to its person
    insert_rows(con, "contact_accounts", links)
    return events


def link_customer_codes(con, as_of: datetime, actor: str) -> list[AuditEvent]:
    """R5: every code joins its main contact's account; a code whose contact changed moves,
    leaving its old account's grants behind (R29). Adding a code grants nothing (R9)."""
    codes = fetch_dicts(con, "customer_codes_to_link")
    if not codes:
        return []
    insert_rows(
        con,
        "account_customer_codes",
        [{"customer_code": c["customer_code"], "account_id": c["account_id"], "added_at": as_of}
         for c in codes],
        mode="INSERT OR REPLACE",
    )  # fmt: skip
    for c in codes:
        if c["account_status"] == "active":  # R21: the code's history joins the account
            request_code_history(con, c["account_id"], [c["customer_code"]], "code_added")
    moved = [c for c in codes if c["previous_account_id"] is not None]
    revoked: dict[str, int] = {}
    if moved:
        register_rows(con, "moved_codes", moved)
        for _, code in run_sql(con, load_sql("revoke_grants_of_moved_codes")):
            revoked[code] = revoked.get(code, 0) + 1
        con.unregister("moved_codes")
    return [
        AuditEvent(
            "customer_code_moved" if c["previous_account_id"] else "customer_code_linked",
            c["customer_code"],
            {"account_id": c["account_id"], "previous_account_id": c["previous_account_id"]}
            | (
                {"grants_revoked": revoked.get(c["customer_code"], 0)}
                if c["previous_account_id"]
                else {}
            ),
            actor,
        )
        for c in codes
    ]


def apply_changes(con, changes_query: str, batch: str, update_query: str) -> list[dict]:
    """The rows `changes_query` finds, written by `update_query` (which reads them as the
    view `batch`); set-based, one statement for all."""
    changes = fetch_dicts(con, changes_query)
    if changes:
        with registered(con, batch, pa.Table.from_pylist(changes)):
            run_sql(con, load_sql(update_query))
    return changes


def update_main_users(con, actor: str) -> list[AuditEvent]:
    """R5, R10: the main user's name and language follow master data."""
    changed = apply_changes(con, "main_users_to_update", "user_details", "update_user_details")
    fields = {"fields": ["first_name", "last_name", "language"]}
    return [AuditEvent("main_user_updated", u["user_id"], fields, actor) for u in changed]


def refresh_segments(con, actor: str) -> list[AuditEvent]:
    """R3: an account is B2B as soon as one of its codes has an enterprise number."""
    changes = apply_changes(con, "segment_changes", "segment_batch", "update_segments")
    return [
        AuditEvent(
            "account_segment_changed",
            c["account_id"],
            {"from": c["previous_segment"], "to": c["segment"]},
            actor,
        )
        for c in changes
    ]


def sync_accounts(con, as_of: datetime, actor: str = "nightly") -> dict:
    """Bring accounts in line with master data; returns counts per kind of change."""
    with transaction(con):
        events = create_accounts_for_new_contacts(con, as_of, actor)
        events += link_customer_codes(con, as_of, actor)
        events += update_main_users(con, actor)
        events += refresh_segments(con, actor)
        append_events(con, events)
    counts: dict[str, int] = {}
    for event in events:
        counts[event.event_type] = counts.get(event.event_type, 0) + 1
    return counts
