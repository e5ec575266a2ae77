"""An account as an operator sees it: login, segment, status, codes, users, grants."""

from __future__ import annotations

from tasks.accounts.db import fetch_dicts
from tasks.accounts.lookup import find_account

ACCOUNT_FIELDS = ("account_id", "login_kind", "login_id", "segment", "status", "created_at",
                  "activated_at", "merged_into")  # fmt: skip


def describe_account(con, reference: str) -> dict:
    account = find_account(con, reference)
    params = {"account_id": account["account_id"]}
    summary = {k: account[k] for k in ACCOUNT_FIELDS}
    summary["customer_codes"] = fetch_dicts(con, "account_customer_codes", params)
    summary["users"] = fetch_dicts(con, "account_users", params)
    return summary
