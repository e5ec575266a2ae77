"""Embedded TrueType fonts for every PDF we draw: documents, duplicates, letters (issue 17).

The fonts are DejaVu Sans, Sans Bold and Sans Mono Bold as matplotlib (a locked
dependency) ships them in `mpl-data/fonts/ttf`: the same files on every machine that ran
`make install`, so the same document still renders to the same bytes (DESIGN rule 5).
DejaVu covers Latin (with Extended-A/B), Greek and Cyrillic, the scripts of European
customers' names. Only the glyphs a document uses are embedded (reportlab subsets of
at most 256 characters each, as TrueType fonts with a ToUnicode map, so the text can be
copied and searched).

A character none of the fonts has is never passed to the PDF as the font's .notdef
glyph (PDF/A forbids it, and it would print as an empty box nobody notices): it is drawn
as U+FFFD "�" and reported to the caller (`Encoder.missing`), which counts it in the
run report.

Speed (DESIGN rule 2): building a subset font program is the costly part of embedding
(reportlab subsets and compresses it per document: about 3 ms per font). Documents of
one language share most characters, so each font is seeded with the characters of the
language's labels before the page is drawn and the finished subset objects (font
program, widths, ToUnicode map) are kept per distinct subset in a small per-process
cache; a night's documents mostly reuse a handful of them.

Size: the font files are slimmed for print when registered (font_program.py: no
hinting, Windows name records only), halving what each document embeds.
"""

from __future__ import annotations

import importlib.util
import io
import struct
import zlib
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont, makeToUnicodeCMap

from tasks.render.font_program import slim_font

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
MONO_BOLD = "DejaVuSansMono-Bold"
FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    MONO_BOLD: "DejaVuSansMono-Bold.ttf",
}
REPLACEMENT = "\ufffd"  # drawn in place of a character no font has (and reported)
SUBSET_CACHE = 512  # distinct subsets kept per font and process (~15 KB each)


def font_dir() -> Path:
    """matplotlib's bundled TTF folder, found without importing matplotlib (and numpy)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: its DejaVu fonts are needed")
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


class _PreformattedArray(pdfdoc.PDFObject):
    """A PDF array written once per subset (reportlab formats each number every time)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document) -> bytes:
        return self.data


class EmbeddedFont(TTFont):
    """A reportlab TTFont whose subset objects are built once per distinct subset."""

    def addObjects(self, doc) -> None:  # noqa: N802 (reportlab's name)
        state = self.state.get(doc) or self._assignState(doc)
        state.frozen = 1
        fonts = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            parts = _subset_parts(self.fontName, n, tuple(subset))
            font_file = pdfdoc.PDFStream(
                pdfdoc.PDFDictionary({"Length1": parts.length1, "Filter": _FLATE}),
                parts.font_program,
            )
            cmap = pdfdoc.PDFStream(pdfdoc.PDFDictionary({"Filter": _FLATE}), parts.to_unicode)
            descriptor = pdfdoc.PDFDictionary(
                parts.descriptor | {"FontFile2": doc.Reference(font_file, f"ff:{internal}")}
            )
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.Name = internal
            pdf_font.BaseFont = parts.base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = _PreformattedArray(parts.widths)
            pdf_font.ToUnicode = doc.Reference(cmap, f"tu:{internal}")
            pdf_font.FontDescriptor = doc.Reference(descriptor, f"fd:{internal}")
            doc.Reference(pdf_font, internal)
            fonts[internal] = pdf_font
        del self.state[doc]


_FLATE = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])


class _SubsetParts:
    __slots__ = ("base_name", "descriptor", "font_program", "length1", "to_unicode", "widths")


@lru_cache(maxsize=SUBSET_CACHE)
def _subset_parts(font_name: str, index: int, subset: tuple[int, ...]) -> _SubsetParts:
    face = pdfmetrics.getFont(font_name).face
    parts = _SubsetParts()
    parts.base_name = b"".join((SUBSETN(index), b"+", face.name, face.subfontNameX)).decode()
    program = face.makeSubset(list(subset))
    parts.font_program = zlib.compress(program)
    parts.length1 = len(program)
    parts.to_unicode = zlib.compress(makeToUnicodeCMap(parts.base_name, list(subset)).encode())
    widths = " ".join(f"{face.getCharWidth(code):g}" for code in subset)
    parts.widths = f"[{widths}]".encode()
    # PDF/A-2 6.2.11.6: a subset with its own code→glyph cmap is a symbolic font.
    flags = (face.flags & ~(1 << 5)) | (1 << 2)
    parts.descriptor = {
        "Type": pdfdoc.PDFName("FontDescriptor"),
        "Ascent": face.ascent,
        "CapHeight": face.capHeight,
        "Descent": face.descent,
        "Flags": flags,
        "FontBBox": pdfdoc.PDFArray(face.bbox),
        "FontName": pdfdoc.PDFName(parts.base_name),
        "ItalicAngle": face.italicAngle,
        "StemV": face.stemV,
        "MissingWidth": face.defaultWidth,
    }
    return parts


def repair_hmetrics(face) -> None:
    """reportlab 5.1 keeps glyphs past hhea.numberOfHMetrics with the advance already
    scaled to 1/1000 em instead of font units, so their subset hmtx is wrong (seen on
    DejaVu Sans Mono: 602 units instead of 1233; PDF/A-2 6.2.11.5 widths disagree)."""
    count = struct.unpack(">H", face.get_table("hhea")[34:36])[0]
    advance = face.hmetrics[count - 1][0]
    face.hmetrics[count:] = [(advance, lsb) for _, lsb in face.hmetrics[count:]]


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, ...]:
    """Register the three fonts with reportlab once per process; their names."""
    folder = font_dir()
    for name, filename in FILES.items():
        program = io.BytesIO(slim_font((folder / filename).read_bytes()))
        program.name = filename  # reportlab names the font file by it
        font = EmbeddedFont(name, program, asciiReadable=1)
        repair_hmetrics(font.face)
        pdfmetrics.registerFont(font)
    return tuple(FILES)


class _Widths(dict):
    """Advance widths (1/1000 em) by code point; the font's default for others."""

    __slots__ = ("default",)

    def __missing__(self, code: int) -> float:
        return self.default


@lru_cache(maxsize=8)
def widths_of(font_name: str) -> _Widths:
    register_fonts()
    face = pdfmetrics.getFont(font_name).face
    table = _Widths(face.charWidths)
    table.default = face.defaultWidth
    return table


@lru_cache(maxsize=8)
def coverage(font_name: str) -> frozenset[int]:
    """Code points the font has a glyph for."""
    register_fonts()
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


def string_width(text: str, font_name: str, size: float) -> float:
    """Width in points of `text` in the font (no kerning, as drawn)."""
    return sum(map(widths_of(font_name).__getitem__, map(ord, text))) * size / 1000.0


def replace_missing(text: str, font_name: str, missing: set[str] | None = None) -> str:
    """`text` with characters the font lacks drawn as U+FFFD; they are added to `missing`."""
    covered = coverage(font_name)
    if all(code in covered for code in map(ord, text)):
        return text
    absent = {char for char in text if ord(char) not in covered}
    if missing is not None:
        missing.update(absent)
    return "".join(REPLACEMENT if char in absent else char for char in text)


class Encoder:
    """Turns text into PDF text-showing operators for one reportlab document.

    Codes are assigned by reportlab's subsetting state (so its `addObjects` embeds
    exactly the glyphs used); characters the font lacks go to `missing`.
    """

    __slots__ = ("doc", "fonts", "missing", "_states", "_first")

    def __init__(self, doc, font_names: tuple[str, ...], seed: str = "") -> None:
        register_fonts()
        self.doc = doc
        self.fonts = {name: pdfmetrics.getFont(name) for name in font_names}
        self.missing: set[str] = set()
        self._states = {}
        self._first: dict[str, str] = {}  # resource name of subset 0, once it is used
        for name, font in self.fonts.items():
            state = self._states[name] = font._assignState(doc)
            # reportlab draws a no-break space as its space (code 32); so does the fast
            # path below (babel puts one in most amounts).
            state.assignments.setdefault(0xA0, 32)
            if seed:  # fixed codes for the language's own characters: shared subsets
                font.splitString(replace_missing(seed, name), doc)

    def runs(self, text: str, font_name: str) -> list[tuple[str, bytes]]:
        """(PDF font resource name, encoded bytes) for each subset run of `text`."""
        assignments = self._states[font_name].assignments
        font = self.fonts[font_name]
        try:  # common case: every character already has a code in subset 0
            encoded = bytes(map(assignments.__getitem__, map(ord, text)))
        except (KeyError, ValueError):
            pass
        else:
            first = self._first.get(font_name)
            if first is None:
                first = self._first[font_name] = font.getSubsetInternalName(0, self.doc)
            return [(first, encoded)]
        text = replace_missing(text, font_name, self.missing)
        return [
            (font.getSubsetInternalName(subset, self.doc), encoded)
            for subset, encoded in font.splitString(text, self.doc)
        ]
