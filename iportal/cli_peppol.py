"""`iportal peppol list|show|resend|inbox|lookup`: the Peppol operator queue (issue 18).

Thin: each command opens the writer and calls tasks.peppol (queue.py, responses.py,
lookup.py); `resend` then runs the same Peppol step as the night, at once.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iportal.cli_common import (
    AsOf,
    DataDir,
    Json,
    console,
    one_line_errors,
    operator,
    warehouse,
)

peppol_app = typer.Typer(
    help="Peppol operator queue: failed and rejected documents, responses, re-sends.",
    no_args_is_help=True,
)
Issuer = Annotated[str, typer.Argument(help="Issuer prefix, e.g. DL5.")]
Number = Annotated[str, typer.Argument(help="Document number, e.g. 2026-0001234.")]


def dump(value) -> None:
    console.print_json(json.dumps(value, default=str))


@peppol_app.command("list")
@one_line_errors
def peppol_list(
    customer_code: Annotated[str | None, typer.Option(help="Only this customer code.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    data_dir: DataDir = Path("var"),
    json_out: Json = False,
) -> None:
    """List the operator queue: Peppol documents failed or rejected, oldest first.

    Example: iportal peppol list --customer-code DL50012345
    """
    from tasks.peppol.queue import list_queue

    with warehouse(data_dir) as (con, _, _):
        rows = list_queue(con, limit, customer_code)
    if json_out:
        return dump(rows)
    if not rows:
        console.print("the Peppol queue is empty")
        return
    table = Table("document", "customer (R31)", "problem", "attempt", "reason")
    for r in rows:
        table.add_row(f"{r['issuer']}/{r['document_number']}", r["customer_code"], r["problem"],
                      str(r["send_attempt"]), (r["reason"] or "")[:120])  # fmt: skip
    console.print(table)


@peppol_app.command("show")
@one_line_errors
def peppol_show(
    issuer: Issuer, document_number: Number, data_dir: DataDir = Path("var"), json_out: Json = False
) -> None:
    """Show one Peppol delivery: status, attempts, transmission, responses, failed rules.

    Example: iportal peppol show DL5 2026-0001234
    """
    from tasks.peppol.queue import show_delivery

    with warehouse(data_dir) as (con, _, _):
        found = show_delivery(con, issuer, document_number)
    if json_out:
        return dump(found)
    console.print(
        f"{issuer}/{document_number} ({found['customer_code']}): delivery "
        f"{found['delivery_status']}, message {found['message_status']}, attempt "
        f"{found['send_attempt']}, key {found['idempotency_key']}, message id "
        f"{found['message_id']}\ntransmission {found['transmission']}, MLR {found['mlr_code']}, "
        f"Invoice Response {found['invoice_response_code']}"
        f"{' — IN THE QUEUE' if found['in_queue'] else ''}\nreason: {found['reason']}",
        highlight=False,
    )
    for r in found["responses"]:
        console.print(f"  {r['received_at']:%Y-%m-%d %H:%M} {r['kind']} {r['code']} "
                      f"({r['meaning']}) {r['reasons'] or ''}", highlight=False)  # fmt: skip
    for f in found["failures"][:20]:
        console.print(f"  {f['rule_id']} [{f['flag']}] {f['text']}", highlight=False)


@peppol_app.command("resend")
@one_line_errors
def peppol_resend(
    issuer: Issuer,
    document_number: Number,
    note: Annotated[str, typer.Option("--note", help="What was fixed (kept in the audit log).")],
    later: Annotated[bool, typer.Option("--later", help="Leave it to the next night.")] = False,
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
) -> None:
    """Re-send a queued document after a fix: a new attempt of the same delivery,
    rebuilt and revalidated, then sent at once (or by the next night with --later).

    Example: iportal peppol resend DL5 2026-0001234 --note "customer address corrected"
    """
    from tasks.peppol.queue import request_resend

    with warehouse(data_dir, as_of) as (con, moment, settings):
        result = request_resend(con, issuer, document_number, operator(), note, moment)
    if not later:
        result["sent"] = send_now(settings, moment)
    if json_out:
        return dump(result)
    console.print(f"{issuer}/{document_number} ({result['customer_code']}): attempt "
                  f"{result['attempt']} decided", highlight=False)  # fmt: skip
    if "sent" in result:
        sent = result["sent"]
        console.print(f"Peppol step: {sent['sent']} sent, {sent['failed_validation']} failed "
                      f"validation, {sent['rejected']} refused, {sent['pending']} pending; "
                      f"queue {sent['queue']}", highlight=False)  # fmt: skip


def send_now(settings, moment) -> dict:
    """The night's Peppol step, in a run of its own (every pending Peppol delivery)."""
    from tasks import peppol, runs
    from tasks.storage import storage_config
    from warehouse.store import open_writer

    actor = operator()
    writer = partial(open_writer, settings.warehouse_path, actor, settings.lock_timeout_seconds)
    with writer() as con:
        run_id = runs.start_run(con, "peppol-resend", moment, actor)
    access_point = peppol.make_access_point(
        settings.peppol_access_point_url, settings.peppol_timeout_seconds,
        settings.peppol_outbox_dir, settings.peppol_max_retry_after_seconds,
    )  # fmt: skip
    issuers = {prefix: issuer.model_dump() for prefix, issuer in settings.issuers.items()}
    counts = peppol.deliver_pending(writer, access_point, issuers, storage_config(settings),
                                    run_id, settings.batch_size, actor).as_dict()  # fmt: skip
    with writer() as con:
        runs.finish_run(con, run_id, "completed", {"peppol": counts}, actor)
    return counts


@peppol_app.command("inbox")
@one_line_errors
def peppol_inbox(data_dir: DataDir = Path("var"), json_out: Json = False) -> None:
    """Record the responses waiting in <data-dir>/peppol/inbox/ (transmission reports,
    Message Level Responses, Invoice Responses); the night does it too.

    Example: iportal peppol inbox --data-dir var
    """
    from tasks.peppol.responses import ingest_inbox

    with warehouse(data_dir) as (con, _, settings):
        issuers = {p: i.enterprise_number for p, i in settings.issuers.items()}
        counts = ingest_inbox(con, settings.peppol_inbox_dir, issuers, operator())
    if json_out:
        return dump(counts.as_dict())
    console.print(f"{counts.recorded} responses recorded ({counts.unmatched} naming no known "
                  f"delivery), {counts.already} already recorded, {len(counts.rejected)} "
                  "set aside in inbox/rejected/", highlight=False)  # fmt: skip
    for line in counts.rejected:
        console.print(f"  {line}", highlight=False)


@peppol_app.command("lookup")
@one_line_errors
def peppol_lookup(
    enterprise_number: Annotated[str, typer.Argument(help="Belgian enterprise number.")],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
) -> None:
    """Ask the network (or the local registry) now whether 0208:<number> can receive
    BIS 3.0 invoices and credit notes; the cache is not used nor changed.

    Example: iportal peppol lookup 0418711287
    """
    from config import load_settings
    from domain.clock import resolve_as_of
    from tasks.peppol.lookup import make_lookup, participant_id

    settings = load_settings(data_dir)
    lookup = make_lookup(settings)
    if lookup is None:
        raise typer.BadParameter("participant lookup is off or has no SML zone nor registry file")
    participant = participant_id(enterprise_number)
    answers = lookup.look_up(participant, resolve_as_of(as_of, settings.timezone))
    if json_out:
        return dump({kind: asdict(a) for kind, a in answers.items()})
    for kind, answer in answers.items():
        verdict = "registered" if answer.registered else "NOT registered"
        console.print(f"{kind}: {verdict} — {answer.detail}", highlight=False)
