"""Validation of landing rows (DESIGN rule 7). Pure: no I/O, no clock.

A row either becomes a clean record or a Rejection with a reason code (stable, for
queries and tests) and a sentence an operator understands. The first problem found is
reported; the row goes to quarantine and the rest of the file proceeds.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from stdnum.be import ogm_vcs, vat
from stdnum.exceptions import ValidationError

from domain import en16931
from domain.money import CENT, expected_totals
from domain.vat import (
    Breach,
    check_breakdown,
    check_intra_community_period,
    check_line_tax,
    check_period,
    check_vat_id,
    check_vat_id_matches,
    infer_vat_id,
    tax_of_line,
)

LANGUAGES = frozenset({"nl", "fr", "de", "en"})
CHANNEL_CHOICES = frozenset({"paper", "portal", "network"})
DOCUMENT_TYPES = frozenset({"invoice", "credit_note"})
# A document number becomes part of a file path: letters, digits, dot, dash,
# underscore only, and never a path of its own ("..").
SAFE_DOCUMENT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
CUSTOMER_NUMBER = re.compile(r"^[0-9]{1,12}$")
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TEXT = 200
MAX_AMOUNT = Decimal("10000000.00")  # a single lease document above 10 M€ is a data error
MAX_LINES = 500
# Decimal bounds: 10^10 and 12 decimals are far beyond any lease amount, quantity or
# rate, and keep every later product (< 10^20) and its quantize to cents inside the
# default 28-digit context.
MAX_ADJUSTED = 9
MIN_EXPONENT = -12

DOCUMENT_FIELDS = (
    "issuer", "document_number", "document_type", "issue_date", "due_date",
    "customer_number", "contract_number", "currency", "lines", "total_excl_vat",
    "total_vat", "total_incl_vat", "payment_reference", "credited_document_number",
)  # fmt: skip
REQUIRED_DOCUMENT_FIELDS = (
    "issuer", "document_number", "document_type", "issue_date", "customer_number",
    "currency", "lines", "total_excl_vat", "total_vat", "total_incl_vat",
)  # fmt: skip
CUSTOMER_FIELDS = (
    "issuer", "customer_number", "name", "enterprise_number", "street", "postal_code",
    "city", "country", "language", "contract_start", "contact_email",
    "contact_first_name", "contact_last_name", "contact_language", "channel_choice",
)  # fmt: skip
# Landing contract v2 (docs/landing.md): optional, absent from v1 files.
LINE_TAX_FIELDS = ("vat_category", "vat_exemption_reason_code", "vat_exemption_reason")
PERIOD_FIELDS = ("period_start", "period_end")
OPTIONAL_CUSTOMER_FIELDS = ("vat_id",)
REQUIRED_CUSTOMER_FIELDS = (
    "issuer", "customer_number", "name", "street", "postal_code", "city", "country",
    "language",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str


class RowError(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.rejection = Rejection(reason, detail)


def explain(breach: Breach) -> Rejection:
    """An EN 16931 breach as a quarantine reason: the rule id, our explanation, and the
    rule's official wording (read from the CEN artefact, domain.en16931)."""
    official = en16931.rule_text(breach.rule)
    detail = f"{breach.detail} [{breach.rule}: {official}]" if official else breach.detail
    return Rejection(breach.rule, detail)


def refuse(breach: Breach | None) -> None:
    if breach is not None:
        rejection = explain(breach)
        raise RowError(rejection.reason, rejection.detail)


def customer_code_of(issuer: str, customer_number: str) -> str:
    """R2: customer code = issuer prefix + customer number."""
    return f"{issuer}{customer_number}"


def parse_decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise RowError(
            "float_amount",
            f'{field} must be a decimal string such as "612.40", not the number {value!r}',
        )
    if not isinstance(value, str):
        raise RowError(
            "bad_decimal", f"{field} must be a decimal string, got {type(value).__name__}"
        )
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise RowError("bad_decimal", f"{field} is not a decimal number: {value[:40]!r}") from None
    if not number.is_finite():
        raise RowError("bad_decimal", f"{field} is not a finite number: {value[:40]!r}")
    # "1e999999999" is a finite Decimal, but quantizing or multiplying it raises
    # InvalidOperation / Overflow deep in the totals check (issue 10 fuzzing found it).
    if number and not MIN_EXPONENT <= number.adjusted() <= MAX_ADJUSTED:
        raise RowError("bad_decimal", f"{field} is out of range: {value[:40]!r}")
    if number.as_tuple().exponent < MIN_EXPONENT:
        raise RowError("bad_decimal", f"{field} has too many decimals: {value[:40]!r}")
    return number


def parse_amount(value: object, field: str) -> Decimal:
    amount = parse_decimal(value, field)
    if amount != amount.quantize(CENT):
        raise RowError("bad_decimal", f"{field} has more than two decimals: {value!r}")
    if amount < 0 or amount > MAX_AMOUNT:
        raise RowError("bad_amount", f"{field} {amount} is negative or absurdly large")
    return amount.quantize(CENT)


def parse_date(value: object, field: str) -> date:
    candidate = value.strip() if isinstance(value, str) else ""
    try:
        # fromisoformat also takes "20261126"; the contract says YYYY-MM-DD only.
        if len(candidate) == 10:
            return date.fromisoformat(candidate)
    except ValueError:
        pass
    raise RowError("bad_date", f"{field} is not a valid date YYYY-MM-DD: {str(value)[:40]!r}")


def text(row: dict, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = row.get(field)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise RowError("missing_field", f"required field {field} is missing or empty")
        return ""
    if not isinstance(value, str):
        raise RowError("bad_type", f"{field} must be text, got {type(value).__name__}")
    if has_lone_surrogate(value):
        # JSON "\ud800" decodes to a lone surrogate that no UTF-8 writer (DuckDB, the
        # PDF, the e-mail) can encode: reject here, not as a crash of the whole chunk.
        raise RowError("bad_encoding", f"{field} holds a lone UTF-16 surrogate")
    if CONTROL_CHARACTERS.search(value):
        # NUL, ESC, the unit separator (\x1f joins fields in the content hash)... have
        # no place in a name or an address and would reach PDFs, manifests and terminals.
        raise RowError("bad_character", f"{field} holds a control character")
    if len(value) > limit:
        raise RowError("field_too_long", f"{field} is {len(value)} characters (limit {limit})")
    return value.strip()


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_lone_surrogate(value: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in value)


def check_required(row: dict, fields: tuple[str, ...]) -> None:
    missing = [f for f in fields if row.get(f) in (None, "")]
    if missing:
        raise RowError("missing_field", f"required field(s) missing: {', '.join(missing)}")


def check_issuer(issuer: str, issuers: frozenset[str]) -> None:
    if issuer not in issuers:
        raise RowError(
            "unknown_issuer",
            f"issuer {issuer[:20]!r} is not configured ({', '.join(sorted(issuers))})",
        )


def validate_lines(raw_lines: object) -> list[dict]:
    if not isinstance(raw_lines, list) or not raw_lines:
        raise RowError("bad_lines", "lines must be a non-empty list")
    if len(raw_lines) > MAX_LINES:
        raise RowError("bad_lines", f"{len(raw_lines)} lines (limit {MAX_LINES})")
    lines = []
    for number, raw in enumerate(raw_lines, start=1):
        if not isinstance(raw, dict):
            raise RowError("bad_lines", f"line {number} is not an object")
        check_required(raw, ("description", "quantity", "unit_price", "vat_rate"))
        rate = parse_decimal(raw["vat_rate"], f"lines[{number}].vat_rate")
        if rate < 0 or rate > 100:
            raise RowError("bad_amount", f"lines[{number}].vat_rate {rate} is not a percentage")
        line = {
            "description": text(raw, "description", required=True, limit=500),
            "quantity": parse_decimal(raw["quantity"], f"lines[{number}].quantity"),
            "unit_price": parse_decimal(raw["unit_price"], f"lines[{number}].unit_price"),
            "vat_rate": rate,
        }
        line.update(line_contract_v2(raw, number))
        lines.append(line)
    return lines


def parse_periods(row: dict, where: str) -> dict:
    """period_start / period_end when given (ISO dates), the end not before the start."""
    found = {}
    for field in PERIOD_FIELDS:
        if row.get(field) not in (None, ""):
            found[field] = parse_date(row[field], f"{where}{field}")
    return found


def line_contract_v2(raw: dict, number: int) -> dict:
    """The v2 fields a line carries, only those given (a v1 line stays as it was)."""
    found = {}
    for field in LINE_TAX_FIELDS:
        value = text(raw, field, limit=300 if field == "vat_exemption_reason" else 30)
        if value:
            found[field] = value.upper() if field != "vat_exemption_reason" else value
    periods = parse_periods(raw, f"lines[{number}].")
    refuse(check_period(*(periods.get(f) for f in PERIOD_FIELDS), f"line {number}: ", "BR-30"))
    return found | periods


def check_line_taxes(lines: list[dict], has_period: bool) -> bool:
    """EN 16931 rules on the lines' VAT; True when a category was inferred (v1 lines)."""
    uncl5305, vatex = en16931.uncl5305_codes(), en16931.vatex_codes()
    taxes = [tax_of_line(line) for line in lines]
    for number, tax in enumerate(taxes, start=1):
        refuse(check_line_tax(number, tax, uncl5305, vatex))
    refuse(check_breakdown(taxes))
    categories = {tax.category for tax in taxes}
    refuse(check_intra_community_period(categories, has_period))
    return any(tax.inferred for tax in taxes)


def check_totals(lines: list[dict], excl: Decimal, vat_total: Decimal, incl: Decimal) -> None:
    """BR-CO-13 (no document allowances or charges here), BR-CO-14, BR-CO-15."""
    want_excl, want_vat, _ = expected_totals(lines)
    problems = []
    if excl != want_excl:
        problems.append(("BR-CO-13", f"total_excl_vat {excl} but the lines add up to {want_excl}"))
    if vat_total != want_vat:
        problems.append(
            ("BR-CO-14", f"total_vat {vat_total} but VAT per rate adds up to {want_vat}")
        )
    if incl != excl + vat_total:
        problems.append(("BR-CO-15", f"total_incl_vat {incl} is not {excl} + {vat_total}"))
    if problems:  # every broken total in the sentence, the first rule as the reason
        refuse(Breach(problems[0][0], "; ".join(sentence for _, sentence in problems)))


CANONICAL_OGM = re.compile(r"^\+\+\+(\d{3})/(\d{4})/(\d{5})\+\+\+$")


def ogm_digits(reference: str) -> str:
    """The 12 digits of a valid structured communication, or ValidationError.

    The canonical +++ddd/dddd/ddddd+++ form (every row of a night) is checked here with
    the mod-97 rule directly, since python-stdnum's cleaning costs ~50 us a row;
    any other spelling goes through stdnum. A test holds both paths equal.
    """
    match = CANONICAL_OGM.match(reference)
    if not match:
        return ogm_vcs.validate(reference)
    digits = "".join(match.groups())
    if int(digits[10:]) != (int(digits[:10]) % 97 or 97):
        raise ValidationError("structured communication check digits do not match")
    return digits


def check_payment_reference(reference: str, document_type: str) -> str:
    if not reference:
        if document_type == "invoice":
            raise RowError("missing_field", "an invoice needs a payment_reference")
        return ""
    try:
        digits = ogm_digits(reference)
    except ValidationError:
        raise RowError(
            "bad_payment_reference",
            f"payment_reference {reference[:40]!r} is not a valid structured communication",
        ) from None
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def validate_document(row: dict, issuers: frozenset[str]) -> dict:
    """A landing document row → a clean document dict (Decimals, dates), or RowError."""
    if not isinstance(row, dict):
        raise RowError("bad_json", "the line is not a JSON object")
    check_required(row, REQUIRED_DOCUMENT_FIELDS)
    issuer = text(row, "issuer", required=True, limit=10)
    check_issuer(issuer, issuers)
    number = text(row, "document_number", required=True, limit=100)
    if not SAFE_DOCUMENT_NUMBER.match(number) or ".." in number:
        raise RowError(
            "unsafe_document_number",
            f"document_number {number[:60]!r} may only hold letters, digits, '.', '-', '_'",
        )
    document_type = text(row, "document_type", required=True, limit=20)
    if document_type not in DOCUMENT_TYPES:
        raise RowError(
            "bad_document_type",
            f"document_type {document_type[:20]!r} is not invoice or credit_note",
        )
    customer_number = text(row, "customer_number", required=True, limit=12)
    if not CUSTOMER_NUMBER.match(customer_number):
        raise RowError("bad_customer_number", f"customer_number {customer_number!r} is not digits")
    issue_date = parse_date(row["issue_date"], "issue_date")
    due_date = parse_date(row["due_date"], "due_date") if row.get("due_date") else None
    if due_date is not None and due_date < issue_date:
        raise RowError("bad_date", f"due_date {due_date} is before issue_date {issue_date}")
    currency = text(row, "currency", required=True, limit=3)
    if currency != "EUR":
        raise RowError("bad_currency", f"currency {currency!r} is not EUR")
    lines = validate_lines(row["lines"])
    periods = parse_periods(row, "")
    refuse(check_period(*(periods.get(f) for f in PERIOD_FIELDS), "", "BR-29"))
    inferred = check_line_taxes(lines, has_period=bool(periods))
    excl = parse_amount(row["total_excl_vat"], "total_excl_vat")
    vat_total = parse_amount(row["total_vat"], "total_vat")
    incl = parse_amount(row["total_incl_vat"], "total_incl_vat")
    check_totals(lines, excl, vat_total, incl)
    credited = text(row, "credited_document_number", limit=100)
    if document_type == "credit_note" and not credited:
        # Own policy, not an EN 16931 rule: the credited invoice is the preceding invoice
        # reference (BT-25) on the PDF and in the UBL; Belgian law asks a credit note to
        # refer to the invoice it corrects (docs/landing.md).
        raise RowError(
            "policy_credit_note_reference",
            "a credit note needs credited_document_number (the invoice it corrects)",
        )
    document = {
        "issuer": issuer,
        "document_number": number,
        "customer_code": customer_code_of(issuer, customer_number),
        "document_type": document_type,
        "issue_date": issue_date,
        "due_date": due_date,
        "customer_number": customer_number,
        "contract_number": text(row, "contract_number", limit=50),
        "currency": currency,
        "lines": lines,
        "total_excl_vat": excl,
        "total_vat": vat_total,
        "total_incl_vat": incl,
        "payment_reference": check_payment_reference(
            text(row, "payment_reference", limit=30), document_type
        ),
        "credited_document_number": credited or None,
        "period_start": periods.get("period_start"),
        "period_end": periods.get("period_end"),
        "vat_category_inferred": inferred,
    }
    document["lines_json"] = lines_json(lines)
    document["content_sha256"] = content_hash(document, document["lines_json"])
    return document


def lines_json(lines: list[dict]) -> str:
    """Canonical JSON of document lines: decimals as strings, stable key order."""
    return json.dumps(
        [{k: str(v) for k, v in sorted(line.items())} for line in lines],
        ensure_ascii=False,
        separators=(",", ":"),
    )


HASHED_FIELDS = tuple(f for f in DOCUMENT_FIELDS if f != "lines")


def content_hash(document: dict, lines_text: str) -> str:
    """Identity of a document's content: tells an identical re-delivery from a conflict.

    Fields joined by a unit separator (it cannot occur in validated text).
    """
    parts = ["" if document[f] is None else str(document[f]) for f in HASHED_FIELDS]
    parts.append(lines_text)
    # v2 fields join the hash only when given: a v1 document keeps the hash it had
    # before v2, so its re-delivery stays a no-op, not a conflict.
    parts.extend(f"{f}={document[f]}" for f in PERIOD_FIELDS if document.get(f))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def validate_customer(row: dict, issuers: frozenset[str]) -> dict:
    """A customers*.csv row → a clean customer dict, or RowError."""
    check_required(row, REQUIRED_CUSTOMER_FIELDS)
    issuer = text(row, "issuer", required=True, limit=10)
    check_issuer(issuer, issuers)
    customer_number = text(row, "customer_number", required=True, limit=12)
    if not CUSTOMER_NUMBER.match(customer_number):
        raise RowError("bad_customer_number", f"customer_number {customer_number!r} is not digits")
    enterprise_number = text(row, "enterprise_number", limit=20)
    if enterprise_number:
        # R3: a Belgian enterprise number is 10 digits with a mod-97 check.
        if not vat.is_valid(enterprise_number):
            raise RowError(
                "bad_enterprise_number",
                f"enterprise_number {enterprise_number!r} fails the Belgian mod-97 check",
            )
        enterprise_number = vat.compact(enterprise_number)
    language = text(row, "language", required=True, limit=5).lower()
    contact_language = text(row, "contact_language", limit=5).lower() or language
    for field, value in (("language", language), ("contact_language", contact_language)):
        if value not in LANGUAGES:
            raise RowError("bad_language", f"{field} {value!r} is not one of nl, fr, de, en")
    country = text(row, "country", required=True, limit=60).upper()
    if not COUNTRY.match(country):
        raise RowError("bad_country", f"country {country!r} is not an ISO 3166 two-letter code")
    email = text(row, "contact_email", limit=254).lower()
    if email and not EMAIL.match(email):
        raise RowError("bad_email", f"contact_email {email[:60]!r} is not an e-mail address")
    channel_choice = text(row, "channel_choice", limit=10).lower() or "paper"
    if channel_choice not in CHANNEL_CHOICES:
        raise RowError(
            "bad_channel_choice",
            f"channel_choice {channel_choice!r} is not paper, portal or network",
        )
    contract_start = row.get("contract_start")
    vat_id, vat_id_inferred = customer_vat_id(row, enterprise_number or None)
    return {
        "customer_code": customer_code_of(issuer, customer_number),
        "issuer": issuer,
        "customer_number": customer_number,
        "name": text(row, "name", required=True),
        "enterprise_number": enterprise_number or None,
        "street": text(row, "street", required=True),
        "postal_code": text(row, "postal_code", required=True, limit=12),
        "city": text(row, "city", required=True),
        "country": country,
        "language": language,
        "contract_start": parse_date(contract_start, "contract_start") if contract_start else None,
        "contact_email": email or None,
        "contact_first_name": text(row, "contact_first_name") or None,
        "contact_last_name": text(row, "contact_last_name") or None,
        "contact_language": contact_language,
        "channel_choice": channel_choice,
        "vat_id": vat_id,
        "vat_id_inferred": vat_id_inferred,
    }


def customer_vat_id(row: dict, enterprise_number: str | None) -> tuple[str | None, bool]:
    """(VAT id, inferred?). A v2 file's vat_id column is the truth, empty meaning none;
    a v1 file (no such column) gets BE + enterprise number, flagged as inferred."""
    if "vat_id" not in row:
        vat_id = infer_vat_id(enterprise_number)
        return vat_id, vat_id is not None
    given = text(row, "vat_id", limit=30)
    if not given:
        return None, False
    vat_id, breach = check_vat_id(given)
    refuse(breach)
    refuse(check_vat_id_matches(vat_id, enterprise_number))
    return vat_id, False
