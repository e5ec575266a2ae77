"""Decimal arithmetic of document totals. Amounts are never floats in the pipeline.

The one home of the money rule (issue 22): ingest validation (BR-CO-15), the VAT
breakdown, the Peppol UBL, the synthetic generator and the PDF's rounding
(tasks/render/labels.py re-exports round_cents) all round and total through here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
LINE_AMOUNTS = ("quantity", "unit_price", "vat_rate")


def round_cents(value: Decimal) -> Decimal:
    # Belgian invoices round half up to the cent, per line and per VAT rate.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_cents(value: Decimal) -> str:
    """'612.40': the landing contract's decimal string, two decimals, never an exponent."""
    return f"{round_cents(value):.2f}"


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round_cents(quantity * unit_price)


def vat_amount(base: Decimal, rate: Decimal) -> Decimal:
    """VAT of a taxable base at a rate in percent, rounded once for the whole base: per
    rate (or per breakdown entry), never per line."""
    return round_cents(base * rate / Decimal(100))


def vat_breakdown(lines: list[dict]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """Per VAT rate: (taxable base, VAT), VAT rounded once per rate."""
    bases: dict[Decimal, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        bases[line["vat_rate"]] += line_amount(line["quantity"], line["unit_price"])
    return {rate: (base, vat_amount(base, rate)) for rate, base in sorted(bases.items())}


def expected_totals(lines: list[dict]) -> tuple[Decimal, Decimal, Decimal]:
    """(excl. VAT, VAT, incl. VAT) that the lines imply."""
    breakdown = vat_breakdown(lines)
    excl = sum((base for base, _ in breakdown.values()), Decimal("0.00"))
    vat = sum((tax for _, tax in breakdown.values()), Decimal("0.00"))
    return excl, vat, excl + vat


def expected_totals_text(lines: Iterable[Mapping[str, str]]) -> tuple[str, str, str]:
    """expected_totals of landing-contract lines (decimal strings), as the decimal strings a
    landing document states its totals in."""
    parsed = [{key: Decimal(line[key]) for key in LINE_AMOUNTS} for line in lines]
    excl, vat, incl = expected_totals(parsed)
    return format_cents(excl), format_cents(vat), format_cents(incl)
