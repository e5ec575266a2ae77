"""A Peppol network of our own on 127.0.0.1 (issue 18): an SML (a UDP DNS server
answering U-NAPTR records, built with dnspython's message module) and an SMP (an HTTP
server answering the Peppol SMP 1.x XML: service groups and signed service metadata).

Names, paths and XML are written out here from the specifications (Policy for use of
Identifiers 4.4 POLICY 7, SMP 1.4), not computed by tasks/peppol/lookup.py.
"""

from __future__ import annotations

import socket
import threading
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

ZONE = "sml.test"
INVOICE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017"
    "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
CREDIT_NOTE = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:"
    "en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
# base32(sha256("0208:0418711287")) and of the other participants of the tests,
# worked out once with coreutils: printf %s 0208:... | sha256sum | xxd -r -p | base32
DNS_LABELS = {
    "0208:0418711287": "DEPXNRVHLC4YDOQPNSIBGI32VTQHPVHT5VYP4KC3G4IMSB24YP5Q",
    "0208:0448420211": "L6FDO5OX42QLM5ZXGUZGCJM4AI2QL7AZRPM7SDLQQC5XBNOPA7UQ",
    "0208:0403170701": "7HPKIXRGBLPXSLUMTIUCYA6Q74POZARDF2VSBY67RW75B7GOPIYQ",
    "0208:0403199009": "2WCUJNWNQ73MF3JGVHIF3OVIJXWKGRLETVNFEFIHYRAIMBXPSATQ",
}


def dns_name(participant: str) -> str:
    return f"{DNS_LABELS[participant]}.iso6523-actorid-upis.{ZONE}"


class DnsServer:
    """Answers NAPTR queries from `records` (name → NAPTR text); NXDOMAIN otherwise;
    SERVFAIL for everything while `failing`. Counts queries per name."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.failing = False
        self.queries: Counter = Counter()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def __enter__(self) -> DnsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def serve(self) -> None:
        while True:
            try:
                data, client = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            self.queries[name] += 1
            if self.failing:
                response.set_rcode(dns.rcode.SERVFAIL)
            elif name in self.records and question.rdtype == dns.rdatatype.NAPTR:
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, "IN", "NAPTR", *self.records[name])
                )
            elif name not in self.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
            try:
                self.sock.sendto(response.to_wire(), client)
            except OSError:  # closed by __exit__
                return

    def register(self, dns_name: str, smp_url: str) -> None:
        """The U-NAPTR record the SML publishes: flags U, service Meta:SMP."""
        self.records[dns_name.lower()] = [f'100 10 "U" "Meta:SMP" "!^.*$!{smp_url}!" .']


def service_group(participant: str, smp_url: str, document_types: list[str]) -> bytes:
    quoted = urllib.parse.quote(f"iso6523-actorid-upis::{participant}", safe="")
    references = "".join(
        f'<smp:ServiceMetadataReference href="{smp_url}/{quoted}/services/'
        f'{urllib.parse.quote("busdox-docid-qns::" + d, safe="")}"/>'
        for d in document_types
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<smp:ServiceGroup xmlns:smp="http://busdox.org/serviceMetadata/publishing/1.0/" '
        'xmlns:id="http://busdox.org/transport/identifiers/1.0/">'
        f'<id:ParticipantIdentifier scheme="iso6523-actorid-upis">{participant}'
        "</id:ParticipantIdentifier>"
        f"<smp:ServiceMetadataReferenceCollection>{references}"
        "</smp:ServiceMetadataReferenceCollection></smp:ServiceGroup>"
    ).encode()


def signed_service_metadata(
    participant: str,
    document_type: str,
    expires: str = "2030-12-31T00:00:00Z",
    process: str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<smp:SignedServiceMetadata xmlns:smp="http://busdox.org/serviceMetadata/publishing/1.0/" '
        'xmlns:id="http://busdox.org/transport/identifiers/1.0/" '
        'xmlns:wsa="http://www.w3.org/2005/08/addressing">'
        "<smp:ServiceMetadata><smp:ServiceInformation>"
        f'<id:ParticipantIdentifier scheme="iso6523-actorid-upis">{participant}'
        "</id:ParticipantIdentifier>"
        f'<id:DocumentIdentifier scheme="busdox-docid-qns">{document_type}'
        "</id:DocumentIdentifier>"
        "<smp:ProcessList><smp:Process>"
        f'<id:ProcessIdentifier scheme="cenbii-procid-ubl">{process}</id:ProcessIdentifier>'
        '<smp:ServiceEndpointList><smp:Endpoint transportProfile="peppol-transport-as4-v2_0">'
        "<wsa:EndpointReference><wsa:Address>https://ap.example.be/as4</wsa:Address>"
        "</wsa:EndpointReference>"
        "<smp:RequireBusinessLevelSignature>false</smp:RequireBusinessLevelSignature>"
        "<smp:ServiceActivationDate>2024-01-01T00:00:00Z</smp:ServiceActivationDate>"
        f"<smp:ServiceExpirationDate>{expires}</smp:ServiceExpirationDate>"
        "<smp:Certificate>MIIC...</smp:Certificate>"
        "<smp:ServiceDescription>Test AP</smp:ServiceDescription>"
        "<smp:TechnicalContactUrl>mailto:ap@example.be</smp:TechnicalContactUrl>"
        "</smp:Endpoint></smp:ServiceEndpointList></smp:Process></smp:ProcessList>"
        "</smp:ServiceInformation></smp:ServiceMetadata>"
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/>'
        "<SignatureValue>AA==</SignatureValue></Signature>"
        "</smp:SignedServiceMetadata>"
    ).encode()


class SmpServer(ThreadingHTTPServer):
    """Answers GETs from `pages` (raw request path → body); 404 otherwise; `status`
    (e.g. 503) for everything while set. Counts requests per path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmpHandler)
        self.pages: dict[str, bytes] = {}
        self.status: int | None = None
        self.requests: Counter = Counter()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> SmpServer:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def publish(self, participant: str, document_types: list[str], **metadata) -> None:
        group = "/iso6523-actorid-upis%3A%3A" + participant.replace(":", "%3A")
        self.pages[group] = service_group(participant, self.url, document_types)
        for d in document_types:
            path = f"{group}/services/" + urllib.parse.quote(f"busdox-docid-qns::{d}", safe="")
            self.pages[path] = signed_service_metadata(participant, d, **metadata)


class SmpHandler(BaseHTTPRequestHandler):
    server: SmpServer

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests[self.path] += 1
        status = self.server.status
        body = self.server.pages.get(self.path)
        if status is None:
            status = 200 if body is not None else 404
        payload = body if status == 200 else b"<error/>"
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass
