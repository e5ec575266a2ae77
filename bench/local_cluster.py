"""A real Dask cluster on 127.0.0.1 for tests and benchmarks: a scheduler and N workers,
each its own process as on separate machines, every wait bounded, all ended on exit.

    with local_cluster(workers=2, folder=tmp) as address:
        ...   # IPORTAL_DASK_SCHEDULER_ADDRESS=address
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DASK = str(Path(sys.executable).with_name("dask"))
START_TIMEOUT = 120  # seconds: workers importing the drawing stack on a busy machine


def wait_for(check, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    tails = "\n".join(f"--- {log}\n{log.read_text()[-2000:]}" for log in logs if log.exists())
    raise TimeoutError(f"{what} not ready after {timeout} s\n{tails}")


def start(args: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a graceful close that takes too long
            process.kill()
            process.wait(timeout=15)


def read_address(scheduler_file: Path) -> str | None:
    try:
        return json.loads(scheduler_file.read_text())["address"]
    except (FileNotFoundError, ValueError, KeyError):  # not yet written, or half
        return None


@contextmanager
def local_cluster(workers: int, folder: Path) -> Iterator[str]:
    """Scheduler address; workers are single-threaded (drawing holds the GIL) and import
    the render stack at start (--preload), as in production."""
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    scheduler_file.unlink(missing_ok=True)
    logs = [folder / "scheduler.log"] + [folder / f"worker-{i}.log" for i in range(workers)]
    processes = [
        start([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
               "--scheduler-file", str(scheduler_file)], logs[0])
    ]  # fmt: skip
    try:
        address = wait_for(lambda: read_address(scheduler_file), 60, "scheduler", logs)
        for i in range(workers):
            processes.append(
                start([DASK, "worker", address, "--nthreads", "1", "--no-nanny",
                       "--no-dashboard", "--host", "127.0.0.1", "--name", f"worker-{i}",
                       "--preload", "tasks.render", "--local-directory", str(folder / f"w{i}")],
                      logs[i + 1])
            )  # fmt: skip
        with Client(address, timeout=30, set_as_default=False) as client:
            wait_for(lambda: len(client.nthreads()) == workers, START_TIMEOUT, "workers", logs)
        yield address
    finally:
        from tasks.render.cluster import close_clients

        close_clients()
        stop(processes[1:])  # workers first: a worker whose scheduler left keeps retrying
        stop(processes[:1])
