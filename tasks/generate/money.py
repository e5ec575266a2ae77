"""Decimal money arithmetic shared by invoices, credit notes and corrupted rows.

Amounts are never floats (landing contract): line amount = quantity x unit price
rounded half-up to cents; VAT is rounded once per rate over the sum of its lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def round_cents(value: Decimal) -> Decimal:
    """Half-up to cents, the rounding Belgian invoices use (not banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value: Decimal) -> str:
    """'612.40': always two decimals, never an exponent."""
    return f"{round_cents(value):.2f}"


def compute_totals(lines: Iterable[tuple[str, str, str]]) -> tuple[str, str, str]:
    """(total_excl_vat, total_vat, total_incl_vat) of (quantity, unit_price, vat_rate) lines."""
    base_by_rate: dict[Decimal, Decimal] = {}
    for quantity, unit_price, vat_rate in lines:
        amount = round_cents(Decimal(quantity) * Decimal(unit_price))
        rate = Decimal(vat_rate)
        base_by_rate[rate] = base_by_rate.get(rate, Decimal(0)) + amount
    excl = sum(base_by_rate.values(), Decimal(0))
    vat = sum(
        (round_cents(base * rate / HUNDRED) for rate, base in base_by_rate.items()), Decimal(0)
    )
    return format_amount(excl), format_amount(vat), format_amount(excl + vat)


def totals_of_document_lines(lines: list[dict]) -> tuple[str, str, str]:
    """compute_totals over landing-contract line dicts."""
    return compute_totals((ln["quantity"], ln["unit_price"], ln["vat_rate"]) for ln in lines)
