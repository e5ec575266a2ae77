"""The whole night at scale (issue 9): end to end vs the raw baseline, memory, Prefect.

    .venv/bin/python bench/scale.py [--documents 100000] [--workers 2]
        [--dask-workers K] [--profile FILE.txt] [--json FILE] [--workdir DIR]

One run, all figures from it:

- the raw reportlab baseline (bench/render.py's invoices, draw_document in a tight loop,
  this process) before and after the night, so a change of machine load shows;
- the nightly flow (ingest → route → render → paper / Peppol / portal → warehouse →
  notifications) on N new documents under Prefect's local API, with the render step on
  the local pool of --workers processes or, with --dask-workers K, on a local Dask
  cluster of K single-threaded workers (bench/local_cluster.py);
- end to end documents/s against baseline × render processes (target >= 80%);
- peak RSS (VmHWM, sampled every second) of the flow process and of each kind of child
  (render workers, Prefect's API server), target <= 1 GiB each;
- Prefect's overhead: the sum of the task runs' times (as the API recorded them; steps
  overlap, so it may exceed the wall) and the cost of one empty task and flow measured
  just before;
- the floor ratio (issue 21): each per-document unit of work timed alone in this
  process (bench/floors.py: draw, UBL build, validation, compose one digest, print
  merge, record),
  weighed by tonight's mix (Peppol share, digests and letters per document), against
  the night's CPU per document (flow process + pool workers + Prefect API); target
  <= 1.25;
- with --profile: pyinstrument's view of the flow process (the coordinator; the render
  workers' time shows as waiting), top lines to the file and to stdout.

Landing files are generated once per size into --workdir and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.floors import measure_floors, night_floor_ms, wait_for_quiet  # noqa: E402
from iportal.prefect_env import configure_prefect  # noqa: E402

configure_prefect()

TONIGHT_PER_CUSTOMER = 1.568  # measured: 12,821 customer codes -> 20,101 documents tonight
AS_OF = "2026-11-27"


def generate(source: Path, documents: int) -> None:
    from tasks.generate import write_landing_files

    if (source / "DONE").exists():
        return
    shutil.rmtree(source, ignore_errors=True)
    customers = max(1, round(documents / TONIGHT_PER_CUSTOMER))
    summary = write_landing_files(source, customers, 0, 7, date(2026, 11, 27))
    (source / "DONE").write_text(str(summary.tonight_documents))


def night_mix(summary: dict, documents: int) -> dict[str, float]:
    """Per night document: Peppol documents checked, digests sent, letters drawn,
    print pieces merged."""
    peppol = summary.get("peppol", {})
    notifications = summary.get("notifications", {})
    letters = summary.get("activation_codes", {}).get("letters_rendered", 0)
    checked = peppol.get("sent", 0) + peppol.get("failed_validation", 0)
    return {
        "peppol": checked / documents,
        "digests": notifications.get("digests_sent", 0) / documents,
        "letters": letters / documents,
        "print": sum(b.get("pieces", 0) for b in summary.get("print_batches", [])) / documents,
    }


def measure_baseline(count: int = 1500) -> tuple[float, float]:
    """Raw reportlab, draw_document in a tight loop in this process: (documents per
    wall second, documents per CPU-second; the latter is what other load leaves alone)."""
    from bench.render import make_jobs
    from tasks.render import draw_document

    with tempfile.TemporaryDirectory() as tmp:
        jobs = make_jobs(count, tmp)
        for job in jobs[:20]:
            draw_document(job)  # warm caches
        started, cpu = time.perf_counter(), time.process_time()
        for job in jobs:
            draw_document(job)
        return count / (time.perf_counter() - started), count / (time.process_time() - cpu)


# --- memory ------------------------------------------------------------------------------


def role_of(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if "forkserver" in text or "multiprocessing" in text:
        return "pool workers (render, Peppol check)"
    if "dask" in text and "worker" in text:
        return "render worker (dask)"
    if "uvicorn" in text or "prefect" in text and "server" in text:
        return "Prefect API server"
    return "other child"


class PeakSampler(threading.Thread):
    """Largest VmHWM (the kernel's peak RSS) seen per kind of process, every second."""

    def __init__(self, extra_pids=()) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[str, float] = {}
        self.cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU-seconds)
        self.extra_pids = list(extra_pids)
        self.done = threading.Event()

    def sample(self) -> None:
        import psutil

        me = psutil.Process()
        procs = [me, *me.children(recursive=True)]
        procs += [psutil.Process(p) for p in self.extra_pids if psutil.pid_exists(p)]
        for proc in procs:
            try:
                with open(f"/proc/{proc.pid}/status") as fh:
                    hwm = next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:")) / 1024
                role = "flow process" if proc.pid == me.pid else role_of(proc.cmdline())
                times = proc.cpu_times()
            except (OSError, StopIteration, psutil.Error):
                continue
            self.peaks[role] = max(self.peaks.get(role, 0.0), hwm)
            self.cpu[proc.pid] = (role, times.user + times.system)

    def cpu_by_role(self, since: dict) -> dict[str, float]:
        """CPU-seconds per kind of process since the `since` snapshot (of self.cpu)."""
        totals: dict[str, float] = {}
        for pid, (role, seconds) in self.cpu.items():
            before = since.get(pid, (role, 0.0))[1]
            totals[role] = totals.get(role, 0.0) + seconds - before
        return totals

    def run(self) -> None:
        while not self.done.wait(1.0):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.sample()
        self.done.set()
        return self.peaks


# --- Prefect -----------------------------------------------------------------------------


def measure_prefect_costs(tasks: int = 50) -> tuple[float, float]:
    """(seconds per empty task run, seconds per empty flow run) on the running API."""
    from prefect import flow, task

    @task
    def empty_task() -> None:
        return None

    @flow
    def empty_flow(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            empty_task()
        return time.perf_counter() - started

    empty_flow(1)  # warm
    started = time.perf_counter()
    in_tasks = empty_flow(tasks)
    flow_cost = time.perf_counter() - started - in_tasks
    return in_tasks / tasks, flow_cost


def task_run_times(flow_run_id) -> list[float]:
    """Seconds each task run of the flow run spent running, as the API recorded them."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read() -> list[float]:
        runs, offset = [], 0
        async with get_client() as client:
            while batch := await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                offset=offset,
                limit=200,
            ):
                runs += batch
                offset += len(batch)
        return [r.total_run_time.total_seconds() for r in runs]

    return asyncio.run(read())


def run_night(data_dir: Path, profile: Path | None) -> tuple[dict, float, object, str]:
    from flows.nightly import nightly

    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    started = time.perf_counter()
    state = nightly(as_of=AS_OF, data_dir=str(data_dir), return_state=True)
    wall = time.perf_counter() - started
    text = ""
    if profiler:
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        profile.write_text(text)
        profile.with_suffix(".html").write_text(profiler.output_html())
    return state.result(), wall, state.state_details.flow_run_id, text


# --- report ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dask-workers", type=int, default=0, help="0: the local pool")
    parser.add_argument("--profile", type=Path, help="pyinstrument text (+ .html beside)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iportal-scale"))
    args = parser.parse_args()

    source = args.workdir / f"landing-{args.documents}"
    generate(source, args.documents)
    documents = int((source / "DONE").read_text())
    data_dir = args.workdir / "run"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "landing").mkdir(parents=True)
    for path in source.glob("*.*"):
        os.link(path, data_dir / "landing" / path.name)  # the ingest moves its files
    os.environ["IPORTAL_RENDER_WORKERS"] = str(args.workers)
    processes = args.dask_workers or args.workers
    _, loaded = wait_for_quiet()
    if loaded:
        print(loaded)
    load_before = os.getloadavg()
    baseline_before = measure_baseline()
    floors = measure_floors()
    print(f"{documents:,} new documents; load {load_before[0]:.1f}; {os.cpu_count()} CPUs; "
          f"baseline {baseline_before[0]:.0f} documents/s per process")  # fmt: skip

    from contextlib import ExitStack

    from prefect.testing.utilities import prefect_test_harness

    with ExitStack() as stack:
        if args.dask_workers:
            from bench.local_cluster import local_cluster

            address = stack.enter_context(local_cluster(args.dask_workers, args.workdir / "dask"))
            os.environ["IPORTAL_DASK_SCHEDULER_ADDRESS"] = address
        started = time.perf_counter()
        stack.enter_context(prefect_test_harness(server_startup_timeout=300))
        api_start = time.perf_counter() - started
        per_task, per_flow = measure_prefect_costs()
        sampler = PeakSampler()
        sampler.sample()
        cpu_before = dict(sampler.cpu)
        sampler.start()
        summary, wall, flow_run_id, profile_text = run_night(data_dir, args.profile)
        peaks = sampler.stop()
        cpu = sampler.cpu_by_role(cpu_before)
        in_tasks = task_run_times(flow_run_id)
    baseline_after = measure_baseline()
    baseline = (baseline_before[0] + baseline_after[0]) / 2
    baseline_cpu = (baseline_before[1] + baseline_after[1]) / 2
    rate = documents / wall
    night_cpu = sum(v for k, v in cpu.items() if k != "Prefect API server")
    mix = night_mix(summary, documents)
    floor_ms = night_floor_ms(floors, mix)
    all_cpu_ms = 1000 * sum(cpu.values()) / documents
    figures = {
        "documents": documents,
        "render_processes": processes,
        "render_on": f"dask x{args.dask_workers}" if args.dask_workers else "process pool",
        "night_seconds": round(wall, 1),
        "documents_per_second": round(rate, 1),
        "baseline_per_process": [round(baseline_before[0], 1), round(baseline_after[0], 1)],
        "ratio_to_baseline_x_processes": round(rate / (baseline * processes), 3),
        # Load-independent view: documents per CPU-second of the whole night (flow
        # process and pool workers, Prefect's server apart) vs the baseline's.
        "baseline_per_cpu_second": round(baseline_cpu, 1),
        "night_per_cpu_second": round(documents / night_cpu, 1) if night_cpu else None,
        "cpu_ratio_to_baseline": round(documents / night_cpu / baseline_cpu, 3)
        if night_cpu
        else None,
        "floors_cpu_ms": {k: round(v, 3) for k, v in floors.items()},
        "mix_per_document": {k: round(v, 3) for k, v in mix.items()},
        "floor_cpu_ms_per_document": round(floor_ms, 2),
        "night_cpu_ms_per_document": round(all_cpu_ms, 2),
        "floor_ratio": round(all_cpu_ms / floor_ms, 2),
        "coordinator_cpu_ms_per_document": round(
            1000 * cpu.get("flow process", 0.0) / documents, 2
        ),
        "steps_seconds": summary.get("timings_seconds"),
        "peak_rss_mib": {k: round(v) for k, v in sorted(peaks.items())},
        "cpu_seconds": {k: round(v, 1) for k, v in sorted(cpu.items())},
        "prefect_api_start_seconds": round(api_start, 1),
        "task_runs": len(in_tasks),
        # Steps overlap since issue 21, so the task runs' sum may exceed the wall time.
        "task_runs_sum_seconds": round(sum(in_tasks), 1),
        "empty_task_run_seconds": round(per_task, 4),
        "empty_flow_run_seconds": round(per_flow, 2),
        "prefect_estimate_seconds": round(per_flow + len(in_tasks) * per_task, 1),
        "load_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "loaded_machine": bool(loaded),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if profile_text:
        print("\n".join(profile_text.splitlines()[:60]))


if __name__ == "__main__":
    main()
