"""A real local stand-in for scale-out: a Dask cluster (the S3 server is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from bench.local_cluster import local_cluster


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """Address of a scheduler with two single-threaded workers, each its own process on
    127.0.0.1 (bounded waits; ended at teardown)."""
    with local_cluster(2, tmp_path_factory.mktemp("dask")) as address:
        yield address
