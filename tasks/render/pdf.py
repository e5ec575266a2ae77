"""Draw one document (invoice or credit note) to PDF bytes with the reportlab canvas.

Pure: a RenderJob in, bytes out; no files, no clock, no warehouse (DESIGN rule 2).

Deterministic (DESIGN rule 5): `Canvas(invariant=1)` fixes the creation date and the
document id, and nothing here depends on dict/set order or the hash seed, so the same
job gives the same bytes in any process and the sha256 recorded at render time can be
checked by re-rendering.

Archival (issue 17): PDF/A-2b (tasks/render/archive.py) with embedded subset TrueType
fonts (tasks/render/fonts.py), so any European name prints as written: Latin with
its extensions, Greek, Cyrillic. A character no font has is drawn as U+FFFD and
reported with the result (`Drawing.missing`), never silently replaced.

Text safety: names and descriptions come from master data and may hold anything. Every
string goes through `clean()` (one line: control and invisible format characters become
spaces or go; NFC so "e" + combining accent is the single "é") and through
`fit()`/`wrap()` so it never leaves its box, whatever its length.

Speed (DESIGN rule 2, the render step is the bulk of a night): reportlab's canvas is
used for the document structure (pages, fonts, metadata, compression), but the page
content is written as PDF operators by `_Page`: one text object per page instead of
one per string (`drawString` builds a text object, runs bidi/shaping checks and
re-encodes text on every call), widths from the fonts' width tables, codes from the
fonts' subset assignments (fonts.Encoder).
"""

from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from domain.records import RenderJob
from tasks.render import layout as L
from tasks.render.archive import drop_page_transitions, make_archival
from tasks.render.fonts import Encoder, register_fonts, widths_of
from tasks.render.labels import (
    country_name,
    format_amount,
    format_date,
    format_number,
    format_rate,
    language_of,
    load_labels,
    round_cents,
    to_decimal,
)
from tasks.render.mentions import (
    CATEGORIES,
    document_mentions,
    exemption_ground,
    line_category,
)
from tasks.render.qr import build_epc_payload, make_epc_qr, qr_pdf_operators

# --- text safety and metrics --------------------------------------------------------

MAX_TEXT = 400  # more characters than fit on any line at any size used here
ELLIPSIS = "\u2026"

_TRANSLATE = {code: " " for code in range(32)}
_TRANSLATE.update(
    {
        0x7F: " ",
        0x2028: " ",  # line / paragraph separators
        0x2029: " ",
        0x200B: "",  # zero-width space
        0x200E: "",  # left-to-right / right-to-left marks and overrides: invisible
        0x200F: "",
        0x202A: "",
        0x202B: "",
        0x202C: "",
        0x202D: "",
        0x202E: "",
        0xFEFF: "",  # byte order mark
        0x202F: "\xa0",  # narrow no-break space (babel's French grouping) -> no-break
        0x2007: "\xa0",
        0x2010: "-",
        0x2011: "-",
    }
)


def clean(value: object, limit: int = MAX_TEXT) -> str:
    """One line of text as the customer wrote it (R2/R31: names print exactly).

    Control characters become spaces, invisible format characters go, the text is NFC
    (one code point per accented letter). Nothing else is replaced: a character the
    fonts lack is reported when it is drawn (fonts.Encoder).
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = text[:limit]
    if text.isascii():
        return text if text.isprintable() else text.translate(_TRANSLATE)
    return unicodedata.normalize("NFC", text).translate(_TRANSLATE)


register_fonts()
# Advance widths (1/1000 em) by code point, as reportlab's stringWidth uses them.
_WIDTHS = {name: widths_of(name) for name in (L.FONT, L.FONT_BOLD)}


def width(text: str, font: str, size: float) -> float:
    """Width in points of a clean() string."""
    return sum(map(_WIDTHS[font].__getitem__, map(ord, text))) * size / 1000.0


def fit(text: str, font: str, size: float, limit: float) -> str:
    """Text cut (with an ellipsis) to at most `limit` points."""
    if width(text, font, size) <= limit:
        return text
    low, high = 0, len(text)
    while low < high:  # longest prefix that fits with the ellipsis
        mid = (low + high + 1) // 2
        if width(text[:mid].rstrip() + ELLIPSIS, font, size) <= limit:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS


# Labels are the same for every document of a language: fit them once.
fit_label = lru_cache(maxsize=4096)(fit)


def _hard_split(word: str, font: str, size: float, limit: float) -> tuple[str, str]:
    low, high = 1, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if width(word[:mid], font, size) <= limit:
            low = mid
        else:
            high = mid - 1
    return word[:low], word[low:]


def wrap(text: str, font: str, size: float, limit: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most `max_lines` lines; the last one is cut if needed."""
    if not text.strip():
        return []
    if width(text, font, size) <= limit:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if width(candidate, font, size) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        while width(word, font, size) > limit:  # a word wider than the box
            head, word = _hard_split(word, font, size, limit)
            lines.append(head)
        current = word
        if len(lines) > max_lines:
            break
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = lines[: max_lines - 1] + [fit(rest, font, size, limit)]
    return lines


# PDF string literal escapes, byte by byte; non-ASCII as octal so the stream stays ASCII.
_ESCAPE = [chr(b) if 32 <= b < 127 else f"\\{b:03o}" for b in range(256)]
_ESCAPE[ord("(")] = "\\("
_ESCAPE[ord(")")] = "\\)"
_ESCAPE[ord("\\")] = "\\\\"
_PLAIN = frozenset(range(32, 127)) - {ord("("), ord(")"), ord("\\")}


def pdf_string(encoded: bytes) -> str:
    """A PDF string literal's content for bytes in a font subset's encoding."""
    if _PLAIN.issuperset(encoded):
        return encoded.decode("ascii")
    return "".join(map(_ESCAPE.__getitem__, encoded))


@lru_cache(maxsize=8)
def _labels(language: str) -> dict[str, str]:
    return {key: clean(value) for key, value in load_labels(language).items()}


@lru_cache(maxsize=8)
def _seed(language: str) -> str:
    """The non-ASCII characters of a language's labels, in a fixed order: assigned first
    in every document, so documents of one language share their font subsets."""
    chars = {ch for value in _labels(language).values() for ch in value if ord(ch) > 126}
    return "".join(sorted(chars | {ELLIPSIS, "\u00b7", "\u20ac"}))


# --- the document, prepared for drawing --------------------------------------------


@dataclass(slots=True)
class _Row:
    description: str
    quantity: str
    unit_price: str
    rate: str
    amount: str


@dataclass(slots=True)
class _Prepared:
    labels: dict[str, str]
    language: str
    is_credit_note: bool
    duplicate: bool
    title: str
    number: str
    customer_code: str
    issue_date: str
    due_date: str
    contract: str
    rows: list[_Row]
    vat_rows: list[tuple[str, str, str]]
    customer_vat: str
    period: str
    mentions: list[str]
    total_excl: str
    total_vat: str
    total_incl: str
    reference: str
    credited: str
    qr_operators: str | None
    payment_text: list[str]
    activation_text: list[str]
    address: list[str]
    return_line: str
    issuer_name: str
    issuer_lines: list[str]
    contact_lines: list[str]
    footer: str
    summary_height: float


MAX_VAT_ROWS = 12  # Belgium has four rates; bounded so the summary always fits a page
_PAYMENT_TEXT_WIDTH = (L.RIGHT - L.QR_SIZE - 6 - L.LEFT) * L.MM


def _prepare(job: RenderJob) -> _Prepared:
    """The document's texts, formatted and fitted, ready to be placed on pages."""
    doc, customer, issuer = job.document, job.customer, job.issuer_info
    lang = language_of(customer.get("language"))
    labels = _labels(lang)
    currency = str(doc.get("currency") or "EUR").upper()[:3]
    is_credit_note = doc.get("document_type") == "credit_note"
    money = partial(_money, lang=lang, currency=currency)
    rows, bases, grounds = _line_rows(doc, labels, lang, money)
    vat_rows = _vat_rows(bases, labels, lang, money)
    number = clean(doc.get("document_number") or job.document_number, 60)
    reference = clean(doc.get("payment_reference"), 60)
    due_date = clean(format_date(str(doc.get("due_date") or ""), lang))
    total_incl = money(doc.get("total_incl_vat", "0"))
    if is_credit_note:
        width = _PAYMENT_TEXT_WIDTH
        payment_text = wrap(labels["credit_note_settlement"], L.FONT, L.SIZE_TEXT, width, 2)
        qr_operators = None
    else:
        payment_text = _payment_text(issuer, labels, total_incl, due_date, reference)
        qr_operators = _qr_operators(doc, issuer, currency, number)
    activation_text = _activation_text(job, labels, lang)
    mentions = _mentions(grounds, is_credit_note, customer, issuer, labels)
    issuer_name, issuer_lines, contact_lines, footer = _issuer_lines(issuer, labels)
    return _Prepared(
        labels=labels,
        language=lang,
        is_credit_note=is_credit_note,
        duplicate=bool(job.duplicate),
        title=labels["credit_note" if is_credit_note else "invoice"],
        number=number,
        customer_code=clean(
            customer.get("customer_code") or f"{job.issuer}{doc.get('customer_number', '')}", 60
        ),
        issue_date=clean(format_date(str(doc.get("issue_date") or ""), lang)),
        due_date=due_date,
        contract=clean(doc.get("contract_number"), 60),
        rows=rows,
        vat_rows=vat_rows,
        customer_vat=clean(customer.get("customer_vat_id") or doc.get("customer_vat_id"), 40),
        period=_period(doc, labels, lang),
        mentions=mentions,
        total_excl=money(doc.get("total_excl_vat", "0")),
        total_vat=money(doc.get("total_vat", "0")),
        total_incl=total_incl,
        reference=reference,
        credited=clean(doc.get("credited_document_number"), 60),
        qr_operators=qr_operators,
        payment_text=payment_text,
        activation_text=activation_text,
        address=_address(customer, issuer, lang)[: L.ADDRESS_MAX_LINES],
        return_line=fit(
            f"{issuer_name} \u00b7 {issuer_lines[0]} \u00b7 {issuer_lines[1]}",
            L.FONT,
            L.SIZE_SMALL - 1,
            L.ADDRESS_WIDTH * L.MM,
        ),
        issuer_name=issuer_name,
        issuer_lines=issuer_lines,
        contact_lines=contact_lines,
        footer=footer,
        summary_height=_summary_height(vat_rows, mentions, is_credit_note, activation_text),
    )


def _money(value: object, decimals: int = 2, *, lang: str, currency: str) -> str:
    return clean(format_amount(value, lang, currency, decimals))


def _line_rows(doc: dict, labels: dict[str, str], lang: str, money) -> tuple[list, dict, list]:
    """(table rows, base per (category index, rate), exemption ground per line).

    KB nr. 1 art. 5 § 1: per rate and category the base and the VAT; the legal ground
    of each exemption (mentions.py)."""
    rows: list[_Row] = []
    bases: dict[tuple[int, Decimal], Decimal] = {}
    grounds: list[tuple[str, str]] = []
    description_width = L.DESCRIPTION_WIDTH * L.MM
    for line in doc.get("lines") or ():
        quantity = to_decimal(line.get("quantity", "1"))
        unit_price = to_decimal(line.get("unit_price", "0"))
        rate = to_decimal(line.get("vat_rate", "0"))
        category, inferred = line_category(line, rate)
        grounds.append((category, clean(exemption_ground(line, category, inferred, lang))))
        given = line.get("amount_excl_vat")
        amount = round_cents(to_decimal(given) if given is not None else quantity * unit_price)
        key = (CATEGORIES.index(category), rate)
        bases[key] = bases.get(key, Decimal(0)) + amount
        exponent = unit_price.as_tuple().exponent
        price_decimals = min(6, max(2, -exponent)) if isinstance(exponent, int) else 2
        description = clean(line.get("description"))
        line_period = _period(line, labels, lang)
        if line_period:
            description = f"{description} ({line_period})"
        rows.append(
            _Row(
                description=fit(description, L.FONT, L.SIZE_TEXT, description_width),
                quantity=clean(format_number(quantity, lang)),
                unit_price=money(unit_price, price_decimals),
                rate=clean(format_rate(str(rate), lang)),
                amount=money(amount),
            )
        )
    return rows, bases, grounds


def _vat_rows(bases: dict, labels: dict[str, str], lang: str, money) -> list[tuple[str, str, str]]:
    """VAT per rate on the rate's total base (Belgian practice), rounded half up. The
    document totals are printed as the billing system issued them."""
    vat_rows = [
        (
            labels[f"vat_category_{CATEGORIES[index]}"].format(
                rate=clean(format_rate(str(rate), lang))
            ),
            money(base),
            money(round_cents(base * rate / 100)),
        )
        for (index, rate), base in sorted(bases.items())
    ]
    if len(vat_rows) > MAX_VAT_ROWS:
        vat_rows = vat_rows[: MAX_VAT_ROWS - 1] + [(ELLIPSIS, "", "")]
    return vat_rows


def _payment_text(issuer: dict, labels, total_incl: str, due_date: str, reference: str):
    """The transfer instruction; without a reference the sentence would ask for one
    that is not there, so there is none."""
    if not reference:
        return []
    instruction = labels["payment_instruction"].format(
        amount=total_incl,
        due_date=due_date,
        iban=clean(issuer.get("iban")),
        bic=clean(issuer.get("bic")),
        reference=reference,
    )
    return wrap(instruction, L.FONT, L.SIZE_TEXT, _PAYMENT_TEXT_WIDTH, 3)


def _qr_operators(doc: dict, issuer: dict, currency: str, number: str) -> str | None:
    """The EPC QR code (euro transfers only), built with its top at the page top and
    shifted down where it is drawn; None when there is nothing to pay or no account."""
    if currency != "EUR":
        return None
    try:
        payload = build_epc_payload(
            name=issuer.get("name", ""),
            iban=issuer.get("iban", ""),
            bic=issuer.get("bic", ""),
            amount=doc.get("total_incl_vat", "0"),
            reference=doc.get("payment_reference"),
            text=number,
        )
    except ValueError:
        return None
    if payload is None:
        return None
    size = L.QR_SIZE * L.MM
    return qr_pdf_operators(make_epc_qr(payload), L.x(L.RIGHT) - size, L.PAGE_HEIGHT, size)


def _activation_text(job: RenderJob, labels: dict[str, str], lang: str) -> list[str]:
    """R17: the activation code travels on the paper invoice; its validity (R18) is
    computed by the caller and passed in job.extra."""
    if not job.activation_code:
        return []
    valid_until = (job.extra or {}).get("activation_code_valid_until")
    code = clean(job.activation_code, 40)
    if valid_until:
        sentence = labels["activation_code"].format(
            code=code, date=clean(format_date(str(valid_until), lang))
        )
    else:
        sentence = labels["activation_code_no_date"].format(code=code)
    return wrap(sentence, L.FONT, L.SIZE_TEXT, (L.CONTENT_WIDTH - 8) * L.MM, 2)


def _address(customer: dict, issuer: dict, lang: str) -> list[str]:
    """The recipient's address for the envelope window (the country when abroad)."""
    address_width = L.ADDRESS_WIDTH * L.MM
    address = wrap(clean(customer.get("name")), L.FONT_BOLD, 10, address_width, 2)
    for part in (
        clean(customer.get("street")),
        clean(f"{customer.get('postal_code') or ''} {customer.get('city') or ''}".strip()),
    ):
        if part.strip():
            address.append(fit(part, L.FONT, 10, address_width))
    country = str(customer.get("country") or "").strip().upper()
    if country and country != str(issuer.get("country") or "BE").upper():
        address.append(fit(clean(country_name(country, lang)), L.FONT, 10, address_width))
    return address


def _issuer_lines(issuer: dict, labels: dict[str, str]) -> tuple[str, list, list, str]:
    """(name, [street, city, VAT and enterprise numbers, bank], contact lines, footer)."""
    issuer_name = clean(issuer.get("name"))
    issuer_city = clean(f"{issuer.get('postal_code', '')} {issuer.get('city', '')}")
    issuer_street = clean(issuer.get("street"))
    vat_line = f"{labels['vat_number']} {clean(issuer.get('vat_number'))}"
    ent_line = f"{labels['enterprise_number']} {clean(issuer.get('enterprise_number'))}"
    bank_line = f"IBAN {clean(issuer.get('iban'))}  BIC {clean(issuer.get('bic'))}"
    contact_lines = [
        line
        for line in (
            f"{labels['phone']} {clean(issuer.get('phone'))}" if issuer.get("phone") else "",
            f"{labels['email']} {clean(issuer.get('email'))}" if issuer.get("email") else "",
            clean(issuer.get("website")),
        )
        if line
    ]
    lines = [issuer_street, issuer_city, f"{vat_line}  {ent_line}", bank_line]
    return issuer_name, lines, contact_lines, f"{issuer_name} \u00b7 {vat_line} \u00b7 {bank_line}"


def _mentions(grounds, is_credit_note: bool, customer: dict, issuer: dict, labels) -> list[str]:
    return [
        wrapped
        for mention in document_mentions(
            grounds,
            is_credit_note,
            customer.get("customer_country") or customer.get("country"),
            issuer.get("country"),
            labels,
        )
        for wrapped in wrap(mention, L.FONT, L.SIZE_MENTION, L.CONTENT_WIDTH * L.MM, 2)
    ][: L.MENTIONS_MAX_LINES]


def _summary_height(vat_rows, mentions, is_credit_note: bool, activation_text) -> float:
    height = L.SUMMARY_GAP + max(len(vat_rows) + 2, 4) * L.SUMMARY_ROW
    height += len(mentions) * L.MENTION_LEADING + (L.MENTION_GAP if mentions else 0)
    height += L.CREDIT_NOTE_NOTE_HEIGHT if is_credit_note else L.PAYMENT_HEIGHT
    if activation_text:
        height += L.ACTIVATION_HEIGHT + 3
    return height


def _period(record: dict, labels: dict[str, str], lang: str) -> str:
    """The service period of a line or document (KB nr. 1 art. 5 § 1, 7°), or ''."""
    start, end = record.get("period_start"), record.get("period_end")
    if not (start or end):
        return ""
    return labels["period"].format(
        start=clean(format_date(str(start or ""), lang)),
        end=clean(format_date(str(end or ""), lang)),
    )


# --- pagination ---------------------------------------------------------------------


def plan_pages(row_count: int, summary_height: float) -> list[tuple[int, int, bool]]:
    """(first row, end row, summary on this page) per page.

    Page 1 has the letterhead and address, later pages a short header; rows never
    split; the summary (VAT, totals, payment, activation code) follows the last row, and
    when the rows fill a page at least one row goes with the summary onto the next page
    so that it never stands alone.
    """
    pages: list[tuple[int, int, bool]] = []
    start = 0
    while True:
        first = not pages
        table_top = (L.TABLE_TOP_FIRST if first else L.TABLE_TOP_NEXT) + L.HEADER_HEIGHT
        space = L.CONTENT_BOTTOM - table_top
        capacity = int(space // L.ROW_HEIGHT)
        with_summary = max(0, int((space - summary_height) // L.ROW_HEIGHT))
        remaining = row_count - start
        take = min(capacity, remaining - 1)
        if remaining <= with_summary or (not first and take <= 0):
            pages.append((start, row_count, True))
            return pages
        pages.append((start, start + take, False))
        start += take


# --- drawing ------------------------------------------------------------------------


class _Page:
    """PDF content operators of one page: graphics first, then one text object.

    Positions are in mm from the top-left corner (layout.py); text must be clean().
    """

    __slots__ = ("graphics", "text", "_encoder", "_current")

    def __init__(self, encoder: Encoder) -> None:
        self.graphics: list[str] = []
        self.text: list[str] = []
        self._encoder = encoder
        self._current: tuple[str, float] | None = None

    def _show(self, x: float, y: float, text: str, font: str, size: float) -> None:
        out = self.text
        out.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
        for name, encoded in self._encoder.runs(text, font):
            if self._current != (name, size):
                out.append(f"{name} {size:g} Tf")
                self._current = (name, size)
            out.append(f"({pdf_string(encoded)}) Tj")

    def left(self, left_mm: float, top_mm: float, text: str, font: str, size: float) -> None:
        if text:
            self._show(left_mm * L.MM, L.y(top_mm), text, font, size)

    def right(self, right_mm: float, top_mm: float, text: str, font: str, size: float) -> None:
        if text:
            self._show(right_mm * L.MM - width(text, font, size), L.y(top_mm), text, font, size)

    def centre(self, centre_mm: float, top_mm: float, text: str, font: str, size: float) -> None:
        if text:
            start = centre_mm * L.MM - width(text, font, size) / 2
            self._show(start, L.y(top_mm), text, font, size)

    def number(
        self, right_mm: float, top_mm: float, text: str, font: str, size: float, width_mm: float
    ) -> None:
        """Right-aligned number; shrinks the font rather than dropping digits."""
        limit = width_mm * L.MM
        actual = width(text, font, size)
        if actual > limit:
            size = max(4.0, math.floor(size * limit / actual * 10) / 10)
            text = fit(text, font, size, limit)
        self.right(right_mm, top_mm, text, font, size)

    def rule(self, left_mm: float, right_mm: float, top_mm: float, line_width: float) -> None:
        yy = L.y(top_mm)
        self.graphics.append(
            f"{line_width:g} w {left_mm * L.MM:.2f} {yy:.2f} m {right_mm * L.MM:.2f} {yy:.2f} l S"
        )

    def box(self, left_mm: float, top_mm: float, w_mm: float, h_mm: float, lw: float) -> None:
        self.graphics.append(
            f"{lw:g} w {left_mm * L.MM:.2f} {L.y(top_mm + h_mm):.2f} "
            f"{w_mm * L.MM:.2f} {h_mm * L.MM:.2f} re S"
        )

    def operators(self) -> str:
        return "\n".join(("q", *self.graphics, "Q", "BT", *self.text, "ET"))


def _duplicate_mark(d: _Prepared, encoder: Encoder) -> str:
    """R23: a duplicate is visibly marked, in the document's language, on every page.

    Light grey, 45°, drawn before the content so it never hides it.
    """
    text = d.labels["duplicate"]
    size = L.SIZE_DUPLICATE
    actual = width(text, L.FONT_BOLD, size)
    if actual > 200 * L.MM:
        size = size * 200 * L.MM / actual
        actual = 200 * L.MM
    c = s = math.sqrt(0.5)
    # Start so that the text's centre (baseline raised by a third of the size) lands on
    # the page centre.
    dx, dy = -actual / 2, -size / 3
    x0 = L.PAGE_WIDTH / 2 + c * dx - s * dy
    y0 = L.PAGE_HEIGHT / 2 + s * dx + c * dy
    shows = " ".join(
        f"{name} {size:.2f} Tf ({pdf_string(encoded)}) Tj"
        for name, encoded in encoder.runs(text, L.FONT_BOLD)
    )
    return f"q 0.82 g BT {c:.5f} {s:.5f} {-s:.5f} {c:.5f} {x0:.2f} {y0:.2f} Tm {shows} ET Q"


def _first_page_header(p: _Page, d: _Prepared) -> None:
    lb = d.labels
    font, bold = L.FONT, L.FONT_BOLD
    p.left(L.LEFT, L.ISSUER_TOP + 4, fit(d.issuer_name, bold, 12, 100 * L.MM), bold, 12)
    for i, line in enumerate(d.issuer_lines):
        p.left(L.LEFT, L.ISSUER_TOP + 9 + i * 3.8, fit(line, font, 8, 100 * L.MM), font, 8)
    for i, line in enumerate(d.contact_lines):
        p.left(L.CONTACT_LEFT, L.ISSUER_TOP + 9 + i * 3.8, fit(line, font, 8, 65 * L.MM), font, 8)

    # Envelope window: return line, then the address (DIN 5008 form B, left window).
    p.left(L.ADDRESS_LEFT, L.RETURN_LINE_TOP + 1, d.return_line, font, L.SIZE_SMALL - 1)
    for i, line in enumerate(d.address):
        top = L.ADDRESS_TOP + 4 + i * L.ADDRESS_LEADING
        p.left(L.ADDRESS_LEFT, top, line, bold if i == 0 else font, 10)

    # Document facts right of the window; the customer code prominent (R2).
    p.left(L.INFO_LEFT, L.INFO_TOP + 4, d.title, bold, L.SIZE_TITLE)
    value_width = (L.RIGHT - L.INFO_VALUE_LEFT) * L.MM
    label_width = (L.INFO_VALUE_LEFT - L.INFO_LEFT - 2) * L.MM
    facts = (
        (lb["customer_code"], d.customer_code, bold, L.SIZE_CODE),
        (lb["document_number"], d.number, bold, L.SIZE_TEXT),
        (lb["issue_date"], d.issue_date, font, L.SIZE_TEXT),
        (lb["service_period"], d.period, font, L.SIZE_TEXT),
        # A credit note is not paid: no due date on it (issue 17).
        (lb["due_date"], "" if d.is_credit_note else d.due_date, font, L.SIZE_TEXT),
        (lb["contract"], d.contract, font, L.SIZE_TEXT),
        (lb["customer_vat_number"], d.customer_vat, font, L.SIZE_TEXT),
    )
    for i, (label, value, face, size) in enumerate(fact for fact in facts if fact[1]):
        top = L.INFO_TOP + 12 + i * L.INFO_LEADING
        p.left(L.INFO_LEFT, top, fit_label(label, font, L.SIZE_TEXT, label_width), font, 9)
        # A long value (a service period) shrinks before it is cut.
        actual = width(value, face, size)
        if actual > value_width:
            size = max(6.5, math.floor(size * value_width / actual * 10) / 10)
        p.left(L.INFO_VALUE_LEFT, top, fit(value, face, size, value_width), face, size)
    if d.is_credit_note and d.credited:
        text = fit(lb["credit_note_for"].format(number=d.credited), bold, 10, 170 * L.MM)
        p.left(L.LEFT, L.TABLE_TOP_FIRST - 4, text, bold, 10)


def _next_page_header(p: _Page, d: _Prepared) -> None:
    bold = L.FONT_BOLD
    p.left(L.LEFT, L.ISSUER_TOP + 4, fit(d.issuer_name, bold, 11, 80 * L.MM), bold, 11)
    heading = fit(f"{d.title} {d.number} ({d.labels['continued']})", bold, 11, 85 * L.MM)
    p.right(L.RIGHT, L.ISSUER_TOP + 4, heading, bold, 11)
    code = fit(f"{d.labels['customer_code']} {d.customer_code}", bold, 10, 85 * L.MM)
    p.right(L.RIGHT, L.ISSUER_TOP + 10, code, bold, 10)


def _table(p: _Page, d: _Prepared, top: float, start: int, end: int) -> float:
    lb = d.labels
    head, size = L.FONT_BOLD, 8.0
    base = top + 4.5
    p.left(L.COL_DESCRIPTION, base, fit_label(lb["description"], head, size, 75 * L.MM), head, 8)
    for key, right, room in (
        ("quantity", L.COL_QUANTITY_RIGHT, 17),
        ("unit_price", L.COL_UNIT_PRICE_RIGHT, 23),
        ("vat_rate", L.COL_RATE_RIGHT, 17),
        ("amount_excl_vat", L.COL_AMOUNT_RIGHT, 29),
    ):
        p.right(right, base, fit_label(lb[key], head, size, room * L.MM), head, size)
    p.rule(L.LEFT, L.RIGHT, top + L.HEADER_HEIGHT - 1, 0.5)
    row_top = top + L.HEADER_HEIGHT
    font, size = L.FONT, L.SIZE_TEXT
    for row in d.rows[start:end]:
        base = row_top + 3.6
        p.left(L.COL_DESCRIPTION, base, row.description, font, size)
        p.number(L.COL_QUANTITY_RIGHT, base, row.quantity, font, size, 16)
        p.number(L.COL_UNIT_PRICE_RIGHT, base, row.unit_price, font, size, 22)
        p.number(L.COL_RATE_RIGHT, base, row.rate, font, size, 16)
        p.number(L.COL_AMOUNT_RIGHT, base, row.amount, font, size, 28)
        row_top += L.ROW_HEIGHT
    return row_top


def _summary(p: _Page, d: _Prepared, top: float) -> list[str]:
    """VAT summary, totals, payment block, activation box; returns extra graphics (QR)."""
    lb = d.labels
    font, bold, size = L.FONT, L.FONT_BOLD, L.SIZE_TEXT
    extra: list[str] = []
    top += L.SUMMARY_GAP
    p.rule(L.LEFT, L.RIGHT, top - 2, 0.5)

    # VAT summary per rate (left).
    base = top + 3.6
    p.left(L.LEFT, base, fit_label(lb["vat_summary"], bold, size, 80 * L.MM), bold, size)
    base += L.SUMMARY_ROW
    p.left(L.LEFT, base, fit_label(lb["vat_category_rate"], font, 8, 28 * L.MM), font, 8)
    p.right(72, base, fit_label(lb["vat_base"], font, 8, 23 * L.MM), font, 8)
    p.right(98, base, fit_label(lb["vat"], font, 8, 25 * L.MM), font, 8)
    for category, vat_base, vat in d.vat_rows:
        base += L.SUMMARY_ROW
        p.left(L.LEFT, base, fit_label(category, font, size, 28 * L.MM), font, size)
        p.number(72, base, vat_base, font, size, 23)
        p.number(98, base, vat, font, size, 25)

    # Totals (right), as issued by the billing system.
    base = top + 3.6
    for key, value, face in (
        ("total_excl_vat", d.total_excl, font),
        ("total_vat", d.total_vat, font),
        ("total_incl_vat", d.total_incl, bold),
    ):
        if face is bold:
            p.rule(L.INFO_LEFT, L.RIGHT, base - 3.8, 0.5)
        p.left(L.INFO_LEFT, base, fit_label(lb[key], face, size, 40 * L.MM), face, size)
        p.number(L.RIGHT, base, value, face, size, 30)
        base += L.SUMMARY_ROW

    top += max(len(d.vat_rows) + 2, 4) * L.SUMMARY_ROW
    if d.mentions:
        # Legal mentions (KB nr. 1 art. 5 § 1; KB nr. 4 art. 4 § 1, 3°), full width.
        for i, line in enumerate(d.mentions):
            top_i = top + L.MENTION_GAP + i * L.MENTION_LEADING
            p.left(L.LEFT, top_i, line, font, L.SIZE_MENTION)
        top += len(d.mentions) * L.MENTION_LEADING + L.MENTION_GAP
    if d.is_credit_note:
        for i, line in enumerate(d.payment_text):
            p.left(L.LEFT, top + 4 + i * 4, line, font, size)
        top += L.CREDIT_NOTE_NOTE_HEIGHT
    else:
        room = _PAYMENT_TEXT_WIDTH
        p.left(
            L.LEFT, top + 5, fit(f"{lb['amount_due']}: {d.total_incl}", bold, 11, room), bold, 11
        )
        if d.reference:
            label = fit_label(f"{lb['structured_communication']}:", font, size, room)
            p.left(L.LEFT, top + 11, label, font, size)
            p.left(L.LEFT, top + 17, fit(d.reference, bold, 13, room), bold, 13)
        for i, line in enumerate(d.payment_text):
            p.left(L.LEFT, top + 23 + i * 4, line, font, size)
        if d.qr_operators is not None:
            extra.append(f"q 1 0 0 1 0 {-(top + 1) * L.MM:.2f} cm\n{d.qr_operators}\nQ")
            caption = fit_label(lb["scan_to_pay"], font, 6.5, (L.QR_SIZE + 6) * L.MM)
            p.centre(L.RIGHT - L.QR_SIZE / 2, top + L.QR_SIZE + 4, caption, font, 6.5)
        top += L.PAYMENT_HEIGHT

    if d.activation_text:
        # R17: the activation code for electronic delivery, printed on paper invoices.
        top += 3
        p.box(L.LEFT, top, L.CONTENT_WIDTH, L.ACTIVATION_HEIGHT, 1)
        title = fit_label(lb["activation_code_title"], bold, size, 160 * L.MM)
        p.left(L.LEFT + 4, top + 5, title, bold, size)
        for i, line in enumerate(d.activation_text):
            p.left(L.LEFT + 4, top + 9.5 + i * 4, line, font, size)
    return extra


def _footer(p: _Page, d: _Prepared, page: int, pages: int) -> None:
    size = L.SIZE_SMALL
    p.left(L.LEFT, L.FOOTER_BASELINE, fit(d.footer, L.FONT, size, 135 * L.MM), L.FONT, size)
    text = d.labels["page"].format(page=page, pages=pages)
    p.right(L.RIGHT, L.FOOTER_BASELINE, text, L.FONT, size)


@dataclass(slots=True)
class Drawing:
    """One drawn document: its bytes, page count and the characters no font had."""

    data: bytes
    pages: int
    missing: list[str] = field(default_factory=list)


def draw_rendition(job: RenderJob) -> Drawing:
    """Draw one document; pages are counted as they are drawn."""
    d = _prepare(job)
    plan = plan_pages(len(d.rows), d.summary_height)
    buffer = io.BytesIO()
    # invariant=1: fixed creation date and document id (DESIGN rule 5). The initial font
    # is ours: reportlab's default would put a non-embedded Helvetica on every page.
    c = Canvas(
        buffer,
        pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT),
        invariant=1,
        pageCompression=1,
        initialFontName=L.FONT,
    )
    c.setTitle(f"{d.title} {d.number}")
    c.setAuthor(d.issuer_name)
    c.setSubject(d.customer_code)
    c.setKeywords(d.number)
    c.setCreator("iportal")
    make_archival(c, d.language)
    encoder = Encoder(c._doc, (L.FONT, L.FONT_BOLD), seed=_seed(d.language))
    mark = _duplicate_mark(d, encoder) if d.duplicate else None
    pages = 0
    for index, (start, end, with_summary) in enumerate(plan):
        pages += 1
        page = _Page(encoder)
        if index == 0:
            _first_page_header(page, d)
            table_top = L.TABLE_TOP_FIRST
        else:
            _next_page_header(page, d)
            table_top = L.TABLE_TOP_NEXT
        bottom = _table(page, d, table_top, start, end)
        extra = _summary(page, d, bottom) if with_summary else []
        _footer(page, d, pages, len(plan))
        if mark:
            c.addLiteral(mark)
        c.addLiteral(page.operators())
        for operators in extra:
            c.addLiteral(operators)
        c.showPage()
    # Binary (Flate only) streams: ASCII85 on top costs CPU and 25 % in size for nothing
    # a PDF reader needs. rl_config is process-wide, so it is restored after the save.
    drop_page_transitions(c)
    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        c.save()
    finally:
        rl_config.useA85 = saved
    return Drawing(buffer.getvalue(), pages, sorted(encoder.missing))


def draw_pages(job: RenderJob) -> tuple[bytes, int]:
    """(PDF bytes, page count) of one document."""
    drawing = draw_rendition(job)
    return drawing.data, drawing.pages


def draw_document(job: RenderJob) -> bytes:
    """PDF bytes of one document (A4, the customer's language)."""
    return draw_rendition(job).data
