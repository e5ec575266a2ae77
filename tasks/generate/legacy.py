"""How the legacy system delivered each history document (issue 20, landing contract).

A plausible evolution, per customer code and stable across runs (hash-seeded, not drawn
from the other stages' streams, so the documents themselves keep their bytes):

- a customer whose e-invoicing form says `portal` or `network` moved to that channel on
  an adoption day between 2008 and the day before yesterday, later days more likely
  (square root of a uniform draw), so paper falls and the portal rises year by year;
  about a third of them received their PDF by e-mail in the two years before;
- a `paper` customer stays on paper;
- documents issued from the Peppol mandate (2026-01-01) to a Belgian company (an
  enterprise number) that would have gone by paper or the network mailbox went by
  Peppol, as the pipeline routes them (domain/routing.py).

Fields: legacy_channel, legacy_delivered_at (local time with its offset),
legacy_print_batch (paper) and legacy_message_id (e-mail, network, Peppol).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from .customers import CustomerCode

ZONE = ZoneInfo("Europe/Brussels")
FIRST_ADOPTION = date(2008, 5, 1)  # R22: the network mailbox's history starts in May 2008
PEPPOL_MANDATE = date(2026, 1, 1)
EMAIL_SHARE = 0.35
EMAIL_YEARS = 2
LEGACY_NAMESPACE = uuid.UUID("5b1f0c1e-8a2f-4a57-9d1c-2f0d6c1a7e20")


class LegacyPlan:
    """Per customer code: the day it left paper and whether e-mail came first."""

    def __init__(self, seed: int, code: CustomerCode, last_day: date) -> None:
        key = f"{seed}:legacy:{code.issuer}{code.customer_number}".encode()
        rng = Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
        span = (last_day - FIRST_ADOPTION).days
        self.electronic = code.channel_choice if code.channel_choice != "paper" else None
        self.adopted = FIRST_ADOPTION + timedelta(days=int(span * rng.random() ** 0.5))
        self.email_from = (
            self.adopted - timedelta(days=365 * EMAIL_YEARS)
            if rng.random() < EMAIL_SHARE
            else self.adopted
        )
        self.belgian_company = bool(code.party.enterprise_number) and code.party.country == "BE"

    def channel_on(self, issued: date) -> str:
        channel = "paper"
        if self.electronic and issued >= self.adopted:
            channel = self.electronic
        elif self.electronic and issued >= self.email_from:
            channel = "email"
        if issued >= PEPPOL_MANDATE and self.belgian_company and channel in ("paper", "network"):
            channel = "peppol"
        return channel


def local_moment(day: date, hour: int, minute: int) -> str:
    return datetime.combine(day, time(hour, minute), ZONE).isoformat()


def legacy_fields(document: dict, channel: str) -> dict:
    issuer, number = document["issuer"], document["document_number"]
    issued = date.fromisoformat(document["issue_date"])
    minute = int(number[-2:]) % 60
    fields = {"legacy_channel": channel, "legacy_print_batch": None, "legacy_message_id": None}
    if channel == "paper":  # printed overnight, handed to the post the next morning
        fields["legacy_delivered_at"] = local_moment(issued + timedelta(days=1), 9, minute)
        fields["legacy_print_batch"] = f"LEG-{issuer}-{issued + timedelta(days=1):%Y%m%d}"
        return fields
    fields["legacy_delivered_at"] = local_moment(issued, 5, minute)
    if channel == "email":
        fields["legacy_message_id"] = f"<{number}.{issuer}@mail.legacy.example>"
    elif channel == "network":
        fields["legacy_message_id"] = f"MUP-{issuer}-{number}"
    elif channel == "peppol":
        fields["legacy_message_id"] = str(uuid.uuid5(LEGACY_NAMESPACE, f"{issuer}/{number}"))
    return fields


def add_legacy_deliveries(
    documents: Iterable[dict], codes: list[CustomerCode], seed: int, last_day: date
) -> Iterator[dict]:
    """The history documents again, each with how the legacy system delivered it."""
    plans = {(c.issuer, c.customer_number): LegacyPlan(seed, c, last_day) for c in codes}
    for document in documents:
        plan = plans[(document["issuer"], document["customer_number"])]
        channel = plan.channel_on(date.fromisoformat(document["issue_date"]))
        yield document | legacy_fields(document, channel)
