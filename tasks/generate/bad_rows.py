"""Deliberately broken rows, N of each kind, so ingest's quarantine is exercised.

DESIGN rule 7: bad input never stops the night and is never dropped. Each broken row
has exactly one defect; it borrows a good customer so nothing else is wrong with it,
and a number of its own (9xxxxxx) so it never collides with a good row, except the
`conflict` kind whose whole point is reusing a good document number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from random import Random

from stdnum.be import ogm_vcs, vat

from domain.money import CENT, expected_totals_text, format_cents

from .customers import Registry, make_enterprise_number
from .documents import make_payment_reference

DOCUMENT_KINDS = (
    "missing_field",
    "bad_decimal",
    "float_amount",
    "BR-CO-15",  # EN 16931: total with VAT ≠ total without VAT + VAT (was totals_mismatch)
    "BR-CL-18",  # issue 17: a VAT category outside UNCL5305
    "BR-E-10",  # issue 17: an exempt line without its exemption reason
    "BR-29",  # issue 17: period end before its start
    "unknown_issuer",
    "unknown_customer",
    "bad_date",
    "bad_payment_reference",
    "unsafe_document_number",
    "conflict",
)
CUSTOMER_KINDS = ("bad_enterprise_number", "bad_language", "bad_email", "bad_vat_id")
VAT_ID = 15  # column of vat_id in the customers file (landing contract v2)
UNKNOWN_ISSUER = "DL9"
UNSAFE_NUMBERS = (
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "2026-0000001/../../x",
    "..",
    "nul\x00byte",
)
FIRST_BAD_CUSTOMER = 9_000_000
FIRST_BAD_SEQUENCE = 9_000_000  # above documents.MAX_GOOD_SEQUENCE
FIRST_UNKNOWN_CUSTOMER = 8_000_000


def copy_document(document: dict) -> dict:
    return {**document, "lines": [dict(line) for line in document["lines"]]}


def renumber(document: dict, number: str) -> None:
    document["document_number"] = number
    document["payment_reference"] = make_payment_reference(document["issuer"], number)


def break_decimal(doc: dict, index: int) -> None:
    if index % 2:
        doc["total_excl_vat"] = "abc"
    else:
        doc["lines"][0]["unit_price"] = "12,50"  # decimal comma, as a spreadsheet writes it


def break_float(doc: dict, index: int) -> None:
    doc["total_incl_vat"] = float(doc["total_incl_vat"])


def break_totals(doc: dict, index: int) -> None:
    doc["total_incl_vat"] = format_cents(Decimal(doc["total_incl_vat"]) + CENT)


def break_category(doc: dict, index: int) -> None:
    doc["lines"][0]["vat_category"] = "X"


def drop_exemption_reason(doc: dict, index: int) -> None:
    """The first line becomes exempt at 0 % without a reason; totals stay consistent."""
    line = doc["lines"][0]
    for field in ("vat_exemption_reason_code", "vat_exemption_reason"):
        line.pop(field, None)
    line.update(vat_category="E", vat_rate="0")
    doc["total_excl_vat"], doc["total_vat"], doc["total_incl_vat"] = expected_totals_text(
        doc["lines"]
    )


def swap_period(doc: dict, index: int) -> None:
    doc["period_start"], doc["period_end"] = doc["period_end"], doc["period_start"]


def break_issuer(doc: dict, index: int) -> None:
    doc["issuer"] = UNKNOWN_ISSUER
    renumber(doc, doc["document_number"])  # the reference itself stays valid


def break_customer(doc: dict, index: int) -> None:
    doc["customer_number"] = f"{FIRST_UNKNOWN_CUSTOMER + index + 1:07d}"


def break_date(doc: dict, index: int) -> None:
    doc["issue_date"] = f"{doc['issue_date'][:4]}-02-30"


def break_reference(doc: dict, index: int) -> None:
    digits = ogm_vcs.compact(doc["payment_reference"])
    wrong = int(digits[-2:]) % 97 + 1  # any other value in 1..97 fails the check
    doc["payment_reference"] = f"+++{ogm_vcs.format(f'{digits[:10]}{wrong:02d}')}+++"


def break_number(doc: dict, index: int) -> None:
    variant = UNSAFE_NUMBERS[index % len(UNSAFE_NUMBERS)]
    doc["document_number"] = variant + (f".{index}" if index >= len(UNSAFE_NUMBERS) else "")


def drop_total(doc: dict, index: int) -> None:
    del doc["total_incl_vat"]


BREAKERS: dict[str, Callable[[dict, int], None]] = {
    "missing_field": drop_total,
    "bad_decimal": break_decimal,
    "float_amount": break_float,
    "BR-CO-15": break_totals,
    "BR-CL-18": break_category,
    "BR-E-10": drop_exemption_reason,
    "BR-29": swap_period,
    "unknown_issuer": break_issuer,
    "unknown_customer": break_customer,
    "bad_date": break_date,
    "bad_payment_reference": break_reference,
    "unsafe_document_number": break_number,
}


def make_conflict(original: dict) -> dict:
    """Same issuer and number as a good document, other amounts (DESIGN rule 7)."""
    doc = copy_document(original)
    first = doc["lines"][0]
    first["unit_price"] = format_cents(Decimal(first["unit_price"]) + 10)
    totals = expected_totals_text(doc["lines"])
    doc["total_excl_vat"], doc["total_vat"], doc["total_incl_vat"] = totals
    return doc


def build_bad_documents(
    rng: Random, invoices: list[dict], per_kind: int, yesterday: date
) -> list[dict]:
    """per_kind broken copies of good invoices for each document kind, grouped by kind."""
    rows: list[dict] = []
    sequence = 0
    for kind in DOCUMENT_KINDS[:-1]:
        for index in range(per_kind):
            sequence += 1
            doc = copy_document(rng.choice(invoices))
            renumber(doc, f"{yesterday.year}-{FIRST_BAD_SEQUENCE + sequence:07d}")
            BREAKERS[kind](doc, index)
            rows.append(doc)
    originals = rng.sample(invoices, min(per_kind, len(invoices)))
    rows.extend(make_conflict(originals[i % len(originals)]) for i in range(per_kind))
    return rows


def break_enterprise_number(row: list[str], rng: Random, registry: Registry) -> None:
    valid = row[3] or make_enterprise_number(rng, registry)
    row[3] = valid[:-1] + str((int(valid[-1]) + 1) % 10)  # check digits off: mod-97 fails
    if vat.is_valid(row[3]):
        raise AssertionError(f"{row[3]} should be invalid")


def build_bad_customers(
    rng: Random, templates: list[list[str]], per_kind: int, registry: Registry
) -> list[list[str]]:
    """per_kind broken customer rows for each customer kind, on fresh customer numbers."""
    rows: list[list[str]] = []
    sequence = 0
    companies = [row for row in templates if row[3]] or templates
    for kind in CUSTOMER_KINDS:
        for _ in range(per_kind):
            sequence += 1
            pool = companies if kind in ("bad_enterprise_number", "bad_vat_id") else templates
            row = list(rng.choice(pool))
            row[1] = f"{FIRST_BAD_CUSTOMER + sequence:07d}"
            # Its own contact and enterprise number: a login (R3, R5) of a good account
            # must not turn up on a rejected row.
            row[10] = f"bad.row{sequence}@example.com"
            if row[3]:
                row[3] = make_enterprise_number(rng, registry)
                row[VAT_ID] = f"BE{row[3]}" if row[VAT_ID] else ""
            if kind == "bad_enterprise_number":
                row[7] = "BE"
                break_enterprise_number(row, rng, registry)
            elif kind == "bad_language":
                row[8] = "xx"
            elif kind == "bad_vat_id":
                number = row[3] or make_enterprise_number(rng, registry)
                row[VAT_ID] = f"BE{number[:-1]}{(int(number[-1]) + 1) % 10}"  # mod-97 off
            else:
                row[10] = "not-an-email"
            rows.append(row)
    return rows
