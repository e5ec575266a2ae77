"""A lost activation code (R17): "the customer gets the form again on request".

The letter carries the customer code's current code while it is valid (so an invoice
already printed with it stays right), else a new serial, which supersedes the older
ones (R20). It goes out in the next print batch of the customer code's issuer. Asking
twice before that batch is built gives the same letter.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.accounts import AccountError
from domain.activation_codes import is_code_valid, last_valid_day
from tasks.accounts.codes import code_events, new_code
from tasks.accounts.db import fetch_one
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction


def request_activation_letter(
    con,
    customer_code: str,
    as_of: datetime,
    secret: bytes,
    timezone: str = "Europe/Brussels",
    actor: str = "operator",
) -> dict:
    """Decide an activation letter on request; returns its id, serial and validity."""
    customer_code = customer_code.strip().upper()
    with transaction(con):
        customer = fetch_one(con, "customer_for_code_request", {"customer_code": customer_code})
        if customer is None:
            raise AccountError(f"customer code {customer_code} is not in master data")
        if customer["network_account_id"]:
            raise AccountError(f"electronic delivery for {customer_code} is already active")
        params = {"customer_code": customer_code}
        pending = fetch_one(con, "pending_request_letter", params)
        latest = fetch_one(con, "latest_activation_code", params)
        valid = latest is not None and is_code_valid(latest["expires_at"], as_of)
        if pending and valid and pending["serial"] == latest["serial"]:
            valid_until = last_valid_day(latest["expires_at"], timezone)
            return {"letter_id": pending["letter_id"], "serial": pending["serial"],
                    "valid_until": valid_until.isoformat(), "new": False}  # fmt: skip
        events = []
        if valid:
            serial, expires_at = latest["serial"], latest["expires_at"]
        else:
            fresh = new_code(
                customer_code, (latest or {}).get("serial", 0) + 1, as_of, secret, timezone
            )
            insert_rows(con, "activation_codes", [fresh.row])
            events += code_events([fresh], actor)
            serial, expires_at = fresh.serial, fresh.expires_at
            run_sql(con, load_sql("withdraw_pending_letters"), params | {"serial": serial})
        number = run_sql(con, load_sql("count_request_letters"), params)[0][0] + 1
        reference = f"{customer_code}-request-{number}"
        letter = {
            "letter_id": f"{customer['issuer']}/{reference}/activation_letter",
            "customer_code": customer_code,
            "serial": serial,
            "issuer": customer["issuer"],
            "document_number": reference,
            "reason": "on_request",
            "channel_choice": customer["channel_choice"],
            "letter_date": as_of.astimezone(ZoneInfo(timezone)).date(),
            "status": "decided",
            "decided_at": as_of,
        }
        insert_rows(con, "activation_letters", [letter])
        payload = {"customer_code": customer_code, "serial": serial, "reason": "on_request"}
        events.append(AuditEvent("activation_letter_decided", letter["letter_id"], payload, actor))
        append_events(con, events)
    valid_until = last_valid_day(expires_at, timezone).isoformat()
    return {
        "letter_id": letter["letter_id"],
        "serial": serial,
        "valid_until": valid_until,
        "new": True,
    }
