"""Issue 17: documents and letters are PDF/A-2b, and still the same bytes on re-render.

Two kinds of check on the written files: pikepdf's PDF/A validator (`pikepdf.pdfa`, an
allowlist over the veraPDF rules for 2b; veraPDF itself is not installable from the
registries here), and the rules that matter read one by one with pikepdf, so a failure
says which.
"""

from __future__ import annotations

import io
import re

import pikepdf
import pikepdf.pdfa
import pytest

from tasks.accounts.letter_pdf import draw_activation_letter
from tasks.render.pdf import draw_document
from tests.tasks.test_render import make_job
from tests.tasks.test_render_fonts import letter_data

PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def documents(tmp_path) -> dict[str, bytes]:
    return {
        "invoice": draw_document(make_job(tmp_path, name="Łukasz Wójcik")),
        "credit note": draw_document(
            make_job(tmp_path, document_type="credit_note", credited_document_number="2026-1")
        ),
        "three pages, duplicate": draw_document(
            make_job(tmp_path, lines=120, duplicate=True, name="Тарас Шевченко", language="de")
        ),
        "with activation code": draw_document(
            make_job(tmp_path, activation_code="K7Q2-M9XP", language="nl")
        ),
        "letter": draw_activation_letter(letter_data("Γιώργος Παπαδόπουλος")),
    }


def test_validator_approves_documents_and_letters_as_pdfa_2b(tmp_path):
    for kind, data in documents(tmp_path).items():
        report = pikepdf.pdfa.validate_written(io.BytesIO(data), "2b")
        assert report.passed, (kind, [str(f) for f in report.findings])


@pytest.mark.parametrize("kind", ["invoice", "letter"])
def test_rules_that_matter_one_by_one(tmp_path, kind):
    data = documents(tmp_path)[kind]
    assert data.startswith(b"%PDF-1.")
    assert all(b > 127 for b in data.split(b"\n", 2)[1][1:5])  # 6.1.2 binary comment
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/Encrypt" not in pdf.trailer  # 6.1.3: no encryption
        assert len(pdf.trailer.ID) == 2  # 6.1.3: a file identifier
        # 6.2.3: one output intent, GTS_PDFA1, an RGB ICC profile (sRGB)
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert profile.N == 3
        icc = profile.read_bytes()
        assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB "
        # 6.6.2: XMP metadata, unfiltered, with the PDF/A identification
        meta = pdf.Root.Metadata
        assert "/Filter" not in meta
        xmp = meta.read_bytes().decode("utf-8")
        assert re.search(r"<pdfaid:part>2</pdfaid:part>", xmp)
        assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
        assert PDFAID in xmp
        with pdf.open_metadata() as m:  # 6.6.3: XMP agrees with the info dictionary
            assert m["dc:title"] == str(pdf.docinfo.Title)
            assert m["pdf:Producer"] == str(pdf.docinfo.Producer)
        # 6.2.11: every font embedded (FontFile2 = TrueType program), no standard 14
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                assert font.Subtype == "/TrueType"
                assert "/FontFile2" in font.FontDescriptor
                assert "/ToUnicode" in font  # text can be extracted
            assert "/Trans" not in page  # nothing but a printed page
            assert "/Annots" not in page and "/AA" not in page
        assert "/OpenAction" not in pdf.Root and "/Names" not in pdf.Root


def test_file_syntax_of_streams_as_written(tmp_path):
    """6.1.7.1: stream + EOL, data of exactly /Length bytes, EOL, endstream. pikepdf's
    validator leaves these to qpdf (its files are qpdf-written), so they are read here
    on the raw bytes reportlab wrote."""
    for kind, data in documents(tmp_path).items():
        with pikepdf.open(io.BytesIO(data)) as pdf:
            lengths = [int(o.Length) for o in pdf.objects if isinstance(o, pikepdf.Stream)]
        spans = [m.end() for m in re.finditer(rb"\bstream(\r\n|\n)", data)]
        assert len(spans) == len(lengths), kind
        for start in spans:
            end = data.index(b"endstream", start)
            assert data[end - 1 : end] == b"\n", kind  # EOL before endstream
            assert end - 1 - start in lengths, kind  # /Length = the bytes in between


def test_rerender_gives_the_same_bytes(tmp_path):
    first, second = documents(tmp_path), documents(tmp_path)
    assert first == second
