"""Shared fixtures: a fresh warehouse on a temporary DuckDB file, tiny documents."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from iportal.prefect_env import configure_prefect
from tasks.storage import StorageConfig
from warehouse.store import open_writer

configure_prefect(quiet=False)

DOCUMENT = {
    "issuer": "DL5",
    "document_number": "2026-0001234",
    "document_type": "invoice",
    "issue_date": "2026-11-26",
    "due_date": "2026-12-26",
    "customer_number": "0012345",
    "contract_number": "C-778812",
    "currency": "EUR",
    "lines": [
        {"description": "Lease VW ID.4 — Nov 2026", "quantity": "1",
         "unit_price": "612.40", "vat_rate": "21"}
    ],
    "total_excl_vat": "612.40",
    "total_vat": "128.60",
    "total_incl_vat": "741.00",
    "payment_reference": "+++000/0012/34526+++",
    "credited_document_number": None,
}  # fmt: skip

CUSTOMER = {
    "issuer": "DL5",
    "customer_number": "0012345",
    "name": "Garage Peeters BV",
    "enterprise_number": "0418711287",
    "street": "Kerkstraat 1",
    "postal_code": "9000",
    "city": "Gent",
    "country": "BE",
    "language": "nl",
    "contract_start": "2024-01-01",
    "contact_email": "an.peeters@example.be",
    "contact_first_name": "An",
    "contact_last_name": "Peeters",
    "contact_language": "nl",
    "channel_choice": "paper",
}


@pytest.fixture
def document() -> dict:
    return copy.deepcopy(DOCUMENT)


@pytest.fixture
def customer() -> dict:
    return dict(CUSTOMER)


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def warehouse(warehouse_path: Path):
    """A writer connection on a fresh, migrated warehouse."""
    with open_writer(warehouse_path, "test") as con:
        yield con


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect API for every flow test of the session (DESIGN rule 9); yields its URL
    so that child processes (reliability harness) can use the same server."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()


CHROMIUM = Path("/usr/bin/chromium")
# Flags that keep Chromium quiet on a machine without network: no background
# connections, no component updates; --no-sandbox because tests run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """Real headless Chromium (Debian's package, installed by `make test`), driven by
    Playwright. Yields a Browser; each test opens its own context."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


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
