"""Drawing an activation letter (R17): one A4 page in the customer's language.

Same envelope as the documents (the address sits in the DIN 5008 window, see
tasks/render/layout.py) and the same embedded fonts and PDF/A-2b finish
(tasks/render/fonts.py, archive.py: any European name prints as written, a character no
font has is drawn as U+FFFD and added to `missing`); reportlab's `invariant` mode makes
the bytes depend on the letter's data only (DESIGN rule 5). Texts live in
templates/activation_letter/.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from tasks.render import layout as L
from tasks.render.archive import drop_page_transitions, make_archival
from tasks.render.fonts import register_fonts, replace_missing

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "activation_letter"
LANGUAGES = ("nl", "fr", "de", "en")


@cache
def letter_texts(language: str) -> dict:
    language = language if language in LANGUAGES else "nl"
    return json.loads((TEMPLATES / f"{language}.json").read_text(encoding="utf-8"))


def clean(value: object, limit: int = 120) -> str:
    """One line of text, as written (whitespace runs and control characters collapsed)."""
    return " ".join(str(value or "").split())[:limit]


def draw_lines(c: Canvas, lines: list[str], left: float, top: float, font: str, size: float,
               leading: float, missing: set[str] | None = None) -> float:  # fmt: skip
    """Lines from `top` mm down; returns the mm position below the last one."""
    c.setFont(font, size)
    for line in lines:
        c.drawString(L.x(left), L.y(top), replace_missing(line, font, missing))
        top += leading
    return top


def paragraph(c: Canvas, text: str, top: float, font: str = L.FONT, size: float = 10,
              missing: set[str] | None = None) -> float:  # fmt: skip
    lines = simpleSplit(clean(text, 2000), font, size, L.CONTENT_WIDTH * L.MM)
    return draw_lines(c, lines, L.LEFT, top, font, size, 5.0, missing) + 3.0


def draw_activation_letter(letter: dict, missing: set[str] | None = None) -> bytes:
    """PDF bytes of one letter. `letter` holds: customer_code, reference (the invoice it
    travels with, or its own reference), code (formatted),
    valid_until (text), letter_date (text), channel_choice, language, issuer (dict of
    name, street, postal_code, city) and recipient (name, street, postal_code, city,
    country). Characters no font has are added to `missing` (issue 17)."""
    register_fonts()
    texts = letter_texts(letter["language"])
    issuer, recipient = letter["issuer"], letter["recipient"]
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT), invariant=1, pageCompression=1,
               initialFontName=L.FONT)  # fmt: skip
    c.setTitle(clean(texts["title"]))
    c.setSubject(letter["customer_code"])
    c.setCreator("iportal")
    make_archival(c, letter["language"] if letter["language"] in LANGUAGES else "nl")
    draw_lines(c, [clean(issuer["name"])], L.LEFT, L.ISSUER_TOP, L.FONT_BOLD, 12, 5, missing)
    issuer_address = [clean(issuer["street"]), clean(f"{issuer['postal_code']} {issuer['city']}")]
    draw_lines(c, issuer_address, L.LEFT, L.ISSUER_TOP + 5, L.FONT, 9, 4)
    address = [clean(recipient[k]) for k in ("name", "street")]
    address.append(clean(f"{recipient['postal_code']} {recipient['city']}"))
    if recipient["country"] != "BE":
        address.append(clean(recipient["country"]))
    draw_lines(c, address, L.ADDRESS_LEFT, L.ADDRESS_TOP, L.FONT, 10, L.ADDRESS_LEADING, missing)
    facts = [f"{texts['date']}: {letter['letter_date']}",
             f"{texts['customer_code']}: {letter['customer_code']}",
             f"{texts['reference']}: {letter['reference']}"]  # fmt: skip
    draw_lines(c, [clean(f) for f in facts], L.INFO_LEFT, L.INFO_TOP, L.FONT, 9, L.INFO_LEADING)
    top = draw_lines(c, [clean(texts["title"])], L.LEFT, 105, L.FONT_BOLD, 14, 10)
    top = paragraph(c, texts["greeting"], top)
    choice = texts["choices"].get(letter["channel_choice"], texts["choices"]["paper"])
    top = paragraph(c, f"{texts['choice_intro']} {choice}.", top)
    top = paragraph(c, texts["body"].format(customer_code=letter["customer_code"]), top)
    c.rect(L.x(L.LEFT), L.y(top + 22), 110 * L.MM, 22 * L.MM)
    draw_lines(c, [clean(texts["code_label"])], L.LEFT + 4, top + 6, L.FONT, 9, 5)
    draw_lines(c, [clean(letter["code"])], L.LEFT + 4, top + 14, L.FONT_MONO_BOLD, 16, 6)
    valid = texts["valid_until"].format(date=letter["valid_until"])
    draw_lines(c, [clean(valid)], L.LEFT + 4, top + 19.5, L.FONT, 9, 5)
    top = paragraph(c, texts["only_last"], top + 30)
    top = paragraph(c, texts["lost"], top)
    paragraph(c, f"{texts['closing']}\n", top + 4)
    paragraph(c, clean(issuer["name"]), top + 10)
    c.showPage()
    drop_page_transitions(c)
    c.save()
    return buffer.getvalue()
