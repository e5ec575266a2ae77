"""The Peppol builder takes VAT meaning from the document (issue 17, DESIGN rule 12):
category and exemption reason from the lines, BT-48 from customers.vat_id, the period.
Each UBL is checked by the official validation layers (XSD, CEN, Peppol)."""

from __future__ import annotations

import pytest
from lxml import etree

from config import DEFAULT_ISSUERS
from domain.validate import validate_customer, validate_document
from tasks.peppol import build_ubl, validate_ubl
from tasks.peppol.settings import NS

ISSUERS = frozenset(DEFAULT_ISSUERS)
PDF = b"%PDF-1.4 rendered invoice"
LINE = {"description": "Lease", "quantity": "1", "unit_price": "700.00", "vat_rate": "0"}


def make(document, customer, lines, vat_id, country, **fields):
    number = customer["enterprise_number"] if country == "BE" and not vat_id else ""
    customer.update(enterprise_number=number, country=country, vat_id=vat_id)
    document.update(fields, lines=lines, total_excl_vat="700.00", total_vat="0.00")
    document["total_incl_vat"] = "700.00"
    clean_doc = validate_document(document, ISSUERS)
    clean_customer = validate_customer(customer, ISSUERS)
    issuer = DEFAULT_ISSUERS["DL5"].model_dump()
    ubl = build_ubl(clean_doc, clean_customer, issuer, PDF, "x.pdf")
    return ubl, etree.fromstring(ubl)


def official_failures(ubl: bytes) -> list:
    """XSD and CEN EN 16931 failures. Foreign customers have no Belgian enterprise
    number, hence no Peppol endpoint (PEPPOL-EN16931-R010): routing never sends them
    by Peppol, so the Peppol layer is not what these tests are about."""
    return [f for f in validate_ubl(ubl) if f.layer != "peppol"]


def text(root, path):
    found = root.find(path, NS)
    return None if found is None else found.text


CATEGORY = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"
BUYER_VAT = "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"


def test_reverse_charge_to_a_polish_company(document, customer):
    line = {**LINE, "vat_category": "AE", "vat_exemption_reason_code": "VATEX-EU-AE",
            "vat_exemption_reason": "Reverse charge"}  # fmt: skip
    ubl, root = make(
        document, customer, [line], "PL5260001246", "PL",
        period_start="2026-11-01", period_end="2026-11-30",
    )  # fmt: skip
    assert text(root, f"{CATEGORY}/cbc:ID") == "AE"
    assert text(root, f"{CATEGORY}/cbc:TaxExemptionReasonCode") == "VATEX-EU-AE"
    assert text(root, f"{CATEGORY}/cbc:TaxExemptionReason") == "Reverse charge"
    assert text(root, BUYER_VAT) == "PL5260001246"
    assert text(root, "cac:InvoicePeriod/cbc:StartDate") == "2026-11-01"
    assert text(root, "cac:InvoicePeriod/cbc:EndDate") == "2026-11-30"
    assert official_failures(ubl) == []


def test_intra_community_supply_of_a_returned_car_to_a_french_dealer(document, customer):
    line = {**LINE, "vat_category": "K", "vat_exemption_reason_code": "VATEX-EU-IC",
            "period_start": "2026-11-20", "period_end": "2026-11-20"}  # fmt: skip
    ubl, root = make(
        document, customer, [line], "FR40303265045", "FR",
        period_start="2026-11-20", period_end="2026-11-20",
    )  # fmt: skip
    assert text(root, f"{CATEGORY}/cbc:ID") == "K"
    assert text(root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/"
                "cbc:IdentificationCode") == "FR"  # fmt: skip  # BR-IC-12
    assert text(root, "cac:InvoiceLine/cac:InvoicePeriod/cbc:StartDate") == "2026-11-20"
    assert official_failures(ubl) == []


def test_export_outside_the_eu(document, customer):
    line = {**LINE, "vat_category": "G", "vat_exemption_reason_code": "VATEX-EU-G"}
    ubl, root = make(document, customer, [line], "", "CH")
    assert text(root, f"{CATEGORY}/cbc:ID") == "G"
    assert root.find(BUYER_VAT, NS) is None
    assert official_failures(ubl) == []


def test_not_subject_to_vat_has_no_rate_and_no_vat_ids(document, customer):
    line = {**LINE, "vat_category": "O", "vat_exemption_reason_code": "VATEX-EU-O"}
    ubl, root = make(document, customer, [line], "", "BE")
    assert text(root, f"{CATEGORY}/cbc:ID") == "O"
    # a Belgian enterprise (Peppol endpoint) not subject to VAT: all three layers pass
    assert root.find(f"{CATEGORY}/cbc:Percent", NS) is None  # BR-O-05
    assert root.find("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme", NS) is None
    assert validate_ubl(ubl) == []


@pytest.mark.parametrize("code", ["VATEX-EU-132", "VATEX-EU-135-1"])
def test_exempt_line_keeps_the_stated_reason_not_the_insurance_default(document, customer, code):
    line = {**LINE, "vat_category": "E", "vat_exemption_reason_code": code}
    ubl, root = make(document, customer, [line], "BE0418711287", "BE")
    assert text(root, f"{CATEGORY}/cbc:TaxExemptionReasonCode") == code
    assert text(root, BUYER_VAT) == "BE0418711287"


def test_a_belgian_customer_without_vat_id_has_no_party_tax_scheme(document, customer):
    customer["vat_id"] = ""
    issuer = DEFAULT_ISSUERS["DL5"].model_dump()
    ubl = build_ubl(
        validate_document(document, ISSUERS), validate_customer(customer, ISSUERS), issuer,
        PDF, "x.pdf",
    )  # fmt: skip
    assert etree.fromstring(ubl).find(BUYER_VAT, NS) is None
