"""What every `iportal` command shares: consoles, option types, one-line errors.

In a module of its own so that command groups in other modules (cli_accounts.py) can
use them while iportal/cli.py registers those groups.
"""

from __future__ import annotations

import functools
import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from iportal.exit_codes import FAILED

console = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path, typer.Option("--data-dir", envvar="IPORTAL_DATA_DIR", help="Data folder.")
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Moment of the run (YYYY-MM-DD or ISO time).")
]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def one_line_errors(command):
    """Errors are one clear line and a non-zero exit, not a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.BadParameter):
            raise  # BadParameter: Click's usage error, exit 2 (iportal/exit_codes.py)
        except Exception as error:  # the operator gets one line; details are in the logs
            err.print(f"[red]error:[/red] {type(error).__name__}: {error}", highlight=False)
            raise typer.Exit(FAILED) from None

    return wrapper


def exit_if_queued(summary: dict) -> None:
    """Exit 3 (QUEUED) when the run finished but left work for a later run (issue 19)."""
    from iportal.exit_codes import QUEUED, queued_work

    left = queued_work(summary)
    for line in left:
        err.print(f"[yellow]left queued:[/yellow] {line}", highlight=False)
    if left:
        raise typer.Exit(QUEUED)


def operator() -> str:
    return f"operator:{getpass.getuser()}"


@contextmanager
def warehouse(data_dir: Path, as_of: str | None = None) -> Iterator[tuple]:
    """(connection, as_of, settings) on the writer; closed and unlocked after."""
    from config import load_settings
    from domain.clock import resolve_as_of
    from warehouse.store import open_writer

    settings = load_settings(data_dir)
    moment = resolve_as_of(as_of, settings.timezone)
    with open_writer(settings.warehouse_path, operator(), settings.lock_timeout_seconds) as con:
        yield con, moment, settings


def show(result: dict, json_out: bool, line: str) -> None:
    if json_out:
        console.print_json(json.dumps(result, default=str))
    else:
        console.print(line, highlight=False)
