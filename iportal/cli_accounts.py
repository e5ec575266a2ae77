"""`iportal account …`: accounts, shared users, grants, settings, merge (R5-R13).

Thin: each command opens the writer and calls one function of tasks.accounts, which
records its audit event in the same transaction as the change (R30)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from iportal.cli_common import AsOf, DataDir, Json, one_line_errors, operator, show, warehouse

account_app = typer.Typer(
    help="Accounts: activation, shared users, grants, settings, merge (R5-R13).",
    no_args_is_help=True,
)

Account = Annotated[str, typer.Argument(help="Main-contact e-mail, login or account id.")]
UserEmail = Annotated[str, typer.Option("--user", help="E-mail of a user of the account.")]
Code = Annotated[str, typer.Option("--code", help="Customer code, e.g. DL50012345.")]
Codes = Annotated[list[str] | None, typer.Option("--code", help="Customer code to grant (repeat).")]
Language = Annotated[str, typer.Option(help="nl, fr, de or en.")]


def find(con, reference: str) -> dict:
    from tasks.accounts import find_account

    return find_account(con, reference)


@account_app.command("show")
@one_line_errors
def account_show(account: Account, data_dir: DataDir = Path("var"), json_out: Json = False):
    """Show an account: login, segment, status, customer codes, users and their grants.

    Example: iportal account show an@example.be
    """
    from tasks.accounts import describe_account

    with warehouse(data_dir) as (con, _, _):
        result = describe_account(con, account)
    lines = [f"{result['account_id']} {result['login_kind']} {result['login_id']} "
             f"{result['segment']} {result['status']}"]  # fmt: skip
    lines += [f"  code {c['customer_code']} network={'yes' if c['network_account_id'] else 'no'}"
              for c in result["customer_codes"]]  # fmt: skip
    lines += [f"  {u['role']} {u['email']} {u['status']} grants={u['granted_codes'] or []}"
              for u in result["users"]]  # fmt: skip
    show(result, json_out, "\n".join(lines))


@account_app.command("activate")
@one_line_errors
def account_activate(
    token: Annotated[
        str | None, typer.Argument(help="The invitation token from the e-mail link.")
    ] = None,
    token_option: Annotated[
        str | None,
        typer.Option("--token", help="The token, as an option (any first character)."),
    ] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Accept an invitation (R6, issue 16): choose the password, or give it when the
    address has a login already; a main contact's acceptance activates the account.

    Example: iportal account activate --token 3q2-Jx… (the password is asked twice, hidden)
    """
    from tasks.accounts import activate_with_invitation

    if bool(token) == bool(token_option):
        raise typer.BadParameter("give the invitation token once: as argument or --token")
    with warehouse(data_dir, as_of) as (con, moment, _):
        result = activate_with_invitation(con, token or token_option, password, moment,
                                          operator())  # fmt: skip
    show(result, json_out, f"activated {result['role']} user {result['user_id']}")


def mail_new_invitations(con, settings, moment) -> dict:
    """Issue 16: pending memberships get their link by e-mail, to their own address."""
    from datetime import timedelta

    from flows.digest import notify_config
    from tasks.notify.invitations import mail_invitations

    validity = timedelta(days=settings.invitation_valid_days)
    return mail_invitations(con, notify_config(settings), moment, operator(), validity)


def add_person(kind: str, account: str, email: str, first_name, last_name, language, codes,
               data_dir, as_of, json_out) -> None:  # fmt: skip
    from tasks.accounts import invite_third_party, share_account

    action = share_account if kind == "shared" else invite_third_party
    with warehouse(data_dir, as_of) as (con, moment, settings):
        result = action(
            con, find(con, account), email, moment, first_name=first_name, last_name=last_name,
            language=language, customer_codes=tuple(codes or ()), actor=operator(),
        )  # fmt: skip
        result |= mail_new_invitations(con, settings, moment)
    # issue 16: the link goes to the address only; pending until the person accepts it
    line = (f"{kind} user {result['user_id']} created, pending; invitation e-mailed to "
            f"{email} (sent now: {result['notices_sent']})")  # fmt: skip
    show(result, json_out, line)


@account_app.command("share")
@one_line_errors
def account_share(
    account: Account,
    email: Annotated[str, typer.Option("--email", help="E-mail of the new shared user.")],
    first_name: str | None = None,
    last_name: str | None = None,
    language: Language = "nl",
    code: Codes = None,
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Add a shared user (colleague, accountant), granted only the codes named (R8, R9).

    Example: iportal account share an@example.be --email acc@example.be --code DL50012345
    """
    add_person(
        "shared", account, email, first_name, last_name, language, code, data_dir, as_of, json_out
    )


@account_app.command("invite-third-party")
@one_line_errors
def account_invite_third_party(
    account: Account,
    email: Annotated[str, typer.Option("--email", help="E-mail of the third party.")],
    first_name: str | None = None,
    last_name: str | None = None,
    language: Language = "nl",
    code: Codes = None,
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Invite a third party to see documents without the login; B2B accounts only (R12).

    Example: iportal account invite-third-party BE0418711287 --email tp@example.be --code DL50012345
    """
    add_person(
        "third_party",
        account,
        email,
        first_name,
        last_name,
        language,
        code,
        data_dir,
        as_of,
        json_out,
    )


@account_app.command("unshare")
@one_line_errors
def account_unshare(
    account: Account, user: UserEmail, data_dir: DataDir = Path("var"), as_of: AsOf = None,
    json_out: Json = False,
):  # fmt: skip
    """Delete a shared user or third party; its grants go with it (R8).

    Example: iportal account unshare an@example.be --user acc@example.be
    """
    from tasks.accounts import delete_user

    with warehouse(data_dir, as_of) as (con, moment, _):
        result = delete_user(con, find(con, account), user, moment, operator())
    show(
        result,
        json_out,
        f"deleted user {result['user_id']}; grants revoked: {result['grants_revoked']}",
    )


@account_app.command("update-user")
@one_line_errors
def account_update_user(
    account: Account, user: UserEmail, first_name: str | None = None,
    last_name: str | None = None, language: str | None = None,
    data_dir: DataDir = Path("var"), json_out: Json = False,
):  # fmt: skip
    """Change a user's name or language (R8).

    Example: iportal account update-user an@example.be --user acc@example.be --language fr
    """
    from tasks.accounts import update_user

    with warehouse(data_dir) as (con, _, _):
        result = update_user(con, find(con, account), user, operator(), first_name=first_name,
                             last_name=last_name, language=language)  # fmt: skip
    show(
        result,
        json_out,
        f"updated {', '.join(result['changed']) or 'nothing'} of {result['user_id']}",
    )


@account_app.command("grant")
@one_line_errors
def account_grant(
    account: Account, user: UserEmail, code: Code, data_dir: DataDir = Path("var"),
    as_of: AsOf = None, json_out: Json = False,
):  # fmt: skip
    """Grant a shared user or third party access to one customer code (R8, R9).

    Example: iportal account grant an@example.be --user acc@example.be --code DL50012345
    """
    from tasks.accounts import grant_access

    with warehouse(data_dir, as_of) as (con, moment, _):
        done = grant_access(con, find(con, account), user, code, moment, operator())
    result = {"user": user, "customer_code": code, "changed": done}
    show(result, json_out, f"{user} {'now sees' if done else 'already saw'} {code}")


@account_app.command("revoke")
@one_line_errors
def account_revoke(
    account: Account, user: UserEmail, code: Code, data_dir: DataDir = Path("var"),
    json_out: Json = False,
):  # fmt: skip
    """Revoke a user's access to one customer code (R8, R29).

    Example: iportal account revoke an@example.be --user acc@example.be --code DL50012345
    """
    from tasks.accounts import revoke_access

    with warehouse(data_dir) as (con, _, _):
        done = revoke_access(con, find(con, account), user, code, operator())
    result = {"user": user, "customer_code": code, "changed": done}
    show(result, json_out, f"{user} {'no longer sees' if done else 'did not see'} {code}")


@account_app.command("settings")
@one_line_errors
def account_settings(
    account: Account,
    user: UserEmail,
    frequency: Annotated[str | None, typer.Option(help="immediate, daily or weekly.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Customer code to switch.")] = None,
    notify: Annotated[bool, typer.Option("--notify/--no-notify", help="With --code.")] = True,
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Notification settings (R11): a recipient's frequency and on/off per customer code.

    Example: iportal account settings an@example.be --user acc@example.be --frequency weekly
    (or: --code DL50012345 --no-notify)
    """
    from tasks.accounts import set_notifications, update_user

    result: dict = {"user": user}
    with warehouse(data_dir, as_of) as (con, moment, _):
        found = find(con, account)
        if frequency:
            result |= update_user(con, found, user, operator(), frequency=frequency)
        if code:
            result |= set_notifications(con, found, user, code, notify, moment, operator())
    show(result, json_out, f"settings of {user}: " + json.dumps(result, default=str))


@account_app.command("merge")
@one_line_errors
def account_merge(
    source: Annotated[str, typer.Argument(help="The account that disappears.")],
    into: Annotated[str, typer.Option("--into", help="The account that remains.")],
    data_dir: DataDir = Path("var"),
    as_of: AsOf = None,
    json_out: Json = False,
):
    """Merge one account into another: codes, users, network mailboxes (R13, operator).

    Example: iportal account merge jan@example.be --into an@example.be
    """
    from tasks.accounts import merge_accounts

    with warehouse(data_dir, as_of) as (con, moment, settings):
        result = merge_accounts(con, source, into, moment, operator())
        mail_new_invitations(con, settings, moment)  # a pending former main contact's
    show(result, json_out, f"merged {result['source']} into {result['target']}: "
                           f"codes {result['customer_codes']}")  # fmt: skip
