"""The parties and the payment means of a UBL document (Peppol BIS Billing 3.0).

Element order follows the UBL 2.1 schema (cac:Party: EndpointID, PartyName,
PostalAddress, PartyTaxScheme, PartyLegalEntity, Contact); empty values are left out,
never written as empty elements (PEPPOL-EN16931-R008).
"""

from __future__ import annotations

import re

from lxml import etree

from tasks.peppol.settings import CREDIT_TRANSFER, DIRECT_DEBIT, ENTERPRISE_SCHEME, NS

CAC = f"{{{NS['cac']}}}"
CBC = f"{{{NS['cbc']}}}"


def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    """Append a child; `tag` is 'cbc:Name' or 'cac:Party'."""
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, (CBC if prefix == "cbc" else CAC) + name, attrs or None)
    if text is not None:
        element.text = text
    return element


def add_optional(parent: etree._Element, tag: str, text: str | None) -> None:
    if text:
        add(parent, tag, text)


def add_address(parent: etree._Element, street: str, postal_code: str, city: str, country: str):
    address = add(parent, "cac:PostalAddress")
    add_optional(address, "cbc:StreetName", street)
    add_optional(address, "cbc:CityName", city)
    add_optional(address, "cbc:PostalZone", postal_code)
    add(add(address, "cac:Country"), "cbc:IdentificationCode", country)


def add_tax_scheme(parent: etree._Element, vat_number: str) -> None:
    tax = add(parent, "cac:PartyTaxScheme")
    add(tax, "cbc:CompanyID", vat_number)
    add(add(tax, "cac:TaxScheme"), "cbc:ID", "VAT")


def add_party(parent: etree._Element, role: str, party: dict) -> None:
    """AccountingSupplierParty or AccountingCustomerParty from a party dict.

    `party`: name, enterprise_number (10 digits, the 0208 endpoint and legal id),
    vat_number (optional), street, postal_code, city, country, phone, email (optional).
    """
    wrapper = add(parent, f"cac:{role}")
    node = add(wrapper, "cac:Party")
    number = party.get("enterprise_number") or ""
    # PEPPOL-EN16931-R010/R020: the electronic address; 0208 = enterprise number.
    if number:
        add(node, "cbc:EndpointID", number, schemeID=ENTERPRISE_SCHEME)
    add(add(node, "cac:PartyName"), "cbc:Name", party["name"])
    add_address(node, party["street"], party["postal_code"], party["city"], party["country"])
    if party.get("vat_number"):
        add_tax_scheme(node, party["vat_number"])
    legal = add(node, "cac:PartyLegalEntity")
    add(legal, "cbc:RegistrationName", party["name"])
    if number:
        add(legal, "cbc:CompanyID", number, schemeID=ENTERPRISE_SCHEME)
    if party.get("phone") or party.get("email"):
        contact = add(node, "cac:Contact")
        add_optional(contact, "cbc:Telephone", party.get("phone"))
        add_optional(contact, "cbc:ElectronicMail", party.get("email"))


def payment_id(reference: str | None) -> str | None:
    """+++000/0012/34526+++ → 000001234526: the structured communication as digits."""
    digits = re.sub(r"\D", "", reference or "")
    return digits or None


def add_payment_means(parent: etree._Element, document: dict, issuer: dict) -> None:
    """Credit transfer (30) to the issuer's IBAN with the structured communication, or
    direct debit (49) when the document carries a mandate reference (R061).

    A credit note without a payment reference is not paid by the customer: no
    payment means then (BG-16 is optional in EN 16931).
    """
    reference = payment_id(document.get("payment_reference"))
    mandate = document.get("mandate_reference")
    if not reference and not mandate:
        return
    means = add(parent, "cac:PaymentMeans")
    add(means, "cbc:PaymentMeansCode", DIRECT_DEBIT if mandate else CREDIT_TRANSFER)
    add_optional(means, "cbc:PaymentID", reference)
    if mandate:
        add(add(means, "cac:PaymentMandate"), "cbc:ID", mandate)
        return
    account = add(means, "cac:PayeeFinancialAccount")
    add(account, "cbc:ID", issuer["iban"])
    add(account, "cbc:Name", issuer["name"])
    if issuer.get("bic"):
        add(add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", issuer["bic"])
