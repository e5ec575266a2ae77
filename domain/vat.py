"""VAT meaning of a document: categories, exemption reasons, VAT ids (DESIGN rule 12).

Pure: no I/O, no clock. The landing contract v2 (docs/landing.md) carries per line the
VAT category (UNCL5305), the exemption reason (CEF VATEX code and text) and the service
period, and per customer the VAT identifier. Where a v1 line has no category, it is
inferred from the rate exactly as before v2 (0 % → exempt insurance, positive → standard
rated) and the document is flagged as relying on inference.

The EN 16931-1 business rules that concern a document's content are checked here over
the landing JSON, for every channel, before any UBL exists. Each check names the
official rule id; `domain.en16931.rule_text` gives the official wording. Rules about
document-level allowances and charges (BG-20/BG-21) do not apply: the landing contract
has none. The VAT breakdown (BG-23) is derived from the lines, one per category, rate
and exemption reason, so BR-x-08 (taxable amounts) and BR-x-09 (VAT amounts) hold by
construction once BR-x-05 (the rate a category allows) holds.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from domain.money import line_amount, vat_amount

SUPPORTED_CATEGORIES = ("S", "Z", "E", "AE", "K", "G", "O")
CATEGORY_NAMES = {
    "S": "standard rated",
    "Z": "zero rated",
    "E": "exempt from VAT",
    "AE": "reverse charge",
    "K": "intra-community supply",
    "G": "export outside the EU",
    "O": "not subject to VAT",
}
# The rule family of each category in EN 16931-1 (K's rules are BR-IC-nn there).
RULE_PREFIX = {"S": "BR-S", "Z": "BR-Z", "E": "BR-E", "AE": "BR-AE", "K": "BR-IC", "G": "BR-G",
               "O": "BR-O"}  # fmt: skip
# BR-Z-05, BR-E-05, BR-AE-05, BR-IC-05, BR-G-05
ZERO_RATED = frozenset({"Z", "E", "AE", "K", "G"})
# BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10
NEEDS_REASON = frozenset({"E", "AE", "K", "G", "O"})
NO_REASON = frozenset({"S", "Z"})  # BR-S-10, BR-Z-10
# BR-AE-10, BR-IC-10, BR-G-10, BR-O-10: the code must *mean* the category.
REASON_CODE_OF = {"AE": "VATEX-EU-AE", "K": "VATEX-EU-IC", "G": "VATEX-EU-G", "O": "VATEX-EU-O"}
NEEDS_BUYER_VAT_ID = frozenset({"AE", "K"})  # BR-AE-02, BR-IC-02 (art. 226(4) directive)

# v1 inference, unchanged from before the contract carried a category: a lessor's 0 %
# lines are insurance premiums, exempt under art. 44 § 3, 4° of the Belgian VAT Code
# (art. 135(1)(a) of Directive 2006/112/EC).
INSURANCE_REASON_CODE = "VATEX-EU-135-1"
INSURANCE_REASON = "Exempt: insurance (art. 44 § 3, 4° WBTW)"


@dataclass(frozen=True, slots=True)
class Breach:
    """A broken rule: `rule` is the official id (BR-…) or an own-policy code."""

    rule: str
    detail: str


@dataclass(frozen=True, slots=True)
class LineTax:
    category: str
    rate: Decimal
    reason_code: str
    reason: str
    inferred: bool


def infer_line_tax(rate: Decimal) -> LineTax:
    """v1 lines (no vat_category): what the pipeline assumed before contract v2."""
    if rate > 0:
        return LineTax("S", rate, "", "", inferred=True)
    return LineTax("E", rate, INSURANCE_REASON_CODE, INSURANCE_REASON, inferred=True)


def tax_of_line(line: dict) -> LineTax:
    """The line's VAT as the billing system stated it, or as inferred for a v1 line."""
    category = line.get("vat_category") or ""
    rate = Decimal(str(line["vat_rate"]))
    if not category:
        return infer_line_tax(rate)
    code = line.get("vat_exemption_reason_code") or ""
    return LineTax(category, rate, code, line.get("vat_exemption_reason") or "", inferred=False)


def check_category_code(number: int, category: str, uncl5305: frozenset[str]) -> Breach | None:
    if category in SUPPORTED_CATEGORIES:
        return None
    if category not in uncl5305:
        return Breach(
            "BR-CL-18",
            f"line {number}: vat_category {category[:10]!r} is not a UNCL5305 VAT category "
            f"(use one of {', '.join(SUPPORTED_CATEGORIES)})",
        )
    return Breach(
        "unsupported_vat_category",
        f"line {number}: vat_category {category!r} is a UNCL5305 code this contract does not "
        f"carry (Canary Islands, Ceuta/Melilla or Italian split payment); "
        f"use one of {', '.join(SUPPORTED_CATEGORIES)}",
    )


def check_rate(number: int, tax: LineTax) -> Breach | None:
    """BR-S-05 (rate > 0), BR-Z/E/AE/IC/G-05 (rate 0), BR-O-05 (no rate: "0" here)."""
    name, prefix = CATEGORY_NAMES[tax.category], RULE_PREFIX[tax.category]
    if tax.category == "S" and tax.rate <= 0:
        return Breach("BR-S-05", f"line {number} is {name} (S) but its VAT rate is {tax.rate} %")
    if tax.category in ZERO_RATED and tax.rate != 0:
        return Breach(
            f"{prefix}-05",
            f"line {number} is {name} ({tax.category}) but its VAT rate is {tax.rate} %, not 0",
        )
    if tax.category == "O" and tax.rate != 0:
        return Breach(
            "BR-O-05",
            f"line {number} is {name} (O) and may not carry a VAT rate; it says {tax.rate} % "
            '(the landing contract writes "0" for "no rate")',
        )
    return None


def check_reason(number: int, tax: LineTax, vatex: frozenset[str]) -> Breach | None:
    """BR-CL-22 (VATEX list), BR-x-10 (reason present, or absent for S and Z)."""
    name, prefix = CATEGORY_NAMES[tax.category], RULE_PREFIX[tax.category]
    if tax.reason_code and tax.reason_code not in vatex:
        return Breach(
            "BR-CL-22",
            f"line {number}: vat_exemption_reason_code {tax.reason_code[:30]!r} is not in the "
            "CEF VATEX code list",
        )
    has_reason = bool(tax.reason_code or tax.reason)
    if tax.category in NO_REASON and has_reason:
        return Breach(
            f"{prefix}-10",
            f"line {number} is {name} ({tax.category}) and may not carry an exemption reason",
        )
    if tax.category in NEEDS_REASON and not has_reason:
        return Breach(
            f"{prefix}-10",
            f"line {number} is {name} ({tax.category}) but states no exemption reason "
            "(vat_exemption_reason_code or vat_exemption_reason): the legal ground must be "
            "on the invoice",
        )
    wanted = REASON_CODE_OF.get(tax.category)
    if wanted and tax.reason_code and tax.reason_code != wanted:
        return Breach(
            f"{prefix}-10",
            f"line {number} is {name} ({tax.category}) but its exemption reason code is "
            f"{tax.reason_code}, not {wanted}",
        )
    return None


def check_line_tax(
    number: int, tax: LineTax, uncl5305: frozenset[str], vatex: frozenset[str]
) -> Breach | None:
    return (
        check_category_code(number, tax.category, uncl5305)
        or check_rate(number, tax)
        or check_reason(number, tax, vatex)
    )


def check_breakdown(taxes: list[LineTax]) -> Breach | None:
    """One VAT breakdown per zero-rated category (BR-Z/E/AE/IC/G/O-01), so every line of
    such a category must give the same exemption reason; O stands alone (BR-O-11/12)."""
    reasons: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for tax in taxes:
        reasons[tax.category].add((tax.reason_code, tax.reason))
    for category, found in sorted(reasons.items()):
        if category != "S" and len(found) > 1:
            return Breach(
                f"{RULE_PREFIX[category]}-01",
                f"the {CATEGORY_NAMES[category]} ({category}) lines give {len(found)} different "
                "exemption reasons; the VAT breakdown has exactly one entry for the category, "
                "with one reason",
            )
    if "O" in reasons and len(reasons) > 1:
        others = ", ".join(sorted(c for c in reasons if c != "O"))
        return Breach(
            "BR-O-11",
            f"a document with not-subject-to-VAT (O) lines may not have lines of other "
            f"categories (here also {others})",
        )
    return None


def check_buyer(categories: set[str], buyer_vat_id: str | None) -> Breach | None:
    """BR-AE-02 / BR-IC-02: reverse charge and intra-community supply need the buyer's VAT
    identifier (we require BT-48 itself: art. 226(4) Directive 2006/112/EC); BR-O-02: a
    not-subject-to-VAT invoice may not carry it."""
    for category in sorted(categories & NEEDS_BUYER_VAT_ID):
        if not buyer_vat_id:
            return Breach(
                f"{RULE_PREFIX[category]}-02",
                f"the document has {CATEGORY_NAMES[category]} ({category}) lines but the "
                "customer has no VAT identifier (vat_id) in master data",
            )
    if "O" in categories and buyer_vat_id:
        return Breach(
            "BR-O-02",
            "the document is not subject to VAT (O) but the customer has a VAT identifier; "
            "an O invoice may not state the buyer's VAT identifier",
        )
    return None


def check_intra_community_period(categories: set[str], has_period: bool) -> Breach | None:
    """BR-IC-11: an intra-community supply states the delivery date (BT-72) or the
    invoicing period (BG-14, the document's, not a line's); the landing contract has no
    delivery date, so the document's period is required."""
    if "K" in categories and not has_period:
        return Breach(
            "BR-IC-11",
            "the document has intra-community supply (K) lines but no document "
            "period_start/period_end: the date of the supply must be stated",
        )
    return None


def breakdown_by_category(lines: list[dict]) -> dict[tuple, tuple[Decimal, Decimal]]:
    """The VAT breakdown (BG-23): per (category, rate, reason code, reason) the taxable
    amount and the VAT, rounded once per entry (BR-CO-17, BR-S-09)."""
    bases: dict[tuple, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        tax = tax_of_line(line)
        key = (tax.category, tax.rate, tax.reason_code, tax.reason)
        bases[key] += line_amount(Decimal(str(line["quantity"])), Decimal(str(line["unit_price"])))
    return {
        key: (base, vat_amount(base, key[1]))
        for key, base in sorted(bases.items(), key=lambda item: (item[0][0], item[0][1]))
    }


def check_period(start, end, where: str, rule: str) -> Breach | None:
    """BR-29 (document) / BR-30 (line): the end is on or after the start."""
    if start and end and end < start:
        return Breach(rule, f"{where}period_end {end} is before period_start {start}")
    return None


# VAT identifiers (BT-48). EU prefixes (and XI, Northern Ireland) are checked digit by
# digit with python-stdnum's eu.vat; other prefixes with python-stdnum's module of that
# country where it has one (CH, NO, GB, TR, ...); otherwise only the shape: an ISO 3166
# prefix (BR-CO-09) and 2-13 letters or digits. Greece's prefix is EL (BR-CO-09).
VAT_ID_SHAPE = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")


def eu_prefixes() -> frozenset[str]:
    return frozenset(cc.upper() for cc in eu_vat.MEMBER_STATES) | {"EL"}


def compact_vat_id(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value).upper()


def check_vat_id(value: str) -> tuple[str, Breach | None]:
    """(the compact VAT id, None) or (value, why it is refused)."""
    number = compact_vat_id(value)
    prefix = number[:2]
    if not VAT_ID_SHAPE.match(number):
        return value, Breach(
            "bad_vat_id",
            f"vat_id {value[:30]!r} is not a VAT identifier: two-letter country prefix "
            "(BR-CO-09) and 2-13 letters or digits",
        )
    if prefix in eu_prefixes():
        try:
            return eu_vat.compact(eu_vat.validate(number)), None
        except ValidationError as error:
            return value, Breach("bad_vat_id", f"vat_id {value[:30]!r} is not valid: {error}")
    module = get_cc_module(prefix.lower(), "vat")
    if module is not None and not module.is_valid(number):
        return value, Breach("bad_vat_id", f"vat_id {value[:30]!r} fails the {prefix} check")
    return number, None


def check_vat_id_matches(vat_id: str, enterprise_number: str | None) -> Breach | None:
    """A Belgian VAT number is BE + the enterprise number: both given, both agree."""
    if vat_id.startswith("BE") and enterprise_number and vat_id[2:] != enterprise_number:
        return Breach(
            "vat_id_mismatch",
            f"vat_id {vat_id} is not BE + enterprise_number {enterprise_number}",
        )
    return None


def infer_vat_id(enterprise_number: str | None) -> str | None:
    """v1 customers files (no vat_id column): BE + enterprise number, as the Peppol builder
    assumed before contract v2 (R3: a known enterprise number makes the account B2B)."""
    return f"BE{enterprise_number}" if enterprise_number else None
