"""What the notification steps need to know, as plain values (the flows build them
from iportal.config.Settings, so tasks never import the CLI's settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """In-run retries (tenacity) for transient SMTP trouble, then backoff across runs."""

    attempts_per_run: int = 3
    wait_seconds: float = 2.0
    max_attempts: int = 6  # 4xx replies; a server outage never gives up
    backoff_base_seconds: float = 1800.0
    backoff_max_seconds: float = 86400.0


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    data_dir: Path
    sender: str = "I-Portal <no-reply@iportal.example>"
    portal_base_url: str = "https://iportal.example"
    timezone: str = "Europe/Brussels"
    mailer: str = "maildir"  # maildir | smtp
    smtp: SmtpServer | None = None
    retry: RetryPolicy = RetryPolicy()
    batch_size: int = 2000
    workers: int = 1  # processes drawing the messages of a large run (DESIGN rule 2)
    bounce_flag_threshold: int = 2
    spool_keep_days: int = 7
    lock_timeout_seconds: float = 1800.0
    # accepted messages marked `sent` per transaction: after a crash, at most this many
    # are sent again (same Message-ID, same bytes; docs/reliability.md)
    record_every: int = 100
    smtp_connections: int = 1  # parallel SMTP connections of the send loop (smtp only)

    @property
    def spool_dir(self) -> Path:
        """Composed messages waiting to be sent (they may hold an invitation link)."""
        return self.data_dir / "notifications" / "spool"

    @property
    def outbox_dir(self) -> Path:
        """The embedded transport's Maildir (DESIGN rule 10)."""
        return self.data_dir / "outbox"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"
