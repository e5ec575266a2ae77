"""Crash points for the reliability harness (issue 10). A no-op in normal runs.

With IPORTAL_CRASH_AT="name:n" the process kills itself with SIGKILL the n-th time it
passes crash point `name` — no cleanup, no finally blocks, like a power cut — so the
tests can prove that a rerun finishes the work without losing or repeating anything
(docs/reliability.md). With IPORTAL_CRASH_COUNT=FILE every pass appends the point's
name to FILE, so the harness knows how often a run passes each point.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

# Every crash point in the code, with the moment it stands for; the harness picks from
# these and tests/reliability/test_crash_points.py checks each is really in the code.
POINTS = {
    "ingest.chunk_committed": "a chunk of a landing file committed, the rest not yet",
    "ingest.before_move": "a landing file fully committed, not yet moved to processed/",
    "render.before_record": "PDFs written by the workers, renditions not yet recorded",
    "paper.assigned": "mail pieces assigned to a print batch, no files written yet",
    "paper.before_ready_commit": "print batch files and READY written, batch not committed",
    "peppol.sent_not_recorded": "the access point accepted documents, outcome not recorded",
    "peppol.responses_recorded_not_moved": "Peppol responses recorded, files still in inbox",
    "portal.before_publish": "deliveries rendered, not yet published",
    "digest.spooled": "digest messages spooled, not yet committed as queued",
    "smtp.sent_not_recorded": "the SMTP server accepted a digest, outcome not recorded",
}


_passes: Counter = Counter()


def crashpoint(name: str) -> None:
    tally = os.environ.get("IPORTAL_CRASH_COUNT")
    if tally:  # a reference run tells the harness how often each point is passed
        with open(tally, "a", encoding="utf-8") as handle:
            handle.write(name + "\n")
    target = os.environ.get("IPORTAL_CRASH_AT")
    if not target:
        return
    point, _, nth = target.partition(":")
    if point != name:
        return
    _passes[name] += 1
    if _passes[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
