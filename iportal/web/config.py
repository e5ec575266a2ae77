"""The portal's own settings (IPORTAL_PORTAL_* environment variables), beside the
project's Settings (data dir, time zone, invitation validity), which it reads too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPORTAL_PORTAL_")

    session_minutes: int = Field(default=30, ge=1)  # idle time before a session ends
    session_max_hours: int = Field(default=12, ge=1)  # absolute end, even when active
    # Login brute force: failures per login identifier and per client address within
    # the window lock that identifier / address for `lockout_minutes`.
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_login: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    # How long a request waits for the warehouse while a nightly step holds it.
    lock_wait_seconds: float = Field(default=15.0, gt=0)
    # The portal keeps the warehouse for a burst of requests (iportal/web/store.py):
    # released after this idle time (0: after every request) and at the latest after
    # max_hold, so that a nightly step waits a few seconds at most.
    warehouse_idle_seconds: float = Field(default=0.3, ge=0)
    warehouse_max_hold_seconds: float = Field(default=5.0, gt=0)
    # "auto": Secure cookies when the request came over https (or a proxy said so).
    secure_cookies: str = Field(default="auto", pattern="^(auto|always|never)$")
    trust_proxy_headers: bool = False  # X-Forwarded-For / -Proto from a local proxy
    page_size: int = Field(default=25, ge=1, le=500)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PortalConfig:
    """What one app instance needs: where the data is, its settings and its clock."""

    data_dir: Path
    portal: PortalSettings = field(default_factory=PortalSettings)
    clock: object = utc_now  # tests pass a fixed clock; rules take as_of (DESIGN rule 6)
    lease: object = None  # the WarehouseLease, made by create_app

    @property
    def session_db_path(self) -> Path:
        return self.data_dir / "portal" / "sessions.sqlite3"

    def now(self) -> datetime:
        return self.clock()
