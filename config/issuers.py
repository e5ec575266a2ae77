"""The group's issuing entities (R1) and their embedded defaults.

Issuers are configuration, not code: a third one is a settings entry
(`Settings.issuers`); these two are the defaults the generator, the demo and the
tests share.
"""

from __future__ import annotations

from pydantic import BaseModel


class Issuer(BaseModel):
    """A legal entity of the group that issues documents (R1)."""

    prefix: str
    name: str
    enterprise_number: str
    vat_number: str
    street: str
    postal_code: str
    city: str
    country: str = "BE"
    iban: str
    bic: str
    phone: str = ""
    email: str = ""
    website: str = ""


# Both entities of the group share the head office, its bank and switchboard.
_HEAD_OFFICE = {
    "street": "Karel Rogierplein 11",
    "postal_code": "1210",
    "city": "Brussel",
    "bic": "GKCCBEBB",
    "phone": "+32 2 285 17 11",
}


def group_entity(prefix: str, name: str, enterprise_number: str, iban: str, domain: str) -> Issuer:
    """An entity of the group at the head office; its VAT number is BE + its enterprise
    number (Belgian rule), its addresses are under its own domain."""
    return Issuer(
        prefix=prefix,
        name=name,
        enterprise_number=enterprise_number,
        vat_number=f"BE{enterprise_number}",
        iban=iban,
        email=f"invoices@{domain}",
        website=f"www.{domain}",
        **_HEAD_OFFICE,
    )


DEFAULT_ISSUERS: dict[str, Issuer] = {
    "DL2": group_entity(
        "DL2",
        "Belfius Lease Services NV",
        "0418711287",
        "BE62510007547061",
        "lease-services.example",
    ),
    "DL5": group_entity(
        "DL5",
        "Belfius Lease Belgium NV",
        "0448420211",
        "BE71096123456769",
        "lease-belgium.example",
    ),
}
