"""`iportal digest` and `iportal bounces ingest`: thin commands over the notification
steps (R24, R25); iportal/cli.py registers them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iportal.cli_common import AsOf, DataDir, Json, console, exit_if_queued, one_line_errors

Frequency = Annotated[str, typer.Option("--frequency", help="immediate, daily or weekly (R11).")]


def show_flagged(flagged: list[dict]) -> None:
    if not flagged:
        console.print("no flagged address")
        return
    table = Table("flagged address", "hard bounces", "last kind", "customer codes (R31)")
    for f in flagged:
        codes = ", ".join(f["customer_codes"]) or "(no customer code on record)"
        table.add_row(f["address"], str(f["hard_bounces"]), f["last_category"] or "", codes)
    console.print(table)


@one_line_errors
def digest(
    frequency: Frequency = "daily",
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
) -> None:
    """Compose and send the digests of one frequency now; retries queued ones.

    Example: iportal digest --frequency daily --data-dir var --as-of 2026-11-28
    """
    from flows.digest import digest as digest_flow
    from iportal.prefect_env import guard_ephemeral_api
    from tasks.notify import FREQUENCIES

    if frequency not in FREQUENCIES:
        raise typer.BadParameter(f"--frequency must be one of {', '.join(FREQUENCIES)}")
    guard_ephemeral_api()  # dies with this process (issue 19)
    summary = digest_flow(frequency=frequency, as_of=as_of, data_dir=str(data_dir))
    if json_out:
        console.print_json(json.dumps(summary, default=str))
        exit_if_queued(summary)
        return
    console.print(
        f"{frequency} digests, period {summary['period']}: {summary['digests_queued']} queued "
        f"({summary['invitations']} with an invitation), {summary['digests_sent']} sent, "
        f"{summary['digests_deferred']} deferred, {summary['digests_hard_bounces']} hard "
        f"bounces, {summary['digests_failed']} failed"
    )
    if summary["mailer_unavailable"]:
        console.print(f"[red]mail server unavailable[/red]: {summary['mailer_unavailable']}")
    for failure in summary["compose_failures"]:
        console.print(f"not sent ({', '.join(failure['customer_codes'])}): {failure['error']}")
    show_flagged(summary["flagged_addresses"])
    exit_if_queued(summary)


bounces_app = typer.Typer(help="Bounce messages (R25).", no_args_is_help=True)


@bounces_app.callback()
def bounces_group() -> None:
    """Bounce commands (a group, so that `iportal bounces ingest` keeps its name)."""


@bounces_app.command("ingest")
@one_line_errors
def bounces_ingest(
    maildir: Annotated[Path, typer.Argument(help="Maildir holding the bounce messages.")],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
) -> None:
    """Read delivery status notifications (RFC 3464) from a Maildir and record them.

    Example: iportal bounces ingest /var/mail/iportal-bounces --data-dir var
    """
    from config import load_settings
    from domain.clock import resolve_as_of
    from flows.digest import notify_config
    from tasks.notify import flagged_addresses, ingest_bounces
    from warehouse.store import open_writer

    settings = load_settings(data_dir)
    config = notify_config(settings)
    moment = resolve_as_of(as_of, settings.timezone)
    with open_writer(settings.warehouse_path, "bounces", settings.lock_timeout_seconds) as con:
        result = ingest_bounces(
            con, maildir, moment, config.retry, config.bounce_flag_threshold, "bounces"
        )
        flagged = flagged_addresses(con)
    if json_out:
        console.print_json(json.dumps(vars(result) | {"flagged": flagged}, default=str))
        return
    console.print(
        f"{result.messages} messages: {result.recorded} bounces recorded, "
        f"{result.already_recorded} already known, {result.not_dsn} not a bounce"
    )
    for kind, count in sorted(result.by_category.items()):
        console.print(f"  {kind}: {count}")
    show_flagged(flagged)
