"""Customer codes and notification settings (R11), shared users and grants (R8, R9),
third parties (R12), activation codes and opt-out (R16-R20). Every action goes through
tasks/accounts (same transaction, same audit events as the CLI), for the session's
own account only: anything else is the same 404 as something missing. A person with
memberships in several accounts manages each one's notifications through that
membership (issue 16); only an accepted main contact manages users and codes."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from config import load_settings
from domain.accounts import FREQUENCIES, LANGUAGES, AccountError, InvalidEmail
from iportal.web import store
from iportal.web.i18n import account_error_key
from iportal.web.pages import NotFound, check_csrf, config_of, render, user_warehouse
from tasks.accounts import (
    delete_user,
    grant_access,
    invite_third_party,
    opt_out,
    redeem_code,
    revoke_access,
    set_notifications,
    share_account,
    update_user,
)
from tasks.accounts.db import fetch_dicts
from tasks.accounts.lookup import find_account
from tasks.accounts.redeem import consent_of

router = APIRouter()
log = logging.getLogger("iportal.portal")
DONE = {"saved", "user_created", "user_deleted", "opted_out", "duplicate_requested"}


def actor_of(user: dict) -> str:
    return f"user:{user['user_id']}"


def person_codes(con, person: dict) -> list[tuple[dict, dict]]:
    """(membership, code) for every code the person sees, through its membership."""
    return [
        (member, code | {"account_login": member["login_id"]})
        for member in person["memberships"]
        for code in store.list_user_codes(con, member["user_id"])
    ]


def done_of(request: Request) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


@router.get("/codes")
@router.get("/settings/notifications")  # the link in every notification e-mail
def codes_page(request: Request):
    now = config_of(request).now()
    with user_warehouse(request) as (con, user):
        codes = []
        for member, code in person_codes(con, user):
            if member is user["main"]:  # R15, R20: the main contact sees and ends consent
                code["electronic"] = consent_of(con, code["customer_code"], now).electronic
            codes.append(code)
    return render(request, "codes.html", codes=codes, frequencies=sorted(FREQUENCIES),
                  done=done_of(request))  # fmt: skip


@router.post("/codes/notifications")
async def save_notifications(request: Request):
    """R11: one form, a checkbox per visible code and the frequency."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    wanted = set(form.getlist("notify"))
    frequency = form.get("frequency")
    return await run_blocking(request, save_settings, wanted, frequency)


async def run_blocking(request: Request, function, *args):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, request, *args)


def save_settings(request: Request, wanted: set, frequency: str | None):
    now = config_of(request).now()
    with user_warehouse(request) as (con, person):
        for member, code in person_codes(con, person):
            enabled = code["customer_code"] in wanted
            if enabled != code["notify"]:
                set_notifications(con, member, member["email"], code["customer_code"], enabled,
                                  now, actor_of(member))  # fmt: skip
        for member in person["memberships"]:  # R11: one frequency for the person's e-mails
            if frequency in FREQUENCIES and frequency != member["frequency"]:
                update_user(con, member, member["email"], actor_of(member), frequency=frequency)
    return RedirectResponse("/codes?done=saved", status_code=303)


@router.get("/codes/{customer_code}/optout")
def confirm_opt_out(request: Request, customer_code: str):
    """R20 asked before it is done: a confirmation page (no script)."""
    with user_warehouse(request, main_only=True) as (con, user):
        owned = {c["customer_code"] for c in store.list_user_codes(con, user["user_id"])}
    if customer_code not in owned:
        raise NotFound(customer_code)
    return render(request, "confirm.html", text_key="confirm_optout",
                  values={"code": customer_code}, button_key="confirm_optout_button",
                  action=request.url.path, back="/codes", danger=True)  # fmt: skip


@router.post("/codes/{customer_code}/optout")
def opt_out_code(
    request: Request, customer_code: str, csrf_token: str = Form(""), confirm: str = Form("")
):
    """R20: back to paper from the next run; main contact, own account's codes only;
    only from the confirmation page (a bare click asks first)."""
    check_csrf(request, csrf_token)
    if confirm != "yes":  # the question, not the act (someone else's code: the 404)
        return confirm_opt_out(request, customer_code)
    with user_warehouse(request, main_only=True) as (con, user):
        owned = {c["customer_code"] for c in store.list_user_codes(con, user["user_id"])}
        if customer_code not in owned:
            raise NotFound(customer_code)
        opt_out(con, customer_code, config_of(request).now(), actor_of(user))
    return RedirectResponse("/codes?done=opted_out", status_code=303)


# Shared users and third parties (R8, R9, R12) ----------------------------------------


def account_users(con, user: dict) -> list[dict]:
    rows = fetch_dicts(con, "account_users", {"account_id": user["account_id"]})
    return [row for row in rows if row["role"] != "main"]


def user_of_account(con, user: dict, user_id: str) -> dict:
    for other in account_users(con, user):
        if other["user_id"] == user_id:
            return other
    raise NotFound(user_id)


def users_context(con, user: dict) -> dict:
    codes = [c["customer_code"] for c in store.list_user_codes(con, user["user_id"])]
    return {"users": account_users(con, user), "codes": codes, "languages": sorted(LANGUAGES),
            "b2b": user["segment"] == "B2B"}  # fmt: skip


@router.get("/users")
def users_page(request: Request):
    with user_warehouse(request, main_only=True) as (con, user):
        context = users_context(con, user)
    return render(request, "users.html", done=done_of(request), **context)


@router.post("/users")
async def create_user(request: Request):
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    details = {k: (form.get(k) or "").strip()[:200] for k in
               ("email", "first_name", "last_name", "language", "role")}  # fmt: skip
    return await run_blocking(request, add_user, details, set(form.getlist("codes")))


def add_user(request: Request, details: dict, codes: set):
    """R8: a shared user (or R12: a third party, B2B only) with only the codes ticked
    (none are ticked by default: R9): a pending membership whose invitation is e-mailed
    to the address, in the invitee's language, and never shown here (issue 16)."""
    now = config_of(request).now()
    with user_warehouse(request, main_only=True) as (con, user):
        account = find_account(con, user["account_id"])
        context = users_context(con, user)
        if not codes <= set(context["codes"]):
            raise NotFound("customer code")
        add = invite_third_party if details["role"] == "third_party" else share_account
        try:
            created = add(
                con, account, details["email"], now, first_name=details["first_name"] or None,
                last_name=details["last_name"] or None,
                language=details["language"] or user["language"],
                customer_codes=tuple(sorted(codes)), actor=actor_of(user),
            )  # fmt: skip
        except AccountError as error:
            key = error_key_of(error) or account_error_key(str(error))
            return render(request, "users.html", 400, error_key=key, **context)
        mail_new_invitations(request, con, now, actor_of(user))
        context = users_context(con, user)
    log.info("user %s added, invitation e-mailed", created["user_id"])
    return render(request, "users.html", 201, invitation_mailed=True, done="user_created",
                  **context)  # fmt: skip


def error_key_of(error: AccountError) -> str | None:
    """The translated text of a refusal, where there is one (issue 16)."""
    if isinstance(error, InvalidEmail):
        return "email_invalid"
    if "already a user" in str(error):
        return "user_exists"
    return None


def mail_new_invitations(request: Request, con, now, actor: str) -> dict:
    """Issue 16: the invitation goes to the address, by e-mail, now (the portal holds
    the warehouse: the notification steps run on its connection)."""
    from flows.digest import notify_config  # the same settings view as the digest runs
    from tasks.notify.invitations import mail_invitations

    settings = load_settings(config_of(request).data_dir)
    validity = timedelta(days=settings.invitation_valid_days)
    return mail_invitations(con, notify_config(settings), now, actor, validity)


@router.post("/users/{user_id}")
async def change_user(request: Request, user_id: str):
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    fields = {k: (form.get(k) or "").strip()[:200] or None for k in
              ("first_name", "last_name", "language")}  # fmt: skip
    return await run_blocking(request, save_user, user_id, fields, set(form.getlist("codes")))


def save_user(request: Request, user_id: str, fields: dict, codes: set):
    """R8, R9: modify a user and its grants, one checkbox per customer code."""
    now = config_of(request).now()
    with user_warehouse(request, main_only=True) as (con, user):
        other = user_of_account(con, user, user_id)
        account = find_account(con, user["account_id"])
        context = users_context(con, user)
        if not codes <= set(context["codes"]):
            raise NotFound("customer code")
        actor = actor_of(user)
        try:
            update_user(con, account, other["email"], actor, **fields)
            held = set(other["granted_codes"] or [])
            for code in sorted(codes - held):
                grant_access(con, account, other["email"], code, now, actor)
            for code in sorted(held - codes):
                revoke_access(con, account, other["email"], code, actor)
        except AccountError as error:
            key = account_error_key(str(error))
            return render(request, "users.html", 400, error_key=key, **context)
    return RedirectResponse("/users?done=saved", status_code=303)


@router.get("/users/{user_id}/delete")
def confirm_remove_user(request: Request, user_id: str):
    """R8: deleting a user is asked before it is done (a confirmation page, no script)."""
    with user_warehouse(request, main_only=True) as (con, user):
        other = user_of_account(con, user, user_id)
    return render(request, "confirm.html", text_key="confirm_delete_user",
                  values={"email": other["email"]}, button_key="confirm_delete_button",
                  action=request.url.path, back="/users", danger=True)  # fmt: skip


@router.post("/users/{user_id}/delete")
def remove_user(
    request: Request, user_id: str, csrf_token: str = Form(""), confirm: str = Form("")
):
    check_csrf(request, csrf_token)
    if confirm != "yes":  # the question, not the act (someone else's user: the 404)
        return confirm_remove_user(request, user_id)
    with user_warehouse(request, main_only=True) as (con, user):
        other = user_of_account(con, user, user_id)
        account = find_account(con, user["account_id"])
        delete_user(con, account, other["email"], config_of(request).now(), actor_of(user))
    # the person's next request finds no live membership left and is logged out (or
    # keeps only its other accounts)
    return RedirectResponse("/users?done=user_deleted", status_code=303)


# Activation codes (R16-R20) -----------------------------------------------------------


@router.get("/redeem")
def redeem_page(request: Request):
    with user_warehouse(request, main_only=True):
        pass
    return render(request, "redeem.html")


@router.post("/redeem")
def redeem(request: Request, code: str = Form(""), csrf_token: str = Form("")):
    """R16-R19: the refusals (mistyped, unknown, expired, superseded, active elsewhere,
    locked out) are the accounts package's, recorded in consent_history."""
    check_csrf(request, csrf_token)
    config = config_of(request)
    timezone = load_settings(config.data_dir).timezone
    with user_warehouse(request, main_only=True) as (con, user):
        result = redeem_code(con, code[:40], user["email"], config.now(), actor_of(user),
                             timezone)  # fmt: skip
    return render(request, "redeem.html", 200 if result.ok else 400, result=result)
