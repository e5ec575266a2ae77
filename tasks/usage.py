"""CPU time and peak memory of a run, for the run summary and the morning report
(issue 20). The render pool's workers are child processes, often kept alive between
batches, so live children are read through psutil and finished ones through
getrusage(RUSAGE_CHILDREN)."""

from __future__ import annotations

import resource

import psutil


def cpu_seconds() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    finished = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:  # ended meanwhile: counted by RUSAGE_CHILDREN
            continue
        live += times.user + times.system
    return {
        "flow": me.ru_utime + me.ru_stime,
        "workers": finished.ru_utime + finished.ru_stime + live,
    }


def peak_rss_mib() -> float:
    """The largest peak resident set of the flow process and its children (Linux)."""
    peaks = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]
    peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    for child in psutil.Process().children(recursive=True):
        try:
            with open(f"/proc/{child.pid}/status") as handle:
                hwm = next(line for line in handle if line.startswith("VmHWM:"))
            peaks.append(int(hwm.split()[1]) / 1024)
        except (OSError, StopIteration):
            continue
    return max(peaks)


def start_usage() -> dict[str, float]:
    return cpu_seconds()


def usage_since(start: dict[str, float]) -> dict[str, float]:
    """CPU seconds spent since `start` (flow process and workers), and the peak RSS."""
    now = cpu_seconds()
    flow, workers = now["flow"] - start["flow"], max(0.0, now["workers"] - start["workers"])
    return {
        "cpu_seconds": round(flow + workers, 2),
        "cpu_seconds_flow": round(flow, 2),
        "cpu_seconds_workers": round(workers, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
