"""Concurrency (issue 10): a nightly, a backfill, a digest run and an analyst query at
the same time, each in its own process, complete, and leave the warehouse as running
them one after another does (deliveries, digests, audit events, modulo run ids, times
and random tokens).

The three runs are chosen so that their order does not change the outcome: tonight's
documents belong to customer codes whose contacts get immediate digests, the daily
digest run has documents of other codes waiting since the night before, and the
backfill is for a third code. What they share is the warehouse (one writer at a time,
DESIGN rule 3), the spool, the outbox and the snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tasks.generate import write_landing_files
from tests.reliability.invariants import check_invariants
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
ENV = {"IPORTAL_BATCH_SIZE": "10", "IPORTAL_RENDER_WORKERS": "1"}
QUERY = "SELECT count(*) AS deliveries FROM delivery_history"
RUN_ENTITY = "entity IN (SELECT run_id FROM runs)"


def runs(data_dir: Path, backfill_code: str) -> dict[str, list[str]]:
    where = ["--data-dir", str(data_dir)]
    return {
        "nightly": ["nightly", "--as-of", "2026-11-29", "--json", *where],
        "backfill": ["backfill", "--customer-code", backfill_code, "--as-of", "2026-11-29",
                     "--json", *where],
        "digest": ["digest", "--frequency", "daily", "--as-of", "2026-11-29T07:00", "--json",
                   *where],
        "sql": ["sql", QUERY, "--format", "json", *where],
    }  # fmt: skip


def write_night(data_dir: Path, codes: list[str], day: str, prefix: str) -> int:
    """A night's invoices for these customer codes: stored ones under new numbers."""
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        rows = con.execute(
            "SELECT issuer, customer_number, contract_number, lines::VARCHAR, total_excl_vat, "
            "total_vat, total_incl_vat, payment_reference FROM documents "
            "WHERE document_type = 'invoice' AND customer_code IN (SELECT unnest(?)) "
            "ORDER BY document_number LIMIT 20",
            [codes],
        ).fetchall()
    with (data_dir / "landing" / f"documents_{day}.jsonl").open("w") as handle:
        for i, (issuer, customer, contract, lines, excl, vat, incl, ref) in enumerate(rows):
            document = {
                "issuer": issuer, "document_number": f"{prefix}{i:05d}",
                "document_type": "invoice", "issue_date": day, "due_date": "2026-12-31",
                "customer_number": customer, "contract_number": contract, "currency": "EUR",
                "lines": json.loads(lines), "total_excl_vat": str(excl), "total_vat": str(vat),
                "total_incl_vat": str(incl), "payment_reference": ref,
                "credited_document_number": None,
            }  # fmt: skip
            handle.write(json.dumps(document) + "\n")
    return len(rows)


@pytest.fixture(scope="module")
def prepared(zygote, tmp_path_factory) -> tuple[Path, str]:
    """Night 1; the contacts of a third of the accounts switch to daily digests (R11);
    night 2 brings their documents (waiting for the daily digest); night 3's file is
    landed for another third; the backfill is for a code of the last third."""
    base = tmp_path_factory.mktemp("concurrency") / "base"
    write_landing_files(base / "landing", customers=9, years=1, seed=7, as_of=date(2026, 11, 27))
    log = base.parent / "prepare.log"
    where = ["--data-dir", str(base)]
    assert zygote.run(["nightly", "--as-of", "2026-11-27", *where], log, ENV) == 0
    with open_writer(base / "warehouse.duckdb", "test") as con:
        by_account = con.execute(
            "SELECT account_id, list(customer_code ORDER BY customer_code) "
            "FROM account_customer_codes GROUP BY ALL ORDER BY account_id"
        ).fetchall()
        daily = [codes for i, (_, codes) in enumerate(by_account) if i % 3 == 0]
        immediate = [codes for i, (_, codes) in enumerate(by_account) if i % 3 == 1]
        backfill = [codes for i, (_, codes) in enumerate(by_account) if i % 3 == 2]
        daily_accounts = [a for i, (a, _) in enumerate(by_account) if i % 3 == 0]
        con.execute(
            "UPDATE users SET frequency = 'daily' WHERE account_id IN (SELECT unnest(?))",
            [daily_accounts],
        ).fetchall()
    daily_codes = [c for codes in daily for c in codes]
    immediate_codes = [c for codes in immediate for c in codes]
    assert write_night(base, daily_codes, "2026-11-28", "2026-97") > 0
    assert zygote.run(["nightly", "--as-of", "2026-11-28", *where], log, ENV) == 0
    backfill_code = backfill[0][0]
    assert write_night(base, immediate_codes, "2026-11-29", "2026-98") > 0
    return base, backfill_code


def start(argv: list[str], api_url: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PREFECT_API_URL=api_url, **ENV)
    return subprocess.Popen(
        [sys.executable, "-m", "iportal", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )


def outcome(data_dir: Path) -> dict[str, Counter]:
    """What the runs decided, without run ids, times, random tokens or who did it."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:

        def bag(sql: str) -> Counter:
            return Counter(con.execute(sql).fetchall())

        return {
            "deliveries": bag(
                "SELECT issuer, document_number, channel, purpose, customer_code, status, "
                "reason, is_copy, print_batch_id IS NULL FROM deliveries"
            ),
            "digests": bag(
                "SELECT recipient, frequency, period, documents, status, message_id, "
                "customer_codes::VARCHAR, invitation, attempts FROM digests"
            ),
            "digest_documents": bag(
                "SELECT d.recipient, d.frequency, x.issuer, x.document_number "
                "FROM digest_documents x JOIN digests d USING (digest_id)"
            ),
            # run-level events (started, per-chunk counts) differ in number with the
            # interleaving: compared as a set of kinds; all others one by one
            # a print batch id ends in its run id's first 8 hex digits (tasks/paper.py)
            "audit": bag(
                "SELECT event_type, CASE WHEN event_type LIKE 'print_batch%' "
                "THEN regexp_replace(entity, '-[0-9a-f]{8}$', '') ELSE entity END "
                f"FROM audit_log WHERE NOT {RUN_ENTITY}"
            ),
            "run_events": Counter(
                set(con.execute(f"SELECT event_type FROM audit_log WHERE {RUN_ENTITY}").fetchall())
            ),
            "renditions": bag("SELECT issuer, document_number, variant, sha256 FROM renditions"),
        }
    finally:
        con.close()


def test_four_processes_at_once_equal_one_after_another(
    prepared, zygote, prefect_harness, tmp_path
):
    base, backfill_code = prepared
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    shutil.copytree(base, serial)
    shutil.copytree(base, parallel)

    for name, argv in runs(serial, backfill_code).items():  # one after another
        log = tmp_path / f"serial-{name}.log"
        assert zygote.run(argv, log, ENV) == 0, log.read_text()[-2000:]

    processes = {
        name: start(argv, prefect_harness, tmp_path / f"parallel-{name}.log")
        for name, argv in runs(parallel, backfill_code).items()
    }
    answers = {name: p.communicate(timeout=900)[0] for name, p in processes.items()}
    for name, process in processes.items():
        log = (tmp_path / f"parallel-{name}.log").read_text()
        assert process.returncode == 0, (name, log[-2000:])
    assert json.loads(answers["sql"])[0]["deliveries"] > 0  # the analyst got an answer
    summaries = {name: json.loads(answers[name]) for name in ("nightly", "backfill", "digest")}
    assert summaries["nightly"]["documents_routed"] > 0
    assert summaries["backfill"]["decided"] > 0
    assert summaries["digest"]["digests_queued"] > 0

    expected, found = outcome(serial), outcome(parallel)
    for table in expected:
        missing, extra = expected[table] - found[table], found[table] - expected[table]
        assert not missing and not extra, (table, list(missing)[:5], list(extra)[:5])
    assert check_invariants(parallel).problems == []


def test_a_pdf_recorded_by_two_writers_is_recorded_and_audited_once(warehouse, tmp_path):
    """The bug the concurrent run found: nightly and backfill drew the same PDF and both
    recorded it (one row, two audit events)."""
    from domain.records import RenderedDocument
    from tasks.renditions import record_renditions

    pdf = RenderedDocument("DL5", "2026-0001234", "documents/x.pdf", "0" * 64, 1, 10)
    assert record_renditions(warehouse, [pdf], tmp_path, "run-a", "nightly") == 1
    assert record_renditions(warehouse, [pdf], tmp_path, "run-b", "backfill") == 0
    assert record_renditions(warehouse, [], tmp_path, "run-b", "backfill") == 0
    events = warehouse.execute(
        "SELECT actor FROM audit_log WHERE event_type = 'document_rendered'"
    ).fetchall()
    assert events == [("nightly",)]
