"""The spool: each digest's message, rendered once and kept as bytes until it is sent,
so that a retry sends exactly the same message (same Message-ID, same link).

Rendering is CPU-bound (jinja2, babel and the headers: about 0.3 ms a message on an
idle core, issue 21), so a large chunk is drawn in worker processes, like the PDFs
(DESIGN rule 2); workers are stateless: they get a digest, write its file atomically
and return what was written.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path

from tasks.lifecycle import pool_initializer
from tasks.notify.message import InvalidAddress, build_message
from tasks.notify.records import Digest

POOL_MIN_DIGESTS = 64  # below this, starting workers costs more than it saves


def write_spool(spool_dir: Path, digest_id: str, data: bytes) -> None:
    """Atomically, readable by the service only (the message may hold an invitation)."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    partial_path = spool_dir / f"{digest_id}.eml.partial"
    fd = os.open(partial_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial_path, spool_dir / f"{digest_id}.eml")


def spool_one(digest: Digest, sender: str, base_url: str, spool_dir: Path, now) -> dict:
    """Render one digest into the spool; an unusable address comes back as an error."""
    try:
        message = build_message(digest, sender, base_url, now)
    except InvalidAddress as error:
        return {"digest_id": digest.digest_id, "error": str(error)}
    write_spool(spool_dir, digest.digest_id, message.data)
    return {
        "digest_id": digest.digest_id,
        "address": message.address,  # an IDN as punycode
        "message_id": message.message_id,
        "message_sha256": hashlib.sha256(message.data).hexdigest(),
        "error": None,
    }


def spool_messages(
    digests: list[Digest], sender: str, base_url: str, spool_dir: Path, now: datetime, pool=None
) -> list[dict]:
    """One result per digest, in order; in the pool when there are enough of them."""
    draw = partial(spool_one, sender=sender, base_url=base_url, spool_dir=spool_dir, now=now)
    if pool is None or len(digests) < POOL_MIN_DIGESTS:
        return [draw(d) for d in digests]
    return list(pool.map(draw, digests, chunksize=32))


@contextmanager
def compose_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(  # workers die with this process, also on SIGKILL (issue 19)
        workers, mp_context=context, initializer=pool_initializer, initargs=(os.getpid(),)
    ) as pool:
        yield pool
