"""Settings: embedded defaults < settings file (TOML) < IPORTAL_* environment variables.

The settings file is `<data_dir>/iportal.toml` or the path in IPORTAL_SETTINGS_FILE.
Issuers are configuration (R1): a third one is a settings entry, not code.
Reading them is I/O (environment, files), so they live here, below flows/ and tasks/,
not in domain/ (pure rules) nor in the CLI package (issue 22).
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config.issuers import DEFAULT_ISSUERS, Issuer


def _settings_file() -> Path:
    explicit = os.environ.get("IPORTAL_SETTINGS_FILE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("IPORTAL_DATA_DIR", "var")) / "iportal.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPORTAL_", env_nested_delimiter="__")

    data_dir: Path = Path("var")  # landing/, documents/, print/, warehouse.duckdb, snapshot.duckdb
    # Documents issued before go-live are history: stored, rendered on demand, never
    # printed or notified. None: the first nightly run fixes it to the day before its
    # as_of and records it in the warehouse, so it never moves afterwards.
    go_live_date: date | None = None
    timezone: str = "Europe/Brussels"  # an as_of without a zone is local time here
    batch_size: int = Field(default=2000, ge=1, le=100_000)  # documents per task and transaction
    # Worker processes drawing PDFs (and building Peppol UBL, composing e-mails).
    render_workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)
    lock_timeout_seconds: float = Field(default=1800.0, gt=0)  # a second writer waits this long
    # pikepdf holds every copied page until save: parts bound the memory of a big
    # night (bench/print_batch.py: 100,000 pieces in one file peak at 1.6 GB).
    print_max_pieces_per_file: int = Field(default=5000, ge=1)
    # Scale-out (issue 9): a Dask scheduler (e.g. "tcp://10.0.0.5:8786") renders on its
    # cluster instead of the local pool; PDFs then need storage every worker reaches:
    # a shared folder or "s3://bucket/prefix" (None: <data_dir>, as keys documents/...).
    dask_scheduler_address: str | None = None
    storage_url: str | None = None  # a folder every render worker mounts, or s3://bucket/prefix
    storage_endpoint_url: str | None = None  # S3-compatible stores (MinIO, Ceph...)
    storage_access_key_id: str | None = None  # None: the usual AWS env/config chain
    storage_secret_access_key: SecretStr | None = None  # with storage_access_key_id
    storage_region: str | None = None  # the object store's region
    # Peppol (issue 7): documents issued from this date to customers with a Belgian
    # enterprise number go by Peppol BIS 3.0 (None: no Peppol routing at all).
    peppol_mandate_date: date | None = date(2026, 1, 1)
    # Customer codes kept out of Peppol (e.g. a VAT-exempt activity): code -> reason.
    peppol_excluded_customer_codes: dict[str, str] = Field(default_factory=dict)
    # None: the embedded outbox folder <data_dir>/peppol/outbox; else the access
    # point's HTTP endpoint that receives one UBL document per POST.
    peppol_access_point_url: str | None = None
    peppol_timeout_seconds: float = Field(default=30.0, gt=0)  # per HTTP request, then retried
    # HTTP 429 from the access point: wait what its Retry-After says, up to this long;
    # a longer wait stops sending for the run (the next run sends the rest).
    peppol_max_retry_after_seconds: float = Field(default=120.0, ge=0)
    # Participant lookup before routing (issue 18, docs/peppol.md). On: a Belgian
    # company goes by Peppol only when 0208:<enterprise number> is registered for the
    # document type. peppol_sml_zone set: SML DNS (U-NAPTR) then the SMP, e.g.
    # "edelivery.tech.ec.europa.eu" (production SML) or "acc.edelivery.tech.ec.europa.eu"
    # (test SML). Not set: the local registry file (<data_dir>/peppol/registry.csv,
    # participant_id,document_type), e.g. the demo's; neither: lookup not configured,
    # every participant assumed registered, and the route's reason says so.
    peppol_lookup_enabled: bool = True
    peppol_sml_zone: str | None = None
    peppol_dns_resolver: str | None = None  # a DNS server's address; None: the system's
    peppol_dns_port: int = Field(default=53, ge=1, le=65535)
    peppol_lookup_timeout_seconds: float = Field(default=5.0, gt=0)
    peppol_lookup_ttl_hours: float = Field(default=24.0, ge=0)
    peppol_lookup_workers: int = Field(default=8, ge=1, le=64)  # concurrent SMP calls
    # SML/SMP unreachable and nothing cached: the document waits (not routed) up to
    # this many days after its first wait, then follows the previous rules (portal/paper).
    peppol_lookup_max_wait_days: int = Field(default=3, ge=0)
    peppol_registry_file: Path | None = None
    # The access point's HTTP callback (POST /peppol/responses on the portal app):
    # None switches it off; else callers send "Authorization: Bearer <token>".
    peppol_callback_token: SecretStr | None = None
    # R1: issuing entities by prefix (DL2, DL5 by default): name, enterprise number, IBAN, address.
    issuers: dict[str, Issuer] = Field(default_factory=lambda: dict(DEFAULT_ISSUERS))
    # R16/R17: activation codes are derived as HMAC-SHA256(secret, customer code|serial),
    # so a paper invoice re-renders with the same code while the warehouse holds only
    # its hash. Keep it secret and never change it once codes are out (every code sent
    # would stop working). None: a random secret made once in <data_dir>/secret.key (0600).
    activation_code_secret: SecretStr | None = None
    # R7: how long an invitation link works (a newer one supersedes it anyway).
    invitation_valid_days: int = Field(default=30, ge=1, le=365)
    # History windows (R21, R22; domain/windows.py): the portal shows the last
    # history_years years; the network mailbox starts at the floor or the contract's start.
    history_years: int = Field(default=7, ge=1, le=50)
    network_history_floor: date = date(2008, 5, 1)  # R22: the network mailbox's first day

    # Notifications (R24, R25; docs/architecture.md "Notifications"). mailer "auto": SMTP when
    # smtp_host is set, else the embedded Maildir outbox <data_dir>/outbox.
    mailer: str = Field(default="auto", pattern="^(auto|smtp|maildir)$")
    smtp_host: str | None = None  # the mail server of the notifications
    smtp_port: int = Field(default=587, ge=1, le=65535)  # of smtp_host
    smtp_starttls: bool = True  # STARTTLS on a plain connection
    smtp_ssl: bool = False  # implicit TLS (port 465); starttls is then ignored
    smtp_username: str | None = None  # login, when set
    smtp_password: SecretStr | None = None  # with smtp_username
    smtp_sender: str = "I-Portal <no-reply@iportal.example>"  # also where bounces go
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)  # per SMTP command
    smtp_connections: int = Field(default=2, ge=1, le=16)  # parallel, for the send loop
    smtp_attempts_per_run: int = Field(default=3, ge=1)  # in-run retries (tenacity)
    smtp_retry_wait_seconds: float = Field(default=2.0, ge=0)  # first in-run wait, doubles
    digest_max_attempts: int = Field(default=6, ge=1)  # 4xx replies, then failed
    digest_retry_base_seconds: float = Field(default=1800.0, gt=0)  # doubles per attempt
    digest_retry_max_seconds: float = Field(default=86400.0, gt=0)  # cap of that backoff
    digest_spool_keep_days: int = Field(default=7, ge=0)  # a sent message stays spooled
    bounce_flag_threshold: int = Field(default=2, ge=1)  # hard bounces that flag an address
    # Queued digests from which a run emits iportal.digests.backlog (automations.yaml)
    digest_backlog_alert: int = Field(default=1000, ge=1)
    # Retention (issue 19, docs/retention.md): art. 60 § 4 WBTW, 10 years since 2023,
    # counted from 1 January after the document's date; codes on legal hold are kept.
    retention_years: int = Field(default=10, ge=10, le=100)
    retention_hold_customer_codes: list[str] = Field(default_factory=list)  # legal hold (JSON)
    # Deleted users' names and e-mail are erased this many days after the deletion.
    personal_data_keep_days: int = Field(default=30, ge=0)
    portal_base_url: str = "https://iportal.example"  # links in the e-mails
    # Issue 21: DuckDB's memory_limit for the analysts' reads (`iportal sql`, `iportal
    # export`) and the snapshot refresh; beyond it DuckDB spills to disk (a folder beside
    # the database file) instead of holding every row (`export` at 10^7 deliveries: 4.8 GB
    # unbounded). A DuckDB size ("512MB", "2GiB"); "" leaves DuckDB's default, 80 % of RAM.
    analyst_memory_limit: str = Field(default="512MiB", pattern=r"^(\d+(\.\d+)? ?[KMGT]i?B)?$")

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

    @property
    def peppol_outbox_dir(self) -> Path:
        return self.data_dir / "peppol" / "outbox"

    @property
    def peppol_inbox_dir(self) -> Path:
        return self.data_dir / "peppol" / "inbox"

    @property
    def peppol_registry_path(self) -> Path:
        return self.peppol_registry_file or self.data_dir / "peppol" / "registry.csv"

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / "secret.key"

    def code_secret(self) -> bytes:
        """The activation-code secret: the setting, else <data_dir>/secret.key."""
        if self.activation_code_secret is not None:
            return self.activation_code_secret.get_secret_value().encode()
        return load_or_create_secret(self.secret_key_path)


def load_or_create_secret(path: Path) -> bytes:
    """Read the secret file, or create it once: written to a private temp file (0600),
    then hard-linked into place, which fails if another process won the race (its
    secret is used) and never exposes a half-written file."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_hex(32).encode())
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink()
    return path.read_bytes().strip()


@lru_cache(maxsize=8)
def _cached(data_dir: str | None) -> Settings:
    return Settings(data_dir=Path(data_dir)) if data_dir else Settings()


def load_settings(data_dir: Path | str | None = None) -> Settings:
    """Settings for a data dir (explicit argument > IPORTAL_DATA_DIR > ./var)."""
    if data_dir is not None:
        os.environ["IPORTAL_DATA_DIR"] = str(data_dir)
    return _cached(str(data_dir) if data_dir is not None else None)
