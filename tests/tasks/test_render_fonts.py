"""Issue 17: embedded fonts, any European name as written, missing glyphs reported.

Read back with poppler's real tools (pdftotext, pdffonts), not with our own code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tasks.accounts.letter_pdf import draw_activation_letter
from tasks.print_batch import MailPiece, build_print_batch
from tasks.render import render_one
from tasks.render.fonts import REPLACEMENT
from tasks.render.pdf import clean, draw_document, draw_rendition
from tests.tasks.test_render import make_job

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="poppler-utils missing"
)

# One name per script the issue names: Latin Extended-A/B, Greek, Cyrillic.
NAMES = [
    "Łukasz Wójcik",  # Polish: Ł ó
    "Ştefan Dumitrescu",  # Romanian: Ş (cedilla, Latin Extended-A)
    "Ștefan Țurcanu",  # Romanian with comma below: Ș Ț (Latin Extended-B)
    "Antonín Dvořák",  # Czech: ř
    "Ayşe Yılmaz",  # Turkish: ş ı
    "Γιώργος Παπαδόπουλος",  # Greek
    "Тарас Шевченко",  # Cyrillic (Ukrainian)
    "Ǆemal Ǧorđević",  # Latin Extended-B digraph and caron
]


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


ROW = r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$"


def pdffonts(path: Path) -> list[dict]:
    """Rows of `pdffonts`: name, type and the emb column (yes/no)."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = []
    for line in out.stdout.splitlines()[2:]:
        # name, type (may hold spaces), encoding, emb, sub, uni, object, generation
        match = re.match(
            r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line
        )
        assert match, line
        rows.append({"name": match[1], "type": match[2], "emb": match[4]})
    return rows


def assert_all_embedded(path: Path) -> list[dict]:
    fonts = pdffonts(path)
    assert fonts, "no fonts at all"
    assert [f for f in fonts if f["emb"] != "yes"] == []
    assert {f["type"] for f in fonts} == {"TrueType"}
    return fonts


@pytest.mark.parametrize("name", NAMES)
def test_name_in_each_script_reads_back_exactly(tmp_path, name):
    job = make_job(tmp_path, name=name, language="en")
    job.document["lines"][0]["description"] = f"Lease for {name}"
    result = render_one(job)
    text = pdftotext(Path(job.out_path))
    assert name in text.splitlines()  # the envelope window line, exactly
    assert f"Lease for {name}" in text
    assert REPLACEMENT not in text and "?" not in text
    assert result.missing_glyphs == ""


def test_document_duplicate_and_letter_embed_every_font(tmp_path):
    job = make_job(tmp_path, name="Тарас Шевченко", duplicate=True, lines=3)
    render_one(job)
    fonts = assert_all_embedded(Path(job.out_path))
    names = {f["name"].split("+", 1)[1] for f in fonts}
    assert names == {"DejaVuSans", "DejaVuSans-Bold"}

    letter = tmp_path / "letter.pdf"
    letter.write_bytes(draw_activation_letter(letter_data("Łukasz Wójcik")))
    fonts = assert_all_embedded(letter)
    assert {f["name"].split("+", 1)[1] for f in fonts} >= {"DejaVuSans", "DejaVuSansMono-Bold"}
    text = pdftotext(letter)
    assert "Łukasz Wójcik" in text and "K7Q2-M9XP" in text


def letter_data(name: str) -> dict:
    return {
        "customer_code": "DL50012345",
        "reference": "2026-0001234",
        "code": "K7Q2-M9XP",
        "valid_until": "11 March 2027",
        "letter_date": "26 November 2026",
        "channel_choice": "network",
        "language": "en",
        "issuer": {
            "name": "Belfius Lease Belgium NV",
            "street": "Karel Rogierplein 11",
            "postal_code": "1210",
            "city": "Brussel",
        },
        "recipient": {
            "name": name,
            "street": "ul. Świętokrzyska 12",
            "postal_code": "00-916",
            "city": "Warszawa",
            "country": "PL",
        },
    }


def test_merged_print_batch_keeps_the_embedded_fonts(tmp_path):
    pieces = []
    for n, name in enumerate(NAMES[:3], start=1):
        job = make_job(tmp_path, number=f"2026-{n:07d}", name=name)
        render_one(job)
        pieces.append(
            MailPiece(
                piece_id=f"DL5/2026-{n:07d}/paper/original",
                issuer="DL5",
                document_number=f"2026-{n:07d}",
                customer_code="DL50012345",
                pdf_path=job.out_path,
                postal_code="4000",
                country="BE",
                name=name,
            )
        )
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(draw_activation_letter(letter_data(NAMES[5])))
    pieces.append(
        MailPiece(
            piece_id="DL5/letter/1",
            issuer="DL5",
            document_number="2026-0000001",
            customer_code="DL50012345",
            pdf_path=str(letter),
            postal_code="4000",
            country="BE",
            name=NAMES[5],
            kind="activation_letter",
        )
    )
    batch = build_print_batch(pieces, tmp_path / "out", "P-20261126-DL5", "DL5")
    fonts = assert_all_embedded(batch.pdf_path)
    assert len(fonts) >= 7  # each piece's own subsets travel with it
    text = pdftotext(batch.pdf_path)
    for name in (*NAMES[:3], NAMES[5]):
        assert name in text


def test_character_no_font_has_is_reported_and_drawn_as_replacement(tmp_path):
    job = make_job(tmp_path, name="Garage 🚗 中文 BV")
    result = render_one(job)
    assert sorted(result.missing_glyphs) == sorted("🚗中文")
    text = pdftotext(Path(job.out_path))
    assert f"Garage {REPLACEMENT} {REPLACEMENT}{REPLACEMENT} BV" in text
    clean_job = make_job(tmp_path, number="2026-0000002", name="Garage Ørsted BV")
    assert draw_rendition(clean_job).missing == []


def test_clean_keeps_every_character_and_only_flattens_lines():
    assert clean("Łukasz\r\nWójcik\tΠαπα") == "Łukasz  Wójcik Παπα"
    assert clean("e\u0301") == "é"  # NFC: one glyph, one code point
    assert clean("\u202eabc\u200b") == "abc"  # invisible direction overrides go
    assert clean("🚗") == "🚗"  # not replaced here: reported when drawn
    assert clean("x" * 10_000) == "x" * 400


def test_same_bytes_with_fonts_in_any_order_of_documents(tmp_path):
    """DESIGN rule 5: the font subset cache must not make bytes depend on history."""
    first = make_job(tmp_path, name="Тарас Шевченко")
    other = make_job(tmp_path, number="2026-0000009", name="Γιώργος Παπαδόπουλος", language="de")
    before = draw_document(first)
    draw_document(other)
    assert draw_document(first) == before


def test_run_summary_counts_documents_with_missing_glyphs(warehouse, tmp_path):
    """What the render step reports lands in the audit trail and the night's summary."""
    from domain.records import RenderedDocument
    from tasks.renditions import record_renditions
    from tasks.runs import summarise_missing_glyphs

    def drawn(number: str, missing: str) -> RenderedDocument:
        path = str(tmp_path / f"{number}.pdf")
        return RenderedDocument("DL5", number, path, "0" * 64, 1, 1000, missing)

    rendered = [drawn("2026-1", "🚗"), drawn("2026-2", ""), drawn("2026-3", "中🚗")]
    record_renditions(warehouse, rendered, tmp_path, "run-1", "test")
    record_renditions(warehouse, [drawn("2026-4", "文")], tmp_path, "run-0", "test")
    assert summarise_missing_glyphs(warehouse, "run-1") == {"documents": 2, "characters": "中🚗"}
    assert summarise_missing_glyphs(warehouse, "run-9") == {"documents": 0, "characters": ""}


def test_slim_font_keeps_outlines_metrics_and_notices_and_drops_hinting():
    """font_program.slim_font against fontTools' reading of the original file."""
    import io

    from fontTools.ttLib import TTFont as FontToolsFont

    from tasks.render.font_program import slim_font
    from tasks.render.fonts import font_dir

    data = (font_dir() / "DejaVuSans.ttf").read_bytes()
    original, slim = FontToolsFont(io.BytesIO(data)), FontToolsFont(io.BytesIO(slim_font(data)))
    assert not {"fpgm", "prep", "cvt "} & set(slim.keys())
    assert len(slim_font(data)) < len(data) * 0.9
    cmap = original.getBestCmap()
    for char in "AéŁşřΠШǄ€\ufffd":  # simple and composite glyphs
        name = cmap[ord(char)]
        before, after = original["glyf"][name], slim["glyf"][name]
        assert after.getCoordinates(slim["glyf"])[0] == before.getCoordinates(original["glyf"])[0]
        assert slim["hmtx"][name] == original["hmtx"][name]
        assert not getattr(after, "program", None) or not after.program.getBytecode()
    names = {(r.platformID, r.nameID) for r in slim["name"].names}
    assert {p for p, _ in names} == {3}
    assert {0, 1, 2, 13} <= {n for _, n in names}  # copyright, family, style, licence
