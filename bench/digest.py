"""Benchmark the notification digests: 50,000 new documents for 20,000 recipients.

    .venv/bin/python bench/digest.py [--documents 50000] [--recipients 20000]
                                     [--real-invitations] [--workdir DIR]

Builds the warehouse in bulk SQL (accounts with one or two customer codes across
issuers, their main contacts, shared users granted one code, a quarter of the accounts
not active yet), publishes the documents in the portal, then times each step of
`tasks.notify`: resolve recipients, compose (render, spool, queue), send to a local
aiosmtpd server running in its own process (so that it does not share our GIL), and
reports messages/s and the peak RSS of this process (getrusage ru_maxrss).

Invitations go through a stand-in by default (one INSERT each); --real-invitations
takes the flows' path (tasks.notify.invitations.issue_invitations: the chunk's links in
bulk, one transaction).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import multiprocessing
import os
import resource
import secrets
import shutil
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.accounts.people import link_people  # noqa: E402
from tasks.notify import NotifyConfig, RetryPolicy, SmtpServer  # noqa: E402
from tasks.notify.compose import compose_digests  # noqa: E402
from tasks.notify.recipients import drop_unreachable_lines, resolve_all_recipients  # noqa: E402
from tasks.notify.send import send_due_digests  # noqa: E402
from tasks.notify.transport import SmtpMailer, open_sessions  # noqa: E402
from warehouse.store import open_writer, run_sql  # noqa: E402

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

POPULATE = """
CREATE TEMP TABLE plan AS
SELECT i AS account, (i % 4 = 0) AS pending, (i % 3 = 0) AS two_codes
FROM range($accounts) t(i);
INSERT INTO accounts (account_id, login_kind, login_id, segment, status, created_at)
SELECT 'acc-' || account, 'email', 'acc-' || account, 'B2B',
    CASE WHEN pending THEN 'pending' ELSE 'active' END, $at FROM plan;
INSERT INTO account_customer_codes
SELECT 'DL5' || lpad(account::VARCHAR, 7, '0'), 'acc-' || account, $at FROM plan
UNION ALL
SELECT 'DL2' || lpad(account::VARCHAR, 7, '0'), 'acc-' || account, $at FROM plan WHERE two_codes;
INSERT INTO users (user_id, account_id, role, email, first_name, last_name, language,
    frequency, status, created_at)
SELECT 'main-' || account, 'acc-' || account, 'main', 'contact' || account || '@example.be',
    'Contact', 'Nr ' || account, ['nl', 'fr', 'de', 'en'][account % 4 + 1], 'immediate',
    CASE WHEN pending THEN 'invited' ELSE 'active' END, $at FROM plan;
INSERT INTO users (user_id, account_id, role, email, first_name, last_name, language,
    frequency, status, created_at)
SELECT 'shared-' || i, 'acc-' || (i % $accounts), 'shared',
    'accountant' || i || '@fiduciaire.example', 'Acc', 'Ountant', 'fr', 'immediate',
    'active', $at FROM range($shared) t(i);
INSERT INTO grants SELECT 'shared-' || i, 'DL5' || lpad((i % $accounts)::VARCHAR, 7, '0'),
    $at, 'bench' FROM range($shared) t(i);
CREATE TEMP TABLE codes AS SELECT customer_code, row_number() OVER () - 1 AS n
FROM account_customer_codes;
INSERT INTO documents (issuer, document_number, customer_code, document_type, issue_date,
    due_date, customer_number, contract_number, currency, lines, total_excl_vat, total_vat,
    total_incl_vat, payment_reference, credited_document_number, content_sha256, is_history,
    source_file, source_line, ingested_at, run_id)
SELECT left(c.customer_code, 3), '2026-' || lpad(d.i::VARCHAR, 7, '0'),
    c.customer_code, CASE WHEN d.i % 10 = 0 THEN 'credit_note' ELSE 'invoice' END,
    DATE '2026-11-26' - (d.i % 20)::INTEGER, NULL, substr(c.customer_code, 4), NULL, 'EUR',
    '[]', 100 + d.i % 900, 21, 121 + d.i % 900, NULL, NULL, 'x', false, 'bench', d.i, $at, 'r'
FROM range($documents) d(i) JOIN codes c ON c.n = d.i % (SELECT count(*) FROM codes);
INSERT INTO deliveries (issuer, document_number, channel, purpose, customer_code, status,
    reason, decided_at, dispatched_at, run_id)
SELECT issuer, document_number, 'portal', 'original', customer_code, 'published', 'bench',
    $at, $at, 'r' FROM documents;
"""


def fake_invite(con, user_id, as_of):
    token = secrets.token_urlsafe(32)
    run_sql(
        con,
        "INSERT INTO invitations VALUES (?, ?, ?, ?, NULL, NULL)",
        [hashlib.sha256(token.encode()).hexdigest(), user_id, as_of, as_of + timedelta(30)],
    )
    return token


def serve(port: int, ready, received) -> None:
    """A counting SMTP sink in its own process."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--real-invitations", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--connections", type=int, default=2, help="SMTP connections")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the notify steps")
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    if load_at_start > 0.5:  # another job on the machine: the figures are not comparable
        print(f"warning: load average {load_at_start:.2f} > 0.5 at start", file=sys.stderr)
    profiler = cProfile.Profile() if args.profile else None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-digest-"))
    accounts = args.recipients * 3 // 5  # 60 % main contacts, 40 % shared users
    shared = args.recipients - accounts
    ctx = multiprocessing.get_context("spawn")
    ready, received, port = ctx.Event(), ctx.Value("l", 0), free_port()
    server = ctx.Process(target=serve, args=(port, ready, received), daemon=True)
    server.start()
    ready.wait(30)
    config = NotifyConfig(
        data_dir=workdir,
        mailer="smtp",
        smtp=SmtpServer("127.0.0.1", port, starttls=False),
        retry=RetryPolicy(wait_seconds=0),
        batch_size=2000,
        workers=args.workers,
        smtp_connections=args.connections,
    )
    invite = None
    if not args.real_invitations:
        invite = fake_invite
    timings = {}
    with open_writer(config.warehouse_path, "bench") as con:
        mark = time.perf_counter()
        params = {"accounts": accounts, "shared": shared, "documents": args.documents, "at": AS_OF}
        for statement in filter(str.strip, POPULATE.split(";")):
            run_sql(con, statement, {k: v for k, v in params.items() if f"${k}" in statement})
        link_people(con)  # one person per address: without it a document reaches one user
        timings["populate"] = time.perf_counter() - mark
        if profiler:
            profiler.enable()
        mark = time.perf_counter()
        fanout = resolve_all_recipients(con, "bench", 100_000, "bench")
        drop_unreachable_lines(con, "bench", "bench")
        timings["resolve"] = time.perf_counter() - mark
        mark = time.perf_counter()
        composed = compose_digests(con, config, "immediate", AS_OF, "bench", "bench", invite)
        timings["compose"] = time.perf_counter() - mark
    mark = time.perf_counter()
    sent = 0
    with open_sessions(SmtpMailer(config.smtp), config.smtp_connections) as sessions:
        while True:
            with open_writer(config.warehouse_path, "bench") as con:
                chunk = send_due_digests(con, sessions, config, AS_OF, "bench")
            sent += chunk.sent
            if chunk.selected < config.batch_size or chunk.unavailable:
                break
    timings["send"] = time.perf_counter() - mark
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    server.terminate()
    spool = sum(p.stat().st_size for p in config.spool_dir.iterdir())
    report = {
        "documents": fanout.documents,
        "recipient_lines": fanout.lines,
        "digests": composed.queued,
        "invitations": composed.invitations,
        "sent": sent,
        "received_by_server": received.value,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "compose_digests_per_s": round(composed.queued / timings["compose"]),
        "send_messages_per_s": round(sent / timings["send"]),
        "end_to_end_messages_per_s": round(
            sent / (timings["resolve"] + timings["compose"] + timings["send"])
        ),
        "spool_mb": round(spool / 2**20, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "real_invitations": args.real_invitations,
        "compose_workers": args.workers,
        "smtp_connections": args.connections,
        "load_average_1m_at_start": round(load_at_start, 2),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report, indent=2))
    if args.workdir is None:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
