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
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from lxml import etree

from domain.money import line_amount, vat_breakdown
from tasks.peppol.parties import add, add_optional, add_party, add_payment_means
from tasks.peppol.settings import (
    CREDIT_NOTE_TYPE_CODE,
    CUSTOMIZATION_ID,
    EXEMPT,
    EXEMPTION_REASON,
    EXEMPTION_REASON_CODE,
    INVOICE_TYPE_CODE,
    NS,
    PDF_MIME,
    PROFILE_ID,
    STANDARD_RATED,
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


def clean_lines(lines: list[dict]) -> list[dict]:
    return [
        {
            "description": str(line["description"]),
            "quantity": to_decimal(line["quantity"]),
            "unit_price": to_decimal(line["unit_price"]),
            "vat_rate": to_decimal(line["vat_rate"]),
        }
        for line in lines
    ]


def category_of(rate: Decimal) -> str:
    return STANDARD_RATED if rate > 0 else EXEMPT


def add_tax_category(parent, tag: str, rate: Decimal, with_reason: bool) -> None:
    category = add(parent, tag)
    add(category, "cbc:ID", category_of(rate))
    add(category, "cbc:Percent", plain(rate))
    if with_reason and category_of(rate) == EXEMPT:  # BR-E-10
        add(category, "cbc:TaxExemptionReasonCode", EXEMPTION_REASON_CODE)
        add(category, "cbc:TaxExemptionReason", EXEMPTION_REASON)
    add(add(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def add_tax_total(root, lines: list[dict], total_vat: Decimal, currency: str) -> None:
    """One TaxTotal with one subtotal per rate (PEPPOL-EN16931-R053, BR-CO-17)."""
    tax_total = add(root, "cac:TaxTotal")
    add(tax_total, "cbc:TaxAmount", money(total_vat), currencyID=currency)
    for rate, (base, vat) in vat_breakdown(lines).items():
        subtotal = add(tax_total, "cac:TaxSubtotal")
        add(subtotal, "cbc:TaxableAmount", money(base), currencyID=currency)
        add(subtotal, "cbc:TaxAmount", money(vat), currencyID=currency)
        add_tax_category(subtotal, "cac:TaxCategory", rate, with_reason=True)


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
    item = add(node, "cac:Item")
    add(item, "cbc:Name", line["description"])
    add_tax_category(item, "cac:ClassifiedTaxCategory", line["vat_rate"], with_reason=False)
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
    """The customer as a party; a Belgian VAT-registered company's VAT number is BE +
    its enterprise number (customers outside the VAT mandate are excluded by setting)."""
    party = {k: customer.get(k) for k in ("name", "street", "postal_code", "city", "country")}
    number = customer.get("enterprise_number") or ""
    party["enterprise_number"] = number
    party["vat_number"] = f"BE{number}" if number else None
    return party


def build_ubl(document: dict, customer: dict, issuer: dict, pdf: bytes, pdf_name: str) -> bytes:
    """The Peppol BIS 3.0 UBL of one document.

    `document`: the landing-contract fields (amounts Decimal or decimal strings, dates
    date or ISO strings) plus `customer_code`, optionally `mandate_reference`;
    `customer`: name, enterprise_number, street, postal_code, city, country;
    `issuer`: an `iportal.config.Issuer` as a dict.
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
    add_references(root, document, pdf, pdf_name)
    add_party(root, "AccountingSupplierParty", issuer)
    add_party(root, "AccountingCustomerParty", buyer_party(customer))
    add_payment_means(root, document, issuer)
    add_tax_total(root, lines, to_decimal(document["total_vat"]), currency)
    add_monetary_total(root, lines, document, currency)
    for number, line in enumerate(lines, start=1):
        add_line(root, line_tag, number, line, currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_PREFIXES = {"cac": NS["cac"], "cbc": NS["cbc"]}
