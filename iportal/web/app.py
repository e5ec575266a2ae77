"""The customers' web portal (issue 8): FastAPI, server-rendered jinja2 pages, no script.

    create_app(PortalConfig(data_dir)) -> ASGI app;  `iportal portal serve` runs it.

Every request: session from the cookie (server-side, sliding and absolute expiry),
security headers on every answer, refusals as pages (404 is the same for missing and
for someone else's, R29).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from iportal.web.config import PortalConfig
from iportal.web.pages import (
    COOKIE,
    CsrfRefused,
    LoggedOut,
    NotFound,
    build_templates,
    here_of,
    login_redirect,
    render,
)
from iportal.web.sessions import SessionStore
from tasks.search import DocumentNotFound
from warehouse.lock import WarehouseBusy

STATIC_DIR = Path(__file__).parent / "static"
# No script at all: CSP forbids it, forms and links do the work. frame-ancestors:
# no clickjacking; form-action: forms post only here; no referrer: an activation
# token in the address never leaks to another site.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(config: PortalConfig) -> FastAPI:
    from iportal.web import routes_account, routes_auth, routes_documents, routes_peppol
    from iportal.web.store import WarehouseLease

    config.lease = WarehouseLease(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        config.lease.shutdown()  # the warehouse file is let go when the server stops

    app = FastAPI(
        docs_url=None, redoc_url=None, openapi_url=None, title="I-Portal", lifespan=lifespan
    )
    app.state.config = config
    app.state.templates = build_templates()
    portal = config.portal
    app.state.store = SessionStore(
        config.session_db_path,
        timedelta(minutes=portal.session_minutes),
        timedelta(hours=portal.session_max_hours),
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (routes_auth, routes_documents, routes_account, routes_peppol):
        app.include_router(module.router)
    app.middleware("http")(sessions_and_headers)
    add_error_pages(app)
    return app


def is_https(request: Request) -> bool:
    settings = request.app.state.config.portal
    if settings.secure_cookies != "auto":
        return settings.secure_cookies == "always"
    forwarded = request.headers.get("x-forwarded-proto") if settings.trust_proxy_headers else None
    return (forwarded or request.url.scheme) == "https"


async def sessions_and_headers(request: Request, call_next):
    static = request.url.path.startswith("/static/")
    if not static:
        config = request.app.state.config
        request.state.session = request.app.state.store.find_session(
            request.cookies.get(COOKIE), config.now()
        )
    response = await call_next(request)
    new = getattr(request.state, "new_session", None)
    if new is not None:
        response.set_cookie(
            COOKIE, new.session_id, httponly=True, samesite="lax", secure=is_https(request),
            path="/",
        )  # fmt: skip
    elif getattr(request.state, "end_session", False) or (
        not static and request.cookies.get(COOKIE) and request.state.session is None
    ):
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    response.headers.update(SECURITY_HEADERS)
    if csp := getattr(request.state, "csp", None):  # a response's own, stricter policy
        response.headers["Content-Security-Policy"] = csp
    if not static:  # personal data: never kept by a shared cache or the back button
        response.headers["Cache-Control"] = "no-store"
    return response


def back_of(request: Request) -> str:
    """Where a language switch on an error page goes: the same address when it was a
    page (GET), the start page when it was a form's target."""
    return here_of(request) if request.method == "GET" else "/"


def add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    @app.exception_handler(DocumentNotFound)
    async def not_found(request: Request, error):
        # the start page, not this address: a missing and someone else's document get
        # byte-identical answers (R29)
        return render(request, "error.html", 404, message_key="not_found", next_path="/")

    @app.exception_handler(LoggedOut)
    async def logged_out(request: Request, error):
        return RedirectResponse(login_redirect(request), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, error):
        return render(request, "error.html", 403, message_key="csrf_refused")

    @app.exception_handler(WarehouseBusy)
    async def busy(request: Request, error):
        response = render(request, "error.html", 503, message_key="busy")
        response.headers["Retry-After"] = "30"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        key = "not_found" if error.status_code == 404 else "bad_request"
        back = "/" if error.status_code == 404 else back_of(request)
        return render(request, "error.html", error.status_code, message_key=key, next_path=back)
