"""Pure helpers of the portal: login normalisation (R3), local redirects, lock-out."""

from datetime import timedelta

import pytest

from iportal.web.i18n import choose_language, language_of_header
from iportal.web.routes_auth import normalise_login, problem_key, safe_next
from iportal.web.sessions import locked_until


@pytest.mark.parametrize(
    ("typed", "login"),
    [
        ("BE0418711287", "BE0418711287"),
        (" be 0418.711.287 ", "BE0418711287"),
        ("0418711287", "BE0418711287"),
        ("418711287", "BE0418711287"),
        ("BE0418711288", "BE0418711288"),  # fails mod 97: kept as typed, matches nothing
        (" An.Peeters@Example.BE ", "an.peeters@example.be"),
        ("F-ABCDEFGH12345678", "F-ABCDEFGH12345678"),  # opaque id outside Belgium
    ],
)
def test_login_identifiers(typed, login):
    assert normalise_login(typed) == login


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/documents/DL5/1", "/documents/DL5/1"),
        ("//evil.example", "/documents"),
        ("/\\evil.example", "/documents"),
        ("https://evil.example/", "/documents"),
        ("", "/documents"),
        (None, "/documents"),
    ],
)
def test_only_local_redirects(target, safe):
    assert safe_next(target) == safe


def test_lock_needs_the_failures_within_the_window():
    window, lockout = timedelta(minutes=15), timedelta(minutes=15)
    spread = [0.0, 600.0, 1200.0, 1800.0, 2400.0]  # 5 failures, never 5 in 15 minutes
    assert locked_until(spread, 5, window, lockout) is None
    close = [0.0, 60.0, 120.0, 180.0, 240.0]
    assert locked_until(close, 5, window, lockout) == 240.0 + 900.0
    assert locked_until(close[:4], 5, window, lockout) is None


def test_refusals_of_the_accounts_package_map_to_texts():
    assert problem_key("this invitation expired on 2026-01-01: ...") == "invitation_expired"
    assert problem_key("a newer invitation was sent: use ...") == "invitation_superseded"
    assert problem_key("the account is already active: log in") == "invitation_used"
    assert problem_key("a password needs at least 10 characters") == "password_too_short"
    assert problem_key("something else") == "invitation_unknown"


def test_language_choice():
    assert language_of_header("es-ES,fr;q=0.8,en;q=0.5") == "fr"
    assert language_of_header(None) is None
    assert choose_language(None, "xx", "DE") == "de"
    assert choose_language() == "nl"
