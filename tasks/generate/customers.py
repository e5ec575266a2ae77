"""Customer master data: main contacts and the customer codes they hold (R1-R5, R15).

A "holding" is one main contact (one e-mail, hence one account, R5) with the customer
codes it is main contact for: usually one, for ~15% of contacts a group of 2-5 codes,
possibly at both issuers (R1, R2).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from random import Random

from . import names
from .vat import EU_STANDARD_RATES, make_vat_id

EARLIEST_START = date(2005, 1, 1)
GROUP_SHARE = 0.15
GROUP_SIZES = ((2, 50), (3, 25), (4, 15), (5, 10))
# Groups are mostly company groups; singles are weighted so that per customer code the
# mix comes out near B2B 60%, B2C 30%, foreign 10%.
SINGLE_SEGMENTS = (("b2b", 49), ("b2c", 39), ("foreign", 12))
GROUP_SEGMENTS = (("b2b", 85), ("b2c", 10), ("foreign", 5))
# R15: what the customer ticked on the e-invoicing form signed with the contract.
CHANNELS = (("paper", 50), ("portal", 35), ("network", 15))
# Vehicles leased in parallel by one customer code; companies run fleets.
FLEET_SIZES = ((1, 40), (2, 25), (3, 15), (4, 10), (6, 5), (10, 5))
SAME_COMPANY_OTHER_ISSUER = 0.3
HOME_ISSUER_SHARE = 0.85
OWN_LANGUAGE = 0.92
FOREIGN_COMPANY = 0.5
ENTERPRISE_NUMBER_STARTING_WITH_1 = 0.1
# Issue 17: a Belgian company's VAT number is BE + its enterprise number, unless it is
# not VAT-registered (a non-profit, a holding without taxable activity).
NOT_VAT_REGISTERED = 0.05
# Good customer numbers stay below this; bad rows and unknown references live above.
MAX_GOOD_CUSTOMER_NUMBER = 7_999_999

CSV_HEADER = (
    "issuer", "customer_number", "name", "enterprise_number", "street", "postal_code",
    "city", "country", "language", "contract_start", "contact_email", "contact_first_name",
    "contact_last_name", "contact_language", "channel_choice", "vat_id",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Party:
    """The company or person behind a customer code."""

    segment: str  # b2b | b2c | foreign
    name: str
    enterprise_number: str
    street: str
    postal_code: str
    city: str
    country: str
    language: str
    vat_id: str = ""  # landing contract v2; empty: none


@dataclass(frozen=True, slots=True)
class Contact:
    """The main contact of a customer code (R4: only these fields leave the system)."""

    email: str
    first_name: str
    last_name: str
    language: str


@dataclass(frozen=True, slots=True)
class CustomerCode:
    issuer: str
    customer_number: str
    party: Party
    contact: Contact
    contract_start: date
    channel_choice: str
    fleet_size: int


@dataclass(slots=True)
class Registry:
    """Values that must stay unique across the whole file."""

    emails: set[str]
    enterprise_numbers: set[str]


def pick(rng: Random, table: tuple[tuple[str | int, int], ...]):
    """Weighted choice from ((value, weight), ...)."""
    values = [value for value, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(values, weights)[0]


def random_date(rng: Random, low: date, high: date) -> date:
    return date.fromordinal(rng.randint(low.toordinal(), high.toordinal()))


def to_ascii_slug(text: str) -> str:
    """'Lefèvre' -> 'lefevre', "D'Hondt" -> 'dhondt' (e-mail local parts stay ASCII)."""
    text = text.replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


def make_enterprise_number(rng: Random, registry: Registry) -> str:
    """A fresh 10-digit Belgian enterprise number with a valid mod-97 check (R3)."""
    while True:
        first = "1" if rng.random() < ENTERPRISE_NUMBER_STARTING_WITH_1 else "0"
        body = int(first + f"{rng.randint(200_000, 9_999_999):07d}")
        number = f"{body:08d}{97 - body % 97:02d}"
        if number not in registry.enterprise_numbers:
            registry.enterprise_numbers.add(number)
            return number


def make_email(rng: Random, first: str, last: str, registry: Registry) -> str:
    """Lowercase ASCII, unique per main contact (one e-mail, one account: R5)."""
    # Greek or Cyrillic names have no ASCII letters to keep: a neutral local part then.
    local = f"{to_ascii_slug(first)}.{to_ascii_slug(last)}".strip(".") or "contact"
    domain = rng.choice(names.EMAIL_DOMAINS)
    email, suffix = f"{local}@{domain}", 1
    while email in registry.emails:
        suffix += 1
        email = f"{local}{suffix}@{domain}"
    registry.emails.add(email)
    return email


def pick_country(rng: Random, segment: str) -> str:
    return pick(rng, names.FOREIGN_COUNTRIES) if segment == "foreign" else "BE"


def pick_language(rng: Random, country: str) -> str:
    if country == "BE":
        return pick(rng, names.BELGIAN_LANGUAGES)
    return pick(rng, names.COUNTRY_LANGUAGES[country])


def pick_person_name(rng: Random, language: str, country: str) -> tuple[str, str]:
    if country in names.COUNTRY_NAMES:
        firsts, lasts = names.COUNTRY_NAMES[country]
        return rng.choice(firsts), rng.choice(lasts)
    surnames = names.LAST_NAMES["NL" if country == "NL" else language]
    return rng.choice(names.FIRST_NAMES[language]), rng.choice(surnames)


def make_street(rng: Random, language: str, country: str) -> str:
    street = rng.choice(names.STREETS[language if country == "BE" else country])
    number = rng.randint(1, 250)
    if country in names.NUMBER_FIRST_COUNTRIES:
        return f"{number} {street}"
    if country == "BE" and rng.random() < 0.1:
        return f"{street} {number} {names.BOX_WORD[language]} {rng.randint(1, 30)}"
    return f"{street} {number}"


def make_company_name(rng: Random, language: str, country: str) -> str:
    forms = names.LEGAL_FORMS[language if country == "BE" else country]
    _, surname = pick_person_name(rng, language, country)
    activity = rng.choice(names.ACTIVITIES[language])
    if language == "fr" and country in ("BE", "FR", "LU"):
        return f"{activity} {surname} {rng.choice(forms)}"
    return f"{surname} {activity} {rng.choice(forms)}"


def make_party(
    rng: Random, segment: str, country: str, language: str, person: str, registry: Registry
) -> Party:
    is_company = segment == "b2b" or (segment == "foreign" and rng.random() < FOREIGN_COMPANY)
    postal_code, city = rng.choice(
        names.BELGIAN_PLACES[language] if country == "BE" else names.FOREIGN_PLACES[country]
    )
    enterprise_number = make_enterprise_number(rng, registry) if segment == "b2b" else ""
    return Party(
        segment=segment,
        name=make_company_name(rng, language, country) if is_company else person,
        # Only Belgian companies have an enterprise number: that makes them B2B (R3).
        enterprise_number=enterprise_number,
        street=make_street(rng, language, country),
        postal_code=postal_code,
        city=city,
        country=country,
        language=language,
        vat_id=pick_vat_id(rng, country, enterprise_number, is_company),
    )


def pick_vat_id(rng: Random, country: str, enterprise_number: str, is_company: bool) -> str:
    """Belgian companies: BE + enterprise number (most); companies elsewhere in the EU:
    their own VAT number; people and companies outside the EU: none in master data."""
    if enterprise_number:
        return "" if rng.random() < NOT_VAT_REGISTERED else f"BE{enterprise_number}"
    if is_company and country in EU_STANDARD_RATES:
        return make_vat_id(rng, country)
    return ""


def pick_party_language(rng: Random, segment: str, contact_language: str) -> str:
    """A company may sit in another region than its fleet manager's language."""
    if segment != "b2b" or rng.random() < OWN_LANGUAGE:
        return contact_language
    return pick(rng, names.BELGIAN_LANGUAGES)


def pick_issuer(rng: Random, issuers: tuple[str, ...], home: str, taken: set[str]) -> str:
    """A party seen before goes to an issuer it is not yet a customer of (same company
    at both issuers); a new one mostly to the group's usual issuer."""
    if taken:
        free = [issuer for issuer in issuers if issuer not in taken]
        return rng.choice(free or list(issuers))
    return home if rng.random() < HOME_ISSUER_SHARE else rng.choice(issuers)


def build_parties(
    rng: Random, size: int, segment: str, contact: Contact, country: str, registry: Registry
) -> list[Party]:
    """The parties behind a holding's codes; some reappear at the other issuer."""
    person = f"{contact.first_name} {contact.last_name}"
    parties: list[Party] = []
    for _ in range(size):
        reuse = segment != "b2b" or rng.random() < SAME_COMPANY_OTHER_ISSUER
        if parties and reuse:
            parties.append(rng.choice(parties))
            continue
        language = pick_party_language(rng, segment, contact.language)
        parties.append(make_party(rng, segment, country, language, person, registry))
    return parties


def build_holding(
    rng: Random,
    size: int,
    issuers: tuple[str, ...],
    yesterday: date,
    registry: Registry,
) -> list[CustomerCode]:
    """One main contact and its `size` customer codes (numbers assigned later)."""
    segment = pick(rng, GROUP_SEGMENTS if size > 1 else SINGLE_SEGMENTS)
    country = pick_country(rng, segment)
    language = pick_language(rng, country)
    first, last = pick_person_name(rng, language, country)
    contact = Contact(make_email(rng, first, last, registry), first, last, language)
    home = rng.choice(issuers)
    issuers_of: dict[int, set[str]] = {}  # id(party) -> issuers it is a customer of
    codes = []
    for party in build_parties(rng, size, segment, contact, country, registry):
        taken = issuers_of.setdefault(id(party), set())
        issuer = pick_issuer(rng, issuers, home, taken)
        taken.add(issuer)
        codes.append(
            CustomerCode(
                issuer=issuer,
                customer_number="",
                party=party,
                contact=contact,
                contract_start=random_date(rng, min(EARLIEST_START, yesterday), yesterday),
                channel_choice=pick(rng, CHANNELS),
                fleet_size=pick(rng, FLEET_SIZES) if segment == "b2b" else 1,
            )
        )
    return codes


def assign_customer_numbers(rng: Random, codes: list[CustomerCode]) -> list[CustomerCode]:
    """Numbers grow with the customer's start date, per issuer, with gaps (R2).

    Returns the codes sorted by (issuer, customer_number), the CSV order.
    """
    numbered: list[CustomerCode] = []
    for issuer in sorted({code.issuer for code in codes}):
        own = sorted(
            (c for c in codes if c.issuer == issuer), key=lambda c: c.contract_start
        )  # stable: ties keep creation order, so the result is deterministic
        max_gap = max(1, min(40, 7_000_000 // max(1, len(own))))
        number = rng.randint(100, 2_000)
        for code in own:
            number += rng.randint(1, max_gap)
            numbered.append(replace(code, customer_number=f"{number:07d}"))
        if number > MAX_GOOD_CUSTOMER_NUMBER:
            raise ValueError(f"too many customers for issuer {issuer}")
    return numbered


def build_customer_codes(
    rng: Random,
    count: int,
    issuers: tuple[str, ...],
    yesterday: date,
    registry: Registry,
    first: list[CustomerCode] | None = None,
) -> list[CustomerCode]:
    """Exactly `count` customer codes, grouped under main contacts; `first` (the
    showcase, issue 17) among them when it fits."""
    codes: list[CustomerCode] = list(first or [])[:count]
    while len(codes) < count:
        size = pick(rng, GROUP_SIZES) if rng.random() < GROUP_SHARE else 1
        size = min(size, count - len(codes))
        codes.extend(build_holding(rng, size, issuers, yesterday, registry))
    return assign_customer_numbers(rng, codes)


def to_csv_row(code: CustomerCode) -> list[str]:
    party, contact = code.party, code.contact
    return [
        code.issuer,
        code.customer_number,
        party.name,
        party.enterprise_number,
        party.street,
        party.postal_code,
        party.city,
        party.country,
        party.language,
        code.contract_start.isoformat(),
        contact.email,
        contact.first_name,
        contact.last_name,
        contact.language,
        code.channel_choice,
        party.vat_id,
    ]
