"""Every quarantine reason with the exact sentence an operator reads (DESIGN rule 7,
issue 22: whole rejections, not reason codes only). Expectations are written by hand."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from domain.validate import (
    Rejection,
    RowError,
    content_hash,
    lines_json,
    validate_customer,
    validate_document,
)

ISSUERS = frozenset({"DL2", "DL5"})


def rejection(fn, row) -> Rejection:
    with pytest.raises(RowError) as caught:
        fn(row, ISSUERS)
    assert str(caught.value) == caught.value.rejection.detail
    return caught.value.rejection


def line(**changes):
    base = {"description": "Lease", "quantity": "1", "unit_price": "100.00", "vat_rate": "21"}
    return {**base, **changes}


@pytest.mark.parametrize(
    ("field", "value", "reason", "detail"),
    [
        ("issuer", None, "missing_field", "required field(s) missing: issuer"),
        ("issuer", "DL9", "unknown_issuer", "issuer 'DL9' is not configured (DL2, DL5)"),
        ("issuer", "DL2345678901", "field_too_long", "issuer is 12 characters (limit 10)"),
        ("issuer", 5, "bad_type", "issuer must be text, got int"),
        ("document_number", "a/b", "unsafe_document_number",
         "document_number 'a/b' may only hold letters, digits, '.', '-', '_'"),
        ("document_number", "a..b", "unsafe_document_number",
         "document_number 'a..b' may only hold letters, digits, '.', '-', '_'"),
        ("document_number", "x" * 101, "field_too_long",
         "document_number is 101 characters (limit 100)"),
        ("document_type", "receipt", "bad_document_type",
         "document_type 'receipt' is not invoice or credit_note"),
        ("customer_number", "12a", "bad_customer_number", "customer_number '12a' is not digits"),
        ("customer_number", "1234567890123", "field_too_long",
         "customer_number is 13 characters (limit 12)"),
        ("issue_date", "20261126", "bad_date",
         "issue_date is not a valid date YYYY-MM-DD: '20261126'"),
        ("issue_date", "2026-13-01", "bad_date",
         "issue_date is not a valid date YYYY-MM-DD: '2026-13-01'"),
        ("issue_date", 20261126, "bad_date",
         "issue_date is not a valid date YYYY-MM-DD: '20261126'"),
        ("due_date", "2026-11-25", "bad_date",
         "due_date 2026-11-25 is before issue_date 2026-11-26"),
        ("currency", "USD", "bad_currency", "currency 'USD' is not EUR"),
        ("currency", "EURO", "field_too_long", "currency is 4 characters (limit 3)"),
        ("lines", [], "bad_lines", "lines must be a non-empty list"),
        ("lines", "x", "bad_lines", "lines must be a non-empty list"),
        ("lines", ["x"], "bad_lines", "line 1 is not an object"),
        ("lines", [line()] * 501, "bad_lines", "501 lines (limit 500)"),
        ("lines", [line(vat_rate="101")], "bad_amount",
         "lines[1].vat_rate 101 is not a percentage"),
        ("lines", [line(vat_rate="-1")], "bad_amount", "lines[1].vat_rate -1 is not a percentage"),
        ("lines", [line(quantity=1)], "float_amount",
         'lines[1].quantity must be a decimal string such as "612.40", not the number 1'),
        ("lines", [line(unit_price=True)], "float_amount",
         'lines[1].unit_price must be a decimal string such as "612.40", not the number True'),
        ("lines", [line(unit_price=["1"])], "bad_decimal",
         "lines[1].unit_price must be a decimal string, got list"),
        ("lines", [line(description="")], "missing_field",
         "required field(s) missing: description"),
        ("lines", [line(description="x" * 501)], "field_too_long",
         "description is 501 characters (limit 500)"),
        ("total_excl_vat", "1e999999999", "bad_decimal",
         "total_excl_vat is out of range: '1e999999999'"),
        ("total_excl_vat", "1e-13", "bad_decimal", "total_excl_vat is out of range: '1e-13'"),
        ("total_excl_vat", "0.0000000000001", "bad_decimal",
         "total_excl_vat is out of range: '0.0000000000001'"),
        ("total_excl_vat", "NaN", "bad_decimal", "total_excl_vat is not a finite number: 'NaN'"),
        ("total_excl_vat", "abc", "bad_decimal", "total_excl_vat is not a decimal number: 'abc'"),
        ("total_excl_vat", "612.401", "bad_decimal",
         "total_excl_vat has more than two decimals: '612.401'"),
        ("total_excl_vat", "10000000.01", "bad_amount",
         "total_excl_vat 10000000.01 is negative or absurdly large"),
        ("total_excl_vat", "-0.01", "bad_amount",
         "total_excl_vat -0.01 is negative or absurdly large"),
        # issue 17: the EN 16931 rule id is the reason, its official text follows
        ("total_excl_vat", "612.41", "BR-CO-13",
         "total_excl_vat 612.41 but the lines add up to 612.40; "
         "total_incl_vat 741.00 is not 612.41 + 128.60 [BR-CO-13: Invoice total amount "
         "without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of allowances on "
         "document level (BT-107) + Sum of charges on document level (BT-108).]"),
        ("total_vat", "128.61", "BR-CO-14",
         "total_vat 128.61 but VAT per rate adds up to 128.60; "
         "total_incl_vat 741.00 is not 612.40 + 128.61 [BR-CO-14: Invoice total VAT amount "
         "(BT-110) = Σ VAT category tax amount (BT-117).]"),
        ("total_incl_vat", "741.01", "BR-CO-15",
         "total_incl_vat 741.01 is not 612.40 + 128.60 [BR-CO-15: Invoice total amount with "
         "VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount "
         "(BT-110).]"),
        ("payment_reference", "", "missing_field", "an invoice needs a payment_reference"),
        ("payment_reference", "+++000/0012/34527+++", "bad_payment_reference",
         "payment_reference '+++000/0012/34527+++' is not a valid structured communication"),
        ("payment_reference", "x" * 31, "field_too_long",
         "payment_reference is 31 characters (limit 30)"),
        ("contract_number", "x" * 51, "field_too_long",
         "contract_number is 51 characters (limit 50)"),
        ("contract_number", "C\x1b1", "bad_character", "contract_number holds a control character"),
        ("contract_number", "C\ud8001", "bad_encoding",
         "contract_number holds a lone UTF-16 surrogate"),
    ],
)  # fmt: skip
def test_document_rejections(document, field, value, reason, detail):
    document[field] = value
    assert rejection(validate_document, document) == Rejection(reason, detail)


def test_not_an_object_and_several_missing_fields(document):
    assert rejection(validate_document, ["x"]) == Rejection(
        "bad_json", "the line is not a JSON object"
    )
    del document["currency"]
    document["total_vat"] = ""
    assert rejection(validate_document, document) == Rejection(
        "missing_field", "required field(s) missing: currency, total_vat"
    )


def test_credit_note_rules(document):
    document.update(document_type="credit_note", payment_reference="")
    assert rejection(validate_document, document) == Rejection(  # own policy (issue 17)
        "policy_credit_note_reference",
        "a credit note needs credited_document_number (the invoice it corrects)",
    )
    document["credited_document_number"] = " 2026-0001000 "
    clean = validate_document(document, ISSUERS)
    assert clean["credited_document_number"] == "2026-0001000"
    assert clean["payment_reference"] == ""


def test_clean_document_fields(document):
    document["payment_reference"] = "000001234526"  # a spelling stdnum cleans
    document["contract_number"] = "  C-1  "
    document["due_date"] = ""
    document["lines"] = [line(quantity="2", unit_price="0.50", vat_rate="21")]
    document.update(total_excl_vat="1.00", total_vat="0.21", total_incl_vat="1.21")
    clean = validate_document(document, ISSUERS)
    assert clean["payment_reference"] == "+++000/0012/34526+++"
    assert clean["contract_number"] == "C-1"
    assert clean["due_date"] is None
    assert clean["issue_date"] == date(2026, 11, 26)
    assert clean["total_vat"] == Decimal("0.21") and str(clean["total_excl_vat"]) == "1.00"
    assert clean["lines"][0]["quantity"] == Decimal("2")
    assert clean["lines"][0]["vat_rate"] == Decimal("21")
    assert clean["credited_document_number"] is None
    assert clean["lines_json"] == (
        '[{"description":"Lease","quantity":"2","unit_price":"0.50","vat_rate":"21"}]'
    )


def test_lines_json_is_canonical_and_keeps_unicode():
    lines = [{"vat_rate": Decimal("6"), "description": "Łukasz — €", "quantity": Decimal("1.50")}]
    assert lines_json(lines) == '[{"description":"Łukasz — €","quantity":"1.50","vat_rate":"6"}]'


def test_content_hash_covers_every_field_and_tells_none_from_text(document):
    clean = validate_document(document, ISSUERS)
    first = clean["content_sha256"]
    assert len(first) == 64
    for field in ("due_date", "payment_reference", "contract_number", "credited_document_number"):
        changed = copy.deepcopy(clean)
        changed[field] = "X"
        assert content_hash(changed, clean["lines_json"]) != first, field
    assert content_hash(clean, clean["lines_json"] + " ") != first
    none_vs_empty = dict(clean, credited_document_number="None")
    assert content_hash(none_vs_empty, clean["lines_json"]) != first


@pytest.mark.parametrize(
    ("field", "value", "reason", "detail"),
    [
        ("name", "", "missing_field", "required field(s) missing: name"),
        ("name", "x" * 201, "field_too_long", "name is 201 characters (limit 200)"),
        ("issuer", "DL7", "unknown_issuer", "issuer 'DL7' is not configured (DL2, DL5)"),
        ("customer_number", "x1", "bad_customer_number", "customer_number 'x1' is not digits"),
        ("enterprise_number", "0418711288", "bad_enterprise_number",
         "enterprise_number '0418711288' fails the Belgian mod-97 check"),
        ("enterprise_number", "x" * 21, "field_too_long",
         "enterprise_number is 21 characters (limit 20)"),
        ("language", "es", "bad_language", "language 'es' is not one of nl, fr, de, en"),
        ("language", "nederlands", "field_too_long", "language is 10 characters (limit 5)"),
        ("contact_language", "it", "bad_language",
         "contact_language 'it' is not one of nl, fr, de, en"),
        ("country", "BEL", "bad_country", "country 'BEL' is not an ISO 3166 two-letter code"),
        ("country", "x" * 61, "field_too_long", "country is 61 characters (limit 60)"),
        ("contact_email", "an@", "bad_email", "contact_email 'an@' is not an e-mail address"),
        ("contact_email", "a" * 250 + "@x.be", "field_too_long",
         "contact_email is 255 characters (limit 254)"),
        ("channel_choice", "email", "bad_channel_choice",
         "channel_choice 'email' is not paper, portal or network"),
        ("channel_choice", "x" * 11, "field_too_long",
         "channel_choice is 11 characters (limit 10)"),
        ("postal_code", "1" * 13, "field_too_long", "postal_code is 13 characters (limit 12)"),
        ("street", "x" * 201, "field_too_long", "street is 201 characters (limit 200)"),
        ("city", "x" * 201, "field_too_long", "city is 201 characters (limit 200)"),
        ("contact_first_name", "x" * 201, "field_too_long",
         "contact_first_name is 201 characters (limit 200)"),
        ("contact_last_name", "x" * 201, "field_too_long",
         "contact_last_name is 201 characters (limit 200)"),
        ("contract_start", "01/01/2024", "bad_date",
         "contract_start is not a valid date YYYY-MM-DD: '01/01/2024'"),
    ],
)  # fmt: skip
def test_customer_rejections(customer, field, value, reason, detail):
    customer[field] = value
    assert rejection(validate_customer, customer) == Rejection(reason, detail)


def test_clean_customer_fields(customer):
    customer.update(
        enterprise_number="BE 0418.711.287",
        language="FR",
        contact_language="",
        country="be",
        contact_email="An.Peeters@Example.BE",
        contact_first_name="",
        contact_last_name="",
        channel_choice="Portal",
        contract_start="",
    )
    clean = validate_customer(customer, ISSUERS)
    assert clean == {
        "customer_code": "DL50012345",
        "issuer": "DL5",
        "customer_number": "0012345",
        "name": "Garage Peeters BV",
        "enterprise_number": "0418711287",
        "street": "Kerkstraat 1",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "language": "fr",
        "contract_start": None,
        "contact_email": "an.peeters@example.be",
        "contact_first_name": None,
        "contact_last_name": None,
        "contact_language": "fr",
        "channel_choice": "portal",
    } | {k: v for k, v in clean.items() if k not in _V1_CUSTOMER_KEYS}
    customer.update(enterprise_number="", contract_start="2024-01-31", contact_email="")
    clean = validate_customer(customer, ISSUERS)
    assert clean["enterprise_number"] is None and clean["contact_email"] is None
    assert clean["contract_start"] == date(2024, 1, 31)


_V1_CUSTOMER_KEYS = {
    "customer_code", "issuer", "customer_number", "name", "enterprise_number", "street",
    "postal_code", "city", "country", "language", "contract_start", "contact_email",
    "contact_first_name", "contact_last_name", "contact_language", "channel_choice",
}  # fmt: skip


LONG = "1" * 30 + "x" * 30  # 60 characters: details quote the first 40


@pytest.mark.parametrize(
    ("field", "value", "reason", "detail"),
    [
        ("total_vat", LONG, "bad_decimal", f"total_vat is not a decimal number: {LONG[:40]!r}"),
        ("total_vat", "NaN" + "0" * 50, "bad_decimal",
         f"total_vat is not a finite number: {('NaN' + '0' * 50)[:40]!r}"),
        ("total_vat", "1e10", "bad_decimal", "total_vat is out of range: '1e10'"),
        ("total_vat", "1" + "0" * 49 + "e-80", "bad_decimal",
         f"total_vat is out of range: {('1' + '0' * 49 + 'e-80')[:40]!r}"),
        ("total_vat", "1." + "0" * 50, "bad_decimal",
         f"total_vat has too many decimals: {('1.' + '0' * 50)[:40]!r}"),
        ("total_vat", "x", "bad_decimal", "total_vat is not a decimal number: 'x'"),
        ("total_vat", "128.601", "bad_decimal", "total_vat has more than two decimals: '128.601'"),
        ("total_incl_vat", "-1", "bad_amount", "total_incl_vat -1 is negative or absurdly large"),
        ("currency", "   ", "missing_field", "required field currency is missing or empty"),
        ("due_date", "2026-02-30", "bad_date",
         "due_date is not a valid date YYYY-MM-DD: '2026-02-30'"),
        ("issue_date", "2026-11-26" + "x" * 50, "bad_date",
         f"issue_date is not a valid date YYYY-MM-DD: {('2026-11-26' + 'x' * 50)[:40]!r}"),
        ("document_type", "x" * 21, "field_too_long", "document_type is 21 characters (limit 20)"),
        ("credited_document_number", "x" * 101, "field_too_long",
         "credited_document_number is 101 characters (limit 100)"),
        ("payment_reference", "+++000/0012/34527+++" + "9" * 10, "bad_payment_reference",
         "payment_reference '+++000/0012/34527+++9999999999' is not a valid structured "
         "communication"),
    ],
)  # fmt: skip
def test_document_rejections_quote_at_most_40_characters(document, field, value, reason, detail):
    document[field] = value
    assert rejection(validate_document, document) == Rejection(reason, detail)


def test_decimal_bounds_are_inclusive(document):
    document["lines"] = [line(quantity="0.000000000001", unit_price="100.00")]
    document.update(total_excl_vat="0.00", total_vat="0.00", total_incl_vat="0.00")
    assert validate_document(document, ISSUERS)["lines"][0]["quantity"] == Decimal("1E-12")
    document["lines"] = [line(quantity="1e-12", unit_price="100.00")]
    assert validate_document(document, ISSUERS)["lines"][0]["quantity"] == Decimal("1E-12")
    document["lines"] = [line(quantity="1", unit_price="9999999.99", vat_rate="0")]
    document.update(total_excl_vat="9999999.99", total_vat="0.00", total_incl_vat="9999999.99")
    assert validate_document(document, ISSUERS)["total_incl_vat"] == Decimal("9999999.99")
    document["lines"] = [line(quantity="1000000000", unit_price="0.00", vat_rate="0")]
    document.update(total_excl_vat="0.00", total_vat="0.00", total_incl_vat="0.00")
    assert validate_document(document, ISSUERS)["lines"][0]["quantity"] == Decimal("1000000000")
    document["lines"] = [line(quantity="0", unit_price="0", vat_rate="100")]
    assert validate_document(document, ISSUERS)["lines"][0]["vat_rate"] == Decimal("100")


def test_due_date_on_the_issue_date_is_fine(document):
    document["due_date"] = "2026-11-26"
    assert validate_document(document, ISSUERS)["due_date"] == date(2026, 11, 26)
