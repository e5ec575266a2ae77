"""Real local stand-ins for scale-out: a Dask cluster and an S3-compatible server."""

from __future__ import annotations

import pytest

from bench.local_cluster import local_cluster
from tasks.storage import StorageConfig


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """Address of a scheduler with two single-threaded workers, each its own process on
    127.0.0.1 (bounded waits; ended at teardown)."""
    with local_cluster(2, tmp_path_factory.mktemp("dask")) as address:
        yield address


@pytest.fixture(scope="module")
def s3_server():
    """A moto S3 server on 127.0.0.1 (random port) with one bucket; its config."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing-secret"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials).create_bucket(
        Bucket="iportal-test"
    )
    try:
        yield StorageConfig(
            url="s3://iportal-test/archive",
            endpoint_url=endpoint,
            access_key_id="testing",
            secret_access_key="testing-secret",
            region="us-east-1",
        )
    finally:
        server.stop()
