"""Peppol UBL build and its three validation layers (issue 7)."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from lxml import etree

from domain.money import expected_totals
from domain.validate import validate_customer, validate_document
from iportal.config import DEFAULT_ISSUERS
from tasks.peppol import build_ubl, validate_ubl
from tasks.peppol.sample import peppol_samples
from tasks.peppol.settings import CUSTOMIZATION_ID, NS, PROFILE_ID
from tasks.peppol.validate import validate_en16931, validate_xsd

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
    excl, vat, incl = expected_totals(lines)
    document = invoice | {
        "lines": lines,
        "total_excl_vat": excl,
        "total_vat": vat,
        "total_incl_vat": incl,
    }
    ubl = build(document, buyer, issuer)
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
    excl, vat, incl = expected_totals(lines)
    document = invoice | {
        "lines": lines,
        "total_excl_vat": excl,
        "total_vat": vat,
        "total_incl_vat": incl,
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


# --- a generated night: every document valid in all three layers --------------------------


@pytest.fixture(scope="module")
def night_samples(tmp_path_factory):
    return peppol_samples(tmp_path_factory.mktemp("peppol-night"), customers=30, years=1)


def test_every_document_of_a_generated_night_validates_in_all_three_layers(night_samples):
    kinds = {s.document["document_type"] for s in night_samples}
    assert kinds == {"invoice", "credit_note"} and len(night_samples) > 100
    for s in night_samples:
        ubl = build_ubl(s.document, s.customer, s.issuer, s.pdf, "document.pdf")
        failures = validate_ubl(ubl)
        assert failures == [], (s.document["document_number"], failures)


# --- break one thing: each caught by the right rule ---------------------------------------


def test_wrong_element_order_is_caught_by_the_ubl_schema(invoice, buyer, issuer):
    root = tree(build(invoice, buyer, issuer))
    supplier = root.find("cac:AccountingSupplierParty", NS)
    root.find("cac:AccountingCustomerParty", NS).addnext(supplier)  # buyer before seller
    swapped = etree.tostring(root)
    assert fatal_ids(swapped) == {("xsd", "XSD-SCHEMAV_ELEMENT_CONTENT")}
    assert "AccountingSupplierParty" in validate_xsd(etree.fromstring(swapped))[0].text


def test_a_total_off_by_one_cent_is_caught_by_the_en16931_rules(invoice, buyer, issuer):
    ubl = build(invoice, buyer, issuer)
    total = changed(ubl, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "741.01")
    assert fatal_ids(total) == {("en16931", "BR-CO-15"), ("en16931", "BR-CO-16")}
    vat = build(invoice | {"total_vat": Decimal("128.61")}, buyer, issuer)
    assert ("en16931", "BR-CO-14") in fatal_ids(vat)  # VAT total ≠ sum of the breakdown
    line = changed(ubl, "cac:InvoiceLine/cbc:LineExtensionAmount", "612.41")
    # BT-106 ≠ sum of line amounts; Peppol's R120 allows 0.02 on a line, so only BR-CO-10.
    assert fatal_ids(line) == {("en16931", "BR-CO-10")}
    far = changed(ubl, "cac:InvoiceLine/cbc:LineExtensionAmount", "612.43")
    assert ("peppol", "PEPPOL-EN16931-R120") in fatal_ids(far)
    texts = [f.text for f in validate_en16931(total)]
    assert any(t.startswith("[BR-CO-15]") for t in texts)


def test_missing_buyer_reference_is_caught(invoice, buyer, issuer):
    ubl = build(invoice | {"customer_code": None}, buyer, issuer)
    assert fatal_ids(ubl) == {("peppol", "PEPPOL-EN16931-R003")}


def test_wrong_profile_or_specification_is_caught(invoice, buyer, issuer):
    ubl = build(invoice, buyer, issuer)
    bad_format = changed(ubl, "cbc:ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:1.0")
    assert fatal_ids(bad_format) == {("peppol", "PEPPOL-EN16931-R007")}
    other = changed(ubl, "cbc:ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:02:1.0")
    assert fatal_ids(other) == {("peppol", "IPORTAL-PEPPOL-R01")}
    missing = changed(ubl, "cbc:ProfileID", None)
    assert ("peppol", "PEPPOL-EN16931-R001") in fatal_ids(missing)
    spec = changed(ubl, "cbc:CustomizationID", "urn:cen.eu:en16931:2017")
    assert fatal_ids(spec) == {("peppol", "PEPPOL-EN16931-R004")}


def test_bad_0208_check_digits_are_caught(invoice, buyer, issuer):
    ubl = build(invoice, buyer | {"enterprise_number": "0418711288"}, issuer)
    failures = [f for f in validate_ubl(ubl) if f.flag == "fatal"]
    assert {f.rule_id for f in failures} == {"PEPPOL-COMMON-R043"}
    assert {f.location.rsplit("/", 1)[-1] for f in failures} == {"cbc:EndpointID", "cbc:CompanyID"}


def test_credit_note_without_its_invoice_reference_is_caught(invoice, buyer, issuer):
    note = invoice | {"document_type": "credit_note", "credited_document_number": None}
    assert fatal_ids(build(note, buyer, issuer)) == {("peppol", "IPORTAL-PEPPOL-R03")}


def test_missing_endpoint_mandate_or_pdf_are_caught(invoice, buyer, issuer):
    ubl = build(invoice, buyer, issuer)
    buyer_endpoint = "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    assert fatal_ids(changed(ubl, buyer_endpoint, None)) == {("peppol", "PEPPOL-EN16931-R010")}
    debit = build(invoice | {"mandate_reference": "M-1"}, buyer, issuer)
    no_mandate = changed(debit, "cac:PaymentMeans/cac:PaymentMandate", None)
    assert fatal_ids(no_mandate) == {("peppol", "PEPPOL-EN16931-R061")}
    no_pdf = changed(ubl, "cac:AdditionalDocumentReference", None)
    assert fatal_ids(no_pdf) == {("peppol", "IPORTAL-PEPPOL-R04")}
    empty = changed(ubl, "cac:ContractDocumentReference/cbc:ID", "")
    assert ("peppol", "PEPPOL-EN16931-R008") in fatal_ids(empty)


def test_not_xml_at_all_is_one_failure():
    [failure] = validate_ubl(b"<Invoice")
    assert (failure.layer, failure.rule_id) == ("xsd", "XML-SYNTAX")
