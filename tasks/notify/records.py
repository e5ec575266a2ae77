"""Plain records of the notification steps (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One document in a digest: what R24 says each line shows."""

    issuer: str
    document_number: str
    customer_code: str
    document_type: str  # invoice | credit_note
    issue_date: date
    amount_incl_vat: Decimal
    currency: str
    user_id: str  # whose access made the recipient hear of it
    purpose: str = "original"  # or "duplicate": a duplicate the recipient asked for (R23)


@dataclass(slots=True)
class Digest:
    """One e-mail to one person for one frequency and period (R24)."""

    digest_id: str
    recipient: str  # lower-case address: the grouping key
    address: str  # as written in master data
    frequency: str
    period: str
    user_id: str  # whose name and language the e-mail uses (the main contact first)
    role: str
    language: str
    first_name: str | None
    last_name: str | None
    lines: list[DigestLine] = field(default_factory=list)
    invite_user_id: str | None = None  # main contact of a not yet active account (R6)
    invitation_url: str | None = None

    @property
    def customer_codes(self) -> list[str]:
        return sorted({line.customer_code for line in self.lines})
