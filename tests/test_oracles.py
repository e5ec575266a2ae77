"""The test-side money oracle (tests/oracles.py) against totals computed by hand."""

from decimal import Decimal
from fractions import Fraction

from tests.oracles import euros, half_up_cents, totals_text


def test_half_cents_go_away_from_zero():
    assert half_up_cents(Fraction("0.005")) == 1
    assert half_up_cents(Fraction("0.025")) == 3  # half-even would give 2
    assert half_up_cents(Fraction("0.0049")) == 0
    assert half_up_cents(Fraction("-0.025")) == -3
    assert half_up_cents(Fraction("2.675")) == 268  # a float would give 2.67


def test_euros_writes_two_decimals():
    assert (euros(0), euros(5), euros(74100), euros(-1240)) == ("0.00", "0.05", "741.00", "-12.40")


def test_totals_by_hand():
    lines = [
        {"quantity": "1", "unit_price": "612.40", "vat_rate": "21"},  # VAT 128.604
        {"quantity": Decimal("2"), "unit_price": Decimal("12.345"), "vat_rate": Decimal("6")},
        {"quantity": "1", "unit_price": "35.00", "vat_rate": "0"},
    ]
    # 24.69 at 6 % = 1.4814 -> 1.48; 128.60 + 1.48 = 130.08; 612.40 + 24.69 + 35.00 = 672.09
    assert totals_text(lines) == ("672.09", "130.08", "802.17")


def test_vat_once_per_rate_not_per_line():
    lines = [{"quantity": "1", "unit_price": "0.50", "vat_rate": "21"}] * 2
    assert totals_text(lines) == ("1.00", "0.21", "1.21")  # per line it would be 0.22
    assert totals_text(lines[:1]) == ("0.50", "0.11", "0.61")  # 0.105 -> 0.11
    assert totals_text([]) == ("0.00", "0.00", "0.00")
