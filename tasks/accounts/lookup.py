"""Finding accounts and users by what an operator or a customer types."""

from __future__ import annotations

from domain.accounts import AccountError
from tasks.accounts.db import fetch_dicts, fetch_one

MAX_MERGE_HOPS = 20


def fetch_existing(con, query: str, params: dict, missing: str) -> dict:
    """The one row `query` finds; AccountError(missing) when there is none."""
    row = fetch_one(con, query, params)
    if row is None:
        raise AccountError(missing)
    return row


def find_account(con, reference: str, follow_merges: bool = True) -> dict:
    """An account by id, login or main-contact e-mail; a merged one leads to the account
    it was merged into (R13), so old references keep working."""
    rows = fetch_dicts(con, "account_by_reference", {"ref": reference.strip()})
    if not rows:
        raise AccountError(f"no account for {reference!r}")
    account = rows[0]
    hops = 0
    while follow_merges and account["status"] == "merged" and hops < MAX_MERGE_HOPS:
        account = account_by_id(con, account["merged_into"])
        hops += 1
    return account


def account_by_id(con, account_id: str) -> dict:
    return fetch_existing(
        con, "account_by_id", {"account_id": account_id}, f"no account {account_id}"
    )


def account_of_email(con, email: str) -> dict | None:
    """The live account of an e-mail: the one it is main contact of, else the single
    account it is a user of; None if it has none. Ambiguous users must say which."""
    rows = fetch_dicts(con, "accounts_of_email", {"email": email.strip()})
    if not rows:
        return None
    if rows[0]["rank"] == 0:
        return find_account(con, rows[0]["account_id"])
    if len(rows) > 1:
        raise AccountError(
            f"{email} is a user of {len(rows)} accounts: use the main contact's e-mail"
        )
    return account_by_id(con, rows[0]["account_id"])


def find_user(con, account_id: str, email: str) -> dict:
    params = {"account_id": account_id, "email": email.strip()}
    return fetch_existing(
        con, "user_in_account", params, f"no user {email} in account {account_id}"
    )


def user_by_id(con, user_id: str) -> dict:
    return fetch_existing(con, "user_by_id", {"user_id": user_id}, f"no user {user_id}")


def code_in_account(con, account_id: str, customer_code: str) -> bool:
    params = {"account_id": account_id, "customer_code": customer_code}
    return fetch_one(con, "code_in_account", params) is not None
