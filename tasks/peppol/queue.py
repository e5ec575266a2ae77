"""The operator queue of the Peppol channel (issue 18): list, inspect, re-send.

    list_queue(con, limit, customer_code) -> list[dict]
    show_delivery(con, issuer, document_number) -> dict
    request_resend(con, issuer, document_number, actor, note, now) -> dict

A re-send is a new attempt of the same delivery (DESIGN rule 4), never a second
delivery: the `deliveries` row keeps its key, `send_attempt` goes up by one, and the
next Peppol step (the night's, or the one `iportal peppol resend` runs at once)
rebuilds, revalidates and sends it under `<key>/attempt-N`. Rebuilt: a fix of master
data (the customer's address, VAT id, enterprise number) is in the new UBL; the
document itself is immutable (a wrong amount is a credit note, not a re-send).
"""

from __future__ import annotations

from datetime import datetime

from warehouse.audit import AuditEvent, append_events
from warehouse.store import fetch_dicts, load_sql, transaction

PURPOSE = "original"


class QueueError(ValueError):
    """An operator request the queue refuses; the message says why."""


def list_queue(con, limit: int = 100, customer_code: str | None = None) -> list[dict]:
    return fetch_dicts(con, "peppol_queue", {"limit": limit, "customer_code": customer_code})


def key_params(issuer: str, document_number: str) -> dict:
    return {"issuer": issuer, "document_number": document_number, "purpose": PURPOSE}


def show_delivery(con, issuer: str, document_number: str) -> dict:
    params = key_params(issuer, document_number)
    found = fetch_dicts(con, "peppol_message_of", params)
    if not found:
        raise QueueError(f"no Peppol delivery for {issuer}/{document_number}")
    return found[0] | {
        "in_queue": any(
            q["issuer"] == issuer and q["document_number"] == document_number
            for q in list_queue(con, 1_000_000, found[0]["customer_code"])
        ),
        "responses": fetch_dicts(con, "peppol_responses_of", params),
        "failures": fetch_dicts(con, "peppol_failures_of", params),
    }


def request_resend(
    con, issuer: str, document_number: str, actor: str, note: str, now: datetime
) -> dict:
    """Put a queued delivery back to 'decided' under the next attempt number."""
    delivery = show_delivery(con, issuer, document_number)
    if not delivery["in_queue"]:
        raise QueueError(
            f"{issuer}/{document_number} ({delivery['customer_code']}) is not in the Peppol "
            f"queue (delivery {delivery['delivery_status']}): nothing to re-send"
        )
    params = key_params(issuer, document_number)
    with transaction(con):
        [(attempt,)] = con.execute(
            load_sql("peppol_request_resend"), params | {"now": now}
        ).fetchall()
        reason = f"Peppol re-send, attempt {attempt}, by {actor}: {note or 'no note'}"
        con.execute(load_sql("peppol_redecide_delivery"), params | {"reason": reason}).fetchall()
        payload = {"channel": "peppol", "attempt": attempt, "note": note,
                   "previous": delivery["reason"]}  # fmt: skip
        append_events(
            con,
            [AuditEvent("peppol_resend_requested", f"{issuer}/{document_number}", payload, actor)],
        )
    return {
        "issuer": issuer,
        "document_number": document_number,
        "customer_code": delivery["customer_code"],
        "attempt": attempt,
        "reason": reason,
    }
