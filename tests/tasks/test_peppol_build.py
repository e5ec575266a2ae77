"""Peppol UBL build, and its documents passing every validation layer (issues 7, 18)."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from lxml import etree

from config import DEFAULT_ISSUERS
from domain.validate import validate_customer, validate_document
from tasks.peppol import build_ubl, validate_ubl
from tasks.peppol.sample import peppol_samples
from tasks.peppol.settings import CUSTOMIZATION_ID, NS, PROFILE_ID

ISSUERS = frozenset(DEFAULT_ISSUERS)
PDF = b"%PDF-1.4 rendered invoice"


@pytest.fixture
def invoice(document: dict) -> dict:
    return validate_document(document, ISSUERS)


@pytest.fixture
def buyer(customer: dict) -> dict:
    return validate_customer(customer, ISSUERS)


@pytest.fixture
def issuer() -> dict:
    return DEFAULT_ISSUERS["DL5"].model_dump()


def build(document: dict, customer: dict, issuer: dict) -> bytes:
    return build_ubl(document, customer, issuer, PDF, f"{document['document_number']}.pdf")


def tree(ubl: bytes) -> etree._Element:
    return etree.fromstring(ubl)


def text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def changed(ubl: bytes, path: str, value: str | None) -> bytes:
    """The document with one element's text changed, or the element removed (None)."""
    root = tree(ubl)
    element = root.find(path, NS)
    if value is None:
        element.getparent().remove(element)
    else:
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fatal_ids(ubl: bytes) -> set[tuple[str, str]]:
    return {(f.layer, f.rule_id) for f in validate_ubl(ubl) if f.flag == "fatal"}


# --- what the builder writes --------------------------------------------------------------


def test_invoice_carries_the_bis_identifiers_parties_payment_and_pdf(invoice, buyer, issuer):
    root = tree(build(invoice, buyer, issuer))
    assert etree.QName(root).localname == "Invoice"
    assert text(root, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert text(root, "cbc:ProfileID") == PROFILE_ID
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:BuyerReference") == "DL50012345"  # the customer code (R2)
    for party, number in (("Supplier", "0448420211"), ("Customer", "0418711287")):
        endpoint = root.find(f"cac:Accounting{party}Party/cac:Party/cbc:EndpointID", NS)
        assert (endpoint.get("schemeID"), endpoint.text) == ("0208", number)
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"
    assert text(root, "cac:PaymentMeans/cbc:PaymentID") == "000001234526"
    assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == issuer["iban"]
    attached = root.find(".//cbc:EmbeddedDocumentBinaryObject", NS)
    assert attached.get("mimeCode") == "application/pdf"
    assert base64.b64decode(attached.text) == PDF
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "741.00"


def test_vat_breakdown_has_one_subtotal_per_rate_rounded_once_per_rate(invoice, buyer, issuer):
    lines = [
        {
            "description": "Lease",
            "quantity": Decimal("1"),
            "unit_price": Decimal("0.05"),
            "vat_rate": Decimal("21"),
        },
        {
            "description": "Fuel card",
            "quantity": Decimal("1"),
            "unit_price": Decimal("0.05"),
            "vat_rate": Decimal("21"),
        },
        {
            "description": "Charger",
            "quantity": Decimal("3"),
            "unit_price": Decimal("15.55"),
            "vat_rate": Decimal("6"),
        },
        {
            "description": "Insurance",
            "quantity": Decimal("1"),
            "unit_price": Decimal("40.00"),
            "vat_rate": Decimal("0"),
        },
    ]
    # by hand: 0.10 + 46.65 + 40.00 = 86.75; VAT 0.02 + 2.80 + 0.00 = 2.82 (issue 22)
    document = invoice | {
        "lines": lines,
        "total_excl_vat": Decimal("86.75"),
        "total_vat": Decimal("2.82"),
        "total_incl_vat": Decimal("89.57"),
    }
    ubl = build(document, buyer, issuer)
    totals = "cac:LegalMonetaryTotal/cbc:"
    assert [text(tree(ubl), f"{totals}{name}") for name in ("LineExtensionAmount",
            "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount")] == [
        "86.75", "86.75", "89.57", "89.57"]  # fmt: skip
    subtotals = [
        (
            text(s, "cac:TaxCategory/cbc:ID"),
            text(s, "cac:TaxCategory/cbc:Percent"),
            text(s, "cbc:TaxableAmount"),
            text(s, "cbc:TaxAmount"),
        )
        for s in tree(ubl).findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    # 21 %: 0.10 → 0.021 → 0.02 once, not 0.01 + 0.01 per line (EN 16931 BR-CO-17).
    assert subtotals == [
        ("E", "0", "40.00", "0.00"),
        ("S", "6", "46.65", "2.80"),
        ("S", "21", "0.10", "0.02"),
    ]
    exempt = tree(ubl).find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert text(exempt, "cbc:TaxExemptionReasonCode") == "VATEX-EU-135-1"  # BR-E-10
    assert validate_ubl(ubl) == []


def test_credit_note_references_the_invoice_it_credits(invoice, buyer, issuer):
    note = invoice | {
        "document_type": "credit_note",
        "payment_reference": "",
        "credited_document_number": "2026-0000007",
        "credited_issue_date": "2026-10-26",
    }
    ubl = build(note, buyer, issuer)
    root = tree(ubl)
    assert etree.QName(root).localname == "CreditNote"
    assert text(root, "cbc:CreditNoteTypeCode") == "381"
    reference = "cac:BillingReference/cac:InvoiceDocumentReference"
    assert text(root, f"{reference}/cbc:ID") == "2026-0000007"
    assert text(root, f"{reference}/cbc:IssueDate") == "2026-10-26"
    assert root.find("cac:PaymentMeans", NS) is None  # not paid by the customer
    assert validate_ubl(ubl) == []


def test_direct_debit_carries_the_mandate_reference(invoice, buyer, issuer):
    ubl = build(invoice | {"mandate_reference": "DL5-MANDATE-0012345"}, buyer, issuer)
    assert text(tree(ubl), "cac:PaymentMeans/cbc:PaymentMeansCode") == "49"
    assert text(tree(ubl), "cac:PaymentMeans/cac:PaymentMandate/cbc:ID") == "DL5-MANDATE-0012345"
    assert validate_ubl(ubl) == []


def test_a_discount_line_becomes_a_negative_quantity_at_a_positive_price(invoice, buyer, issuer):
    discount = {
        "description": "Korting",
        "quantity": Decimal("1"),
        "unit_price": Decimal("-12.40"),
        "vat_rate": Decimal("21"),
    }
    lines = invoice["lines"] + [discount]
    # by hand: 612.40 - 12.40 = 600.00 at 21 % = 126.00 (issue 22)
    document = invoice | {
        "lines": lines,
        "total_excl_vat": Decimal("600.00"),
        "total_vat": Decimal("126.00"),
        "total_incl_vat": Decimal("726.00"),
    }
    ubl = build(document, buyer, issuer)
    line = tree(ubl).findall("cac:InvoiceLine", NS)[1]
    assert (text(line, "cbc:InvoicedQuantity"), text(line, "cac:Price/cbc:PriceAmount")) == (
        "-1",
        "12.4",
    )
    assert validate_ubl(ubl) == []  # BR-27: no negative price


def test_the_same_document_builds_to_the_same_bytes(invoice, buyer, issuer):  # DESIGN rule 5
    assert build(invoice, buyer, issuer) == build(dict(invoice), dict(buyer), dict(issuer))


# --- a generated night: every document valid in every layer --------------------------


@pytest.fixture(scope="module")
def night_samples(tmp_path_factory):
    return peppol_samples(tmp_path_factory.mktemp("peppol-night"), customers=30, years=1)


def test_every_document_of_a_generated_night_validates_in_every_layer(night_samples):
    kinds = {s.document["document_type"] for s in night_samples}
    assert kinds == {"invoice", "credit_note"} and len(night_samples) > 100
    for s in night_samples:
        ubl = build_ubl(s.document, s.customer, s.issuer, s.pdf, "document.pdf")
        failures = validate_ubl(ubl)
        assert failures == [], (s.document["document_number"], failures)


# Documents broken on purpose, each refused by its official rule: test_peppol_validate.py.
