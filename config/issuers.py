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


DEFAULT_ISSUERS: dict[str, Issuer] = {
    "DL2": Issuer(
        prefix="DL2",
        name="Belfius Lease Services NV",
        enterprise_number="0418711287",
        vat_number="BE0418711287",
        street="Karel Rogierplein 11",
        postal_code="1210",
        city="Brussel",
        iban="BE62510007547061",
        bic="GKCCBEBB",
        phone="+32 2 285 17 11",
        email="invoices@lease-services.example",
        website="www.lease-services.example",
    ),
    "DL5": Issuer(
        prefix="DL5",
        name="Belfius Lease Belgium NV",
        enterprise_number="0448420211",
        vat_number="BE0448420211",
        street="Karel Rogierplein 11",
        postal_code="1210",
        city="Brussel",
        iban="BE71096123456769",
        bic="GKCCBEBB",
        phone="+32 2 285 17 11",
        email="invoices@lease-belgium.example",
        website="www.lease-belgium.example",
    ),
}
