"""Account merge (R13): an operator action, audited like any other.

Everything of the source account moves to the target: customer codes, users, network
mailboxes and the main-contact e-mail links (so master data keeps feeding the target).
The source's main contact continues as a shared user of the target, granted exactly the
codes it brought, so nobody loses or gains sight of a document (R29). A membership
keeps its state (issue 16): accepted stays accepted (the person accepted exactly those
codes), pending stays pending and then gets its invitation e-mailed like any member
added (tasks/notify/invitations.py). A person who is a user of both accounts keeps one
membership, the target's (grants united). The source keeps its row, status `merged`,
pointing at the target.
"""

from __future__ import annotations

from datetime import datetime

from domain.accounts import check_merge
from tasks.accounts.db import fetch_dicts
from tasks.accounts.history import request_code_history
from tasks.accounts.lookup import find_account
from tasks.accounts.sync import refresh_segments
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


def move_users(con, source: str, target: str, codes: list[str], as_of: datetime, actor: str):
    """Users of `source` into `target`; returns (moved, folded) user ids."""
    target_users = {
        u["person_id"]: u for u in fetch_dicts(con, "account_live_users", {"account_id": target})
    }
    moved, folded = [], []
    for user in fetch_dicts(con, "account_live_users", {"account_id": source}):
        twin = target_users.get(user["person_id"])
        keeper = twin["user_id"] if twin else user["user_id"]
        if twin:
            if twin["role"] != "main":  # the main contact sees every code without grants
                params = {"to_user": keeper, "from_user": user["user_id"]}
                run_sql(con, load_sql("copy_grants"), params)
            run_sql(con, load_sql("delete_user_grants"), {"user_id": user["user_id"]})
            run_sql(con, load_sql("delete_user"), {"at": as_of, "user_id": user["user_id"]})
            folded.append(user["user_id"])
        else:
            role = "shared" if user["role"] == "main" else user["role"]
            run_sql(con, load_sql("move_user"), {"target": target, "role": role, "user_id": keeper})
            moved.append(user["user_id"])
        if user["role"] == "main" and not (twin and twin["role"] == "main"):
            for code in codes:  # R29: the former main contact keeps sight of its codes
                params = {"user_id": keeper, "customer_code": code, "at": as_of}
                run_sql(con, load_sql("insert_grant"), params | {"granted_by": actor})
    return moved, folded


def merge_accounts(
    con, source_ref: str, target_ref: str, as_of: datetime, actor: str = "operator"
) -> dict:
    """R13: merge the account named `source_ref` into `target_ref`."""
    with transaction(con):
        source = find_account(con, source_ref, follow_merges=False)
        target = find_account(con, target_ref, follow_merges=False)
        check_merge(source["account_id"], target["account_id"], source["status"], target["status"])
        src, dst = source["account_id"], target["account_id"]
        moves = {"source": src, "target": dst}
        codes = [r[0] for r in run_sql(con, load_sql("move_account_codes"), moves | {"at": as_of})]
        moved, folded = move_users(con, src, dst, codes, as_of, actor)
        mailboxes = [r[0] for r in run_sql(con, load_sql("move_network_mailboxes"), moves)]
        run_sql(con, load_sql("move_contact_accounts"), moves)
        run_sql(con, load_sql("mark_account_merged"), moves)
        summary = {
            "source": src,
            "target": dst,
            "customer_codes": sorted(codes),
            "users_moved": moved,
            "users_folded": folded,
            "network_mailboxes": sorted(mailboxes),
        }
        events = [AuditEvent("accounts_merged", dst, summary, actor)]
        if target["status"] == "active" and codes:  # R21: the codes' history joins it
            request_code_history(con, dst, sorted(codes), "merge")
        events += refresh_segments(con, actor)
        append_events(con, events)
    return summary
