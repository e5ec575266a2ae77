"""Landing files on disk: which to read, in which order, their hash, where they go after."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from itertools import islice
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def list_landing_files(landing_dir: Path) -> list[Path]:
    """Customers before documents, so tonight's documents find tonight's customers."""
    if not landing_dir.is_dir():
        return []
    customers = sorted(landing_dir.glob("customers*.csv"))
    documents = sorted(
        p
        for p in landing_dir.iterdir()
        if p.name.startswith("documents") and p.suffix in {".jsonl", ".parquet"}
    )
    return [p for p in customers + documents if p.is_file()]


def chunked(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def move_to_processed(path: Path, processed_dir: Path, sha256: str) -> Path:
    """Never deleted: moved aside, with the hash in the name if the name was used before."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    target = processed_dir / path.name
    if target.exists():
        target = processed_dir / f"{path.stem}.{sha256[:12]}{path.suffix}"
    os.replace(path, target)
    return target
