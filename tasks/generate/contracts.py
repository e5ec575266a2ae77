"""Lease contracts behind the documents: chains of 36-60 month contracts per vehicle.

Each customer code leases `fleet_size` vehicles in parallel; each vehicle is a chain of
back-to-back contracts renewed until today unless the customer leaves. A contract bills
the same lines every month, so its lines and totals are computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import NamedTuple

from domain.money import expected_totals_text

from . import names
from .customers import CustomerCode, pick, random_date
from .vat import tax_of, treatment_of

CONTRACT_MONTHS = (36, 60)
RENEWAL = 0.9
# Extra vehicles join the fleet within three years of the first contract.
FLEET_GROWTH_DAYS = 3 * 365
EXTRA_LINES = ((0, 35), (1, 40), (2, 25))
FIRST_CONTRACT_NUMBER = 100_000
LAST_CONTRACT_NUMBER = 999_999
# (low, high) euro prices and VAT rate per line kind; insurance is VAT-exempt, a home
# charger installed in a dwelling older than ten years is at 6%.
PRICES = {
    "rent_classic": ("280", "750"),
    "rent_modern": ("420", "1150"),
    "maintenance": ("18", "95"),
    "insurance": ("25", "140"),
    "fuel_card": ("2.50", "7.50"),
    "home_charger": ("15", "45"),
}
VAT_RATES = {
    "rent": "21",
    "maintenance": "21",
    "insurance": "0",
    "fuel_card": "21",
    "home_charger": "6",
}


class LineSpec(NamedTuple):
    """A tuple so the hot invoice loop can unpack it."""

    prefix: str  # description without the billed month, in the customer's language
    quantity: str
    unit_price: str
    vat_rate: str
    # landing contract v2 (issue 17): the VAT meaning the billing system states
    vat_category: str = "S"
    vat_exemption_reason_code: str = ""
    vat_exemption_reason: str = ""


@dataclass(slots=True)
class Contract:
    issuer: str
    customer_number: str
    language: str
    chain: int
    start: date
    end: date
    number: str = ""
    vehicle: str = ""
    lines: tuple[LineSpec, ...] = ()
    totals: tuple[str, str, str] = ("", "", "")
    country: str = "BE"
    treatment: str = "domestic"  # tasks.generate.vat.treatment_of


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def build_chain(
    rng: Random, code: CustomerCode, chain: int, start: date, yesterday: date
) -> list[Contract]:
    """Back-to-back contracts for one vehicle, from `start` until it lapses or today."""
    contracts = []
    while start <= yesterday:
        end = add_months(start, rng.randint(*CONTRACT_MONTHS)) - timedelta(days=1)
        party = code.party
        contracts.append(
            Contract(
                code.issuer,
                code.customer_number,
                party.language,
                chain,
                start,
                end,
                country=party.country,
                treatment=treatment_of(party.country, party.vat_id),
            )  # fmt: skip
        )
        if end >= yesterday or rng.random() >= RENEWAL:
            break
        start = end + timedelta(days=1)
    return contracts


def assign_contract_numbers(rng: Random, contracts: list[Contract]) -> None:
    """C-nnnnnn, increasing with the signature date like a real contract register."""
    ordered = sorted(contracts, key=lambda c: (c.start, c.issuer, c.customer_number, c.chain))
    room = LAST_CONTRACT_NUMBER - FIRST_CONTRACT_NUMBER
    if len(ordered) > room:
        raise ValueError(f"{len(ordered)} contracts do not fit in six-digit numbers")
    max_gap = max(1, min(5, room // max(1, len(ordered))))
    number = FIRST_CONTRACT_NUMBER
    for contract in ordered:
        number += rng.randint(1, max_gap)
        contract.number = f"C-{number:06d}"


def build_contracts(rng: Random, codes: list[CustomerCode], yesterday: date) -> list[Contract]:
    """All contracts of all codes, sorted by (issuer, customer_number, contract number)."""
    contracts: list[Contract] = []
    for code in codes:
        for chain in range(code.fleet_size):
            start = code.contract_start
            if chain:
                latest = min(yesterday, start + timedelta(days=FLEET_GROWTH_DAYS))
                start = random_date(rng, start, latest)
            contracts.extend(build_chain(rng, code, chain, start, yesterday))
    assign_contract_numbers(rng, contracts)
    contracts.sort(key=lambda c: (c.issuer, c.customer_number, c.number))
    return contracts


def random_price(rng: Random, kind: str) -> str:
    low, high = (int(Decimal(bound) * 100) for bound in PRICES[kind])
    return f"{Decimal(rng.randint(low, high)) / 100:.2f}"


def pick_vehicle(rng: Random, start: date) -> str:
    """Combustion cars before 2016, a mix until 2020, electrified after."""
    modern_share = 0.0 if start.year < 2016 else 0.5 if start.year < 2020 else 1.0
    pool = names.MODERN_VEHICLES if rng.random() < modern_share else names.CLASSIC_VEHICLES
    return rng.choice(pool)


def is_electric(vehicle: str) -> bool:
    return vehicle in names.MODERN_VEHICLES and "Hybrid" not in vehicle


def make_line(rng: Random, kind: str, contract: Contract) -> LineSpec:
    label = names.LINE_LABELS[kind][contract.language]
    tax = tax_of(kind, contract.treatment, contract.country, VAT_RATES[kind])
    if kind == "rent":
        era = "rent_modern" if contract.vehicle in names.MODERN_VEHICLES else "rent_classic"
        return LineSpec(f"{label} {contract.vehicle}", "1", random_price(rng, era), *tax)
    quantity = str(rng.randint(1, 3)) if kind == "fuel_card" else "1"
    return LineSpec(label, quantity, random_price(rng, kind), *tax)


def fill_lines(rng: Random, contract: Contract) -> None:
    """Rent plus up to two extras, and the totals every invoice of the contract repeats."""
    contract.vehicle = pick_vehicle(rng, contract.start)
    extras = ["maintenance", "insurance"]
    if contract.treatment == "domestic":  # fuel and chargers follow other rules abroad
        extras.append("fuel_card")
        if is_electric(contract.vehicle):
            extras.append("home_charger")
    kinds = ["rent", *rng.sample(extras, pick(rng, EXTRA_LINES))]
    contract.lines = tuple(make_line(rng, kind, contract) for kind in kinds)
    contract.totals = expected_totals_text(line._asdict() for line in contract.lines)


def fill_billed_contracts(rng: Random, contracts: list[Contract], since: date) -> None:
    """Lines only for contracts that bill inside the generated window (saves time)."""
    for contract in contracts:
        if contract.end >= since:
            fill_lines(rng, contract)
