"""Bounces (R25): delivery status notifications from a Maildir, and refusals during
the SMTP conversation, recorded per address with their kind; repeated hard bounces
flag the address for operators, who see it with its customer references (R31).

A bounce changes the e-mail's record, never the document: it stays available in the
portal whatever happens to the e-mail.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from tasks.notify.dsn import STATUS, BounceReport, classify_status, parse_dsn
from tasks.notify.periods import retry_delay
from tasks.notify.settings import RetryPolicy
from warehouse.audit import AuditEvent, append_events
from warehouse.store import load_sql, run_sql, transaction


@dataclass
class BounceIngest:
    messages: int = 0
    not_dsn: int = 0
    recorded: int = 0
    already_recorded: int = 0
    by_category: Counter = field(default_factory=Counter)
    newly_flagged: list[str] = field(default_factory=list)


def unseen_messages(maildir: Path) -> list[Path]:
    """Messages of a Maildir not yet marked seen (flag S), in new/ and cur/."""
    if not all((maildir / sub).is_dir() for sub in ("new", "cur", "tmp")):
        raise FileNotFoundError(f"{maildir} is not a Maildir (needs cur/, new/, tmp/)")
    found = []
    for sub in ("new", "cur"):
        for path in sorted((maildir / sub).iterdir()):
            info = path.name.partition(":2,")[2]
            if not path.name.startswith(".") and "S" not in info:
                found.append(path)
    return found


def mark_seen(maildir: Path, path: Path) -> None:
    base, _, info = path.name.partition(":2,")
    os.replace(path, maildir / "cur" / f"{base}:2,{''.join(sorted(set(info + 'S')))}")


def bounce_row(report: BounceReport, source: str, key: bytes, now: datetime) -> dict:
    bounce_id = hashlib.sha256(key + b"\n" + report.address.encode()).hexdigest()[:32]
    return {
        "bounce_id": bounce_id,
        "address": report.address,
        "kind": report.kind,
        "category": report.category,
        "action": report.action,
        "status_code": report.status_code,
        "diagnostic": report.diagnostic,
        "digest_id": report.digest_id,
        "source": source,
        "recorded_at": now,
    }


def smtp_refusal(address: str, digest_id: str, error: Exception) -> BounceReport:
    """A 5xx during the conversation, classified and recorded like a DSN (R25), with its
    status code: the enhanced one in the reply (RFC 3463, "550 5.1.1 …" → 5.1.1), else
    the reply code's class as X.0.0 ("550 …" → 5.0.0, RFC 3463 "other undefined")."""
    text = str(error)
    kind, category = classify_status(text, "failed")
    code = reply_status_code(text)
    return BounceReport(address.lower(), "refused", code, "hard", category, text[:500], digest_id)


def reply_status_code(reply: str) -> str | None:
    enhanced = STATUS.search(reply)
    if enhanced:
        return enhanced.group(0)
    basic = re.match(r"\s*([245])\d\d\b", reply)
    return f"{basic.group(1)}.0.0" if basic else None


def bounce_outcome(bounce: dict, status: str, attempts: int, as_of, retry: RetryPolicy):
    """What a new bounce does to its digest: hard → hard_bounce; a failed soft one is
    resent later with backoff (R25) until max_attempts; a delay notice changes nothing."""
    if status not in ("sent", "soft_bounce") or bounce["action"] == "delayed":
        return None
    error = f"{bounce['category']}: {bounce['diagnostic'] or bounce['status_code']}"
    if bounce["kind"] == "hard":
        return {"status": "hard_bounce", "next_attempt_at": None, "last_error": error}
    if attempts >= retry.max_attempts:
        return {"status": "failed", "next_attempt_at": None, "last_error": f"gave up: {error}"}
    delay = retry_delay(attempts, retry.backoff_base_seconds, retry.backoff_max_seconds)
    return {"status": "soft_bounce", "next_attempt_at": as_of + delay, "last_error": error}


def record_bounces(con, rows: list[dict], as_of, retry: RetryPolicy, actor: str) -> list[dict]:
    """Insert bounces (inside the caller's transaction); returns the new ones."""
    if not rows:
        return []
    con.register("bounce_batch", pa.Table.from_pylist(rows))
    try:
        names = ("bounce_id", "address", "kind", "category", "action", "digest_id")
        new = [
            dict(zip(names, r, strict=True))
            for r in run_sql(con, load_sql("notify_insert_bounces"))
        ]
    finally:
        con.unregister("bounce_batch")
    by_id = {r["bounce_id"]: r for r in rows}
    events = []
    for bounce in new:
        bounce |= {k: by_id[bounce["bounce_id"]][k] for k in ("diagnostic", "status_code")}
        events.append(
            AuditEvent(
                "bounce_recorded",
                bounce["digest_id"] or bounce["bounce_id"],
                {k: bounce[k] for k in ("kind", "category", "action")},
                actor,
            )
        )
        if bounce["digest_id"] and bounce["action"] != "refused":
            state = run_sql(
                con, load_sql("notify_digest_state"), {"digest_id": bounce["digest_id"]}
            )
            outcome = state and bounce_outcome(bounce, *state[0], as_of, retry)
            if outcome:
                params = {
                    "digest_id": bounce["digest_id"],
                    "attempts": state[0][1],
                    "sent_at": None,
                }
                run_sql(con, load_sql("notify_set_outcome"), params | outcome)
    append_events(con, events)
    return new


def flag_addresses(con, threshold: int, actor: str) -> list[str]:
    """Flag addresses with `threshold` or more hard bounces; returns the new ones."""
    now = datetime.now(UTC)
    rows = run_sql(con, load_sql("notify_flag_addresses"), {"now": now, "threshold": threshold})
    new = [address for address, _, flagged_at in rows if flagged_at == now]
    append_events(
        con,
        [
            AuditEvent(
                "address_flagged",
                hashlib.sha256(a.encode()).hexdigest()[:16],
                {"hard_bounces": n},
                actor,
            )
            for a, n, flagged_at in rows
            if flagged_at == now
        ],
    )
    return new


def ingest_bounces(con, maildir: Path, as_of, retry: RetryPolicy, threshold: int, actor: str):
    """`iportal bounces ingest`: every unseen message of the Maildir, once."""
    result, now = BounceIngest(), datetime.now(UTC)
    paths = unseen_messages(maildir)
    rows = []
    for path in paths:
        data = path.read_bytes()
        reports = parse_dsn(data)
        result.messages += 1
        result.not_dsn += not reports
        rows += [bounce_row(r, "dsn", data, now) for r in reports]
    rows = list({r["bounce_id"]: r for r in rows}.values())  # a DSN may repeat a recipient
    with transaction(con):
        new = record_bounces(con, rows, as_of, retry, actor)
        result.newly_flagged = flag_addresses(con, threshold, actor)
    for path in paths:
        mark_seen(maildir, path)
    result.recorded = len(new)
    result.already_recorded = len(rows) - len(new)
    result.by_category = Counter(f"{b['kind']}/{b['category']}" for b in new)
    return result


def flagged_addresses(con) -> list[dict]:
    cursor = con.execute(load_sql("notify_flagged_addresses"))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
