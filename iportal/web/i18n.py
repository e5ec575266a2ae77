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


@cache
def load_texts(language: str) -> dict[str, str]:
    return json.loads((TEXTS_DIR / f"{language}.json").read_text(encoding="utf-8"))


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
