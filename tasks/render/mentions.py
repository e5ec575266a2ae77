"""Required mentions of a Belgian invoice or credit note (issue 17), as data.

Sources (docs/documents.md): Royal Decree no. 1 of 29 December 1992 (KB nr. 1 / AR n° 1),
art. 5 § 1 (content of an invoice: parties and VAT numbers, number, dates, per rate the
base and the VAT, the legal ground of an exemption, the reverse-charge mention), art. 12
(a correcting document refers to the invoice it corrects) and Royal Decree no. 4, art. 4
§ 1, 3° (a credit note that lowers deducted VAT carries the regularisation mention).
The texts are in templates/labels/<lang>.json (mention_*, vat_category_*) and
templates/labels/vatex.json (legal ground per CEF VATEX code); this module only decides
which apply.

A line without `vat_category` (landing contract v1) gets today's inference: 0 % is
exempt (E, insurance: VATEX-EU-135-1), a positive rate standard (S). DESIGN rule 12: a
category given by the billing system is never overridden.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache

from tasks.render.labels import LABELS_DIR, language_of

CATEGORIES = ("S", "Z", "E", "AE", "K", "G", "O")  # UNCL5305 as EN 16931 uses them
INFERRED_EXEMPTION_CODE = "VATEX-EU-135-1"  # today's inference: a 0 % line is insurance
CATEGORY_MENTIONS = {"K": "mention_intra_eu", "G": "mention_export", "O": "mention_not_subject"}


@lru_cache(maxsize=1)
def load_vatex() -> dict[str, dict[str, str] | None]:
    with open(LABELS_DIR / "vatex.json", encoding="utf-8") as fh:
        table = json.load(fh)
    return {code: text for code, text in table.items() if not code.startswith("_")}


def line_category(line: dict, rate: Decimal) -> tuple[str, bool]:
    """(UNCL5305 category, inferred?) of a line."""
    given = str(line.get("vat_category") or "").strip().upper()
    if given in CATEGORIES:
        return given, False
    return ("S" if rate > 0 else "E"), True


def exemption_ground(line: dict, category: str, inferred: bool, language: str) -> str:
    """The legal ground printed for an exempt/zero/special line ('' when none applies)."""
    code = str(line.get("vat_exemption_reason_code") or "").strip().upper()
    if not code and inferred and category == "E":
        code = INFERRED_EXEMPTION_CODE
    vatex = load_vatex()
    if code in vatex:
        texts = vatex[code]
        return texts[language_of(language)] if texts else ""
    return " ".join(str(line.get("vat_exemption_reason") or "").split())


def reverse_charge_key(customer_country: object, issuer_country: object) -> str:
    """Belgian reverse charge (art. 51 § 2 WBTW) for a customer in Belgium, else the
    Directive's (art. 196: the customer's own country taxes the service)."""
    customer = str(customer_country or "").strip().upper()
    issuer = str(issuer_country or "BE").strip().upper()
    return "mention_reverse_charge_be" if customer in ("", issuer) else "mention_reverse_charge_eu"


def document_mentions(
    categories: list[tuple[str, str]],
    is_credit_note: bool,
    customer_country: object,
    issuer_country: object,
    labels: dict[str, str],
) -> list[str]:
    """Mentions to print, in order, without repeats: per category present, the legal
    grounds of the lines (given as (category, ground) pairs), the credit note's."""
    out: list[str] = []
    for category, ground in categories:
        if category == "AE":
            out.append(labels[reverse_charge_key(customer_country, issuer_country)])
        elif category in CATEGORY_MENTIONS:
            out.append(labels[CATEGORY_MENTIONS[category]])
        if ground:
            out.append(ground)
    if is_credit_note:
        out.append(labels["mention_credit_note_regularisation"])
    return list(dict.fromkeys(text for text in out if text))
