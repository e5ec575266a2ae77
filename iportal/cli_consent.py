"""`iportal code redeem|issue` and `iportal optout`: network consent (R16-R20).

Thin: each command opens the writer and calls one function of tasks.accounts; a refused
redemption is recorded (consent_history) and exits non-zero with its reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from iportal.cli_common import (
    AsOf,
    DataDir,
    Json,
    console,
    err,
    one_line_errors,
    operator,
    show,
    warehouse,
)

code_app = typer.Typer(
    help="Activation codes for the network mailbox (R16-R20).", no_args_is_help=True
)


@code_app.command("redeem")
@one_line_errors
def code_redeem(
    code: Annotated[str, typer.Argument(help="The activation code, e.g. ABCD-EFGH-JKMN-PQ.")],
    email: Annotated[str, typer.Option("--email", help="E-mail of the account redeeming it.")],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Redeem an activation code: network delivery from the next run on (R16-R20).

    Example: iportal code redeem 7K3M-9QXT-2B4W-HD --email an@example.be
    """
    from tasks.accounts import redeem_code

    with warehouse(data_dir, as_of) as (con, moment, settings):
        result = redeem_code(con, code, email, moment, timezone=settings.timezone)
    if json_out:
        console.print_json(json.dumps(result.as_dict()))
    elif result.ok:
        console.print(result.message, highlight=False)
    else:
        err.print(f"[red]refused ({result.reason}):[/red] {result.message}", highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@code_app.command("issue")
@one_line_errors
def code_issue(
    customer_code: Annotated[str, typer.Argument(help="Customer code, e.g. DL50012345.")],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Send the activation letter again (lost code, R17): in the next print batch.

    Example: iportal code issue DL50012345
    """
    from tasks.accounts import request_activation_letter

    with warehouse(data_dir, as_of) as (con, moment, settings):
        result = request_activation_letter(con, customer_code, moment, settings.code_secret(),
                                           settings.timezone, operator())  # fmt: skip
    show(result, json_out, f"activation letter {result['letter_id']} (code serial "
                           f"{result['serial']}, valid until {result['valid_until']}) goes "
                           "out with the next print batch")  # fmt: skip


@one_line_errors
def optout(
    customer_code: Annotated[str, typer.Argument(help="Customer code, e.g. DL50012345.")],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Opt a customer code out of electronic delivery: paper from the next run (R20).

    Example: iportal optout DL50012345 --as-of 2026-12-01
    """
    from tasks.accounts import opt_out

    with warehouse(data_dir, as_of) as (con, moment, _):
        result = opt_out(con, customer_code, moment, operator())
    show(result, json_out, result["message"])
