"""Landing contract v2 and the EN 16931 content rules at ingest (issue 17, DESIGN rule 12).

One tiny document per rule; each asserts the official rule id as the quarantine reason.
Expected values are written out by hand, not computed by the code under test.
"""

from __future__ import annotations

import pytest

from domain import en16931
from domain.validate import RowError, validate_customer, validate_document
from domain.vat import check_buyer, tax_of_line

ISSUERS = frozenset({"DL2", "DL5"})
RENT = {"description": "Lease", "quantity": "1", "unit_price": "100.00", "vat_rate": "21"}
INSURANCE = {"description": "Insurance", "quantity": "1", "unit_price": "50.00", "vat_rate": "0"}


def doc_with(document: dict, lines: list[dict], excl: str, vat: str, **fields) -> dict:
    document.update(fields, lines=lines, total_excl_vat=excl, total_vat=vat)
    document["total_incl_vat"] = f"{float(excl) + float(vat):.2f}"
    return document


def rejection_of(row: dict):
    with pytest.raises(RowError) as caught:
        validate_document(row, ISSUERS)
    return caught.value.rejection


def zero_line(category: str, **extra) -> dict:
    return {**INSURANCE, "vat_category": category, **extra}


# --- v1 inference ---------------------------------------------------------------------


def test_v1_lines_are_inferred_as_before_and_flagged(document):
    row = doc_with(document, [RENT, INSURANCE], "150.00", "21.00")
    clean = validate_document(row, ISSUERS)
    assert clean["vat_category_inferred"] is True
    assert "vat_category" not in clean["lines"][0]  # stored as the billing system sent it
    taxes = [tax_of_line(line) for line in clean["lines"]]
    assert [(t.category, t.reason_code) for t in taxes] == [("S", ""), ("E", "VATEX-EU-135-1")]


def test_v2_lines_are_not_inferred_and_keep_their_fields(document):
    lines = [
        {**RENT, "vat_category": "S", "period_start": "2026-11-01", "period_end": "2026-11-30"},
        zero_line("E", vat_exemption_reason_code="vatex-eu-135-1", vat_exemption_reason="Art 44"),
    ]
    clean = validate_document(doc_with(document, lines, "150.00", "21.00"), ISSUERS)
    assert clean["vat_category_inferred"] is False
    assert clean["lines"][1]["vat_exemption_reason_code"] == "VATEX-EU-135-1"
    assert '"period_end":"2026-11-30"' in clean["lines_json"]


def test_a_v1_document_keeps_its_content_hash(document):
    # The hash of this fixture before contract v2 (commit c264b98): a re-delivery of a
    # document ingested before the upgrade stays a no-op, not a conflict.
    assert validate_document(document, ISSUERS)["content_sha256"] == (
        "e5a7f7c6c0854edb7a065a3e1d35f4f00240d7fe1c97435b02d75fa1348bade4"
    )


# --- code lists -----------------------------------------------------------------------


def test_unknown_category_is_br_cl_18(document):
    row = doc_with(document, [{**RENT, "vat_category": "X"}], "100.00", "21.00")
    assert rejection_of(row).reason == "BR-CL-18"


def test_a_unncl5305_code_outside_the_contract_is_own_policy(document):
    row = doc_with(document, [zero_line("L")], "50.00", "0.00")
    assert rejection_of(row).reason == "unsupported_vat_category"


def test_unknown_vatex_code_is_br_cl_22(document):
    row = doc_with(
        document, [zero_line("E", vat_exemption_reason_code="VATEX-BE-44")], "50.00", "0.00"
    )
    assert rejection_of(row).reason == "BR-CL-22"


def test_code_lists_come_from_the_cen_artefact():
    assert {"S", "Z", "E", "AE", "K", "G", "O"} <= en16931.uncl5305_codes()
    assert {"VATEX-EU-AE", "VATEX-EU-IC", "VATEX-EU-G", "VATEX-EU-O", "VATEX-EU-135-1"} <= (
        en16931.vatex_codes()
    )
    assert en16931.rule_text("BR-E-10").startswith("A VAT breakdown (BG-23) with VAT Category")


# --- rates per category (BR-x-05) -----------------------------------------------------


@pytest.mark.parametrize(
    ("category", "rule", "reason"),
    [
        ("Z", "BR-Z-05", {}),
        ("E", "BR-E-05", {"vat_exemption_reason": "Insurance"}),
        ("AE", "BR-AE-05", {"vat_exemption_reason_code": "VATEX-EU-AE"}),
        ("K", "BR-IC-05", {"vat_exemption_reason_code": "VATEX-EU-IC"}),
        ("G", "BR-G-05", {"vat_exemption_reason_code": "VATEX-EU-G"}),
        ("O", "BR-O-05", {"vat_exemption_reason_code": "VATEX-EU-O"}),
    ],
)
def test_zero_rated_categories_at_21_percent_are_refused(document, category, rule, reason):
    row = doc_with(document, [{**RENT, "vat_category": category, **reason}], "100.00", "21.00")
    rejection = rejection_of(row)
    assert rejection.reason == rule
    assert f"[{rule}: " in rejection.detail  # the official wording follows our sentence


def test_standard_rated_at_zero_percent_is_br_s_05(document):
    row = doc_with(document, [{**INSURANCE, "vat_category": "S"}], "50.00", "0.00")
    assert rejection_of(row).reason == "BR-S-05"


# --- exemption reasons (BR-x-10) ------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "rule"),
    [("E", "BR-E-10"), ("AE", "BR-AE-10"), ("K", "BR-IC-10"), ("G", "BR-G-10"), ("O", "BR-O-10")],
)
def test_exemption_without_a_reason_is_refused(document, category, rule):
    row = doc_with(document, [zero_line(category)], "50.00", "0.00")
    row["period_start"] = "2026-11-01"  # K needs a period (BR-IC-11): not what is tested
    assert rejection_of(row).reason == rule


@pytest.mark.parametrize(("category", "rule"), [("AE", "BR-AE-10"), ("K", "BR-IC-10")])
def test_a_reason_code_of_another_meaning_is_refused(document, category, rule):
    line = zero_line(category, vat_exemption_reason_code="VATEX-EU-135-1")
    row = doc_with(document, [line], "50.00", "0.00", period_start="2026-11-01")
    assert rejection_of(row).reason == rule


@pytest.mark.parametrize(
    ("category", "rate", "rule"), [("S", "21", "BR-S-10"), ("Z", "0", "BR-Z-10")]
)
def test_standard_and_zero_rated_may_not_carry_a_reason(document, category, rate, rule):
    line = {**RENT, "vat_rate": rate, "vat_category": category, "vat_exemption_reason": "x"}
    vat = "21.00" if rate == "21" else "0.00"
    assert rejection_of(doc_with(document, [line], "100.00", vat)).reason == rule


# --- the breakdown (BR-x-01, BR-O-11) and the buyer (BR-AE-02, BR-IC-02, BR-O-02) ----------


def test_two_exemption_reasons_in_one_category_are_br_e_01(document):
    lines = [
        zero_line("E", vat_exemption_reason_code="VATEX-EU-135-1"),
        zero_line("E", vat_exemption_reason_code="VATEX-EU-132"),
    ]
    assert rejection_of(doc_with(document, lines, "100.00", "0.00")).reason == "BR-E-01"


def test_not_subject_to_vat_stands_alone_br_o_11(document):
    lines = [{**RENT, "vat_category": "S"}, zero_line("O", vat_exemption_reason_code="VATEX-EU-O")]
    assert rejection_of(doc_with(document, lines, "150.00", "21.00")).reason == "BR-O-11"


def test_intra_community_supply_needs_a_period_br_ic_11(document):
    line = zero_line("K", vat_exemption_reason_code="VATEX-EU-IC")
    assert rejection_of(doc_with(document, [line], "50.00", "0.00")).reason == "BR-IC-11"
    line["period_start"] = line["period_end"] = "2026-11-20"  # a line's period is not BG-14
    assert rejection_of(document).reason == "BR-IC-11"
    document["period_start"] = document["period_end"] = "2026-11-20"
    assert validate_document(document, ISSUERS)["vat_category_inferred"] is False


def test_buyer_rules():
    assert check_buyer({"AE"}, None).rule == "BR-AE-02"
    assert check_buyer({"K"}, "").rule == "BR-IC-02"
    assert check_buyer({"O"}, "BE0399294758").rule == "BR-O-02"
    assert check_buyer({"AE", "S"}, "NL004495445B01") is None


# --- totals (BR-CO-13/14/15) and periods (BR-29/30) -------------------------------------


def test_totals_name_their_rule(document):
    assert rejection_of({**document, "total_excl_vat": "612.41"}).reason == "BR-CO-13"
    assert rejection_of({**document, "total_vat": "128.61"}).reason == "BR-CO-14"
    assert rejection_of({**document, "total_incl_vat": "741.01"}).reason == "BR-CO-15"


def test_document_period_end_before_start_is_br_29(document):
    document.update(period_start="2026-11-30", period_end="2026-11-01")
    assert rejection_of(document).reason == "BR-29"


def test_line_period_end_before_start_is_br_30(document):
    document["lines"][0].update(period_start="2026-11-30", period_end="2026-11-01")
    assert rejection_of(document).reason == "BR-30"


def test_malformed_period_is_bad_date(document):
    document["period_start"] = "2026-13-01"
    assert rejection_of(document).reason == "bad_date"
    document["period_start"] = None
    document["lines"][0]["period_end"] = "30/11/2026"
    assert rejection_of(document).reason == "bad_date"


def test_document_period_is_kept(document):
    document.update(period_start="2026-11-01", period_end="2026-11-30")
    clean = validate_document(document, ISSUERS)
    assert (str(clean["period_start"]), str(clean["period_end"])) == ("2026-11-01", "2026-11-30")


# --- customers: vat_id ----------------------------------------------------------------


def customer_reason(row: dict) -> str:
    with pytest.raises(RowError) as caught:
        validate_customer(row, ISSUERS)
    return caught.value.rejection.reason


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("BE 0418.711.287", "BE0418711287"),
        ("FR40303265045", "FR40303265045"),
        ("nl004495445b01", "NL004495445B01"),
        ("EL094259216", "EL094259216"),
    ],
)
def test_valid_vat_ids_are_stored_compact(customer, given, stored):
    customer["vat_id"] = given
    if not given.startswith("BE"):
        customer["enterprise_number"] = ""
    assert validate_customer(customer, ISSUERS)["vat_id"] == stored


@pytest.mark.parametrize(
    "given",
    ["FR40303265046", "NL859048739B01", "BE0418711288", "12345", "DE12345678"],
)
def test_invalid_vat_ids_are_refused(customer, given):
    customer.update(vat_id=given, enterprise_number="")
    assert customer_reason(customer) == "bad_vat_id"


def test_non_eu_vat_ids_use_stdnum_where_it_knows_the_country(customer):
    customer.update(enterprise_number="", country="NO", vat_id="NO995525828MVA")
    assert validate_customer(customer, ISSUERS)["vat_id"] == "NO995525828MVA"
    customer["vat_id"] = "NO995525829MVA"
    assert customer_reason(customer) == "bad_vat_id"
    customer.update(country="US", vat_id="US123456789")  # no stdnum module: shape only
    assert validate_customer(customer, ISSUERS)["vat_id"] == "US123456789"


def test_belgian_vat_id_must_match_the_enterprise_number(customer):
    customer["vat_id"] = "BE0399294758"  # valid, but not BE + 0418711287
    assert customer_reason(customer) == "vat_id_mismatch"


def test_v1_customers_infer_be_plus_enterprise_number_v2_empty_means_none(customer):
    v1 = validate_customer(customer, ISSUERS)
    assert (v1["vat_id"], v1["vat_id_inferred"]) == ("BE0418711287", True)
    v2 = validate_customer({**customer, "vat_id": ""}, ISSUERS)
    assert (v2["vat_id"], v2["vat_id_inferred"]) == (None, False)
