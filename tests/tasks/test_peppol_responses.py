"""After the post (issue 18): transmission reports, Message Level Responses and Invoice
Responses read from the inbox; the operator queue; a rejection re-sent after a fix;
HTTP 429 honoured with Retry-After (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tasks.peppol import HttpAccessPoint, Unavailable
from tasks.peppol.queue import QueueError, list_queue, request_resend, show_delivery
from tasks.peppol.responses import BadResponse, ingest_inbox, parse_response
from tests.reliability.harness import AccessPointServer
from tests.tasks.test_peppol_deliver import (  # noqa: F401 (fixture)
    ISSUERS,
    deliver,
    night,
    query,
)
from warehouse.store import open_writer

ENTERPRISES = {prefix: issuer["enterprise_number"] for prefix, issuer in ISSUERS.items()}
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
UBL_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<ApplicationResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
    'ApplicationResponse-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:'
    'CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:'
    'CommonBasicComponents-2">'
)


def invoice_response(code: str, number: str, reason: str = "", seller: str = "0448420211"):
    """BIS Invoice Response 3.0 (T111), as the buyer's access point delivers it."""
    status = (
        f"<cac:Status><cbc:StatusReasonCode listID=\"OPStatusReason\">REF</cbc:StatusReasonCode>"
        f"<cbc:StatusReason>{reason}</cbc:StatusReason></cac:Status>"
        if reason else ""
    )  # fmt: skip
    return (
        f"{UBL_HEAD}<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
        "</cbc:CustomizationID><cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
        f"</cbc:ProfileID><cbc:ID>IR-{code}-{number}</cbc:ID><cbc:IssueDate>2026-11-28"
        '</cbc:IssueDate><cac:SenderParty><cbc:EndpointID schemeID="0208">0418711287'
        "</cbc:EndpointID><cac:PartyLegalEntity><cbc:RegistrationName>Garage Peeters BV"
        "</cbc:RegistrationName></cac:PartyLegalEntity></cac:SenderParty><cac:ReceiverParty>"
        f'<cbc:EndpointID schemeID="0208">{seller}</cbc:EndpointID><cac:PartyLegalEntity>'
        "<cbc:RegistrationName>Belfius Lease Belgium NV</cbc:RegistrationName>"
        "</cac:PartyLegalEntity></cac:ReceiverParty><cac:DocumentResponse><cac:Response>"
        f'<cbc:ResponseCode listID="UNCL4343OpSubset">{code}</cbc:ResponseCode>'
        f"<cbc:EffectiveDate>2026-11-28</cbc:EffectiveDate>{status}</cac:Response>"
        f"<cac:DocumentReference><cbc:ID>{number}</cbc:ID>"
        "<cbc:DocumentTypeCode>380</cbc:DocumentTypeCode></cac:DocumentReference>"
        "</cac:DocumentResponse></ApplicationResponse>"
    ).encode()


def message_level_response(code: str, reference: str, error: str = "") -> bytes:
    """Peppol MLR 3.0 (T71): the answer of the receiving access point to a message."""
    line = (
        "<cac:LineResponse><cac:LineReference><cbc:LineID>/Invoice/cbc:ID</cbc:LineID>"
        "</cac:LineReference><cac:Response><cbc:ResponseCode>BV</cbc:ResponseCode>"
        f"<cbc:Description>{error}</cbc:Description></cac:Response></cac:LineResponse>"
        if error else ""
    )  # fmt: skip
    return (
        f"{UBL_HEAD}<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:mlr:3</cbc:CustomizationID>"
        "<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:mlr:3</cbc:ProfileID>"
        f"<cbc:ID>MLR-{code}</cbc:ID><cbc:IssueDate>2026-11-28</cbc:IssueDate>"
        "<cbc:IssueTime>09:00:00</cbc:IssueTime><cac:SenderParty><cbc:EndpointID schemeID="
        '"0088">5790000435975</cbc:EndpointID></cac:SenderParty><cac:ReceiverParty>'
        '<cbc:EndpointID schemeID="0208">0448420211</cbc:EndpointID></cac:ReceiverParty>'
        f"<cac:DocumentResponse><cac:Response><cbc:ResponseCode>{code}</cbc:ResponseCode>"
        "</cac:Response><cac:DocumentReference>"
        f"<cbc:ID>{reference}</cbc:ID></cac:DocumentReference>{line}</cac:DocumentResponse>"
        "</ApplicationResponse>"
    ).encode()


def transmission(message_id: str, status: str, detail: str = "") -> bytes:
    return json.dumps({"message_id": message_id, "status": status, "detail": detail}).encode()


# --- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["AB", "IP", "UQ", "CA", "RE", "AP", "PD"])
def test_every_invoice_response_code_is_read(code):
    response = parse_response(invoice_response(code, "2026-0001235", "PO missing"))
    assert (response.kind, response.code, response.reference) == (
        "invoice_response", code, "2026-0001235"
    )  # fmt: skip
    assert response.receiver == "0208:0448420211"
    assert {"code": "REF", "text": "PO missing"} in response.reasons


@pytest.mark.parametrize("code", ["AB", "AP", "RE"])
def test_every_message_level_response_code_is_read(code):
    response = parse_response(message_level_response(code, "ap-42", "BR-CO-15 totals"))
    assert (response.kind, response.code, response.reference) == ("mlr", code, "ap-42")
    assert response.reasons[-1]["text"] == "BR-CO-15 totals"


@pytest.mark.parametrize("status", ["sent", "delivered", "failed"])
def test_every_transmission_status_is_read(status):
    assert parse_response(transmission("ap-42", status)).code == status


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<Invoice/>", "not a UBL ApplicationResponse"),
        (b"not xml", "not well-formed"),
        (invoice_response("XX", "1"), "unknown ResponseCode"),
        (message_level_response("AP", "x").replace(b"trns:mlr:3", b"trns:other:3"), "neither"),
        (transmission("ap-1", "lost"), "sent|delivered|failed"),
        (b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>', "ApplicationResp"),
    ],
)
def test_what_is_no_response_is_refused_with_its_reason(body, why):
    with pytest.raises(BadResponse, match=why):
        parse_response(body)


# --- recording against a night that was sent ------------------------------------------


@pytest.fixture
def sent(night):  # noqa: F811 (the fixture imported above)
    """The night's 3 Peppol documents sent to a real HTTP access point on 127.0.0.1."""
    with AccessPointServer() as access_point:
        counts = deliver(
            night, HttpAccessPoint(access_point.url, timeout=5), "run-1", batch_size=10
        )
        assert counts.sent == 3
        yield night, access_point


def drop(data_dir, name: str, body: bytes) -> None:
    inbox = data_dir / "peppol" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(body)


def ingest(data_dir):
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return ingest_inbox(con, data_dir / "peppol" / "inbox", ENTERPRISES, "test")


def message_ids(data_dir) -> dict[str, str]:
    return dict(query(data_dir, "SELECT document_number, message_id FROM peppol_messages"))


def test_every_kind_is_recorded_and_shown_to_analysts(sent):
    data_dir, _ = sent
    ids = message_ids(data_dir)
    drop(data_dir, "01.json", transmission(ids["2026-0001234"], "delivered"))
    drop(data_dir, "02.xml", message_level_response("AP", ids["2026-0001234"]))
    drop(data_dir, "03.xml", invoice_response("AB", "2026-0001234"))
    drop(data_dir, "04.xml", invoice_response("PD", "2026-0001234"))  # paid, the last word
    drop(data_dir, "05.json", transmission(ids["2026-0001237"], "failed", "receiver AP down"))
    drop(data_dir, "06.xml", message_level_response("RE", ids["2026-0001235"], "BR-CO-15"))
    drop(data_dir, "07.xml", invoice_response("RE", "2026-9999999", "unknown"))  # no such doc
    drop(data_dir, "08.xml", b"<Order/>")
    counts = ingest(data_dir)
    assert (counts.recorded, counts.unmatched, counts.already) == (7, 1, 0)
    assert counts.rejected == ["08.xml: not a UBL ApplicationResponse: <Order>"]
    inbox = data_dir / "peppol" / "inbox"
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
        f"0{i}.{'json' if i in (1, 5) else 'xml'}" for i in range(1, 8)
    ]
    assert (inbox / "rejected" / "08.xml.reason.txt").read_text().startswith("not a UBL")
    history = {
        row[0]: row[1:]
        for row in query(
            data_dir,
            "SELECT document_number, status, peppol_transmission, peppol_mlr, "
            "peppol_invoice_response FROM delivery_history WHERE channel = 'peppol'",
        )
    }
    assert history == {
        "2026-0001234": ("dispatched", "delivered", "AP", "PD"),
        "2026-0001235": ("failed", "sent", "RE", None),
        "2026-0001237": ("failed", "failed", None, None),
    }
    reasons = dict(query(data_dir, "SELECT document_number, reason FROM peppol_history"))
    assert reasons["2026-0001235"] == "Peppol message rejected: BR-CO-15"
    assert reasons["2026-0001237"] == "Peppol transmission failed: receiver AP down"
    needs = dict(query(data_dir, "SELECT document_number, needs_operator FROM peppol_history"))
    assert needs == {"2026-0001234": False, "2026-0001235": True, "2026-0001237": True}
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        queue = [(q["document_number"], q["problem"]) for q in list_queue(con)]
    assert sorted(queue) == [
        ("2026-0001235", "rejected by the receiving access point (MLR RE)"),
        ("2026-0001237", "transmission failed"),
    ]
    [(unmatched,)] = query(data_dir, "SELECT reference FROM peppol_responses WHERE NOT matched")
    assert unmatched == "2026-9999999"
    drop(data_dir, "again.xml", invoice_response("PD", "2026-0001234"))  # re-delivered
    assert (ingest(data_dir).recorded, ingest(data_dir).already) == (0, 0)
    events = dict(query(data_dir, "SELECT event_type, count(*) FROM audit_log "
                                  "WHERE event_type = 'peppol_response' GROUP BY 1"))  # fmt: skip
    assert events == {"peppol_response": 6}


def test_a_rejection_is_resent_after_a_fix_as_a_new_attempt(sent):
    data_dir, access_point = sent
    drop(data_dir, "ir.xml", invoice_response("RE", "2026-0001235", "wrong buyer name"))
    ingest(data_dir)
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        [queued] = list_queue(con)
        assert queued["problem"] == "rejected by the buyer (Invoice Response RE)"
        with pytest.raises(QueueError, match="not in the Peppol queue"):
            request_resend(con, "DL5", "2026-0001234", "operator:test", "nothing wrong", NOW)
        # the fix: the customer's registered name corrected in master data
        con.execute("UPDATE customers SET name = 'Peeters & Zonen BV' "
                    "WHERE customer_code = 'DL50012346'").fetchall()  # fmt: skip
        result = request_resend(con, "DL5", "2026-0001235", "operator:test", "name fixed", NOW)
        assert result["attempt"] == 2 and list_queue(con) == []
    counts = deliver(data_dir, HttpAccessPoint(access_point.url, timeout=5), "run-2")
    assert counts.sent == 1
    first, second = "DL5/2026-0001235/peppol/original", "DL5/2026-0001235/peppol/original/attempt-2"
    assert set(access_point.forwarded) >= {first, second}
    assert (
        len(access_point.posts[second]) == 1
        and access_point.posts[first][0] != (access_point.posts[second][0])
    )  # a rebuilt document, not the same bytes
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        shown = show_delivery(con, "DL5", "2026-0001235")
    assert (shown["delivery_status"], shown["send_attempt"], shown["invoice_response_code"]) == (
        "dispatched", 2, None
    )  # fmt: skip
    assert shown["idempotency_key"] == second and not shown["in_queue"]
    assert [r["code"] for r in shown["responses"]] == ["RE"]  # the first attempt's answer stays
    assert "name fixed" in shown["reason"]
    assert deliver(data_dir, HttpAccessPoint(access_point.url, timeout=5), "run-3").sent == 0


# --- HTTP 429 with Retry-After ---------------------------------------------------------


class ThrottlingAccessPoint(ThreadingHTTPServer):
    """Answers 429 with the given Retry-After values first, then 200; times each POST."""

    daemon_threads = True

    def __init__(self, retry_after: list[str]):
        super().__init__(("127.0.0.1", 0), ThrottlingHandler)
        self.retry_after = list(retry_after)
        self.arrivals: list[float] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/documents"


class ThrottlingHandler(BaseHTTPRequestHandler):
    server: ThrottlingAccessPoint

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.arrivals.append(time.monotonic())
        if self.server.retry_after:
            self.send_response(429)
            value = self.server.retry_after.pop(0)
            if value.startswith("date+"):  # an HTTP date that many seconds from now
                moment = datetime.now(UTC) + timedelta(seconds=int(value[5:]))
                value = format_datetime(moment, usegmt=True)
            self.send_header("Retry-After", value)
            body = b"slow down"
        else:
            self.send_response(200)
            body = b'{"message_id": "ap-429", "status": "delivered"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def throttling(request):
    server = ThrottlingAccessPoint(request.param)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("throttling", [["2"]], indirect=True)
def test_429_is_retried_after_the_seconds_retry_after_asks(throttling):
    client = HttpAccessPoint(throttling.url, timeout=5, attempts=3, backoff_seconds=0.01)
    answer = client.send("DL5/1/peppol/original", b"<Invoice/>")
    assert (answer.message_id, answer.transmission) == ("ap-429", "delivered")
    first, second = throttling.arrivals
    assert second - first >= 2.0  # waited as asked, not the 0.01 s back-off


@pytest.mark.parametrize("throttling", [["date+3"]], indirect=True)
def test_429_with_an_http_date_waits_until_then(throttling):
    client = HttpAccessPoint(throttling.url, timeout=5, attempts=3, backoff_seconds=0.01)
    assert client.send("DL5/1/peppol/original", b"<Invoice/>").message_id == "ap-429"
    first, second = throttling.arrivals
    assert second - first >= 1.0  # HTTP dates have whole seconds: at least 1 s of the 3


@pytest.mark.parametrize("throttling", [["3600"]], indirect=True)
def test_429_asking_longer_than_the_setting_stops_for_this_run(throttling):
    client = HttpAccessPoint(throttling.url, timeout=5, attempts=3, max_retry_after=60)
    with pytest.raises(Unavailable, match="429"):
        client.send("DL5/1/peppol/original", b"<Invoice/>")
    assert len(throttling.arrivals) == 1


# --- the access point's HTTP callback --------------------------------------------------


def test_the_callback_records_a_response_for_a_caller_with_the_token(sent, monkeypatch):
    from fastapi.testclient import TestClient

    from iportal.web.app import create_app
    from iportal.web.config import PortalConfig

    data_dir, _ = sent
    monkeypatch.setenv("IPORTAL_PEPPOL_CALLBACK_TOKEN", "s3cret-token")
    client = TestClient(create_app(PortalConfig(data_dir)))
    body = invoice_response("UQ", "2026-0001234", "which contract?")
    assert client.post("/peppol/responses", content=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/peppol/responses", content=body, headers=wrong).status_code == 401
    good = {"Authorization": "Bearer s3cret-token"}
    refused = client.post("/peppol/responses", content=b"<Order/>", headers=good)
    assert refused.status_code == 422 and "ApplicationResponse" in refused.json()["error"]
    answer = client.post("/peppol/responses", content=body, headers=good)
    assert answer.status_code == 202
    assert answer.json() | {"unmatched": 0} == {
        "recorded": 1, "unmatched": 0, "already": 0, "queued": False,
        "kind": "invoice_response", "code": "UQ",
    }  # fmt: skip
    again = client.post("/peppol/responses", content=body, headers=good).json()
    assert (again["recorded"], again["already"]) == (0, 1)
    [(code,)] = query(
        data_dir,
        "SELECT invoice_response_code FROM peppol_messages WHERE document_number = '2026-0001234'",
    )
    assert code == "UQ"
    processed = data_dir / "peppol" / "inbox" / "processed"
    assert len(list(processed.glob("http-*.xml"))) == 1  # kept as it came
