"""Initial history load (issue 9): N historical documents, killed midway, resumed.

    .venv/bin/python bench/history_load.py [--documents 1000000] [--kill-at 0.4]
                                           [--batch-size 5000] [--workdir DIR]

The load is the nightly's own ingest (tasks.ingest.ingest_file) of one Parquet file, in
chunks of --batch-size rows, each chunk committed with its audit events. One run:

1. landing files with about N documents of four years (tasks.generate, made once and
   kept in --workdir: ~16.4 documents per customer code and year);
2. a child process ingests the customers, then the history file, printing each
   committed chunk; the parent SIGKILLs it once --kill-at of the rows are in;
3. a second child ingests the same file again: the rows already stored are no-ops
   (counted `unchanged`), the rest is ingested, and the warehouse ends with N documents.

Reports rows/s of each phase (wall and CPU) and the peak RSS of each child (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PER_CUSTOMER_YEAR = 16.4  # measured: 2,000 customer codes x 4 years -> 131,276 documents
YEARS = 4
AS_OF = date(2026, 11, 27)


def generate(source: Path, documents: int) -> Path:
    """Customers CSV + history Parquet for ~`documents`, reused when already there."""
    from tasks.generate import write_landing_files

    done = source / "DONE"
    if not done.exists():
        shutil.rmtree(source, ignore_errors=True)
        customers = max(1, round(documents / PER_CUSTOMER_YEAR / YEARS))
        summary = write_landing_files(source, customers, YEARS, seed=2008, as_of=AS_OF)
        next(p for p in summary.paths if p.name.startswith("documents_2")).unlink()  # tonight
        done.write_text(str(summary.history_documents))
    return source


def history_rows(source: Path) -> int:
    return int((source / "DONE").read_text())


# --- child: one ingest run ---------------------------------------------------------------


def ingest_child(data_dir: Path, batch_size: int) -> None:
    """Ingest every landing file, one JSON line per committed chunk, a summary last."""
    from config import DEFAULT_ISSUERS
    from tasks import progress, runs
    from tasks.ingest import IngestContext, ingest_file, list_landing_files
    from warehouse.store import open_writer

    moment = datetime(2026, 11, 27, 1, tzinfo=UTC)
    database = data_dir / "warehouse.duckdb"
    with open_writer(database, "history") as con:
        go_live = runs.resolve_go_live(con, AS_OF, moment)  # everything before is history
        run_id = runs.start_run(con, "history-load", moment, "history")
    ctx = IngestContext(database, data_dir / "landing" / "processed", frozenset(DEFAULT_ISSUERS),
                        go_live, run_id, batch_size, lock_timeout=60, actor="history")  # fmt: skip
    started = time.perf_counter()
    rows = 0

    def report(step: str, done: int, total: int | None) -> None:
        nonlocal rows
        if "history" in step:
            rows += done
            print(json.dumps({"rows": rows, "s": round(time.perf_counter() - started, 2)}))
            sys.stdout.flush()

    progress.set_reporter(report)
    reports = [ingest_file(path, ctx) for path in list_landing_files(data_dir / "landing")]
    history = next(r for r in reports if "history" in r.file_name)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "done": True, "ingested": history.ingested, "unchanged": history.unchanged,
        "quarantined": history.quarantined, "seconds": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
    }))  # fmt: skip


# --- parent ------------------------------------------------------------------------------


def peak_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def run_child(data_dir: Path, batch_size: int, kill_at_rows: int | None) -> dict:
    """One ingest in a child process; SIGKILL once `kill_at_rows` rows are committed."""
    cmd = [sys.executable, __file__, "--_child", str(data_dir), "--batch-size", str(batch_size)]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    started, last, peak = time.perf_counter(), {}, 0.0
    for line in child.stdout:
        last = json.loads(line)
        peak = max(peak, peak_mib(child.pid))
        if "rows" in last and last["rows"] % 100_000 < batch_size:
            print(f"  {last['rows']:>9,} rows committed, {last['rows'] / last['s']:,.0f} rows/s")
        if kill_at_rows and last.get("rows", 0) >= kill_at_rows:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            return {"killed_at": last["rows"], "seconds": time.perf_counter() - started,
                    "peak_mib": peak}  # fmt: skip
    if child.wait() != 0:
        raise SystemExit(f"ingest child failed with exit code {child.returncode}")
    return last | {"peak_mib": max(peak, last["peak_mib"])}


def count_documents(data_dir: Path) -> int:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--kill-at", type=float, default=0.4, help="fraction; 0: no kill")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--_child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        return ingest_child(args._child, args.batch_size)

    workdir = args.workdir or Path(f"/tmp/iportal-history-{args.documents}")
    t0 = time.perf_counter()
    source = generate(workdir / "source", args.documents)
    rows = history_rows(source)
    print(f"{rows:,} history documents in {source} ({time.perf_counter() - t0:.0f} s)")
    data_dir = workdir / "run"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "landing").mkdir(parents=True)
    for path in source.glob("*.*"):
        os.link(path, data_dir / "landing" / path.name)  # the ingest moves its files

    print(f"load {os.getloadavg()[0]:.1f} (1-min average), {os.cpu_count()} CPUs")
    kill_rows = int(rows * args.kill_at) if args.kill_at else None
    first = run_child(data_dir, args.batch_size, kill_rows)
    stored = count_documents(data_dir)
    if kill_rows:
        print(f"killed (SIGKILL) after {first['killed_at']:,} rows reported, "
              f"{first['seconds']:.0f} s; stored: {stored:,}; "
              f"peak RSS {first['peak_mib']:.0f} MiB")  # fmt: skip
        resumed = run_child(data_dir, args.batch_size, None)
        assert resumed["unchanged"] == stored, "rows stored before the kill are no-ops"
        assert resumed["ingested"] == rows - stored
        fresh_rate = stored / first["seconds"]
        print(f"resumed: {resumed['unchanged']:,} no-op + {resumed['ingested']:,} new rows in "
              f"{resumed['seconds']:.0f} s ({resumed['cpu']:.0f} CPU-s), "
              f"peak RSS {resumed['peak_mib']:.0f} MiB")  # fmt: skip
        print(f"rate before the kill: {fresh_rate:,.0f} rows/s (new rows)")
    else:
        resumed = first
        rate = resumed["ingested"] / resumed["seconds"]
        print(f"{resumed['ingested']:,} rows in {resumed['seconds']:.0f} s ({rate:,.0f} rows/s, "
              f"{resumed['cpu']:.0f} CPU-s), peak RSS {resumed['peak_mib']:.0f} MiB")  # fmt: skip
    total = count_documents(data_dir)
    assert total == rows, f"{total} documents stored, {rows} expected"
    size = os.path.getsize(data_dir / "warehouse.duckdb") / 2**20
    print(f"warehouse: {total:,} documents, {size:.0f} MiB; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
