"""Generated data for the analysts' tests (issue 20): one real night on generated landing
files (legacy history included, bad rows for the quarantine), then what a night alone
does not produce yet, generated with a seeded random stream: portal reads, digests over
several months with every outcome, Peppol failures and a crashed run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random

from flows.nightly import nightly
from tasks.generate import write_landing_files
from warehouse.store import insert_rows, open_writer, refresh_snapshot

AS_OF = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DIGEST_STATUSES = ("sent",) * 8 + ("soft_bounce", "hard_bounce", "failed", "queued")


def reads(rng: Random, published: list[tuple]) -> list[dict]:
    rows = []
    for issuer, number, at in published:
        if rng.random() < 0.4:
            continue  # never opened
        for reader in range(rng.choice((1, 1, 2))):
            opened = at + timedelta(hours=rng.randint(1, 24 * 40), minutes=rng.randint(0, 59))
            rows.append(
                {"person_id": f"P{reader}", "issuer": issuer,
                 "document_number": number, "first_read_at": opened}
            )  # fmt: skip
    return rows


def digests(rng: Random, count: int) -> list[dict]:
    rows = []
    for i in range(count):
        queued = NOW - timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 23))
        status = rng.choice(DIGEST_STATUSES)
        rows.append(
            {"digest_id": f"gen-{i}", "recipient": f"p{i % 37}@example.be",
             "frequency": rng.choice(("immediate", "daily", "weekly")), "period": f"p{i}",
             "address": f"p{i % 37}@example.be", "user_id": f"U{i % 37}", "role": "main",
             "language": "nl", "documents": rng.randint(1, 6), "customer_codes": ["DL50000001"],
             "invitation": False, "message_id": f"<gen-{i}@x>", "spooled": False,
             "status": status, "attempts": 1, "queued_at": queued,
             "sent_at": None if status == "queued" else queued + timedelta(minutes=1),
             "outcome_audited": True, "run_id": "generated"}
        )  # fmt: skip
    return rows


def peppol_failures(rng: Random, peppol: list[tuple], run_id: str) -> list[dict]:
    rules = ("BR-CO-15", "PEPPOL-EN16931-R003", "BR-S-08")
    rows = []
    for issuer, number, code in peppol[:5]:
        for rule in rng.sample(rules, rng.randint(1, 2)):
            rows.append(
                {"issuer": issuer, "document_number": number, "purpose": "original",
                 "customer_code": code, "layer": "en16931", "rule_id": rule, "flag": "fatal",
                 "text": "generated", "location": None, "run_id": run_id, "failed_at": NOW}
            )  # fmt: skip
    return rows


def build_analyst_data(data_dir: Path, customers: int = 40, years: int = 8) -> dict:
    """The night's summary; the snapshot is refreshed after the generated additions."""
    write_landing_files(
        data_dir / "landing", customers=customers, years=years, seed=11, as_of=AS_OF, bad_rows=1
    )
    summary = nightly(as_of=AS_OF.isoformat(), data_dir=str(data_dir))
    rng = Random(20)
    database = data_dir / "warehouse.duckdb"
    with open_writer(database, "test") as con:
        published = con.execute(
            "SELECT issuer, document_number, dispatched_at FROM deliveries "
            "WHERE channel = 'portal' AND status = 'published' ORDER BY 1, 2"
        ).fetchall()
        peppol = con.execute(
            "SELECT issuer, document_number, customer_code FROM deliveries "
            "WHERE channel = 'peppol' ORDER BY 1, 2"
        ).fetchall()
        insert_rows(con, "document_reads", reads(rng, published))
        insert_rows(con, "digests", digests(rng, 400))
        insert_rows(con, "peppol_failures", peppol_failures(rng, peppol, summary["run_id"]))
        crashed = {"run_id": "crashed-run", "flow": "nightly", "as_of": NOW - timedelta(days=1),
                   "started_at": NOW - timedelta(days=1), "status": "crashed",
                   "summary": json.dumps({"timings_seconds": {"ingest": 4.0}})}  # fmt: skip
        insert_rows(con, "runs", [crashed])
    refresh_snapshot(database, data_dir / "snapshot.duckdb")
    return summary
