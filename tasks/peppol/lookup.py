"""Participant lookup as the Peppol network does it (issue 18): SML DNS, then the SMP.

    SmlLookup(zone, resolver, port, timeout).look_up(participant_id, as_of)
        -> {document_type: Answer}                  raises Unreachable
    RegistryLookup(path).look_up(participant_id, as_of)   (the local stand-in)

1. SML (Peppol SML 1.3 / Policy for use of Identifiers 4.4, POLICY 7): the DNS name is
   base32(sha256(lowercase participant id)) without padding, then
   `.iso6523-actorid-upis.<zone>`; its U-NAPTR record with service `Meta:SMP` gives the
   SMP's URL through its regexp (RFC 4848). No record (NXDOMAIN): not registered. The
   legacy `B-<md5>` CNAME of the old SML is not asked (legacy_dns_name() is kept for
   operators comparing with old notes).
2. SMP (Peppol SMP 1.4 REST, XML shared with OASIS BDXR SMP 1.0, read by local name):
   `GET {smp}/iso6523-actorid-upis::{participant}` is the service group, listing one
   ServiceMetadataReference per document type; `GET .../services/busdox-docid-qns::{doc
   type}` is the signed service metadata, which must name the BIS Billing 3.0 process
   with an AS4 endpoint active on the run's day. A 404 is "not registered".

The XML signature of the service metadata is not verified: this lookup decides the
route, the access point repeats the discovery and verifies before it transmits.
Unreachable (DNS timeout or SERVFAIL, HTTP 5xx, timeouts, unreadable XML) raises
Unreachable: the caller waits rather than route on a guess (docs/peppol.md).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dns.exception
import dns.resolver
from lxml import etree

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_SCHEME = "busdox-docid-qns"
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
AS4 = "peppol-transport-as4-v2_0"
_BIS3 = "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
DOCUMENT_TYPE_IDS = {  # Peppol code list: BIS Billing 3.0 invoice and credit note
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice" + _BIS3,
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote" + _BIS3,
}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class Unreachable(Exception):
    """The SML or the SMP did not answer: no answer is better than a wrong one."""


@dataclass(frozen=True, slots=True)
class Answer:
    registered: bool
    source: str  # sml | registry
    detail: str
    smp_url: str | None = None


def participant_id(enterprise_number: str) -> str:
    """ICD 0208: the Belgian enterprise number (10 digits)."""
    return f"0208:{enterprise_number}"


def sml_dns_name(participant: str, zone: str) -> str:
    digest = hashlib.sha256(participant.lower().encode()).digest()
    label = base64.b32encode(digest).decode().rstrip("=")
    return f"{label}.{PARTICIPANT_SCHEME}.{zone.strip('.')}"


def legacy_dns_name(participant: str, zone: str) -> str:
    """The old SML's CNAME (B- + md5 hex), retired with the U-NAPTR scheme."""
    digest = hashlib.md5(participant.lower().encode(), usedforsecurity=False).hexdigest()
    return f"B-{digest}.{PARTICIPANT_SCHEME}.{zone.strip('.')}"


def apply_naptr_regexp(regexp: str, subject: str) -> str | None:
    """RFC 3403 substitution `!pattern!replacement!flags` on the queried name."""
    if len(regexp) < 3:
        return None
    delimiter = regexp[0]
    parts = regexp[1:].split(delimiter)
    if len(parts) < 2 or not re.search(parts[0], subject):
        return None
    return re.sub(parts[0], parts[1], subject, count=1)


def local(element, name: str) -> list:
    """Children anywhere below by local name: Peppol (busdox) and BDXR namespaces alike."""
    return element.xpath(f".//*[local-name()='{name}']")


def text_of(element, name: str) -> str:
    found = local(element, name)
    return (found[0].text or "").strip() if found else ""


def parse_xml(body: bytes, url: str):
    try:
        return etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as error:
        raise Unreachable(f"SMP {url} answered unreadable XML: {error}") from None


def listed_document_types(service_group: bytes, url: str) -> set[str]:
    """The document type ids a ServiceGroup references (hrefs end in /services/<id>)."""
    root = parse_xml(service_group, url)
    found = set()
    for reference in local(root, "ServiceMetadataReference"):
        href = reference.get("href", "")
        if "/services/" in href:
            identifier = urllib.parse.unquote(href.rsplit("/services/", 1)[1])
            found.add(identifier.split("::", 1)[1] if "::" in identifier else identifier)
    return found


def active_endpoint(metadata, document_type: str, as_of: datetime) -> str | None:
    """The AS4 endpoint for BIS Billing 3.0 in a ServiceMetadata, active on as_of."""
    if text_of(metadata, "DocumentIdentifier") != document_type:
        return None
    for process in local(metadata, "Process"):
        if text_of(process, "ProcessIdentifier") != BILLING_PROCESS:
            continue
        for endpoint in local(process, "Endpoint"):
            if endpoint.get("transportProfile") != AS4:
                continue
            start, end = (
                text_of(endpoint, "ServiceActivationDate"),
                text_of(endpoint, "ServiceExpirationDate"),
            )
            day = as_of.date().isoformat()
            if (not start or start[:10] <= day) and (not end or end[:10] >= day):
                return text_of(endpoint, "Address") or "(no address)"
    return None


class SmpClient:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def get(self, url: str) -> bytes | None:
        """The body; None for 404 (the SMP does not know it)."""
        request = urllib.request.Request(url, headers={"Accept": "application/xml"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise Unreachable(f"SMP {url} answered HTTP {error.code}") from None
        except (TimeoutError, ConnectionError, urllib.error.URLError) as error:
            raise Unreachable(f"SMP {url} unreachable: {error!r}") from None

    def metadata_url(self, smp: str, participant: str, document_type: str) -> str:
        return f"{self.group_url(smp, participant)}/services/" + urllib.parse.quote(
            f"{DOCUMENT_SCHEME}::{document_type}", safe=""
        )

    @staticmethod
    def group_url(smp: str, participant: str) -> str:
        return f"{smp.rstrip('/')}/" + urllib.parse.quote(
            f"{PARTICIPANT_SCHEME}::{participant}", safe=""
        )

    def service_metadata(self, url: str):
        """The ServiceMetadata element, following one Redirect (SMP 1.x)."""
        for _ in range(2):
            body = self.get(url)
            if body is None:
                return None
            root = parse_xml(body, url)
            redirect = local(root, "Redirect")
            if not redirect:
                return root
            url = redirect[0].get("href", "")
        raise Unreachable(f"SMP redirected twice for {url}")


class SmlLookup:
    source = "sml"

    def __init__(
        self, zone: str, resolver: str | None, port: int = 53, timeout: float = 5.0
    ) -> None:
        self.zone = zone
        self.resolver = dns.resolver.Resolver(configure=resolver is None)
        if resolver is not None:
            self.resolver.nameservers = [resolver]
            self.resolver.port = port
        self.resolver.timeout = self.resolver.lifetime = timeout
        self.smp = SmpClient(timeout)

    def smp_url(self, participant: str) -> str | None:
        """The SMP's URL from the U-NAPTR record; None when the SML has no record."""
        name = sml_dns_name(participant, self.zone)
        try:
            answer = self.resolver.resolve(name, "NAPTR")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except (dns.resolver.NoNameservers, dns.exception.Timeout) as error:
            message = f"SML {self.zone} did not answer for {participant}: {error}"
            raise Unreachable(message) from None
        records = sorted(answer, key=lambda r: (r.order, r.preference))
        for record in records:
            if record.flags.decode().upper() == "U" and record.service.decode() == "Meta:SMP":
                url = apply_naptr_regexp(record.regexp.decode(), name)
                if url:
                    return url
        return None

    def look_up(self, participant: str, as_of: datetime) -> dict[str, Answer]:
        smp = self.smp_url(participant)
        if smp is None:
            detail = f"{participant} has no SML record in {self.zone}"
            return {kind: Answer(False, self.source, detail) for kind in DOCUMENT_TYPE_IDS}
        group = self.smp.get(self.smp.group_url(smp, participant))
        listed = listed_document_types(group, smp) if group is not None else set()
        return {
            kind: self.answer(smp, participant, kind, document_type, listed, as_of)
            for kind, document_type in DOCUMENT_TYPE_IDS.items()
        }

    def answer(self, smp, participant, kind, document_type, listed, as_of) -> Answer:
        what = f"BIS 3.0 {kind.replace('_', ' ')}s"

        def no(reason: str) -> Answer:
            return Answer(False, self.source, f"{participant} {reason} (SMP {smp})", smp)

        if document_type not in listed:
            return no(f"not registered for {what}")
        url = self.smp.metadata_url(smp, participant, document_type)
        metadata = self.smp.service_metadata(url)
        endpoint = None if metadata is None else active_endpoint(metadata, document_type, as_of)
        if endpoint is None:
            return no(f"has no AS4 endpoint for {what} on {as_of:%Y-%m-%d}")
        detail = f"{participant} registered for {what} (SMP {smp}, AP {endpoint})"
        return Answer(True, self.source, detail, smp)


class RegistryLookup:
    """The local stand-in when no SML zone is set: a CSV of registered participants
    (participant_id,document_type), e.g. written by `iportal demo`."""

    source = "registry"

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open(newline="", encoding="utf-8") as handle:
            self.entries = {
                (row["participant_id"].strip().lower(), row["document_type"].strip())
                for row in csv.DictReader(handle)
            }

    def look_up(self, participant: str, as_of: datetime) -> dict[str, Answer]:
        def answer(kind: str) -> Answer:
            listed = (participant.lower(), kind) in self.entries
            verb = "registered" if listed else "not registered"
            what = kind.replace("_", " ")
            where = f"local registry {self.path.name}, no SML zone set"
            return Answer(listed, self.source, f"{participant} {verb} for {what}s ({where})")

        return {kind: answer(kind) for kind in DOCUMENT_TYPE_IDS}


def make_lookup(settings) -> SmlLookup | RegistryLookup | None:
    """The lookup the settings choose; None when lookup is off or has no source."""
    if not settings.peppol_lookup_enabled:
        return None
    if settings.peppol_sml_zone:
        return SmlLookup(
            settings.peppol_sml_zone,
            settings.peppol_dns_resolver,
            settings.peppol_dns_port,
            settings.peppol_lookup_timeout_seconds,
        )
    if settings.peppol_registry_path.exists():
        return RegistryLookup(settings.peppol_registry_path)
    return None


def write_demo_registry(
    landing: Path, out: Path, seed: int = 1, unregistered: float = 0.2, invoices_only: float = 0.1
) -> dict:
    """The demo's local registry (no SML here): each Belgian company of the landing
    customers files is registered for both document types, for invoices only, or not
    at all, by a seeded hash of its number, so both routes show. Returns the counts."""
    numbers = set()
    for path in sorted(landing.glob("customers*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            numbers |= {(r.get("enterprise_number") or "").strip() for r in csv.DictReader(handle)}
    counts = {"registered": 0, "invoices_only": 0, "unregistered": 0}
    lines = ["participant_id,document_type"]
    for number in sorted(n for n in numbers if n):
        draw = int(hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()[:8], 16) / 2**32
        kinds = ["invoice", "credit_note"]
        if draw < unregistered + invoices_only:
            kinds = [] if draw < unregistered else ["invoice"]
        counts[{0: "unregistered", 1: "invoices_only", 2: "registered"}[len(kinds)]] += 1
        lines += [f"{participant_id(number)},{kind}" for kind in kinds]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return counts
