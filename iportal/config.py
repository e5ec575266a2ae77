"""Settings: embedded defaults < settings file (TOML) < IPORTAL_* environment variables.

The settings file is `<data_dir>/iportal.toml` or the path in IPORTAL_SETTINGS_FILE.
Issuers are configuration (R1): a third one is a settings entry, not code.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Issuer(BaseModel):
    """A legal entity of the group that issues documents (R1)."""

    prefix: str
    name: str
    enterprise_number: str
    vat_number: str
    street: str
    postal_code: str
    city: str
    country: str = "BE"
    iban: str
    bic: str
    phone: str = ""
    email: str = ""
    website: str = ""


DEFAULT_ISSUERS: dict[str, Issuer] = {
    "DL2": Issuer(
        prefix="DL2",
        name="Belfius Lease Services NV",
        enterprise_number="0418711287",
        vat_number="BE0418711287",
        street="Karel Rogierplein 11",
        postal_code="1210",
        city="Brussel",
        iban="BE62510007547061",
        bic="GKCCBEBB",
        phone="+32 2 285 17 11",
        email="invoices@lease-services.example",
        website="www.lease-services.example",
    ),
    "DL5": Issuer(
        prefix="DL5",
        name="Belfius Lease Belgium NV",
        enterprise_number="0448420211",
        vat_number="BE0448420211",
        street="Karel Rogierplein 11",
        postal_code="1210",
        city="Brussel",
        iban="BE71096123456769",
        bic="GKCCBEBB",
        phone="+32 2 285 17 11",
        email="invoices@lease-belgium.example",
        website="www.lease-belgium.example",
    ),
}


def _settings_file() -> Path:
    explicit = os.environ.get("IPORTAL_SETTINGS_FILE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("IPORTAL_DATA_DIR", "var")) / "iportal.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPORTAL_", env_nested_delimiter="__")

    data_dir: Path = Path("var")
    # Documents issued before go-live are history: stored, rendered on demand, never
    # printed or notified. None: the first nightly run fixes it to the day before its
    # as_of and records it in the warehouse, so it never moves afterwards.
    go_live_date: date | None = None
    timezone: str = "Europe/Brussels"
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    render_workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)
    lock_timeout_seconds: float = Field(default=1800.0, gt=0)
    # pikepdf holds every copied page until save: parts bound the memory of a big
    # night (bench/print_batch.py: 100,000 pieces in one file peak at 1.6 GB).
    print_max_pieces_per_file: int = Field(default=5000, ge=1)
    issuers: dict[str, Issuer] = Field(default_factory=lambda: dict(DEFAULT_ISSUERS))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_settings_file())
        return (init_settings, env_settings, toml)

    # Paths derived from data_dir; one place so every step agrees.
    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "landing" / "processed"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def print_dir(self) -> Path:
        return self.data_dir / "print"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def snapshot_path(self) -> Path:
        return self.data_dir / "snapshot.duckdb"


@lru_cache(maxsize=8)
def _cached(data_dir: str | None) -> Settings:
    return Settings(data_dir=Path(data_dir)) if data_dir else Settings()


def load_settings(data_dir: Path | str | None = None) -> Settings:
    """Settings for a data dir (explicit argument > IPORTAL_DATA_DIR > ./var)."""
    if data_dir is not None:
        os.environ["IPORTAL_DATA_DIR"] = str(data_dir)
    return _cached(str(data_dir) if data_dir is not None else None)
