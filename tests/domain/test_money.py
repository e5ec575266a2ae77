"""Decimal totals, half-cent cases computed by hand (independent oracle, issue 22)."""

from decimal import Decimal as D

from domain.money import (
    expected_totals,
    expected_totals_text,
    format_cents,
    line_amount,
    round_cents,
    vat_amount,
    vat_breakdown,
)


def test_round_cents_rounds_half_up_not_to_even():
    assert round_cents(D("0.005")) == D("0.01")
    assert round_cents(D("0.015")) == D("0.02")  # half-even would give 0.02 too
    assert round_cents(D("0.025")) == D("0.03")  # half-even would give 0.02
    assert round_cents(D("2.675")) == D("2.68")
    assert round_cents(D("0.0049")) == D("0.00")
    assert round_cents(D("-0.025")) == D("-0.03")  # away from zero, like the paper form
    assert str(round_cents(D("7"))) == "7.00"


def test_line_amount_rounds_the_product():
    assert line_amount(D("3"), D("0.335")) == D("1.01")  # 1.005 -> 1.01
    assert line_amount(D("1.5"), D("10.01")) == D("15.02")  # 15.015 -> 15.02
    assert line_amount(D("2"), D("612.40")) == D("1224.80")


def test_vat_is_rounded_once_per_rate_not_per_line():
    lines = [{"quantity": D("1"), "unit_price": D("0.50"), "vat_rate": D("21")}] * 2
    # per line: 0.105 -> 0.11 each = 0.22; per rate: 1.00 x 21 % = 0.21
    assert vat_breakdown(lines) == {D("21"): (D("1.00"), D("0.21"))}


def test_half_cent_vat_rounds_up():
    # 0.50 x 21 % = 0.105 -> 0.11 (half up)
    lines = [{"quantity": D("1"), "unit_price": D("0.50"), "vat_rate": D("21")}]
    assert vat_breakdown(lines) == {D("21"): (D("0.50"), D("0.11"))}
    assert expected_totals(lines) == (D("0.50"), D("0.11"), D("0.61"))


def test_breakdown_per_rate_sorted_and_totals_by_hand():
    lines = [
        {"quantity": D("1"), "unit_price": D("612.40"), "vat_rate": D("21")},
        {"quantity": D("1"), "unit_price": D("35.00"), "vat_rate": D("0")},
        {"quantity": D("2"), "unit_price": D("12.345"), "vat_rate": D("6")},  # 24.69
    ]
    breakdown = vat_breakdown(lines)
    assert list(breakdown) == [D("0"), D("6"), D("21")]
    assert breakdown[D("0")] == (D("35.00"), D("0.00"))
    assert breakdown[D("6")] == (D("24.69"), D("1.48"))  # 1.4814
    assert breakdown[D("21")] == (D("612.40"), D("128.60"))  # 128.604
    assert expected_totals(lines) == (D("672.09"), D("130.08"), D("802.17"))


def test_no_lines_total_zero():
    assert expected_totals([]) == (D("0.00"), D("0.00"), D("0.00"))
    assert [str(amount) for amount in expected_totals([])] == ["0.00", "0.00", "0.00"]


def test_format_cents_writes_the_landing_contract_string():
    assert format_cents(D("612.4")) == "612.40"
    assert format_cents(D("1E+3")) == "1000.00"  # never an exponent
    assert format_cents(D("20.4166")) == "20.42"
    assert format_cents(D("0.125")) == "0.13"  # half up


def test_totals_of_landing_lines_as_decimal_strings():
    lines = [
        {"description": "Lease", "quantity": "1", "unit_price": "612.40", "vat_rate": "21"},
        {"description": "Fuel", "quantity": "2", "unit_price": "12.345", "vat_rate": "6"},
        {"description": "Cover", "quantity": "1", "unit_price": "35.00", "vat_rate": "0"},
    ]
    assert expected_totals_text(lines) == ("672.09", "130.08", "802.17")
    assert expected_totals_text([]) == ("0.00", "0.00", "0.00")


def test_vat_amount_rounds_the_base_once():
    assert vat_amount(D("612.40"), D("21")) == D("128.60")  # 128.604
    assert vat_amount(D("0.50"), D("21")) == D("0.11")  # 0.105, half up
    assert vat_amount(D("24.69"), D("6")) == D("1.48")  # 1.4814
    assert vat_amount(D("35.00"), D("0")) == D("0.00")
