"""Network opt-in and opt-out (R15, R16, R19, R20).

`redeem_code` switches a customer code to its account's network mailbox from the next
run on (routing folds `consent_events`, see domain/consent.py); every refusal is
recorded in `consent_events` (event `refused`, with its reason) and every attempt in
`redemption_attempts`, which feeds the lock-out. `opt_out` returns a customer code to
paper from the next run on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from domain.accounts import AccountError
from domain.activation_codes import (
    LOCKOUT,
    WRONG_CODE_WINDOW,
    MistypedCode,
    hash_code,
    locked_until,
    normalise_code,
)
from domain.consent import ConsentEvent, consent_from_channel_choice, fold_consent
from domain.redemption import Refusal, StoredCode, judge_redemption, refuse_locked
from tasks.accounts.db import fetch_dicts, fetch_one
from tasks.accounts.history import request_code_history
from tasks.accounts.lookup import account_of_email
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction


@dataclass(frozen=True, slots=True)
class Redemption:
    ok: bool
    reason: str  # redeemed | already_active | a refusal reason (domain/redemption.py)
    message: str
    customer_code: str = ""
    account_id: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def record_consent(con, code: str, at, event: str, channel: str, reason: str, actor: str):
    row = {"customer_code": code, "at": at, "event": event, "channel": channel,
           "reason": reason, "actor": actor}  # fmt: skip
    run_sql(con, load_sql("insert_consent_event"), row)


def check_lockout(con, account_id: str, as_of: datetime, timezone: str) -> Refusal | None:
    since = as_of - WRONG_CODE_WINDOW - LOCKOUT
    params = {"account_id": account_id, "since": since, "as_of": as_of}
    wrong = [row["at"] for row in fetch_dicts(con, "wrong_code_attempts", params)]
    until = locked_until(wrong, as_of)
    return refuse_locked(until, timezone) if until else None


def judge(
    con, typed: str, account_id: str, as_of, timezone
) -> tuple[Refusal | None, StoredCode | None]:
    if refusal := check_lockout(con, account_id, as_of, timezone):
        return refusal, None
    try:
        code = normalise_code(typed)
    except MistypedCode as error:
        return Refusal("mistyped", str(error)), None
    row = fetch_one(con, "activation_code_by_hash", {"code_hash": hash_code(code)})
    stored = StoredCode(**row) if row else None
    mailbox = None
    if stored:
        found = fetch_one(con, "network_mailbox_of_code", {"customer_code": stored.customer_code})
        mailbox = found["account_id"] if found else None
    return judge_redemption(stored, mailbox, account_id, as_of), stored


def activate_network(con, stored: StoredCode, account_id: str, as_of, actor) -> Redemption:
    """R16: the customer code joins the account's network mailbox; routing sees the
    consent event from the next run on (R15)."""
    code = stored.customer_code
    mailbox = {"customer_code": code, "account_id": account_id, "activated_at": as_of}
    insert_rows(con, "network_mailboxes", [mailbox])
    reason = f"R16 activation code redeemed (serial {stored.serial})"
    record_consent(con, code, as_of, "network_activated", "network", reason, actor)
    params = {"at": as_of, "account_id": account_id, "customer_code": code}
    run_sql(con, load_sql("mark_code_redeemed"), params | {"serial": stored.serial})
    # R22: the network mailbox gets the code's history (backfill-pending runs it)
    request_code_history(con, account_id, [code], "code_redeemed")
    message = f"electronic delivery for {code} starts with the next run (R15)"
    return Redemption(True, "redeemed", message, code, account_id)


def refuse_unknown_account(con, as_of, actor: str) -> Redemption:
    """No account, no lock-out to count against: the code is not even looked up."""
    message = "no account for this e-mail address: use the main contact's e-mail"
    record_consent(con, "", as_of, "refused", "network", f"unknown_account: {message}", actor)
    payload = {"reason": "unknown_account"}
    append_events(con, [AuditEvent("activation_code_refused", "", payload, actor)])
    return Redemption(False, "unknown_account", message)


def redeem_code(
    con,
    code: str,
    email: str,
    as_of: datetime,
    actor: str | None = None,
    timezone: str = "Europe/Brussels",
) -> Redemption:
    """R16: redeem `code` into the account of `email`; refusals are results, recorded."""
    with transaction(con):
        account = account_of_email(con, email)
        if account is None:
            return refuse_unknown_account(con, as_of, actor or "customer")
        account_id = account["account_id"]
        actor = actor or f"account:{account_id}"
        refusal, stored = judge(con, code, account_id, as_of, timezone)
        customer_code = stored.customer_code if stored else ""
        if refusal is not None:
            detail = f"{refusal.reason}: {refusal.message}"
            record_consent(con, customer_code, as_of, "refused", "network", detail, actor)
            result = Redemption(False, refusal.reason, refusal.message, customer_code, account_id)
        elif fetch_one(con, "network_mailbox_of_code", {"customer_code": customer_code}):
            message = f"electronic delivery for {customer_code} is already active"
            result = Redemption(True, "already_active", message, customer_code, account_id)
        else:
            result = activate_network(con, stored, account_id, as_of, actor)
        attempt = {"account_id": account_id, "at": as_of, "ok": result.ok, "reason": result.reason}
        run_sql(con, load_sql("insert_redemption_attempt"), attempt)
        event = "activation_code_redeemed" if result.ok else "activation_code_refused"
        payload = {"account_id": account_id, "reason": result.reason}
        payload |= {"serial": stored.serial} if stored else {}
        append_events(con, [AuditEvent(event, customer_code, payload, actor)])
    return result


def consent_of(con, customer_code: str, as_of: datetime):
    customer = fetch_one(con, "customer_channel_choice", {"customer_code": customer_code})
    if customer is None:
        raise AccountError(f"customer code {customer_code} is not in master data")
    rows = fetch_dicts(con, "consent_events_of_code", {"customer_code": customer_code})
    events = [ConsentEvent(r["customer_code"], r["at"], r["event"], r["channel"]) for r in rows]
    initial = consent_from_channel_choice(customer_code, customer["channel_choice"])
    return fold_consent(initial, events, as_of)


def opt_out(con, customer_code: str, as_of: datetime, actor: str = "operator") -> dict:
    """R20: back to paper from the next run; the network mailbox lets go of the code.
    Coming back needs the last activation code received, still valid."""
    customer_code = customer_code.strip().upper()
    with transaction(con):
        if not consent_of(con, customer_code, as_of).electronic:
            return {"customer_code": customer_code, "changed": False,
                    "message": f"{customer_code} already receives paper"}  # fmt: skip
        reason = "R20 opted out: back to paper from the next run"
        record_consent(con, customer_code, as_of, "opted_out", "paper", reason, actor)
        left = run_sql(con, load_sql("delete_network_mailbox"), {"customer_code": customer_code})
        payload = {"network_account_id": left[0][0] if left else None}
        append_events(con, [AuditEvent("opted_out", customer_code, payload, actor)])
    return {"customer_code": customer_code, "changed": True,
            "message": f"{customer_code} goes back to paper from the next run (R20)"}  # fmt: skip
