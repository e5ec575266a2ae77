"""Activation codes on paper (R16-R18): issued per customer code, printed on paper
invoices, posted in an activation letter with the first invoice of a new contract.

The code printed on an invoice is recorded by serial (`printed_activation_codes`) and
re-derived from the secret at render time, so the warehouse never holds a code, only
its hash (R16), and a re-render prints the same bytes (DESIGN rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.activation_codes import (
    code_expires_at,
    derive_code,
    format_code,
    hash_code,
    is_code_valid,
    last_valid_day,
)
from domain.records import RenderJob
from tasks.accounts.db import fetch_dicts, register_rows
from warehouse.audit import AuditEvent, append_events
from warehouse.store import insert_rows, load_sql, run_sql, transaction

ACTIVATION_LETTER = "activation_letter"


@dataclass(frozen=True, slots=True)
class IssuedCode:
    customer_code: str
    serial: int
    expires_at: datetime
    row: dict  # the activation_codes row (hash only)


def new_code(
    customer_code: str, serial: int, as_of: datetime, secret: bytes, timezone: str
) -> IssuedCode:
    expires_at = code_expires_at(as_of, timezone)
    row = {
        "code_hash": hash_code(derive_code(secret, customer_code, serial)),
        "customer_code": customer_code,
        "serial": serial,
        "issued_at": as_of,
        "expires_at": expires_at,
    }
    return IssuedCode(customer_code, serial, expires_at, row)


def code_events(codes: list[IssuedCode], actor: str) -> list[AuditEvent]:
    """Serial and validity only: the code itself never reaches the log (R16)."""
    return [
        AuditEvent(
            "activation_code_issued",
            c.customer_code,
            {"serial": c.serial, "expires_at": c.expires_at.isoformat()},
            actor,
        )
        for c in codes
    ]


def letter_row(candidate: dict, serial: int, reason: str, as_of, run_id, timezone) -> dict:
    issuer, number = candidate["issuer"], candidate["document_number"]
    return {
        "letter_id": f"{issuer}/{number}/{ACTIVATION_LETTER}",
        "customer_code": candidate["customer_code"],
        "serial": serial,
        "issuer": issuer,
        "document_number": number,
        "reason": reason,
        "channel_choice": candidate["channel_choice"],
        "letter_date": as_of.astimezone(ZoneInfo(timezone)).date(),
        "status": "decided",
        "decided_at": as_of,
        "run_id": run_id,
    }


def plan_codes(candidates: list[dict], as_of, secret, timezone, run_id):
    """Which serial each invoice prints, which codes are new, which letters go out."""
    current: dict[str, int] = {}
    issued, printed, letters, lettered = [], [], [], set()
    for doc in candidates:
        code = doc["customer_code"]
        if code not in current:
            latest, expires_at = doc["latest_serial"], doc["latest_expires_at"]
            if latest is not None and is_code_valid(expires_at, as_of):
                current[code] = latest
            else:  # R18: none yet, or the last one expired: a new serial
                fresh = new_code(code, (latest or 0) + 1, as_of, secret, timezone)
                issued.append(fresh)
                current[code] = fresh.serial
                if latest is None:  # R17: the first code of a customer code goes by letter
                    letters.append(
                        letter_row(doc, fresh.serial, "first_code", as_of, run_id, timezone)
                    )
                    lettered.add(code)
        serial = current[code]
        printed.append(
            {"issuer": doc["issuer"], "document_number": doc["document_number"],
             "customer_code": code, "serial": serial, "assigned_at": as_of, "run_id": run_id}
        )  # fmt: skip
        if doc["new_contract"] and code not in lettered:
            letters.append(letter_row(doc, serial, "new_contract", as_of, run_id, timezone))
            lettered.add(code)
    return issued, printed, letters


def assign_activation_codes(
    con,
    as_of: datetime,
    run_id: str,
    secret: bytes,
    timezone: str = "Europe/Brussels",
    batch_size: int = 2000,
    actor: str = "nightly",
) -> dict:
    """R17: give tonight's paper invoices their code, before they are drawn; decide the
    activation letters (at most one per customer code and night). One transaction per
    batch of customer codes; a crash resumes with what is not assigned yet."""
    candidates = fetch_dicts(con, "paper_invoices_needing_code")
    totals = {"invoices": 0, "codes_issued": 0, "letters": 0}
    start = 0
    while start < len(candidates):
        end = min(len(candidates), start + batch_size)
        while (
            end < len(candidates)
            and candidates[end]["customer_code"] == candidates[end - 1]["customer_code"]
        ):
            end += 1  # a customer code's invoices stay in one batch
        issued, printed, letters = plan_codes(
            candidates[start:end], as_of, secret, timezone, run_id
        )
        with transaction(con):
            insert_rows(con, "activation_codes", [c.row for c in issued])
            insert_rows(con, "printed_activation_codes", printed)
            forget_drawings_without_code(con, candidates[start:end])
            insert_rows(con, "activation_letters", letters)
            events = code_events(issued, actor)
            events += [
                AuditEvent("activation_letter_decided", row["letter_id"],
                           {"customer_code": row["customer_code"], "serial": row["serial"],
                            "reason": row["reason"]}, actor)
                for row in letters
            ]  # fmt: skip
            append_events(con, events)
        totals["invoices"] += len(printed)
        totals["codes_issued"] += len(issued)
        totals["letters"] += len(letters)
        start = end
    return totals


def forget_drawings_without_code(con, candidates: list[dict]) -> int:
    """A backfill in another process may draw tonight's paper invoice between its routing
    and its code (the writer lock serialises transactions, not steps): forget that drawing
    so the render step draws the invoice again, with its code (R17)."""
    drawn = [doc for doc in candidates if doc["drawn_without_code"]]
    for doc in drawn:
        run_sql(con, load_sql("forget_rendition"),
                {"issuer": doc["issuer"], "document_number": doc["document_number"]})  # fmt: skip
    return len(drawn)


def attach_activation_codes(
    con, jobs: list[RenderJob], secret: bytes, timezone: str = "Europe/Brussels"
) -> int:
    """R17: put each paper invoice's code (and its last valid day) into its render job."""
    if not jobs:
        return 0
    keys = [{"issuer": j.issuer, "document_number": j.document_number} for j in jobs]
    register_rows(con, "job_keys", keys)
    printed = {
        (r["issuer"], r["document_number"]): r for r in fetch_dicts(con, "printed_codes_of_jobs")
    }
    con.unregister("job_keys")
    for job in jobs:
        row = printed.get((job.issuer, job.document_number))
        if row:
            code = derive_code(secret, row["customer_code"], row["serial"])
            job.activation_code = format_code(code)
            valid_until = last_valid_day(row["expires_at"], timezone)
            job.extra = dict(job.extra or {}) | {
                "activation_code_valid_until": valid_until.isoformat()
            }
    return len(printed)
