"""Independent money oracle for tests (issue 22): document totals computed in integer
cents over exact fractions, a different road from `domain.money` (Decimal quantize), so
a test of code that uses `domain.money` does not take its expectation from it.

Rounding as on the invoice (docs/documents.md): each line half up to the cent, VAT once
per rate on that rate's base, half up; "half up" is half away from zero, like
`decimal.ROUND_HALF_UP`. The oracle itself is checked against hand-computed literals in
tests/test_oracles.py.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor


def half_up_cents(amount: Fraction) -> int:
    """Whole cents of an amount in euros, a half cent away from zero."""
    cents = abs(amount) * 100
    rounded = floor(cents + Fraction(1, 2))
    return -rounded if amount < 0 else rounded


def euros(cents: int) -> str:
    """Cents as euros with two decimals, -1234 -> "-12.34" (landing files, UBL)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def totals_in_cents(lines: list[dict]) -> tuple[int, int, int]:
    """(excl. VAT, VAT, incl. VAT) in cents; quantities, prices and rates may be str or
    Decimal (both read exactly through their text)."""
    bases: dict[Fraction, int] = {}
    for line in lines:
        amount = Fraction(str(line["quantity"])) * Fraction(str(line["unit_price"]))
        rate = Fraction(str(line["vat_rate"]))
        bases[rate] = bases.get(rate, 0) + half_up_cents(amount)
    excl = sum(bases.values())
    vat = sum(half_up_cents(Fraction(base, 100) * rate / 100) for rate, base in bases.items())
    return excl, vat, excl + vat


def totals_text(lines: list[dict]) -> tuple[str, str, str]:
    """The three totals as two-decimal strings ("612.40", "128.60", "741.00")."""
    excl, vat, incl = totals_in_cents(lines)
    return euros(excl), euros(vat), euros(incl)
