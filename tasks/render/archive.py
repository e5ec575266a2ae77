"""PDF/A-2b for every PDF we draw (issue 17; ISO 19005-2, conformance level B).

What a reportlab canvas lacks for PDF/A-2b, and what `make_archival` adds:

- an output intent (ISO 19005-2 6.2.3) with an sRGB ICC profile: the one pikepdf ships
  in `pikepdf/pdfa/data/sRGB.icc` (ICC v2.3, "no copyright, use freely"; pikepdf is a
  locked dependency, so the bytes are the same on every machine, DESIGN rule 5). Our
  pages use DeviceGray and DeviceRGB only, which the output intent makes unambiguous;
- XMP metadata (6.6.2) with the PDF/A identification (pdfaid:part 2, conformance B) and
  the same title, author, subject, keywords, producer, creator tool and dates as the
  document information dictionary (6.6.3), uncompressed (no Filter on the stream);
- the text language of the document (/Lang).

The rest comes from how we draw: every font embedded (tasks/render/fonts.py, no .notdef
glyph referenced), no encryption, no transparency, no annotations or actions, the
fixed trailer /ID and dates of reportlab's invariant mode. tests/tasks/test_archive.py
checks the written files with pikepdf's PDF/A validator (`pikepdf.pdfa`, whose rules are
the veraPDF validation profiles), see docs/documents.md.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

SRGB_IDENTIFIER = "sRGB IEC61966-2.1"


def _format_stream_with_eol(format_stream):
    """ISO 19005-2 6.1.7.1: the endstream keyword is preceded by an EOL marker (not
    counted in /Length). reportlab 5.1 writes the data and `endstream` back to back, and
    pikepdf's validator leaves this file-syntax rule to qpdf, so it would not notice.
    Every stream reportlab writes in this process gets the EOL (ISO 32000-1 7.3.8.1
    recommends it for any PDF, so nothing else is affected)."""

    def format(self, document) -> bytes:
        data = format_stream(self, document)
        if data.endswith(b"endstream\n") and data[-11:-10] not in (b"\n", b"\r"):
            data = data[:-10] + b"\nendstream\n"
        return data

    format.eol_before_endstream = True
    return format


if not getattr(pdfdoc.PDFStream.format, "eol_before_endstream", False):
    pdfdoc.PDFStream.format = _format_stream_with_eol(pdfdoc.PDFStream.format)


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """The sRGB ICC profile shipped by pikepdf (read without importing pikepdf)."""
    spec = importlib.util.find_spec("pikepdf")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pikepdf is not installed: its sRGB profile is needed")
    path = Path(spec.submodule_search_locations[0]) / "pdfa" / "data" / "sRGB.icc"
    return path.read_bytes()


def _xmp_date(doc) -> str:
    yyyy, mm, dd, hh, mi, ss = doc._timeStamp.YMDhms
    stamp = doc._timeStamp
    sign = "+" if stamp.dhh >= 0 else "-"
    zone = f"{sign}{abs(stamp.dhh):02d}:{stamp.dmm:02d}"
    return f"{yyyy:04d}-{mm:02d}-{dd:02d}T{hh:02d}:{mi:02d}:{ss:02d}{zone}"


def xmp_packet(doc) -> str:
    """The XMP packet of a reportlab document: its info dictionary plus PDF/A-2b id."""
    info = doc.info
    date = _xmp_date(doc)

    def text(value: object) -> str:
        return escape(str(value or ""))

    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text(info.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{text(info.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text(info.subject)}</rdf:li></rdf:Alt>
</dc:description>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>{text(info.producer)}</pdf:Producer>
<pdf:Keywords>{text(info.keywords)}</pdf:Keywords>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreatorTool>{text(info.creator)}</xmp:CreatorTool>
<xmp:CreateDate>{date}</xmp:CreateDate>
<xmp:ModifyDate>{date}</xmp:ModifyDate>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""


class _Metadata(pdfdoc.PDFStream):
    """Uncompressed XMP stream (PDF/A: no Filter on the metadata stream), built at save."""

    def __init__(self) -> None:
        super().__init__(
            pdfdoc.PDFDictionary(
                {"Type": pdfdoc.PDFName("Metadata"), "Subtype": pdfdoc.PDFName("XML")}
            )
        )

    def format(self, document) -> bytes:
        self.content = xmp_packet(document).encode("utf-8")
        self.filters = None
        return super().format(document)


@lru_cache(maxsize=1)
def _icc_stream_content() -> tuple[bytes, int]:
    import zlib

    data = srgb_profile()
    return zlib.compress(data), len(data)


def make_archival(c: Canvas, language: str) -> None:
    """Make the canvas's document PDF/A-2b when saved (call before `save`)."""
    doc = c._doc
    compressed, _ = _icc_stream_content()
    icc = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"N": 3, "Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])}),
        compressed,
    )
    intent = pdfdoc.PDFDictionary(
        {
            "Type": pdfdoc.PDFName("OutputIntent"),
            "S": pdfdoc.PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": pdfdoc.PDFString(SRGB_IDENTIFIER),
            "Info": pdfdoc.PDFString(SRGB_IDENTIFIER),
            "DestOutputProfile": doc.Reference(icc, "srgb-icc"),
        }
    )
    catalog = doc.Catalog
    catalog.__NoDefault__ = [*catalog.__NoDefault__, "OutputIntents"]
    catalog.OutputIntents = pdfdoc.PDFArray([intent])
    catalog.Metadata = _Metadata()
    catalog.Lang = pdfdoc.PDFString(language)


def drop_page_transitions(c: Canvas) -> None:
    """reportlab writes an empty /Trans on every page; PDF/A validators that allowlist
    page keys flag it, and a printed invoice has no slide-show transitions anyway."""
    for page in c._doc.Pages.pages:
        page.Trans = None
