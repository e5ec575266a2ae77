"""Crash points for the reliability harness (issue 10). A no-op in normal runs.

With IPORTAL_CRASH_AT="name:n" the process kills itself with SIGKILL the n-th time it
passes crash point `name` — no cleanup, no finally blocks, like a power cut — so the
tests can prove that a rerun finishes the work without losing or repeating anything.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_passes: Counter = Counter()


def crashpoint(name: str) -> None:
    target = os.environ.get("IPORTAL_CRASH_AT")
    if not target:
        return
    point, _, nth = target.partition(":")
    if point != name:
        return
    _passes[name] += 1
    if _passes[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
