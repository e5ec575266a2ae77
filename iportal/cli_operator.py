"""Operator actions (issue 19): unflag or suppress an address, the partner file of R4,
the reprint of a mail piece the print house lost. iportal/cli.py registers them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iportal.cli_common import AsOf, DataDir, Json, one_line_errors, operator, show, warehouse
from iportal.cli_notify import bounces_app

Address = Annotated[str, typer.Argument(help="The e-mail address.")]


@bounces_app.command("unflag")
@one_line_errors
def bounces_unflag(address: Address, data_dir: DataDir = Path("var"), json_out: Json = False):
    """Remove an address's flag once master data is corrected (R25); bounces stay recorded.

    Example: iportal bounces unflag an.peeters@example.be
    """
    from tasks.notify.suppress import unflag_address

    with warehouse(data_dir) as (con, _, _):
        done = unflag_address(con, address, operator())
    show({"address": address, "unflagged": done}, json_out,
         f"{address}: {'unflagged' if done else 'was not flagged'}")  # fmt: skip


@bounces_app.command("suppress")
@one_line_errors
def bounces_suppress(
    address: Address,
    reason: Annotated[str, typer.Option(help="Why, for the audit log.")],
    data_dir: DataDir = Path("var"),
    json_out: Json = False,
):
    """Never e-mail this address again: its due digests fail with the reason (R25); the
    documents stay in the portal.

    Example: iportal bounces suppress old@example.be --reason "company closed"
    """
    from tasks.notify.suppress import suppress_address

    with warehouse(data_dir) as (con, _, _):
        done = suppress_address(con, address, reason, operator())
    show({"address": address, "suppressed": done}, json_out,
         f"{address}: {'suppressed' if done else 'was suppressed already'}")  # fmt: skip


partner_app = typer.Typer(help="The delivery partner's contact file (R4).", no_args_is_help=True)


@partner_app.callback()
def partner_group() -> None:
    """Partner commands (a group, so that `iportal partner export` keeps its name)."""


@partner_app.command("export")
@one_line_errors
def partner_export(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    data_dir: DataDir = Path("var"),
    json_out: Json = False,
):
    """Write the partner's contact file: e-mail, language, last name, first name of each
    main contact, nothing else (R4); audited with its sha256.

    Example: iportal partner export --out var/partner_contacts.csv
    """
    from tasks.operations import export_partner_file

    with warehouse(data_dir) as (con, _, _):
        rows, sha256 = export_partner_file(con, out, operator())
    show({"out": str(out), "rows": rows, "sha256": sha256}, json_out,
         f"{rows} contacts → {out} (sha256 {sha256[:12]}…)")  # fmt: skip


@one_line_errors
def reprint(
    issuer: Annotated[str, typer.Argument(help="Issuer prefix, e.g. DL5.")],
    document_number: Annotated[str, typer.Argument(help="The document's number.")],
    reason: Annotated[str, typer.Option(help="What the print house reported.")],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Print a lost mail piece again in the next print batch, marked as a duplicate
    (never a second original), purpose `reprint` in the manifest; audited.

    Example: iportal reprint DL5 2026-0001234 --reason "batch DL5-20261127 lost in transit"
    """
    from config import load_settings
    from tasks.operations import request_reprint

    settings = load_settings(data_dir)
    with warehouse(data_dir, as_of) as (con, moment, _):
        done = request_reprint(con, settings, issuer, document_number, reason, operator(),
                               moment)  # fmt: skip
    show(done, json_out, f"{done['document']} ({done['customer_code']}): reprint queued for the "
         f"next print batch (lost in {done['lost_in_batch']})")  # fmt: skip


automations_app = typer.Typer(help="Prefect automations: alerts as code.", no_args_is_help=True)


@automations_app.callback()
def automations_group() -> None:
    """Automation commands (a group, so that `iportal automations apply` keeps its name)."""


@automations_app.command("apply")
@one_line_errors
def automations_apply(
    notify_block: Annotated[
        str | None, typer.Option(help="The operators' notification block, TYPE/NAME.")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="Default: automations.yaml.")] = None,
    json_out: Json = False,
):
    """Create or update the alerts of automations.yaml on the Prefect API (PREFECT_API_URL):
    nightly failed or crashed, not completed by 06:30, none completed for 26 h, digest
    backlog. Applying twice changes nothing.

    Example: iportal automations apply --notify-block email/iportal-operators
    """
    from iportal.automations import DEFAULT_FILE, apply_automations

    done = apply_automations(file or DEFAULT_FILE, notify_block)
    show({"automations": dict(done)}, json_out,
         "\n".join(f"{name}: {what}" for name, what in done))  # fmt: skip


@one_line_errors
def retention(
    apply: Annotated[bool, typer.Option("--apply", help="Purge; without it, only count.")] = False,
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Documents past their legal retention period (art. 60 § 4 WBTW: 10 years from
    1 January after their date) leave storage and the portal; deleted users' personal
    data is erased. A dry run unless --apply. See docs/retention.md.

    Example: iportal retention --as-of 2026-12-01 --apply
    """
    from flows.retention import retention_flow
    from iportal.prefect_env import guard_ephemeral_api

    guard_ephemeral_api()  # dies with this process (issue 19)
    summary = retention_flow(as_of=as_of, data_dir=str(data_dir), dry_run=not apply)
    verb = "purged" if apply else "would purge (dry run)"
    show(summary, json_out,
         f"{verb}: {summary['documents_purged']} documents, {summary['files_removed']} PDFs; "
         f"deleted users minimised: {summary['users_minimised']}")  # fmt: skip
