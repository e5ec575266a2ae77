"""How a Belgian lessor charges VAT, per customer, in the generated data (issue 17).

Choices (docs/landing.md, "Generated data", has the sources):
- Belgian customers (companies and people): Belgian VAT, category S, 21 % (6 % for a
  home charger installed in a dwelling over ten years old); insurance is exempt (E,
  art. 44 § 3, 4° WBTW, art. 135(1)(a) Directive 2006/112/EC, VATEX-EU-135-1).
- Companies in another EU member state, with their VAT number: the place of supply of
  a service to a taxable person is where the customer is established (art. 44 Directive;
  art. 21 § 2 WBTW) and the customer pays the VAT (art. 196): reverse charge, AE at 0 %
  with VATEX-EU-AE; the insurance stays exempt (E).
- People in another EU member state: long-term hiring of a means of transport to a
  non-taxable person is supplied where the customer resides (art. 56(2) Directive,
  art. 21bis § 2, 9° WBTW): that country's standard VAT (S), declared through the
  Union OSS (art. 369a ff.). No threshold applies: the EUR 10,000 threshold of
  art. 59c concerns telecommunications, broadcasting and electronic services and
  distance sales of goods only, so Belgian VAT below a threshold is not an option.
  Today's rates are used for the whole history (a simplification: the rule dates from
  1 January 2013 and rates moved since).
- Customers outside the EU (Switzerland, Turkey): the place of supply is outside the
  EU (art. 44 for companies, art. 56(2) for people): not subject to VAT here (O,
  VATEX-EU-O) for every line; their VAT number stays out of master data (BR-O-02).
- Foreign customers lease the car with maintenance and insurance only (no fuel card,
  no home charger: those follow other place-of-supply rules).
"""

from __future__ import annotations

from random import Random
from typing import NamedTuple

from stdnum import luhn
from stdnum.eu import vat as eu_vat

# Standard VAT rates in force in 2026 (Romania: 21 % since 1 August 2025).
EU_STANDARD_RATES = {"NL": "21", "FR": "20", "DE": "19", "LU": "17", "PL": "23", "RO": "21",
                     "CZ": "21", "GR": "24"}  # fmt: skip
VAT_PREFIX = {"GR": "EL"}  # BR-CO-09: Greece uses EL
INSURANCE = ("E", "VATEX-EU-135-1", "Exempt: insurance (art. 44 § 3, 4° WBTW)")
REVERSE_CHARGE = ("AE", "VATEX-EU-AE", "Reverse charge: VAT due by the customer (art. 196 "
                  "Directive 2006/112/EC)")  # fmt: skip
OUTSIDE = ("O", "VATEX-EU-O", "Not subject to VAT: place of supply outside the EU (art. 44 and "
           "56(2) Directive 2006/112/EC)")  # fmt: skip
DIGITS = {"NL": 9, "DE": 9, "PL": 10, "RO": 8, "CZ": 8, "GR": 9}


class LineTax(NamedTuple):
    vat_rate: str
    vat_category: str
    vat_exemption_reason_code: str
    vat_exemption_reason: str


def treatment_of(country: str, vat_id: str) -> str:
    """domestic | reverse_charge | customer_country | outside."""
    if country == "BE":
        return "domestic"
    if country in EU_STANDARD_RATES:
        return "reverse_charge" if vat_id else "customer_country"
    return "outside"


def tax_of(kind: str, treatment: str, country: str, domestic_rate: str) -> LineTax:
    if treatment == "outside":
        return LineTax("0", *OUTSIDE)
    if kind == "insurance":
        return LineTax("0", *INSURANCE)
    if treatment == "reverse_charge":
        return LineTax("0", *REVERSE_CHARGE)
    if treatment == "customer_country":
        return LineTax(EU_STANDARD_RATES[country], "S", "", "")
    return LineTax(domestic_rate, "S", "", "")


def make_vat_id(rng: Random, country: str) -> str:
    """A synthetic VAT number with valid check digits (python-stdnum checks it)."""
    prefix = VAT_PREFIX.get(country, country)
    if country == "FR":
        body = str(rng.randint(10_000_000, 99_999_999))
        siren = body + luhn.calc_check_digit(body)
        return f"FR{int(siren + '12') % 97:02d}{siren}"  # the key stdnum.fr.tva checks
    if country == "LU":
        body = rng.randint(100_000, 999_999)
        return f"LU{body}{body % 89:02d}"
    while True:
        number = "".join(str(rng.randint(0, 9)) for _ in range(DIGITS[country]))
        candidate = f"{prefix}{number}" + ("B01" if country == "NL" else "")
        if number[0] != "0" and eu_vat.is_valid(candidate):
            return candidate
