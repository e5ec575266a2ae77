"""Login, logout, accepting an invitation from its e-mailed link (R6, R7, issue 16),
language. A login is a person (one credential); the session carries the person id."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from stdnum.be import vat

from domain.accounts import AccountError, invitation_problem
from domain.passwords import hash_password, verify_password
from iportal.web import store
from iportal.web.i18n import choose_language
from iportal.web.pages import (
    check_csrf,
    config_of,
    end_session,
    ensure_session,
    render,
    session_of,
    start_user_session,
    user_warehouse,
)
from iportal.web.sessions import locked_until
from tasks.accounts import activate_with_invitation
from tasks.accounts.db import fetch_one
from tasks.accounts.invitations import token_hash
from tasks.accounts.sharing import update_user

router = APIRouter()
# Spent on an unknown login, so that the answer takes as long as a wrong password and
# does not tell which identifiers exist.
DUMMY_HASH = hash_password("not a password of anyone", salt=b"0" * 16)
MAX_CANDIDATES = 3


def normalise_login(typed: str) -> str:
    """R3: an enterprise number however typed (BE 0418.711.287) becomes BE0418711287;
    an e-mail is lower-cased; anything else (an opaque id) is kept as typed."""
    typed = typed.strip()
    digits = re.sub(r"[\s.\-/]", "", typed)
    if re.fullmatch(r"(?i)(BE)?0?\d{9}", digits) and vat.is_valid(digits):
        return "BE" + vat.compact(digits)
    return typed.lower() if "@" in typed else typed


def client_of(request: Request) -> str:
    if config_of(request).portal.trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None) -> str:
    """Only a path of this site (no //host, no scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/documents"


def lockout_of(request: Request, login: str, client: str):
    """The later end of the lock on this identifier and on this client, or None."""
    config = config_of(request)
    settings, now = config.portal, config.now()
    window = timedelta(minutes=settings.login_window_minutes)
    lockout = timedelta(minutes=settings.lockout_minutes)
    since = now - window - lockout
    sessions = request.app.state.store
    ends = [
        locked_until(sessions.failures("login_key", login, since),
                     settings.login_max_failures_per_login, window, lockout),
        locked_until(sessions.failures("client", client, since),
                     settings.login_max_failures_per_client, window, lockout),
    ]  # fmt: skip
    ends = [end for end in ends if end is not None and end > now.timestamp()]
    return max(ends) if ends else None


def check_login(request: Request, login: str, password: str) -> dict | None:
    """The person the identifier names whose one password this is, or None."""
    with store.open_warehouse(config_of(request)) as con:
        candidates = store.find_login_users(con, login)[:MAX_CANDIDATES]
    if not candidates:
        verify_password(password, DUMMY_HASH)
        return None
    for user in candidates:
        if verify_password(password, user["password_hash"]):
            return user
    return None


@router.get("/")
def home(request: Request):
    session = session_of(request)
    return RedirectResponse("/documents" if session and session.logged_in else "/login", 303)


@router.get("/login")
def login_page(request: Request, next: str | None = None):
    ensure_session(request)
    return render(request, "login.html", next=safe_next(next), login="")


@router.post("/login")
def login(
    request: Request,
    login: str = Form(""),
    password: str = Form(""),
    next: str = Form("/documents"),
    csrf_token: str = Form(""),
):
    check_csrf(request, csrf_token)
    key, client = normalise_login(login)[:200], client_of(request)
    page = {"next": safe_next(next), "login": login[:200]}
    if lockout_of(request, key, client) is not None:
        return render(request, "login.html", 429, error_key="login_locked", **page)
    user = check_login(request, key, password[:1000]) if key and password else None
    if user is None:
        request.app.state.store.record_failure(key, client, config_of(request).now())
        return render(request, "login.html", 401, error_key="login_failed", **page)
    request.app.state.store.forget_failures(key)
    start_user_session(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")):
    check_csrf(request, csrf_token)
    end_session(request)
    return RedirectResponse("/login?done=logged_out", status_code=303)


def find_invitation(request: Request, token: str) -> tuple[dict | None, str | None]:
    """(the invitation, why its link no longer works in the rule's own words: R6, R7)."""
    with store.open_warehouse(config_of(request)) as con:
        found = fetch_one(con, "invitation_by_hash", {"token_hash": token_hash(token)})
    if found is None:
        return None, "this invitation link is unknown"
    return found, invitation_problem(
        found["issued_at"], found["expires_at"], found["superseded_at"], found["used_at"],
        found["user_status"], found["account_status"], found["role"], config_of(request).now(),
    )  # fmt: skip


def problem_key(problem: str) -> str:
    """The translated text for a refusal of domain/accounts.py (its words are English)."""
    for words, key in (
        ("already has a login", "accept_wrong_password"),
        ("expired", "invitation_expired"),
        ("newer invitation", "invitation_superseded"),
        ("already", "invitation_used"),
        ("merged", "invitation_merged"),
        ("characters", "password_too_short"),
    ):
        if words in problem:
            return key
    return "invitation_unknown"


@router.get("/activate")
def activation_page(request: Request, token: str = ""):
    """Choose the password, or (the address has a login already: issue 16) give it."""
    ensure_session(request)
    found, problem = find_invitation(request, token[:200]) if token else (None, "unknown")
    if problem:
        return render(request, "activate.html", 410, token="", error_key=problem_key(problem))
    existing = found["person_password_hash"] is not None
    return render(request, "activate.html", token=token, existing_login=existing)


@router.post("/activate")
def activate(
    request: Request,
    token: str = Form(""),
    password: str = Form(""),
    password_again: str = Form(""),
    csrf_token: str = Form(""),
):
    check_csrf(request, csrf_token)
    token = token[:200]
    found, problem = find_invitation(request, token)
    if problem:
        return render(request, "activate.html", 410, token="", error_key=problem_key(problem))
    existing = found["person_password_hash"] is not None
    page = {"token": token, "existing_login": existing}
    if existing:  # accepting is logging in as that person: the login's lock-out applies
        key, client = found["person_email"], client_of(request)
        if lockout_of(request, key, client) is not None:
            return render(request, "activate.html", 429, error_key="login_locked", **page)
    elif password != password_again:
        return render(request, "activate.html", 400, error_key="passwords_differ", **page)
    try:
        with store.open_warehouse(config_of(request)) as con:
            activate_with_invitation(con, token, password[:1000], config_of(request).now())
    except AccountError as error:
        key = problem_key(str(error))
        if key == "accept_wrong_password":
            request.app.state.store.record_failure(
                found["person_email"], client_of(request), config_of(request).now()
            )
            return render(request, "activate.html", 401, error_key=key, **page)
        if key == "password_too_short":
            return render(request, "activate.html", 400, error_key=key, **page)
        return render(request, "activate.html", 410, token="", error_key=key)
    return RedirectResponse(
        "/login?done=" + ("accepted" if existing else "activated"), status_code=303
    )


@router.post("/language")
def set_language(
    request: Request, language: str = Form(""), next: str = Form("/"), csrf_token: str = Form("")
):
    """The pages follow the user's language; a logged-in user's choice is kept (R8)."""
    session = check_csrf(request, csrf_token)
    language = choose_language(language)
    request.app.state.store.set_language(session, language)
    if session.logged_in:  # every membership of the person speaks the same language
        with user_warehouse(request) as (con, person):
            for member in person["memberships"]:
                account = {"account_id": member["account_id"]}
                update_user(con, account, member["email"], f"person:{person['person_id']}",
                            language=language)  # fmt: skip
    return RedirectResponse(safe_next(next), status_code=303)
