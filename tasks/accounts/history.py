"""R21: an activated account, or a customer code joining an active account, asks the
backfill for its seven years of history (tasks/backfill.py runs the requests). The
request is written in the caller's transaction, so it commits with its cause."""

from __future__ import annotations

from tasks.backfill import request_backfill


def request_account_history(con, account_id: str, reason: str) -> None:
    request_backfill(con, reason, account_id=account_id)


def request_code_history(con, account_id: str, customer_codes: list[str], reason: str) -> None:
    for code in customer_codes:
        request_backfill(con, reason, account_id=account_id, customer_code=code)
