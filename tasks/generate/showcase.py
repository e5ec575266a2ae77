"""Customers every generated data set of 8 codes or more holds, so that the demo shows
each VAT treatment and each script at least once (issue 17).

One customer code each: a Belgian company with its BE VAT number, companies in Poland
and Czechia with theirs (reverse charge), people in Romania and Greece (their country's
VAT, art. 56(2) Directive 2006/112/EC), people living in Belgium with Turkish and
Ukrainian names (Belgian VAT), a Turkish company (outside the EU: not subject).
Names in Latin Extended, Greek and Cyrillic scripts.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from .customers import (
    CHANNELS,
    Contact,
    CustomerCode,
    Party,
    Registry,
    make_email,
    pick,
    random_date,
)
from .vat import make_vat_id

# (segment, name, enterprise number, street, postal code, city, country, language,
#  contact first name, contact last name, VAT id kind: "be" | "eu" | "")
SHOWCASE = (
    ("b2b", "Conseil Hubert SRL", "0399294758", "Rue de Fléron 12", "4000", "Liège", "BE",
     "fr", "Hélène", "Hubert", "be"),
    ("foreign", "Wójcik Transport sp. z o.o.", "", "ul. Długa 7", "30-001", "Kraków", "PL",
     "en", "Łukasz", "Wójcik", "eu"),
    ("foreign", "Dvořák Stavby s.r.o.", "", "Národní třída 3", "110 00", "Praha 1", "CZ",
     "en", "Kateřina", "Dvořák", "eu"),
    ("foreign", "Ştefan Dumitrescu", "", "Strada Şelari 9", "010011", "Bucureşti", "RO",
     "en", "Ştefan", "Dumitrescu", ""),
    ("foreign", "Γιώργος Παπαδόπουλος", "", "Οδός Ερμού 21", "105 63", "Αθήνα", "GR",
     "en", "Γιώργος", "Παπαδόπουλος", ""),
    ("b2c", "Emre Yılmaz", "", "Sleepstraat 40", "9000", "Gent", "BE", "nl", "Emre",
     "Yılmaz", ""),
    ("b2c", "Олена Шевченко", "", "Avenue Louise 120", "1050", "Bruxelles", "BE", "en",
     "Олена", "Шевченко", ""),
    ("foreign", "Yılmaz Lojistik A.Ş.", "", "İstiklal Caddesi 5", "34000", "İstanbul", "TR",
     "en", "Ayşe", "Yılmaz", ""),
)  # fmt: skip
# Contracts run 36-60 months: a start in the last two years bills tonight.
SHOWCASE_START_WINDOW = timedelta(days=2 * 365)


def build_showcase(
    rng: Random, issuers: tuple[str, ...], yesterday: date, registry: Registry
) -> list[CustomerCode]:
    codes = []
    for (segment, name, number, street, postal, city, country, language, first, last,
         vat_kind) in SHOWCASE:  # fmt: skip
        if number:
            registry.enterprise_numbers.add(number)
        vat_id = f"BE{number}" if vat_kind == "be" else ""
        if vat_kind == "eu":
            vat_id = make_vat_id(rng, country)
        party = Party(segment, name, number, street, postal, city, country, language, vat_id)
        contact = Contact(make_email(rng, first, last, registry), first, last, language)
        start = random_date(rng, yesterday - SHOWCASE_START_WINDOW, yesterday)
        codes.append(
            CustomerCode(rng.choice(issuers), "", party, contact, start, pick(rng, CHANNELS), 1)
        )
    return codes
