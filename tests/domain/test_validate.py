"""Landing row validation (DESIGN rule 7): one test per quarantine reason."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError

from domain.validate import RowError, ogm_digits, validate_customer, validate_document

ISSUERS = frozenset({"DL2", "DL5"})


def reason_of(fn, row) -> str:
    with pytest.raises(RowError) as caught:
        fn(row, ISSUERS)
    return caught.value.rejection.reason


def test_valid_document_keeps_decimals_and_builds_customer_code(document):
    clean = validate_document(document, ISSUERS)
    assert clean["customer_code"] == "DL50012345"  # R2
    assert clean["total_incl_vat"] == Decimal("741.00")
    assert isinstance(clean["lines"][0]["unit_price"], Decimal)
    assert clean["payment_reference"] == "+++000/0012/34526+++"


def test_same_content_same_hash_and_different_content_different_hash(document):
    first = validate_document(document, ISSUERS)["content_sha256"]
    assert validate_document(dict(document), ISSUERS)["content_sha256"] == first
    document["contract_number"] = "C-000001"
    assert validate_document(document, ISSUERS)["content_sha256"] != first


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("total_incl_vat", None, "missing_field"),
        ("total_incl_vat", "741,00", "bad_decimal"),
        ("total_incl_vat", 741.0, "float_amount"),
        ("total_incl_vat", "741.01", "BR-CO-15"),
        ("total_vat", "128.61", "BR-CO-14"),
        ("total_excl_vat", "612.41", "BR-CO-13"),
        ("total_excl_vat", "-612.40", "bad_amount"),
        ("total_incl_vat", "741.001", "bad_decimal"),
        ("issuer", "DL9", "unknown_issuer"),
        ("issue_date", "2026-02-30", "bad_date"),
        ("due_date", "2026-11-01", "bad_date"),
        ("payment_reference", "+++000/0012/34527+++", "bad_payment_reference"),
        ("document_number", "../../etc/passwd", "unsafe_document_number"),
        ("document_number", "2026/0001", "unsafe_document_number"),
        ("document_type", "receipt", "bad_document_type"),
        ("currency", "USD", "bad_currency"),
        ("lines", [], "bad_lines"),
        ("contract_number", "x" * 5000, "field_too_long"),
    ],
)
def test_bad_document_rows_are_rejected_with_reason(document, field, value, reason):
    document[field] = value
    assert reason_of(validate_document, document) == reason


def test_credit_note_needs_the_credited_invoice(document):
    document["document_type"] = "credit_note"
    document["payment_reference"] = None
    assert reason_of(validate_document, document) == "policy_credit_note_reference"
    document["credited_document_number"] = "2026-0000001"
    assert validate_document(document, ISSUERS)["payment_reference"] == ""


def test_vat_is_rounded_once_per_rate_not_per_line(document):
    # three lines of 0.02 at 21 %: per line 0.0042 rounds to 0.00 (total 0.00);
    # per rate 0.06 * 21 % = 0.0126 rounds to 0.01: the invoice states 0.01.
    line = {"description": "fee", "quantity": "1", "unit_price": "0.02", "vat_rate": "21"}
    document["lines"] = [dict(line) for _ in range(3)]
    document.update(total_excl_vat="0.06", total_vat="0.01", total_incl_vat="0.07")
    assert validate_document(document, ISSUERS)["total_vat"] == Decimal("0.01")
    document.update(total_vat="0.00", total_incl_vat="0.06")
    assert reason_of(validate_document, document) == "BR-CO-14"


def test_valid_customer_gets_code_and_compact_enterprise_number(customer):
    customer["enterprise_number"] = "BE 0418.711.287"
    clean = validate_customer(customer, ISSUERS)
    assert clean["customer_code"] == "DL50012345"
    assert clean["enterprise_number"] == "0418711287"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("enterprise_number", "0418711288", "bad_enterprise_number"),  # R3 mod-97
        ("language", "xx", "bad_language"),
        ("contact_email", "not-an-email", "bad_email"),
        ("issuer", "DL9", "unknown_issuer"),
        ("channel_choice", "pigeon", "bad_channel_choice"),
        ("country", "Belgium", "bad_country"),
        ("name", "", "missing_field"),
        ("customer_number", "12a", "bad_customer_number"),
        ("contract_start", "2024-13-01", "bad_date"),
    ],
)
def test_bad_customer_rows_are_rejected_with_reason(customer, field, value, reason):
    customer[field] = value
    assert reason_of(validate_customer, customer) == reason


def test_empty_channel_choice_means_paper(customer):
    customer["channel_choice"] = ""
    assert validate_customer(customer, ISSUERS)["channel_choice"] == "paper"  # R15


@given(
    st.integers(min_value=0, max_value=10**10 - 1),
    st.integers(min_value=0, max_value=99),
    st.booleans(),
)
def test_structured_communication_fast_path_agrees_with_stdnum(first10, check, use_valid_check):
    if use_valid_check:
        check = first10 % 97 or 97
    digits = f"{first10:010d}{check:02d}"
    reference = f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
    try:
        ours = ogm_digits(reference)
    except ValidationError:
        ours = None
    assert (ours is not None) == ogm_vcs.is_valid(reference)
    assert ours is None or ogm_vcs.compact(reference) == ours
