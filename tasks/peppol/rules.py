"""Validation layer 3: the Peppol BIS Billing 3.0 rules that matter here, in Python.

The ids and wording are OpenPeppol's (PEPPOL-EN16931-*, PEPPOL-COMMON-*), so an
operator can look them up; rules of this project's own are IPORTAL-PEPPOL-*. Each check
reads the parsed document and returns its failures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from lxml import etree
from stdnum.be import vat

from tasks.peppol.failure import Failure
from tasks.peppol.settings import CUSTOMIZATION_ID, ENTERPRISE_SCHEME, NS, PDF_MIME, PROFILE_ID

PROFILE_FORMAT = re.compile(r"^urn:fdc:peppol\.eu:2017:poacc:billing:\d\d:1\.0$")
TOLERANCE = Decimal("0.02")  # PEPPOL-EN16931-R120's slack


def xpath(path: str) -> etree.XPath:
    return etree.XPath(path, namespaces=NS)


CUSTOMIZATION = xpath("normalize-space(cbc:CustomizationID)")
PROFILE = xpath("normalize-space(cbc:ProfileID)")
BUYER_REFERENCE = xpath("cbc:BuyerReference[normalize-space()] | cac:OrderReference/cbc:ID")
BUYER_ENDPOINT = xpath("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")
SELLER_ENDPOINT = xpath("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID")
SCHEME_0208 = xpath(
    "//cbc:EndpointID[@schemeID='0208'] | //cac:PartyIdentification/cbc:ID[@schemeID='0208']"
    " | //cbc:CompanyID[@schemeID='0208']"
)
EMPTY = xpath("//*[not(*) and not(normalize-space())]")
TAX_TOTALS = xpath("cac:TaxTotal[cac:TaxSubtotal]")
DIRECT_DEBITS = xpath(
    "cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode)='49'"
    " or normalize-space(cbc:PaymentMeansCode)='59']"
)
MANDATE = xpath("cac:PaymentMandate/cbc:ID[normalize-space()]")
LINES = xpath("cac:InvoiceLine | cac:CreditNoteLine")
LINE_NUMBERS = tuple(
    xpath(f"normalize-space({path})")
    for path in (
        "cbc:LineExtensionAmount",
        "cbc:InvoicedQuantity | cbc:CreditedQuantity",
        "cac:Price/cbc:PriceAmount",
        "cac:Price/cbc:BaseQuantity",
    )
)
CURRENCY = xpath("normalize-space(cbc:DocumentCurrencyCode)")
AMOUNTS = xpath("//*[@currencyID][not(parent::cac:TaxTotal[not(cac:TaxSubtotal)])]")
CREDITED = xpath("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID[normalize-space()]")
PDF = xpath(
    "cac:AdditionalDocumentReference/cac:Attachment/"
    f"cbc:EmbeddedDocumentBinaryObject[@mimeCode='{PDF_MIME}'][normalize-space()]"
)


# OpenPeppol's wording (BIS Billing 3.0 schematron), then this project's own rules.
RULES = {
    "PEPPOL-EN16931-R001": "Business process MUST be provided.",
    "PEPPOL-EN16931-R003": "A buyer reference or purchase order reference MUST be provided.",
    "PEPPOL-EN16931-R004": f"Specification identifier MUST have the value '{CUSTOMIZATION_ID}'.",
    "PEPPOL-EN16931-R007": "Business process MUST be in the format "
    "'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' where NN indicates the process number.",
    "PEPPOL-EN16931-R008": "Document MUST not contain empty elements.",
    "PEPPOL-EN16931-R010": "Buyer electronic address MUST be provided",
    "PEPPOL-EN16931-R020": "Seller electronic address MUST be provided",
    "PEPPOL-EN16931-R051": "All currencyID attributes must have the same value as the invoice "
    "currency code (BT-5).",
    "PEPPOL-EN16931-R053": "Only one tax total with tax subtotals MUST be provided.",
    "PEPPOL-EN16931-R061": "Mandate reference MUST be provided for direct debit.",
    "PEPPOL-EN16931-R120": "Invoice line net amount MUST equal (Invoiced quantity * (Item net "
    "price/item price base quantity) + Sum of invoice line charge amount - sum of invoice line "
    "allowance amount",
    "PEPPOL-COMMON-R043": "Belgian enterprise number MUST be stated in the correct format.",
    "IPORTAL-PEPPOL-R01": f"Business process MUST be '{PROFILE_ID}', the only process sent.",
    "IPORTAL-PEPPOL-R02": f"Electronic addresses MUST use scheme {ENTERPRISE_SCHEME}, the "
    "Belgian enterprise number.",
    "IPORTAL-PEPPOL-R03": "A credit note MUST reference the invoice it credits "
    "(BillingReference/InvoiceDocumentReference/ID, BT-25).",
    "IPORTAL-PEPPOL-R04": f"The rendered PDF MUST be attached (AdditionalDocumentReference, "
    f"mimeCode {PDF_MIME}).",
}


def fail(rule_id: str, detail: str = "", element: etree._Element | None = None) -> Failure:
    text = f"[{rule_id}]-{RULES[rule_id]}" + (f" ({detail})" if detail else "")
    location = "" if element is None else element.getroottree().getpath(element)
    return Failure("peppol", rule_id, text, "fatal", location)


def check_identifiers(root) -> list[Failure]:
    failures = []
    if not CUSTOMIZATION(root).startswith(CUSTOMIZATION_ID):
        failures.append(fail("PEPPOL-EN16931-R004", f"found {CUSTOMIZATION(root)!r}"))
    profile = PROFILE(root)
    if not profile:
        failures.append(fail("PEPPOL-EN16931-R001"))
    elif not PROFILE_FORMAT.match(profile):
        failures.append(fail("PEPPOL-EN16931-R007", f"found {profile!r}"))
    elif profile != PROFILE_ID:
        failures.append(fail("IPORTAL-PEPPOL-R01", f"found {profile!r}"))
    return failures


def check_references(root) -> list[Failure]:
    failures = []
    if not BUYER_REFERENCE(root):
        failures.append(fail("PEPPOL-EN16931-R003", "the customer code, R2"))
    if etree.QName(root).localname == "CreditNote" and not CREDITED(root):
        failures.append(fail("IPORTAL-PEPPOL-R03"))
    if not PDF(root):
        failures.append(fail("IPORTAL-PEPPOL-R04"))
    return failures


def check_endpoints(root) -> list[Failure]:
    failures = []
    for rule, find in (("PEPPOL-EN16931-R010", BUYER_ENDPOINT),
                       ("PEPPOL-EN16931-R020", SELLER_ENDPOINT)):  # fmt: skip
        found = find(root)
        if not found:
            failures.append(fail(rule))
        elif found[0].get("schemeID") != ENTERPRISE_SCHEME:
            scheme = found[0].get("schemeID")
            failures.append(fail("IPORTAL-PEPPOL-R02", f"found {scheme!r}", found[0]))
    for element in SCHEME_0208(root):
        number = (element.text or "").strip()
        if not (len(number) == 10 and number.isdigit() and vat.is_valid(number)):
            failures.append(fail("PEPPOL-COMMON-R043", f"{number!r}: mod-97 fails", element))
    return failures


def check_structure(root) -> list[Failure]:
    failures = [fail("PEPPOL-EN16931-R008", "", e) for e in EMPTY(root)]
    if len(TAX_TOTALS(root)) != 1:
        failures.append(fail("PEPPOL-EN16931-R053"))
    failures += [fail("PEPPOL-EN16931-R061", "", m) for m in DIRECT_DEBITS(root) if not MANDATE(m)]
    currency = CURRENCY(root)
    failures += [
        fail("PEPPOL-EN16931-R051", f"found {a.get('currencyID')!r}", a)
        for a in AMOUNTS(root)
        if a.get("currencyID") != currency
    ]
    return failures


def line_mismatch(line) -> bool:
    net, quantity, price, base = (find(line) for find in LINE_NUMBERS)
    try:
        base_quantity = Decimal(base) if base and Decimal(base) != 0 else Decimal(1)
        expected = Decimal(quantity or "1") * (Decimal(price or "0") / base_quantity)
        return abs(Decimal(net or "0") - expected) > TOLERANCE
    except InvalidOperation:
        return True


def check_lines(root) -> list[Failure]:
    return [fail("PEPPOL-EN16931-R120", "", line) for line in LINES(root) if line_mismatch(line)]


CHECKS: tuple[Callable[[etree._Element], list[Failure]], ...] = (
    check_identifiers, check_references, check_endpoints, check_structure, check_lines,
)  # fmt: skip


def check_peppol_rules(root: etree._Element) -> list[Failure]:
    """Layer 3 over a parsed Invoice or CreditNote."""
    return [failure for check in CHECKS for failure in check(root)]
