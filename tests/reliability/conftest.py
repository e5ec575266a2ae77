"""The reliability suite's marker (`-m crash` selects the crash-injection trials) and
its process runner, shared by the crash and concurrency tests."""

import pytest

from tests.reliability.harness import Zygote


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "crash: SIGKILL trials of real runs (IPORTAL_CRASH_TRIALS sets how many)"
    )


@pytest.fixture(scope="session")
def zygote(prefect_harness):
    """Forks `iportal` runs from one pre-imported process (tests/reliability/zygote.py)."""
    runner = Zygote(prefect_harness)
    yield runner
    runner.close()
