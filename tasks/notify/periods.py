"""Digest periods, idempotency keys and the retry schedule: pure rules, time passed in.

A digest is one e-mail per recipient, frequency and period (R24). Its id is derived
from that key, and so is its Message-ID, so a resend after a crash carries the same
Message-ID as the first copy (detectable, harmless duplicate).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

FREQUENCIES = ("immediate", "daily", "weekly")


def period_of(frequency: str, as_of: datetime) -> str:
    """immediate: the run itself; daily: the local day; weekly: the ISO week (Monday)."""
    if frequency == "immediate":
        return as_of.isoformat(timespec="seconds")
    if frequency == "daily":
        return as_of.date().isoformat()
    if frequency == "weekly":
        year, week, _ = as_of.isocalendar()
        return f"{year}-W{week:02d}"
    raise ValueError(f"unknown frequency {frequency!r}: use one of {', '.join(FREQUENCIES)}")


def digest_key(recipient: str, frequency: str, period: str) -> str:
    """The digest's idempotency key, as a short id (no address in clear)."""
    text = "\n".join((recipient.strip().lower(), frequency, period))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def message_id(digest_id: str, sender_domain: str) -> str:
    return f"<digest.{digest_id}@{sender_domain}>"


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Exponential backoff after a soft failure: base, 2×base, 4×base … capped."""
    exponent = max(0, attempts - 1)
    return timedelta(seconds=min(max_seconds, base_seconds * 2**exponent))
