"""Customer codes and notification settings (R11), shared users and grants (R8, R9),
third parties (R12), activation codes and opt-out (R16-R20). Every action goes through
tasks/accounts (same transaction, same audit events as the CLI), for the session's
own account only: anything else is the same 404 as something missing."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from domain.accounts import FREQUENCIES, LANGUAGES, AccountError
from iportal.config import load_settings
from iportal.web import store
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
DONE = {"saved", "user_created", "user_deleted", "opted_out", "duplicate_requested"}


def actor_of(user: dict) -> str:
    return f"user:{user['user_id']}"


def done_of(request: Request) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


@router.get("/codes")
@router.get("/settings/notifications")  # the link in every notification e-mail
def codes_page(request: Request):
    now = config_of(request).now()
    with user_warehouse(request) as (con, user):
        codes = store.list_user_codes(con, user["user_id"])
        if user["role"] == "main":  # R15, R20: the main contact sees and ends consent
            for code in codes:
                code["electronic"] = consent_of(con, code["customer_code"], now).electronic
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
    with user_warehouse(request) as (con, user):
        account, actor = {"account_id": user["account_id"]}, actor_of(user)
        for code in store.list_user_codes(con, user["user_id"]):
            enabled = code["customer_code"] in wanted
            if enabled != code["notify"]:
                set_notifications(con, account, user["email"], code["customer_code"], enabled,
                                  now, actor)  # fmt: skip
        if frequency in FREQUENCIES and frequency != user["frequency"]:
            update_user(con, account, user["email"], actor, frequency=frequency)
    return RedirectResponse("/codes?done=saved", status_code=303)


@router.post("/codes/{customer_code}/optout")
def opt_out_code(request: Request, customer_code: str, csrf_token: str = Form("")):
    """R20: back to paper from the next run; main contact, own account's codes only."""
    check_csrf(request, csrf_token)
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
    (none are ticked by default: R9) and an invitation link to choose a password."""
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
            return render(request, "users.html", 400, error=str(error), **context)
        context = users_context(con, user)
    # the configured address, as in the e-mails: never the request's Host header
    base = load_settings(config_of(request).data_dir).portal_base_url.rstrip("/")
    link = f"{base}/activate?token={quote(created['invitation_token'], safe='')}"
    return render(request, "users.html", 201, invitation_link=link, done="user_created",
                  **context)  # fmt: skip


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
            return render(request, "users.html", 400, error=str(error), **context)
    return RedirectResponse("/users?done=saved", status_code=303)


@router.post("/users/{user_id}/delete")
def remove_user(request: Request, user_id: str, csrf_token: str = Form("")):
    check_csrf(request, csrf_token)
    with user_warehouse(request, main_only=True) as (con, user):
        other = user_of_account(con, user, user_id)
        account = find_account(con, user["account_id"])
        delete_user(con, account, other["email"], config_of(request).now(), actor_of(user))
    request.app.state.store.end_user_sessions(user_id)
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
