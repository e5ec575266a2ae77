"""Constants of the Peppol channel: identifiers of BIS Billing 3.0, namespaces, codes.

Where the landing contract is silent the choice is written here, once.
"""

from __future__ import annotations

# Peppol BIS Billing 3.0 (PEPPOL-EN16931-R004, -R001/-R007): the only process we send.
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
# ISO 6523 ICD 0208: Belgian enterprise number (10 digits, mod-97), PEPPOL-COMMON-R043.
ENTERPRISE_SCHEME = "0208"

INVOICE_TYPE_CODE = "380"  # UNCL1001 commercial invoice
CREDIT_NOTE_TYPE_CODE = "381"  # UNCL1001 credit note
CREDIT_TRANSFER = "30"  # UNCL4461
DIRECT_DEBIT = "49"  # UNCL4461; PEPPOL-EN16931-R061 wants the mandate reference
UNIT_CODE = "C62"  # UN/ECE rec 20 "one": a lease month, a fuel card, a charger
PDF_MIME = "application/pdf"

# VAT categories and exemption reasons come from the document's lines (landing contract
# v2); v1 lines are inferred in domain.vat (0 % insurance exempt, positive standard).

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "svrl": "http://purl.oclc.org/dsdl/svrl",
}

# The rule sets and schemas validation runs: tasks.peppol.rules.OFFICIAL (docs/peppol.md).
