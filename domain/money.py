"""Decimal arithmetic of document totals. Amounts are never floats in the pipeline."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_cents(value: Decimal) -> Decimal:
    # Belgian invoices round half up to the cent, per line and per VAT rate.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round_cents(quantity * unit_price)


def vat_breakdown(lines: list[dict]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """Per VAT rate: (taxable base, VAT), VAT rounded once per rate."""
    bases: dict[Decimal, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        bases[line["vat_rate"]] += line_amount(line["quantity"], line["unit_price"])
    return {
        rate: (base, round_cents(base * rate / Decimal(100)))
        for rate, base in sorted(bases.items())
    }


def expected_totals(lines: list[dict]) -> tuple[Decimal, Decimal, Decimal]:
    """(excl. VAT, VAT, incl. VAT) that the lines imply."""
    breakdown = vat_breakdown(lines)
    excl = sum((base for base, _ in breakdown.values()), Decimal("0.00"))
    vat = sum((tax for _, tax in breakdown.values()), Decimal("0.00"))
    return excl, vat, excl + vat
