"""Invoices and credit notes in the landing contract's shape (DESIGN "Landing files").

Documents come out in issue order, so one counter per issuer and year gives numbers
that are unique per issuer and grow with the date. History bills on the 1st of each
month; tonight's run (as_of - 1 day) bills the current month of every active contract.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from random import Random

from domain.money import expected_totals_text, format_cents

from . import names
from .contracts import Contract

CREDIT_NOTE_SHARE = 0.02
CREDIT_DELAY_DAYS = (3, 40)
PARTIAL_CREDIT_SHARE = 0.4
PAYMENT_TERM = timedelta(days=30)
# Sequence numbers from 9,000,000 up are left to the corrupted rows (bad_rows.py).
MAX_GOOD_SEQUENCE = 8_999_999


class DocumentNumbers:
    """<YYYY>-<7 digits>, one counter per (issuer, year)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, int], int] = {}

    def take(self, issuer: str, day: date) -> str:
        key = (issuer, day.year)
        sequence = self._last.get(key, 0) + 1
        if sequence > MAX_GOOD_SEQUENCE:
            raise ValueError(f"more than {MAX_GOOD_SEQUENCE} documents for {key}")
        self._last[key] = sequence
        return f"{day.year}-{sequence:07d}"


@dataclass(slots=True)
class Ledger:
    """What later documents need to know about earlier ones."""

    numbers: DocumentNumbers = field(default_factory=DocumentNumbers)
    # contract number -> (number, issue date) of its latest invoice
    last_invoice: dict[str, tuple[str, date]] = field(default_factory=dict)
    # (issuer, invoice number) already credited: one credit note per invoice
    credited: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class CreditPlan:
    """A credit note decided when its invoice is issued, numbered when it is issued."""

    day: date
    contract: Contract
    invoice_number: str
    invoice_day: date
    partial_days: int  # 0: the whole invoice is credited
    payment_reference: str | None  # credit notes are not paid: "" or null


@lru_cache(maxsize=64)
def issuer_digit(issuer: str) -> str:
    """DL2 -> '2': keeps references of equal numbers at two issuers apart (R1)."""
    return issuer[-1] if issuer[-1].isdigit() else str(sum(map(ord, issuer)) % 10)


def calc_check_digits(digits: str) -> str:
    """ogm_vcs.calc_check_digits without its input cleaning, which costs ~25 us a call
    (a third of the generator's time); the tests check every reference with ogm_vcs."""
    return f"{int(digits) % 97 or 97:02d}"


def make_payment_reference(issuer: str, document_number: str) -> str:
    """+++YYS/SSSS/SSSICC+++: year YY, sequence S, issuer digit I, mod-97 check CC."""
    digits = document_number[2:4] + document_number[5:12] + issuer_digit(issuer)
    digits += calc_check_digits(digits)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


@lru_cache(maxsize=4096)
def label_period(language: str, year: int, month: int) -> str:
    return f"{names.MONTHS[language][month - 1]} {year}"


@lru_cache(maxsize=4096)
def format_date(day: date) -> str:
    """Cached: a billing run issues thousands of documents on the same day."""
    return day.isoformat()


def make_document(
    contract: Contract,
    document_type: str,
    day: date,
    number: str,
    lines: list[dict],
    totals: tuple[str, str, str],
    payment_reference: str | None,
    credited_document_number: str | None,
) -> dict:
    """One landing-contract record; key order is the contract's, for readable files."""
    return {
        "issuer": contract.issuer,
        "document_number": number,
        "document_type": document_type,
        "issue_date": format_date(day),
        "due_date": format_date(day + PAYMENT_TERM),
        "customer_number": contract.customer_number,
        "contract_number": contract.number,
        "currency": "EUR",
        "lines": lines,
        "total_excl_vat": totals[0],
        "total_vat": totals[1],
        "total_incl_vat": totals[2],
        "payment_reference": payment_reference,
        "credited_document_number": credited_document_number,
    }


def with_period(document: dict, billed: date) -> dict:
    document["period_start"], document["period_end"] = month_period(billed.year, billed.month)
    return document


def make_invoice_lines(contract: Contract, day: date) -> list[dict]:
    period = label_period(contract.language, day.year, day.month)
    return [
        {
            "description": f"{prefix} — {period}",
            "quantity": quantity,
            "unit_price": unit_price,
            "vat_rate": vat_rate,
            **tax_fields(category, code, reason),
        }
        for prefix, quantity, unit_price, vat_rate, category, code, reason in contract.lines
    ]


@lru_cache(maxsize=64)
def tax_fields(category: str, code: str, reason: str) -> dict:
    """Landing contract v2 line fields, the empty ones left out."""
    fields = {"vat_category": category, "vat_exemption_reason_code": code,
              "vat_exemption_reason": reason}  # fmt: skip
    return {k: v for k, v in fields.items() if v}


@lru_cache(maxsize=4096)
def month_period(year: int, month: int) -> tuple[str, str]:
    """The billed month as the invoicing period (BG-14): first and last day."""
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1).isoformat(), (following - timedelta(days=1)).isoformat()


def build_invoice(contract: Contract, day: date, number: str) -> dict:
    lines = make_invoice_lines(contract, day)
    reference = make_payment_reference(contract.issuer, number)
    document = make_document(
        contract, "invoice", day, number, lines, contract.totals, reference, None
    )
    return with_period(document, day)


def make_credit_lines(plan: CreditPlan) -> list[dict]:
    """Either the invoice's lines again, or a pro-rata part of its rent line."""
    language = plan.contract.language
    lines = make_invoice_lines(plan.contract, plan.invoice_day)
    if not plan.partial_days:
        label = names.LINE_LABELS["credit"][language]
        return [{**line, "description": f"{label}: {line['description']}"} for line in lines]
    rent = lines[0]
    price = Decimal(rent["unit_price"]) * plan.partial_days / 30
    label = names.LINE_LABELS["pro_rata"][language]
    return [
        rent
        | {
            "description": f"{label} {plan.partial_days}/30: {rent['description']}",
            "quantity": "1",
            "unit_price": format_cents(price),
        }
    ]


def build_credit_note(plan: CreditPlan, number: str) -> dict:
    """Amounts are positive: the document type says it is a credit."""
    lines = make_credit_lines(plan)
    totals = expected_totals_text(lines)
    document = make_document(
        plan.contract,
        "credit_note",
        plan.day,
        number,
        lines,
        totals,
        plan.payment_reference,
        plan.invoice_number,
    )
    return with_period(document, plan.invoice_day)


def plan_credit_note(
    rng: Random, contract: Contract, invoice: tuple[str, date], day: date, ledger: Ledger
) -> CreditPlan:
    ledger.credited.add((contract.issuer, invoice[0]))
    partial_days = rng.randint(1, 29) if rng.random() < PARTIAL_CREDIT_SHARE else 0
    reference = rng.choice(("", None))
    return CreditPlan(day, contract, invoice[0], invoice[1], partial_days, reference)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def list_billing_days(window_start: date, stop: date) -> list[date]:
    """1st of each month in [window_start, stop)."""
    first = month_index(window_start) + (window_start.day != 1)
    return [date(i // 12, i % 12 + 1, 1) for i in range(first, month_index(stop))]


def bucket_contracts(contracts: list[Contract], days: list[date]) -> list[list[Contract]]:
    """Per billing day, the contracts running on it, in (issuer, customer, contract) order."""
    buckets: list[list[Contract]] = [[] for _ in days]
    if not days:
        return buckets
    base = month_index(days[0])
    for contract in contracts:
        first = month_index(contract.start) + (contract.start.day != 1) - base
        last = month_index(contract.end) - base
        for i in range(max(first, 0), min(last, len(days) - 1) + 1):
            buckets[i].append(contract)
    return buckets


def flush_credit_notes(pending: list, before: date, ledger: Ledger) -> Iterator[dict]:
    """Issue planned credit notes dated before `before`, oldest first."""
    while pending and pending[0][0] < before.toordinal():
        _, _, plan = heapq.heappop(pending)
        yield build_credit_note(plan, ledger.numbers.take(plan.contract.issuer, plan.day))


def iter_history(
    rng: Random, contracts: list[Contract], window_start: date, yesterday: date, ledger: Ledger
) -> Iterator[dict]:
    """Documents issued from window_start until the day before yesterday, in issue order.

    The current month is billed by tonight's run, not on its 1st: one invoice per
    contract per month.
    """
    days = list_billing_days(window_start, yesterday.replace(day=1))
    pending: list = []  # heap of (issue ordinal, tie-breaker, CreditPlan)
    tie_breaker = itertools.count()
    for day, bucket in zip(days, bucket_contracts(contracts, days), strict=True):
        yield from flush_credit_notes(pending, day, ledger)
        for contract in bucket:
            number = ledger.numbers.take(contract.issuer, day)
            yield build_invoice(contract, day, number)
            ledger.last_invoice[contract.number] = (number, day)
            if rng.random() < CREDIT_NOTE_SHARE:
                credit_day = day + timedelta(days=rng.randint(*CREDIT_DELAY_DAYS))
                if credit_day < yesterday:
                    plan = plan_credit_note(rng, contract, (number, day), credit_day, ledger)
                    heapq.heappush(pending, (credit_day.toordinal(), next(tie_breaker), plan))
    yield from flush_credit_notes(pending, yesterday, ledger)


def build_tonight(
    rng: Random, contracts: list[Contract], yesterday: date, ledger: Ledger
) -> list[dict]:
    """Yesterday's billing run: every active contract's invoice, then a few credit notes."""
    active = [c for c in contracts if c.start <= yesterday <= c.end]
    documents = [
        build_invoice(c, yesterday, ledger.numbers.take(c.issuer, yesterday)) for c in active
    ]
    for contract in active:
        invoice = ledger.last_invoice.get(contract.number)
        if rng.random() >= CREDIT_NOTE_SHARE or invoice is None:
            continue
        if (contract.issuer, invoice[0]) in ledger.credited:
            continue
        plan = plan_credit_note(rng, contract, invoice, yesterday, ledger)
        number = ledger.numbers.take(contract.issuer, yesterday)
        documents.append(build_credit_note(plan, number))
    return documents
