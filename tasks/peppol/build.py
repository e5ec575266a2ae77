"""One document → one UBL 2.1 Invoice (380) or CreditNote (381), Peppol BIS Billing 3.0.

Pure: document, customer, issuer and the rendered PDF in, UTF-8 XML bytes out; the same
input gives the same bytes (DESIGN rule 5), so a resend after a crash carries the
document the first attempt carried.

Amounts are Decimal throughout. Line net amounts are rounded half-up to the cent; the
VAT breakdown has one subtotal per category and rate, its VAT rounded once on the
category's taxable amount (EN 16931 BR-CO-17, BR-S-09), which is how the billing system
computes `total_vat` (domain.money). Document totals are written as the billing system
issued them: validation (BR-CO-10, BR-CO-14, BR-CO-15) catches any disagreement instead
of the builder hiding it.

VAT meaning comes from the document (DESIGN rule 12, landing contract v2): each line's
category and exemption reason (code and text) as the billing system stated it, inferred
from the rate only for v1 lines (domain.vat.tax_of_line); the buyer's VAT identifier
(BT-48) is customers.vat_id; the invoicing period (BG-14, BG-26) is the document's and
the lines' period_start / period_end.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from lxml import etree

from domain.money import line_amount
from domain.vat import LineTax, breakdown_by_category, tax_of_line
from tasks.peppol.parties import add, add_optional, add_party, add_payment_means
from tasks.peppol.settings import (
    CREDIT_NOTE_TYPE_CODE,
    CUSTOMIZATION_ID,
    INVOICE_TYPE_CODE,
    NS,
    PDF_MIME,
    PROFILE_ID,
    UNIT_CODE,
)

ROOTS = {
    "invoice": ("Invoice", NS["inv"], "InvoiceTypeCode", INVOICE_TYPE_CODE, "InvoiceLine"),
    "credit_note": (
        "CreditNote",
        NS["cn"],
        "CreditNoteTypeCode",
        CREDIT_NOTE_TYPE_CODE,
        "CreditNoteLine",
    ),
}
QUANTITY = {"InvoiceLine": "cbc:InvoicedQuantity", "CreditNoteLine": "cbc:CreditedQuantity"}


def to_decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 1, 612.4, 0.5."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


V2_LINE_FIELDS = (
    "vat_category", "vat_exemption_reason_code", "vat_exemption_reason", "period_start",
    "period_end",
)  # fmt: skip


def clean_lines(lines: list[dict]) -> list[dict]:
    return [
        {
            "description": str(line["description"]),
            "quantity": to_decimal(line["quantity"]),
            "unit_price": to_decimal(line["unit_price"]),
            "vat_rate": to_decimal(line["vat_rate"]),
        }
        | {k: line[k] for k in V2_LINE_FIELDS if line.get(k)}
        for line in lines
    ]


def add_tax_category(parent, tag: str, tax: LineTax, with_reason: bool) -> None:
    category = add(parent, tag)
    add(category, "cbc:ID", tax.category)
    if tax.category != "O":  # BR-O-05: not subject to VAT carries no rate
        add(category, "cbc:Percent", plain(tax.rate))
    if with_reason:  # BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10; none for S, Z
        add_optional(category, "cbc:TaxExemptionReasonCode", tax.reason_code)
        add_optional(category, "cbc:TaxExemptionReason", tax.reason)
    add(add(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def add_tax_total(root, lines: list[dict], total_vat: Decimal, currency: str) -> None:
    """One TaxTotal, one subtotal per category, rate and exemption reason (PEPPOL-EN16931-
    R053, BR-CO-17); ingest let through only one reason per zero-rated category."""
    tax_total = add(root, "cac:TaxTotal")
    add(tax_total, "cbc:TaxAmount", money(total_vat), currencyID=currency)
    for (category, rate, code, reason), (base, vat) in breakdown_by_category(lines).items():
        subtotal = add(tax_total, "cac:TaxSubtotal")
        add(subtotal, "cbc:TaxableAmount", money(base), currencyID=currency)
        add(subtotal, "cbc:TaxAmount", money(vat), currencyID=currency)
        tax = LineTax(category, rate, code, reason, inferred=False)
        add_tax_category(subtotal, "cac:TaxCategory", tax, with_reason=True)


def add_period(parent, start, end) -> None:
    """BG-14 / BG-26 when the document or line states one (BR-CO-19, BR-CO-20)."""
    if not (start or end):
        return
    period = add(parent, "cac:InvoicePeriod")
    add_optional(period, "cbc:StartDate", iso(start) if start else None)
    add_optional(period, "cbc:EndDate", iso(end) if end else None)


def add_delivery(root, lines: list[dict], customer: dict) -> None:
    """BR-IC-12: an intra-community supply names the deliver-to country (the buyer's)."""
    if any(tax_of_line(line).category == "K" for line in lines):
        location = add(add(root, "cac:Delivery"), "cac:DeliveryLocation")
        add(add(add(location, "cac:Address"), "cac:Country"), "cbc:IdentificationCode",
            customer["country"])  # fmt: skip


def add_monetary_total(root, lines: list[dict], document: dict, currency: str) -> None:
    total = add(root, "cac:LegalMonetaryTotal")
    net = sum((line_amount(ln["quantity"], ln["unit_price"]) for ln in lines), Decimal("0"))
    incl = to_decimal(document["total_incl_vat"])
    add(total, "cbc:LineExtensionAmount", money(net), currencyID=currency)  # BR-CO-10
    add(
        total,
        "cbc:TaxExclusiveAmount",
        money(to_decimal(document["total_excl_vat"])),
        currencyID=currency,
    )
    add(total, "cbc:TaxInclusiveAmount", money(incl), currencyID=currency)  # BR-CO-15
    add(total, "cbc:PayableAmount", money(incl), currencyID=currency)


def add_line(root, tag: str, number: int, line: dict, currency: str) -> None:
    """A negative unit price (a discount line) becomes a negative quantity at a positive
    price: BR-27 forbids negative prices, the line net amount is the same."""
    quantity, price = line["quantity"], line["unit_price"]
    if price < 0:
        quantity, price = -quantity, -price
    node = add(root, f"cac:{tag}")
    add(node, "cbc:ID", str(number))
    add(node, QUANTITY[tag], plain(quantity), unitCode=UNIT_CODE)
    add(node, "cbc:LineExtensionAmount", money(line_amount(quantity, price)), currencyID=currency)
    add_period(node, line.get("period_start"), line.get("period_end"))
    item = add(node, "cac:Item")
    add(item, "cbc:Name", line["description"])
    add_tax_category(item, "cac:ClassifiedTaxCategory", tax_of_line(line), with_reason=False)
    add(add(node, "cac:Price"), "cbc:PriceAmount", plain(price), currencyID=currency)


def add_references(root, document: dict, pdf: bytes, pdf_name: str) -> None:
    """Credited invoice (BT-25), contract (BT-12), the rendered PDF (BG-24)."""
    credited = document.get("credited_document_number")
    if credited:
        billing = add(root, "cac:BillingReference")
        reference = add(billing, "cac:InvoiceDocumentReference")
        add(reference, "cbc:ID", credited)
        if document.get("credited_issue_date"):  # BT-26, when the invoice is on file
            add(reference, "cbc:IssueDate", iso(document["credited_issue_date"]))
    if document.get("contract_number"):
        add(add(root, "cac:ContractDocumentReference"), "cbc:ID", document["contract_number"])
    attached = add(root, "cac:AdditionalDocumentReference")
    add(attached, "cbc:ID", document["document_number"])
    attachment = add(attached, "cac:Attachment")
    add(
        attachment,
        "cbc:EmbeddedDocumentBinaryObject",
        base64.b64encode(pdf).decode("ascii"),
        mimeCode=PDF_MIME,
        filename=pdf_name,
    )


def buyer_party(customer: dict) -> dict:
    """The customer as a party; its VAT identifier (BT-48) is customers.vat_id as master
    data gave it (v1 master data: BE + enterprise number, inferred at ingest)."""
    party = {k: customer.get(k) for k in ("name", "street", "postal_code", "city", "country")}
    party["enterprise_number"] = customer.get("enterprise_number") or ""
    party["vat_number"] = customer.get("vat_id") or None
    return party


def seller_party(issuer: dict, lines: list[dict]) -> dict:
    """BR-O-02: a document not subject to VAT does not state the seller's VAT identifier
    (the enterprise number stays as legal registration identifier, BR-CO-26)."""
    if all(tax_of_line(line).category == "O" for line in lines):
        return {**issuer, "vat_number": None}
    return issuer


def build_ubl(document: dict, customer: dict, issuer: dict, pdf: bytes, pdf_name: str) -> bytes:
    """The Peppol BIS 3.0 UBL of one document.

    `document`: the landing-contract fields (amounts Decimal or decimal strings, dates
    date or ISO strings) plus `customer_code`, optionally `mandate_reference`;
    `customer`: name, enterprise_number, vat_id, street, postal_code, city, country;
    `issuer`: an `config.Issuer` as a dict.
    """
    name, namespace, type_tag, type_code, line_tag = ROOTS[document["document_type"]]
    currency = document["currency"]
    lines = clean_lines(document["lines"])
    root = etree.Element(f"{{{namespace}}}{name}", nsmap={None: namespace, **_PREFIXES})
    add(root, "cbc:CustomizationID", CUSTOMIZATION_ID)  # PEPPOL-EN16931-R004
    add(root, "cbc:ProfileID", PROFILE_ID)  # PEPPOL-EN16931-R001, R007
    add(root, "cbc:ID", document["document_number"])
    add(root, "cbc:IssueDate", iso(document["issue_date"]))
    if name == "Invoice" and document.get("due_date"):
        add(root, "cbc:DueDate", iso(document["due_date"]))
    add(root, f"cbc:{type_tag}", type_code)
    add(root, "cbc:DocumentCurrencyCode", currency)
    add_optional(root, "cbc:BuyerReference", document.get("customer_code"))  # R003, R2
    add_period(root, document.get("period_start"), document.get("period_end"))
    add_references(root, document, pdf, pdf_name)
    add_party(root, "AccountingSupplierParty", seller_party(issuer, lines))
    add_party(root, "AccountingCustomerParty", buyer_party(customer))
    add_delivery(root, lines, customer)
    add_payment_means(root, document, issuer)
    add_tax_total(root, lines, to_decimal(document["total_vat"]), currency)
    add_monetary_total(root, lines, document, currency)
    for number, line in enumerate(lines, start=1):
        add_line(root, line_tag, number, line, currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_PREFIXES = {"cac": NS["cac"], "cbc": NS["cbc"]}
