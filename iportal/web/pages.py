"""What every route shares: the page renderer, the session in hand, CSRF, the user.

Refusals are exceptions turned into pages by the app (iportal/web/app.py): NotFound
(404, the same page whether a thing is missing or someone else's: R29), LoggedOut
(to the login page), CsrfRefused (403).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from iportal.web import store
from iportal.web.i18n import (
    choose_language,
    format_amount,
    format_day,
    language_of_header,
    load_texts,
)
from iportal.web.sessions import Session

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "portal"
COOKIE = "iportal_session"


class NotFound(LookupError):
    """Missing, or not this user's: one answer for both (R29)."""


class LoggedOut(PermissionError):
    """No live session (never logged in, expired, or the user was deleted)."""


class CsrfRefused(PermissionError):
    """A form without the session's CSRF token."""


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["day"] = format_day
    templates.env.filters["amount"] = format_amount
    return templates


def config_of(request: Request):
    return request.app.state.config


def session_of(request: Request) -> Session | None:
    return getattr(request.state, "session", None)


def language_of(request: Request) -> str:
    session = session_of(request)
    return choose_language(
        request.query_params.get("lang"),
        session.language if session else None,
        language_of_header(request.headers.get("accept-language")),
    )


def ensure_session(request: Request) -> Session:
    """A visitor's session (not logged in) so that the login and activation forms carry
    a CSRF token too."""
    session = session_of(request)
    if session is None:
        config = config_of(request)
        session = request.app.state.store.create_session(config.now(), language_of(request))
        request.state.session = session
        request.state.new_session = session
    return session


def start_user_session(request: Request, person: dict) -> Session:
    """Log in: a fresh session id (the visitor's id is dropped: no fixation), carrying
    the person id (issue 16)."""
    sessions = request.app.state.store
    if old := session_of(request):
        sessions.end_session(old.session_id)
    language = person.get("language") or language_of(request)
    session = sessions.create_session(config_of(request).now(), language, person["person_id"])
    request.state.session = session
    request.state.new_session = session
    return session


def end_session(request: Request) -> None:
    if session := session_of(request):
        request.app.state.store.end_session(session.session_id)
    request.state.session = None
    request.state.end_session = True


def check_csrf(request: Request, token: str | None) -> Session:
    session = session_of(request)
    if session is None or not token or not hmac.compare_digest(token, session.csrf_token):
        raise CsrfRefused("this form has expired: reload the page and try again")
    return session


def login_redirect(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


@contextmanager
def user_warehouse(request: Request, main_only: bool = False) -> Iterator[tuple]:
    """(connection, person) for a logged-in person with a live membership (issue 16);
    with main_only, (connection, their accepted main-contact membership). Anyone else
    asking for a main contact's page gets the same 404 as for a page that does not
    exist; a person without a live membership left is logged out at once."""
    session = session_of(request)
    if session is None or not session.logged_in:
        raise LoggedOut()
    with store.open_warehouse(config_of(request)) as con:
        person = store.person_of(store.find_memberships(con, session.person_id))
        if person is None:
            request.app.state.store.end_person_sessions(session.person_id)
            end_session(request)
            raise LoggedOut()
        request.state.user = person
        if main_only:
            if person["main"] is None:
                raise NotFound(request.url.path)
            yield con, person["main"] | {"memberships": person["memberships"]}
        else:
            yield con, person


def here_of(request: Request) -> str:
    """This page with its parameters (the activation token, filters, sort, page), where
    a language switch comes back to; without `lang`, which would override the new
    choice. A page answered to a form post comes back to its path (or to the
    `next_path` its template sets, e.g. the activation page with its token)."""
    if request.method != "GET":
        return request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def render(request: Request, name: str, status_code: int = 200, **context):
    language = language_of(request)
    session = session_of(request)
    context |= {
        "here": here_of(request),
        "t": load_texts(language),
        "lang": language,
        "csrf_token": session.csrf_token if session else "",
        "user": getattr(request.state, "user", None),
        "logged_in": bool(session and session.logged_in),
    }
    return request.app.state.templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
