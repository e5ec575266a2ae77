"""What comes back after the post (issue 18): transmission reports of the access point,
Message Level Responses and the buyer's Invoice Responses, read and recorded.

    parse_response(body) -> Response                      raises BadResponse
    ingest_inbox(con, inbox, issuers, actor) -> InboxCounts

Three kinds, told apart by their content:
- transmission report (JSON, the access point's own format, not a Peppol standard):
  {"message_id": ..., "status": "sent" | "delivered" | "failed", "detail": ...}
- Message Level Response, Peppol BIS MLR 3.0 (UBL ApplicationResponse, CustomizationID
  urn:fdc:peppol.eu:poacc:trns:mlr:3): ResponseCode AB (acknowledged), AP (accepted),
  RE (rejected, reasons in the LineResponses); its DocumentReference is the identifier
  of the message it answers (the access point's message id), else the document number.
- Invoice Response, Peppol BIS Invoice Response 3.0 (CustomizationID
  urn:fdc:peppol.eu:poacc:trns:invoice_response:3): ResponseCode from UNCL4343's
  subset AB, IP, UQ, CA, RE, AP, PD; the DocumentReference is our document number, the
  ReceiverParty our issuer (0208:<enterprise number>); Status gives the clarification
  (OPStatusReason / OPStatusAction codes and text).

Files arrive in <data_dir>/peppol/inbox/ (from the access point, or written there by
the HTTP callback). Each is recorded once (keyed by its sha256) and then moved to
processed/; a file that is no such response goes to rejected/ with a .reason.txt beside
it, never deleted. A response naming no known delivery is kept with matched = false.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from lxml import etree

from tasks.faults import crashpoint
from tasks.storage import write_atomic
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction

APPLICATION_RESPONSE = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
MLR = "urn:fdc:peppol.eu:poacc:trns:mlr:3"
INVOICE_RESPONSE = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
CODES = {
    "transmission": {"sent": "sent by the access point", "delivered": "delivered to the "
                     "receiver's access point", "failed": "transmission failed"},
    "mlr": {"AB": "message acknowledged", "AP": "message accepted", "RE": "message rejected"},
    "invoice_response": {  # UNCL4343 subset, BIS Invoice Response 3.0
        "AB": "acknowledged by the buyer", "IP": "in process", "UQ": "under query",
        "CA": "conditionally accepted", "RE": "rejected by the buyer", "AP": "accepted",
        "PD": "paid",
    },
}  # fmt: skip
FAILING = {("transmission", "failed"), ("mlr", "RE")}  # the delivery fails
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class BadResponse(ValueError):
    """Not a response this channel understands; the reason says why."""


@dataclass(frozen=True, slots=True)
class Response:
    kind: str  # transmission | mlr | invoice_response
    code: str
    reference: str  # message id (transmission, MLR) or document number
    receiver: str | None = None  # 0208:<enterprise number> of our issuer, when named
    response_id: str | None = None
    issued_at: str | None = None
    reasons: list[dict] = field(default_factory=list)

    @property
    def meaning(self) -> str:
        return CODES[self.kind][self.code]


def parse_response(body: bytes) -> Response:
    if body.lstrip()[:1] == b"{":
        return parse_transmission(body)
    return parse_application_response(body)


def parse_transmission(body: bytes) -> Response:
    try:
        report = json.loads(body)
    except ValueError as error:
        raise BadResponse(f"transmission report is not JSON: {error}") from None
    status = str(report.get("status", "")).lower() if isinstance(report, dict) else ""
    if status not in CODES["transmission"] or not report.get("message_id"):
        raise BadResponse("transmission report needs message_id and status sent|delivered|failed")
    reasons = [{"code": status, "text": str(report["detail"])}] if report.get("detail") else []
    return Response("transmission", status, str(report["message_id"]),
                    issued_at=report.get("at"), reasons=reasons)  # fmt: skip


def first(root, path: str) -> str | None:
    found = root.xpath(path, namespaces=NS)
    return (found[0].text or "").strip() if found else None


def parse_application_response(body: bytes) -> Response:
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as error:
        raise BadResponse(f"not well-formed XML: {error}") from None
    if etree.QName(root).namespace != APPLICATION_RESPONSE:
        raise BadResponse(f"not a UBL ApplicationResponse: <{etree.QName(root).localname}>")
    customization = first(root, "cbc:CustomizationID") or ""
    kind = ("mlr" if customization.startswith(MLR) else
            "invoice_response" if customization.startswith(INVOICE_RESPONSE) else None)  # fmt: skip
    if kind is None:
        raise BadResponse(f"neither an MLR nor an Invoice Response: {customization!r}")
    code = first(root, "cac:DocumentResponse/cac:Response/cbc:ResponseCode") or ""
    if code not in CODES[kind]:
        raise BadResponse(f"{kind} with an unknown ResponseCode {code!r}")
    reference = first(root, "cac:DocumentResponse/cac:DocumentReference/cbc:ID")
    if not reference:
        raise BadResponse(f"{kind} without DocumentReference/ID")
    endpoint = root.xpath("cac:ReceiverParty/cbc:EndpointID", namespaces=NS)
    receiver = f"{endpoint[0].get('schemeID')}:{endpoint[0].text.strip()}" if endpoint else None
    issued = " ".join(filter(None, (first(root, "cbc:IssueDate"), first(root, "cbc:IssueTime"))))
    return Response(kind, code, reference, receiver, first(root, "cbc:ID"), issued or None,
                    reasons_of(root))  # fmt: skip


def reasons_of(root) -> list[dict]:
    """MLR: the description and each line's code and text; IR: the Status entries."""
    found = []
    for response in root.xpath(".//cac:Response", namespaces=NS):
        text = first(response, "cbc:Description")
        line = response.xpath("../cac:LineReference/cbc:LineID", namespaces=NS)
        if text and line:
            found.append({"code": first(response, "cbc:ResponseCode"), "text": text,
                          "location": line[0].text})  # fmt: skip
        elif text:
            found.append({"code": first(response, "cbc:ResponseCode"), "text": text})
        for status in response.xpath("cac:Status", namespaces=NS):
            found.append({"code": first(status, "cbc:StatusReasonCode"),
                          "text": first(status, "cbc:StatusReason")})  # fmt: skip
    return found


# --- recording -------------------------------------------------------------------------


@dataclass(slots=True)
class InboxCounts:
    recorded: int = 0
    unmatched: int = 0
    already: int = 0  # re-delivered: recorded before
    rejected: list[str] = field(default_factory=list)  # file: reason

    def as_dict(self) -> dict:
        return {"recorded": self.recorded, "unmatched": self.unmatched,
                "already": self.already, "rejected": self.rejected}  # fmt: skip


BATCH_SCHEMA = pa.schema(
    [(name, pa.string()) for name in
     ("response_sha256", "kind", "code", "meaning", "reference", "issuer", "response_id",
      "issued_at", "reasons", "source")]
    + [("received_at", pa.timestamp("us", "UTC")), ("seq", pa.int64())]
)  # fmt: skip


def issuer_of(receiver: str | None, issuers: dict[str, str]) -> str | None:
    """Our issuer named as the response's receiver (0208:<enterprise number>)."""
    if not receiver:
        return None
    number = receiver.split(":", 1)[-1]
    return next((prefix for prefix, enterprise in issuers.items() if enterprise == number), None)


def record_responses(con, received: list[tuple[str, str, Response]], issuers, actor) -> tuple:
    """received: (sha256, source, response). Returns (recorded, unmatched, already)."""
    now = datetime.now(UTC)
    rows = [
        {"response_sha256": sha, "kind": r.kind, "code": r.code, "meaning": r.meaning,
         "reference": r.reference, "issuer": issuer_of(r.receiver, issuers),
         "response_id": r.response_id, "issued_at": r.issued_at,
         "reasons": json.dumps(r.reasons) if r.reasons else None, "source": source,
         "received_at": now, "seq": seq}
        for seq, (sha, source, r) in enumerate(received)
    ]  # fmt: skip
    batch = pa.Table.from_pylist(rows, schema=BATCH_SCHEMA)
    with transaction(con):
        con.register("peppol_response_batch", batch)
        try:
            run_sql(con, load_sql("peppol_new_responses"))
            new = run_sql(con, "SELECT response_sha256 FROM peppol_response_new")
            run_sql(con, load_sql("peppol_insert_responses"))
            matched = run_sql(con, load_sql("peppol_matched_responses"))
            run_sql(con, load_sql("peppol_apply_responses"))
            run_sql(con, load_sql("peppol_responses_fail_deliveries"))
            run_sql(con, "DROP TABLE peppol_response_new")
        finally:
            con.unregister("peppol_response_batch")
        append_events(con, [
            AuditEvent("peppol_response", f"{issuer}/{number}",
                       {"kind": kind, "code": code, "response_sha256": sha}, actor)
            for sha, issuer, number, kind, code in matched
        ])  # fmt: skip
    return len(new), len(new) - len(matched), len(rows) - len(new)


def list_inbox(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix in (".xml", ".json"))


def set_aside(path: Path, folder: str, reason: str | None = None) -> None:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    if reason is not None:
        write_atomic(str(target / f"{path.name}.reason.txt"), reason.encode())
    os.replace(path, target / path.name)


def ingest_inbox(con, inbox: Path, issuers: dict[str, str], actor: str,
                 paths: list[Path] | None = None) -> InboxCounts:  # fmt: skip
    """Record every response file of the inbox (or the given ones), then move them."""
    counts, received, good = InboxCounts(), [], []
    for path in paths if paths is not None else list_inbox(inbox):
        body = path.read_bytes()
        try:
            response = parse_response(body)
        except BadResponse as error:
            set_aside(path, "rejected", str(error))
            counts.rejected.append(f"{path.name}: {error}")
            continue
        received.append((hashlib.sha256(body).hexdigest(), path.name, response))
        good.append(path)
    if received:
        counts.recorded, counts.unmatched, counts.already = record_responses(
            con, received, issuers, actor
        )
    crashpoint("peppol.responses_recorded_not_moved")  # a re-read is a no-op (sha256)
    for path in good:
        set_aside(path, "processed")
    return counts


def write_to_inbox(inbox: Path, body: bytes) -> Path:
    """The HTTP callback's body, as a file of the inbox (same path as the folder's)."""
    inbox.mkdir(parents=True, exist_ok=True)
    suffix = ".json" if body.lstrip()[:1] == b"{" else ".xml"
    path = inbox / f"http-{hashlib.sha256(body).hexdigest()}{suffix}"
    write_atomic(str(path), body)
    return path
