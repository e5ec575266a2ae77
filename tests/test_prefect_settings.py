"""The production Prefect settings (docs/deployment.md "Production") are real Prefect 3
settings."""

from pathlib import Path

import pytest
from prefect.settings import Settings

from iportal.prefect_env import SERVER_SETTINGS, WORKER_SETTINGS

README = (Path(__file__).parents[1] / "docs" / "deployment.md").read_text()  # issue 19
PREFECT_SETTINGS = {
    k: v for k, v in (SERVER_SETTINGS | WORKER_SETTINGS).items() if k.startswith("PREFECT_")
}


def test_each_production_setting_is_known_to_prefect_with_its_value(monkeypatch):
    for key, value in PREFECT_SETTINGS.items():
        monkeypatch.setenv(key, value)
    # Prefect ignores unknown PREFECT_* variables silently: a typo would go unnoticed.
    known = Settings().to_environment_variables(exclude_unset=True)
    for key, value in PREFECT_SETTINGS.items():
        assert key in known, f"{key} is not a Prefect setting"
        assert same(known[key], value), f"{key}: Prefect reads {known[key]!r}"


def same(read: str, written: str) -> bool:
    """'5.0' is 5, 'False' is false."""
    try:
        return float(read) == float(written)
    except ValueError:
        return read.lower() == written.lower()


@pytest.mark.parametrize("key", sorted(SERVER_SETTINGS | WORKER_SETTINGS))
def test_readme_production_section_shows_each_setting(key):
    production = README.split("## Production", 1)[1].split("\n## ", 1)[0]
    value = (SERVER_SETTINGS | WORKER_SETTINGS)[key]
    assert f"{key}={value}" in production
