"""The night's one kept process pool (DESIGN rule 2): documents, activation letters,
Peppol checks and print merges share it, so its workers start once per process and
one step's work can queue behind another's (issue 21: the pool never idles while the
flow records or sends).

"forkserver": workers are forked from a clean single-threaded server process, never
from the flow process, whose Prefect/anyio threads and locks a plain fork would copy in
whatever state they happen to be. Measured here (2 workers, first batch incl. start):
fork 0.07-0.13 s, forkserver 1.6-2.3 s, spawn 1.5-2.6 s; afterwards all alike. The
server imports the main module and the drawing stack once; workers inherit them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from tasks.lifecycle import pool_initializer

MP_CONTEXT = "forkserver"
PRELOAD = ["__main__", "tasks.render.pdf"]

T = TypeVar("T")
_pools: dict[int, ProcessPoolExecutor] = {}
_lock = threading.Lock()


def new_pool(
    workers: int, warm: Callable[[], None] | None = None, context: str = MP_CONTEXT
) -> ProcessPoolExecutor:
    """A new process pool (the caller shuts it down); `warm` runs once in each worker."""
    ctx = multiprocessing.get_context(context)
    if context == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)  # effective if the server is not yet up
    # Workers die with this process, also on its SIGKILL (tasks/lifecycle.py, issue 19).
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=pool_initializer,
        initargs=(os.getpid(), warm),
    )


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """One pool per worker count, kept for the life of the process (a night is hundreds
    of batches; a pool per batch would cost seconds each). Python's exit hook joins it."""
    from tasks.render import warm_worker  # the drawing stack: most of the pool's work

    with _lock:
        pool = _pools.get(workers)
        if pool is None or getattr(pool, "_broken", False):
            pool = _pools[workers] = new_pool(workers, warm_worker)
        return pool


def shutdown_pools() -> None:
    """Stop the kept pools (tests, or a long-lived process that is done)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def run_in_own_process(step: Callable[..., T], *args, **kwargs) -> T:
    """One memory-heavy call (a print merge: ~200 MB per 5,000 pieces) in a process of
    its own, forked from the forkserver and ended after it: its memory goes back to the
    system, and the kept workers (reportlab and Saxon loaded, ~600 MB at 100,000
    documents) never carry a merge on top (issue 21: one worker peaked at 1.1 GB)."""
    with new_pool(1) as pool:
        return pool.submit(step, *args, **kwargs).result()


def prestart_pool(workers: int) -> None:
    """Start the kept pool's workers and let them warm up (forkserver, imports, labels).

    The flows call it in a thread while their warehouse steps run: on the busy 2-core
    build machine the start took 5 s of an 840 document backfill (bench/backfill.py)
    before the first PDF; a night pays it during its ingest instead of its render.
    """
    try:
        pool = shared_pool(workers)
        list(pool.map(abs, range(workers)))  # every worker started and initialised
    except Exception:  # e.g. the interpreter is exiting: the first step starts it itself
        return
