"""Render on a Dask cluster when one machine is not enough (DESIGN "Beyond one machine").

    cluster_executor(address) -> (Executor, threads) | None

A Dask client inside the render task, not Prefect's Dask task runner: the batch is
still one Prefect task, its chunks (about 100 documents each) are Dask tasks, so
Prefect's bookkeeping does not grow with the cluster (DESIGN rule 1).

Workers run `dask worker tcp://SCHEDULER:8786 --nworkers N --nthreads 1`: one thread per
process, because drawing a PDF holds the GIL, so threads would take turns. They need
this project installed at the same version (they import tasks.render) and the storage
of tasks/storage.py within reach; they never touch the warehouse.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor

log = logging.getLogger("iportal.render")

CONNECT_TIMEOUT_SECONDS = 30
_clients: dict = {}
_lock = threading.Lock()


def cluster_client(address: str, timeout: float = CONNECT_TIMEOUT_SECONDS):
    """One client per scheduler for the life of the process (connecting costs about a
    second; a night has hundreds of batches)."""
    from distributed import Client  # only deployments with a cluster pay for the import

    with _lock:
        client = _clients.get(address)
        if client is None or client.status not in ("running", "connecting"):
            client = Client(address, timeout=timeout, set_as_default=False)
            _clients[address] = client
        return client


def cluster_executor(
    address: str, timeout: float = CONNECT_TIMEOUT_SECONDS
) -> tuple[Executor, int] | None:
    """An executor over the cluster's workers and their thread count, or None (with an
    error in the log) when the scheduler or every worker is out of reach: the night
    then renders in the local pool, slower but finished."""
    try:
        client = cluster_client(address, timeout)
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as error:
        log.error("Dask cluster %s unreachable (%s): rendering locally", address, error)
        return None
    threads = sum(client.nthreads().values())
    # pure=False: a chunk writes files, so Dask must neither hash its arguments (costly)
    # nor reuse an earlier result under the same key.
    return client.get_executor(pure=False), max(1, threads)


def close_clients() -> None:
    """Disconnect (tests, or a long-lived process that is done rendering)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
