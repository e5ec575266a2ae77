"""What one ingest run knows (IngestContext) and what it tells about a file (FileReport)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass
class FileReport:
    file_name: str
    sha256: str
    kind: str
    status: str = "processed"  # processed | already_processed | incomplete | unreadable
    rows_total: int = 0
    ingested: int = 0
    unchanged: int = 0
    quarantined: int = 0
    legacy: int = 0  # legacy deliveries recorded (issue 20)
    reasons: Counter = field(default_factory=Counter)
    # Documents ingested whose VAT category was inferred from the rate (v1 lines, issue 17)
    vat_inferred: int = 0
    detail: str = ""


@dataclass
class IngestContext:
    database: Path
    processed_dir: Path
    issuers: frozenset[str]
    go_live: date
    run_id: str
    batch_size: int
    lock_timeout: float
    actor: str = "nightly"
    timezone: str = "Europe/Brussels"  # of legacy timestamps without an offset (issue 20)
