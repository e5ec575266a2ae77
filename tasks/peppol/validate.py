"""Validation before sending, offline, with the official rules of the pinned release
(issue 18; `tasks.peppol.rules.OFFICIAL`, docs/peppol.md):

1. `xsd`: the OASIS UBL 2.1 schema (Invoice or CreditNote), with lxml;
2. `en16931`: the CEN EN 16931 UBL rules, the published XSLT run by saxonche;
3. `peppol`: OpenPeppol's PEPPOL-EN16931-UBL rules, the published XSLT run by saxonche;
4. `iportal`: this project's own sending policy (`tasks.peppol.rules.check_policy`).

Every failed assert of layers 2-3 is a Failure with the official id, flag and text; a
`warning` is kept with the document but does not stop it (`failure.is_blocking`).

Fast by construction (bench/peppol.py; the profile is in docs/peppol.md):
- the document is parsed once by lxml (schema + policy) and once by Saxon, and both rule
  sets run over that one Saxon tree;
- the Saxon copy has its embedded PDF cut to a placeholder: no official rule reads an
  attachment's content, only its mimeCode and filename attributes and that it is not
  empty (PEPPOL-EN16931-R008), which the placeholder keeps;
- each SVRL report stays a Saxon tree (serialising it cost more than the rules) and is
  asked whether it holds a failed assert; only a report that does is serialised and read.
Stylesheets are compiled once per process (~1 s). Saxon's processor is not shared
between threads, so Saxon work goes through one lock.
"""

from __future__ import annotations

import re
import threading
from functools import cache

from lxml import etree

from tasks.peppol.failure import Failure
from tasks.peppol.rules import OFFICIAL, Artefact, check_policy
from tasks.peppol.settings import NS

LAYERS = ("xsd", "en16931", "peppol", "iportal")
SVRL = NS["svrl"]
FINDINGS = (f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report")
SVRL_TEXT = f"{{{SVRL}}}text"
EMBEDDED = f"{{{NS['cbc']}}}EmbeddedDocumentBinaryObject"
PLACEHOLDER = "AA=="  # base64 of one zero byte: not empty, no content
PREFIXES = {uri: prefix for prefix, uri in NS.items() if prefix in ("cac", "cbc")}
# Saxon writes Q{uri}name (SchXslt), the ISO skeleton *:name[namespace-uri()='uri'].
QUALIFIED = re.compile(r"Q\{([^}]*)\}|\*:([\w-]+)\[namespace-uri\(\)='([^']*)'\]")
_saxon_lock = threading.Lock()


@cache
def load_schema(root_name: str) -> etree.XMLSchema:
    artefact = {"Invoice": OFFICIAL.invoice_xsd, "CreditNote": OFFICIAL.credit_note_xsd}
    return etree.XMLSchema(etree.parse(str(artefact[root_name].path)))


@cache
def load_rules():
    """(processor, [(artefact, compiled stylesheet)], svrl query), once per process."""
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    compiled = []
    for artefact in OFFICIAL.schematrons:
        stylesheet = processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(artefact.path)
        )
        stylesheet.set_property("!indent", "no")
        compiled.append((artefact, stylesheet))
    query = processor.new_xpath_processor()
    query.declare_namespace("svrl", SVRL)
    return processor, compiled, query


def parse_ubl(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def validate_xsd(root: etree._Element) -> list[Failure]:
    name = etree.QName(root).localname
    if name not in ("Invoice", "CreditNote"):
        text = f"[XSD-ROOT]-root element {name!r} is not Invoice or CreditNote"
        return [Failure("xsd", "XSD-ROOT", text)]
    schema = load_schema(name)
    if schema.validate(root):
        return []
    return [
        Failure("xsd", f"XSD-{e.type_name}", f"[XSD-{e.type_name}]-{e.message}", "fatal",
                f"line {e.line}")
        for e in schema.error_log
    ]  # fmt: skip


def text_without_attachments(root: etree._Element) -> str:
    """The document as text, each non-empty embedded attachment cut to a placeholder.
    Cuts `root` in place (not put back: copying the PDF back costs more than the cut)."""
    for element in root.iter(EMBEDDED):
        if element.text and element.text.strip():
            element.text = PLACEHOLDER
    return etree.tostring(root, encoding="unicode")


def prefixed(match: re.Match) -> str:
    if match[2]:  # *:name[namespace-uri()='uri']
        uri, name = match[3], match[2]
    else:
        uri, name = match[1], ""
    return f"{PREFIXES[uri]}:{name}" if uri in PREFIXES else name


def readable(location: str) -> str:
    """A rule's location with cac:/cbc: prefixes an operator can read."""
    return QUALIFIED.sub(prefixed, location)


def failures_from_svrl(svrl: bytes | str, layer: str) -> list[Failure]:
    report = etree.fromstring(svrl.encode("utf-8") if isinstance(svrl, str) else svrl)
    failures = []
    for element in report.iter(*FINDINGS):
        rule_id = element.get("id", "")
        text = " ".join((element.findtext(SVRL_TEXT) or "").split())
        if not text.startswith("["):  # OpenPeppol's texts carry no id, CEN's do
            text = f"[{rule_id}]-{text}"
        location = readable(element.get("location", ""))
        failures.append(Failure(layer, rule_id, text, element.get("flag") or "fatal", location))
    return failures


def has_findings(query, report) -> bool:
    query.set_context(xdm_item=report.head)
    return query.effective_boolean_value("exists(//(svrl:failed-assert|svrl:successful-report))")


def run_schematrons(text: str, layers: tuple[str, ...]) -> list[Failure]:
    """Every official rule set over one Saxon tree of the document."""
    processor, compiled, query = load_rules()
    failures: list[Failure] = []
    with _saxon_lock:
        node = processor.parse_xml(xml_text=text)
        for artefact, stylesheet in compiled:
            if artefact.layer not in layers:
                continue
            report = stylesheet.transform_to_value(xdm_node=node)
            if has_findings(query, report):
                failures += failures_from_svrl(str(report), artefact.layer)
    return failures


def validate_schematron(xml: bytes, artefact: Artefact) -> list[Failure]:
    """One official rule set over the whole document as given, nothing shared: the
    plain way, kept for the benchmark's baseline and for tests of one layer."""
    processor, compiled, _ = load_rules()
    stylesheet = dict((a.layer, s) for a, s in compiled)[artefact.layer]
    with _saxon_lock:
        node = processor.parse_xml(xml_text=xml.decode("utf-8"))
        svrl = stylesheet.transform_to_string(xdm_node=node)
    return failures_from_svrl(svrl, artefact.layer)


def validate_ubl(xml: bytes, layers: tuple[str, ...] = LAYERS) -> list[Failure]:
    """Every failure of every requested layer (all layers run, so an operator sees the
    whole list at once); no fatal failure means the document may be sent."""
    try:
        root = parse_ubl(xml)
    except etree.XMLSyntaxError as error:
        return [Failure("xsd", "XML-SYNTAX", f"[XML-SYNTAX]-{error}")]
    schema = validate_xsd(root) if "xsd" in layers else []
    own = check_policy(root) if "iportal" in layers else []
    official = []
    if {"en16931", "peppol"} & set(layers):  # after the checks that read the PDF: cuts it
        official = run_schematrons(text_without_attachments(root), layers)
    return schema + official + own
