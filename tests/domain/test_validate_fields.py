"""Validation at its edges (issue 22: the mutants test_validate*.py left alive): blank
required text, each length limit on both sides, where a sentence names the line or
field, the v2 line fields, the lone check helpers. Expectations written by hand."""

import copy

import pytest
from stdnum.exceptions import ValidationError

from domain.validate import (
    Rejection,
    RowError,
    check_issuer,
    check_payment_reference,
    explain,
    has_lone_surrogate,
    line_contract_v2,
    ogm_digits,
    validate_customer,
    validate_document,
)
from domain.vat import Breach

ISSUERS = frozenset({"DL2", "DL5"})


def rejection(fn, row) -> Rejection:
    with pytest.raises(RowError) as caught:
        fn(row, ISSUERS)
    return caught.value.rejection


def missing(field: str) -> Rejection:
    return Rejection("missing_field", f"required field {field} is missing or empty")


# --- blank required text: present (so not "missing" for check_required) but empty ------


@pytest.mark.parametrize("field", ["issuer", "document_number", "document_type",
                                   "customer_number"])  # fmt: skip
def test_a_blank_required_document_field_is_missing(document, field):
    assert rejection(validate_document, document | {field: "   "}) == missing(field)


def test_a_blank_line_description_is_missing(document):
    document["lines"][0]["description"] = " \t "
    assert rejection(validate_document, document) == missing("description")


@pytest.mark.parametrize("field", ["issuer", "customer_number", "name", "street", "postal_code",
                                   "city", "country", "language"])  # fmt: skip
def test_a_blank_required_customer_field_is_missing(customer, field):
    assert rejection(validate_customer, customer | {field: "  "}) == missing(field)


# --- length limits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        ("issuer", "DL500000000", "issuer is 11 characters (limit 10)"),
        ("customer_number", "0" * 13, "customer_number is 13 characters (limit 12)"),
        ("contact_language", "nl-BEx", "contact_language is 6 characters (limit 5)"),
        ("vat_id", "BE" + "0" * 29, "vat_id is 31 characters (limit 30)"),
    ],
)
def test_customer_field_limits(customer, field, value, detail):
    assert rejection(validate_customer, customer | {field: value}) == Rejection(
        "field_too_long", detail
    )


def test_a_v2_vat_id_is_given_not_inferred(customer):
    clean = validate_customer(customer | {"vat_id": "BE 0418.711.287"}, ISSUERS)
    assert (clean["vat_id"], clean["vat_id_inferred"]) == ("BE0418711287", False)


def test_a_bad_e_mail_is_quoted_up_to_60_characters(customer):
    assert rejection(validate_customer, customer | {"contact_email": "a" * 70}) == Rejection(
        "bad_email", f"contact_email {'a' * 60!r} is not an e-mail address"
    )


def test_an_unsafe_document_number_is_quoted_up_to_60_characters(document):
    assert rejection(validate_document, document | {"document_number": "A" * 70}) == Rejection(
        "unsafe_document_number",
        f"document_number {'A' * 60!r} may only hold letters, digits, '.', '-', '_'",
    )


@pytest.mark.parametrize(
    ("field", "limit"),
    [("vat_category", 30), ("vat_exemption_reason_code", 30), ("vat_exemption_reason", 300)],
)
def test_v2_line_field_limits(field, limit):
    assert line_contract_v2({field: "E" * limit}, 1) == {field: "E" * limit}
    with pytest.raises(RowError) as caught:
        line_contract_v2({field: "E" * (limit + 1)}, 1)
    assert caught.value.rejection == Rejection(
        "field_too_long", f"{field} is {limit + 1} characters (limit {limit})"
    )


def test_codes_are_upper_cased_the_reason_text_is_kept():
    raw = {"vat_category": "e", "vat_exemption_reason_code": "vatex-eu-132",
           "vat_exemption_reason": "Art. 44 § 2 WBTW"}  # fmt: skip
    assert line_contract_v2(raw, 1) == {"vat_category": "E",
                                        "vat_exemption_reason_code": "VATEX-EU-132",
                                        "vat_exemption_reason": "Art. 44 § 2 WBTW"}  # fmt: skip


def test_five_hundred_lines_is_the_limit(document):
    one = {"description": "Fee", "quantity": "1", "unit_price": "1.00", "vat_rate": "0"}
    document.update(lines=[dict(one) for _ in range(500)], total_excl_vat="500.00",
                    total_vat="0.00", total_incl_vat="500.00")  # fmt: skip
    assert len(validate_document(document, ISSUERS)["lines"]) == 500
    document["lines"].append(dict(one))
    assert rejection(validate_document, document) == Rejection("bad_lines", "501 lines (limit 500)")


def test_the_largest_amount_is_accepted(document):
    line = {"description": "Fleet", "quantity": "1", "unit_price": "10000000.00", "vat_rate": "0"}
    document.update(lines=[line], total_excl_vat="10000000.00", total_vat="0.00",
                    total_incl_vat="10000000.00")  # fmt: skip
    assert str(validate_document(document, ISSUERS)["total_incl_vat"]) == "10000000.00"


# --- sentences that name their line or field --------------------------------------------


def test_a_bad_rate_names_its_line(document):
    document["lines"].append({"description": "X", "quantity": "1", "unit_price": "1",
                              "vat_rate": "abc"})  # fmt: skip
    assert rejection(validate_document, document) == Rejection(
        "bad_decimal", "lines[2].vat_rate is not a decimal number: 'abc'"
    )


def test_a_line_tax_breach_names_its_line(document):
    document["lines"].append({"description": "X", "quantity": "1", "unit_price": "0.00",
                              "vat_rate": "21", "vat_category": "X"})  # fmt: skip
    found = rejection(validate_document, document)
    assert found.reason == "BR-CL-18"
    assert found.detail.startswith("line 2: vat_category 'X' is not a UNCL5305 VAT category")


def test_line_periods_name_their_line(document):
    document["lines"].append({"description": "X", "quantity": "1", "unit_price": "0.00",
                              "vat_rate": "21", "period_end": "30/11/2026"})  # fmt: skip
    assert rejection(validate_document, document) == Rejection(
        "bad_date", "lines[2].period_end is not a valid date YYYY-MM-DD: '30/11/2026'"
    )
    reversed_period = {"period_start": "2026-11-30", "period_end": "2026-11-01"}
    document["lines"][1].update(reversed_period)
    found = rejection(validate_document, document)
    assert found.reason == "BR-30"
    assert found.detail.startswith("line 2: period_end 2026-11-01 is before period_start 2026-1")


def test_document_periods_name_their_field(document):
    assert rejection(validate_document, document | {"period_start": "2026-13-01"}) == Rejection(
        "bad_date", "period_start is not a valid date YYYY-MM-DD: '2026-13-01'"
    )
    reversed_period = {"period_start": "2026-11-30", "period_end": "2026-11-01"}
    found = rejection(validate_document, document | reversed_period)
    assert found.reason == "BR-29"
    assert found.detail.startswith("period_end 2026-11-01 is before period_start 2026-11-30 [")


def test_an_empty_period_is_no_period(document):
    clean = validate_document(document | {"period_start": "", "period_end": ""}, ISSUERS)
    assert (clean["period_start"], clean["period_end"]) == (None, None)


def test_a_period_changes_the_content_hash(document):
    plain = validate_document(copy.deepcopy(document), ISSUERS)["content_sha256"]
    november = {"period_start": "2026-11-01", "period_end": "2026-11-30"}
    december = {"period_start": "2026-12-01", "period_end": "2026-12-31"}
    hashes = {
        validate_document(document | period, ISSUERS)["content_sha256"]
        for period in (november, december)
    }
    assert len(hashes) == 2 and plain not in hashes


# --- the helpers on their own -----------------------------------------------------------


def test_an_unknown_issuer_is_quoted_up_to_20_characters():
    with pytest.raises(RowError) as caught:
        check_issuer("X" * 25, ISSUERS)
    assert caught.value.rejection == Rejection(
        "unknown_issuer", f"issuer {'X' * 20!r} is not configured (DL2, DL5)"
    )


def test_a_bad_payment_reference_is_quoted_up_to_40_characters():
    with pytest.raises(RowError) as caught:
        check_payment_reference("9" * 50, "invoice")
    assert caught.value.rejection == Rejection(
        "bad_payment_reference",
        f"payment_reference {'9' * 40!r} is not a valid structured communication",
    )


def test_the_canonical_structured_communication_is_checked_here():
    assert ogm_digits("+++000/0012/34526+++") == "000001234526"
    with pytest.raises(
        ValidationError, match="^structured communication check digits do not match$"
    ):
        ogm_digits("+++000/0012/34527+++")  # stdnum would say it in its own words


def test_an_own_policy_breach_has_no_official_wording():
    assert explain(Breach("vat_id_mismatch", "vat_id BE1 is not BE + 2")) == Rejection(
        "vat_id_mismatch", "vat_id BE1 is not BE + 2"
    )
    assert explain(Breach("BR-CO-15", "total_incl_vat 1 is not 0 + 0")) == Rejection(
        "BR-CO-15",
        "total_incl_vat 1 is not 0 + 0 [BR-CO-15: Invoice total amount with VAT (BT-112) = "
        "Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).]",
    )


def test_the_last_surrogate_is_a_lone_surrogate():
    assert has_lone_surrogate("a\udfff") and has_lone_surrogate("\ud800b")
    assert not has_lone_surrogate("a\ue000") and not has_lone_surrogate("a\ud7ff")
