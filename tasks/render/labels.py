"""Document labels and locale formats per language (nl, fr, de, en).

Labels are data (`templates/labels/<lang>.json`, DESIGN "templates are data"); this
module only loads them and formats dates and amounts the way babel would for the
customer's language.

Speed: babel costs 20-60 µs per call (measured: format_currency ≈ 58 µs), and a document
formats ~15 amounts, which alone would eat most of the ~1.4 ms a page may cost
(DESIGN rule 2: ~700 pages per CPU-second). So each language's number shape (sign,
currency position, group and decimal symbols) is asked from babel once, and amounts are
then formatted with plain `str.format` + `str.translate`; the tests check the result
equals babel's. Dates and VAT rates repeat across a night's batch, so they are cached.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.numbers import (
    format_currency as _babel_format_currency,
)
from babel.numbers import (
    format_decimal as _babel_format_decimal,
)
from babel.numbers import (
    format_percent as _babel_format_percent,
)
from babel.numbers import (
    get_decimal_symbol,
    get_group_symbol,
)

# pdf.py rounds line amounts and VAT with it; one rule, domain/money.py (issue 22).
from domain.money import round_cents as round_cents

LABELS_DIR = Path(__file__).resolve().parents[2] / "templates" / "labels"

LANGUAGES: tuple[str, ...] = ("nl", "fr", "de", "en")
# Customer language is validated at ingest; a value outside the four still renders
# (DESIGN rule 7: bad input never stops the night) in the neutral language.
FALLBACK_LANGUAGE = "en"
# Belgian variants: "€ 1.234,50" (nl), "1 234,50 €" (fr), "1.234,50 €" (de, en).
LOCALES: dict[str, str] = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE", "en": "en_BE"}
DATE_FORMAT = "medium"  # 26 mrt 2026 / 26 mars 2026 / 26.03.2026 / 26 Mar 2026

# Every label a document may print; each language file must have all of them.
LABEL_KEYS: frozenset[str] = frozenset(
    {
        "invoice", "credit_note", "customer_code", "document_number", "issue_date",
        "due_date", "contract", "description", "quantity", "unit_price", "vat_rate", "vat",
        "amount_excl_vat", "amount_incl_vat", "vat_summary", "vat_base", "total",
        "total_excl_vat", "total_vat", "total_incl_vat", "amount_due",
        "structured_communication", "payment_instruction", "scan_to_pay", "credit_note_for",
        "credit_note_settlement", "iban", "bic", "vat_number", "enterprise_number", "phone",
        "email", "page", "continued", "duplicate", "activation_code_title",
        "activation_code", "activation_code_no_date",
        # Issue 17: required mentions (KB nr. 1 art. 5 § 1, KB nr. 4 art. 4; docs/documents.md)
        "customer_vat_number", "service_period", "period", "vat_category_rate",
        "vat_category_S", "vat_category_Z", "vat_category_E", "vat_category_AE",
        "vat_category_K", "vat_category_G", "vat_category_O", "mention_reverse_charge_be",
        "mention_reverse_charge_eu", "mention_intra_eu", "mention_export",
        "mention_not_subject", "mention_credit_note_regularisation",
    }
)  # fmt: skip


def language_of(value: object) -> str:
    """The customer's language if supported, else FALLBACK_LANGUAGE."""
    lang = str(value or "").strip().lower()[:2]
    return lang if lang in LOCALES else FALLBACK_LANGUAGE


@lru_cache(maxsize=8)
def load_labels(language: str) -> dict[str, str]:
    """All labels of one language (cached: workers load each file once)."""
    lang = language_of(language)
    with open(LABELS_DIR / f"{lang}.json", encoding="utf-8") as fh:
        labels = json.load(fh)
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise ValueError(f"labels {lang}.json must be an object of strings")
    missing = LABEL_KEYS - labels.keys()
    if missing:
        raise ValueError(f"labels {lang}.json lacks {sorted(missing)}")
    return labels


# --- numbers -----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _number_shape(language: str, currency: str | None) -> tuple[str, str, str, str, dict]:
    """(positive prefix, positive suffix, negative prefix, negative suffix, translate table).

    Asked from babel once per (language, currency) by formatting a probe number and
    cutting the digits out of it.
    """
    locale = LOCALES[language_of(language)]
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    core = f"1{group}234{group}567{decimal}89"
    probe = Decimal("1234567.89")
    if currency:
        pos = _babel_format_currency(probe, currency, locale=locale, currency_digits=False)
        neg = _babel_format_currency(-probe, currency, locale=locale, currency_digits=False)
    else:
        pos = _babel_format_decimal(probe, locale=locale)
        neg = _babel_format_decimal(-probe, locale=locale)
    pos_prefix, _, pos_suffix = pos.partition(core)
    neg_prefix, _, neg_suffix = neg.partition(core)
    table = str.maketrans({",": group, ".": decimal})
    return pos_prefix, pos_suffix, neg_prefix, neg_suffix, table


def to_decimal(value: object) -> Decimal:
    """Decimal from a contract decimal string (amounts are never floats)."""
    if isinstance(value, Decimal):
        return value
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return result


def format_amount(value: object, language: str, currency: str = "EUR", decimals: int = 2) -> str:
    """An amount as babel's format_currency prints it for the language (e.g. € 741,00)."""
    number = to_decimal(value)
    number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    pos_prefix, pos_suffix, neg_prefix, neg_suffix, table = _number_shape(
        language, (currency or "EUR").upper()[:3]
    )
    digits = f"{abs(number):,.{decimals}f}".translate(table)
    if number < 0:
        return f"{neg_prefix}{digits}{neg_suffix}"
    return f"{pos_prefix}{digits}{pos_suffix}"


def format_number(value: object, language: str) -> str:
    """A quantity as babel's format_decimal prints it (no trailing zeros: 1, 2,5)."""
    number = to_decimal(value)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    pos_prefix, pos_suffix, neg_prefix, neg_suffix, table = _number_shape(language, None)
    digits = f"{abs(number):,f}".translate(table)
    if number < 0:
        return f"{neg_prefix}{digits}{neg_suffix}"
    return f"{pos_prefix}{digits}{pos_suffix}"


@lru_cache(maxsize=256)
def format_rate(rate: str, language: str) -> str:
    """A VAT rate given in percent ("21", "5.5") as a localized percentage (21 %)."""
    number = to_decimal(rate)
    return _babel_format_percent(
        number / 100, locale=LOCALES[language_of(language)], decimal_quantization=False
    )


@lru_cache(maxsize=8192)
def format_date(iso: str, language: str) -> str:
    """An ISO date in the language's medium format; an unparsable value is shown as is."""
    try:
        day = date.fromisoformat(str(iso).strip())
    except ValueError:
        return str(iso)
    return _babel_format_date(day, format=DATE_FORMAT, locale=LOCALES[language_of(language)])


@lru_cache(maxsize=1024)
def country_name(country: str, language: str) -> str:
    """Country name in the customer's language, upper case (last line of a postal address)."""
    code = str(country or "").strip().upper()
    name = Locale.parse(LOCALES[language_of(language)]).territories.get(code, code)
    return name.upper()
