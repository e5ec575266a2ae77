"""Delivery status notifications (RFC 3464) and their classification (R25): pure
functions over the bytes of one message, no I/O.

Kinds: hard (do not retry; counts towards flagging the address) and soft (retry).
Categories: unknown_address (x.1.x), mailbox_full (x.2.2, soft even as 5.2.2),
blocked (x.7.x: spam filter, policy), other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from email.parser import BytesHeaderParser

STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
DIGEST_ID = re.compile(r"<digest\.([0-9a-f]{32})@")


@dataclass(frozen=True, slots=True)
class BounceReport:
    """One recipient of one DSN, classified."""

    address: str
    action: str  # failed | delayed | refused
    status_code: str | None
    kind: str  # hard | soft
    category: str  # unknown_address | mailbox_full | blocked | other
    diagnostic: str
    digest_id: str | None


def classify_status(status_code: str | None, action: str = "failed") -> tuple[str, str]:
    """(kind, category) of an enhanced status code (RFC 3463) and a DSN action."""
    match = STATUS.search(status_code or "")
    if match is None:
        return ("soft" if action == "delayed" else "hard"), "other"
    klass, subject, detail = (int(g) for g in match.groups())
    soft = klass == 4 or action == "delayed"
    if subject == 2 and detail == 2:
        return "soft", "mailbox_full"
    if subject == 1:
        return ("soft" if soft else "hard"), "unknown_address"
    if subject == 7:
        return ("soft" if soft else "hard"), "blocked"
    return ("soft" if soft else "hard"), "other"


def address_of(field: str | None) -> str:
    """`rfc822; an@example.be` → `an@example.be` (lower-case)."""
    value = str(field or "").split(";", 1)[-1]
    return value.strip().strip("<>").strip().lower()


def original_digest_id(report: Message) -> str | None:
    """Our Message-ID or X-IPortal-Digest from the returned message or its headers."""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            headers = BytesHeaderParser().parsebytes(part.get_payload(decode=True) or b"")
        elif kind == "message/rfc822":
            payload = part.get_payload()
            headers = payload[0] if isinstance(payload, list) and payload else None
        else:
            continue
        if headers is None:
            continue
        if digest := (headers.get("X-IPortal-Digest") or "").strip():
            return digest if re.fullmatch(r"[0-9a-f]{32}", digest) else None
        if match := DIGEST_ID.search(str(headers.get("Message-ID") or "")):
            return match.group(1)
    return None


def delivery_status_blocks(report: Message) -> list[Message]:
    for part in report.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            return payload if isinstance(payload, list) else []
    return []


def parse_dsn(data: bytes) -> list[BounceReport]:
    """Every failed or delayed recipient of a DSN; [] when it is not one."""
    report = message_from_bytes(data, policy=policy.compat32)
    if report.get_content_type() != "multipart/report":
        return []
    if (report.get_param("report-type") or "").lower() != "delivery-status":
        return []
    blocks = delivery_status_blocks(report)
    digest_id = original_digest_id(report)
    found = []
    for block in blocks[1:]:  # the first block is about the message, the rest per recipient
        action = str(block.get("Action") or "").strip().lower()
        if action not in ("failed", "delayed"):
            continue  # delivered, relayed, expanded: not a problem
        recipient = address_of(block.get("Final-Recipient") or block.get("Original-Recipient"))
        if not recipient:
            continue
        diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
        status = str(block.get("Status") or "").strip() or None
        if status is None and (match := STATUS.search(diagnostic)):
            status = match.group(0)
        kind, category = classify_status(status, action)
        found.append(
            BounceReport(recipient, action, status, kind, category, diagnostic[:500], digest_id)
        )
    return found
