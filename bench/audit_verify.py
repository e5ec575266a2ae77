"""Audit chain verification at scale (issue 6, R30): a clean chain of N events must
verify in under 10 s.

    .venv/bin/python bench/audit_verify.py [--events 1000000] [--workdir DIR] [--reference]

1. builds a warehouse with N events through warehouse.audit.append_events (the writers'
   own path, 100,000 events per transaction; 1 % of them with text that needs JSON
   escaping, which the fast check hands to Python), once, kept in --workdir;
2. verifies it in a fresh child process with warehouse.audit.verify_chain (set-wise in
   DuckDB) and, with --reference, with the row-by-row Python walk it replaced;
3. prints events/s and the child's peak RSS (VmHWM), and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BATCH = 100_000


def build(database: Path, events: int) -> float:
    from warehouse.audit import AuditEvent, append_events
    from warehouse.store import open_writer, transaction

    started = time.perf_counter()
    at = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    with open_writer(database, "bench") as con:
        for start in range(0, events, BATCH):
            batch = [
                AuditEvent(
                    "document_published",
                    f"DL5/2026-{i:07d}",
                    {
                        "channel": "portal",
                        "customer_code": f"DL5{i % 100_000:07d}",
                        "purpose": "original",
                        # 1 %: a name with a quote and a line break (JSON escaping)
                        "note": 'Garage "Peeters"\nGent' if i % 100 == 0 else "ok",
                    },
                    actor=f"nightly:{start // BATCH}",
                )
                for i in range(start, min(start + BATCH, events))
            ]
            with transaction(con):
                append_events(con, batch, at=at + timedelta(minutes=start // BATCH))
    return time.perf_counter() - started


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def verify_child(database: Path, reference: bool) -> None:
    """Runs in the child: one verification, its figures as one JSON line."""
    import duckdb

    from warehouse.audit import verify_chain, verify_chain_row_by_row

    con = duckdb.connect(str(database), read_only=True)
    con.execute("SET TimeZone = 'UTC'").fetchall()
    started, cpu = time.perf_counter(), time.process_time()
    report = (verify_chain_row_by_row if reference else verify_chain)(con)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    print(json.dumps({"ok": report.ok, "events": report.events, "wall_s": wall,
                      "cpu_s": cpu, "peak_rss_mb": peak_rss_mb()}))  # fmt: skip


def verify(database: Path, reference: bool) -> dict:
    command = [sys.executable, __file__, "--verify", str(database)]
    if reference:
        command.append("--reference")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iportal-bench-audit"))
    parser.add_argument("--reference", action="store_true", help="also time the old walk")
    parser.add_argument("--verify", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify:
        verify_child(args.verify, args.reference)
        return
    database = args.workdir / f"audit-{args.events}.duckdb"
    print(f"load average before: {os.getloadavg()}")
    if not database.exists():
        args.workdir.mkdir(parents=True, exist_ok=True)
        partial = database.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        seconds = build(partial, args.events)
        partial.rename(database)
        print(f"built {args.events:,} events in {seconds:.1f} s "
              f"({args.events / seconds:,.0f} events/s through append_events)")  # fmt: skip
    runs = [("set-wise (verify_chain)", verify(database, False))]
    if args.reference:
        runs.append(("row by row (reference)", verify(database, True)))
    for name, run in runs:
        verdict = "intact" if run["ok"] else "BROKEN"
        print(f"{name}: {run['events']:,} events {verdict} in {run['wall_s']:.2f} s wall, "
              f"{run['cpu_s']:.2f} s CPU, {run['events'] / run['wall_s']:,.0f} events/s, "
              f"peak RSS {run['peak_rss_mb']:.0f} MB")  # fmt: skip
    print(f"load average after: {os.getloadavg()}")
    target = runs[0][1]
    print("target (< 10 s):", "met" if target["ok"] and target["wall_s"] < 10 else "MISSED")


if __name__ == "__main__":
    main()
