"""Progress of long steps. The CLI installs a reporter that draws a progress bar;
flows run without one (Prefect logs and artifacts carry their progress)."""

from __future__ import annotations

from collections.abc import Callable

Reporter = Callable[[str, int, int | None], None]
_reporter: Reporter | None = None


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter


def advance(step: str, done: int, total: int | None = None) -> None:
    """Tell the reporter that `done` more units of `step` are finished."""
    if _reporter is not None:
        _reporter(step, done, total)
