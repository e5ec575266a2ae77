"""Portal texts in nl, fr, de and en (templates/portal/texts/<lang>.json) and dates and
amounts formatted by babel in the reader's language (Belgian locales)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency

from domain.accounts import LANGUAGES

TEXTS_DIR = Path(__file__).resolve().parents[2] / "templates" / "portal" / "texts"
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE", "en": "en_BE"}
DEFAULT_LANGUAGE = "nl"


class MissingText(RuntimeError):
    """A page asked for a text key that the language file lacks: a bug, never shown as
    an empty string or as another language's words (tests render every page)."""


class Texts(dict):
    def __missing__(self, key: str):
        raise MissingText(f"no portal text {key!r}")


@cache
def load_texts(language: str) -> Texts:
    return Texts(json.loads((TEXTS_DIR / f"{language}.json").read_text(encoding="utf-8")))


# The accounts package refuses in English for operators and logs, naming ids; a
# customer reads one of these translated sentences instead (first match wins).
ACCOUNT_ERROR_KEYS = (
    ("already a user", "error_already_user"),
    ("e-mail address", "error_email_invalid"),
    ("email address", "error_email_invalid"),
    ("third party", "third_party_b2b_only"),
    ("does not belong", "error_code_not_in_account"),
    ("was deleted", "error_user_deleted"),
    ("merged", "error_account_merged"),
    ("main contact", "error_main_contact"),
)


def account_error_key(message: str) -> str:
    """The text key for a refusal of tasks/accounts; a general one when unknown, so
    that neither English nor an internal id reaches the page."""
    lowered = message.lower()
    for words, key in ACCOUNT_ERROR_KEYS:
        if words in lowered:
            return key
    return "error_change_refused"


def choose_language(*candidates: str | None) -> str:
    """The first supported language among the candidates, else Dutch."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT_LANGUAGE


def language_of_header(accept_language: str | None) -> str | None:
    """The first supported language of an Accept-Language header, in the client's order."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip()[:2].lower()
        if tag in LANGUAGES:
            return tag
    return None


def format_day(value: date | None, language: str) -> str:
    return format_date(value, format="medium", locale=LOCALES[language]) if value else ""


def format_amount(value: Decimal | None, language: str, currency: str = "EUR") -> str:
    if value is None:
        return ""
    return format_currency(value, currency, locale=LOCALES[language])
