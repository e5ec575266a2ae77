"""EPC (SEPA credit transfer) payment QR code, per EPC069-12 v2.1.

Payload, one element per line, LF-separated, the last element not followed by a LF:

    1 BCD                  service tag
    2 002                  version (002: BIC optional inside the EEA)
    3 1                    character set, 1 = UTF-8
    4 SCT                  SEPA credit transfer
    5 BIC                  8 or 11 characters, may be empty with version 002
    6 beneficiary name     max. 70 characters
    7 IBAN                 max. 34 characters
    8 EUR<amount>          EUR0.01 … EUR999999999.99, "." as decimal separator
    9 purpose              4-letter code, empty here
    10 structured reference  max. 35 characters (Belgian OGM/VCS digits, or ISO 11649 RF)
    11 unstructured text     max. 140 characters, only when there is no structured one
    12 information           not used

The whole payload must fit 331 bytes (QR version 13 at error level M).

Speed (DESIGN rule 2): `segno.helpers.make_epc_qr` evaluates all eight masks (measured
13.5 ms per code here); a fixed mask costs 1.6-3.3 ms depending on the mask function,
mask 2 (column % 3) being the cheapest. Any of the eight masks gives a valid, decodable
symbol; the choice only changes the penalty score. The code is drawn as one PDF path
with one rectangle per horizontal run of dark modules instead of one per module.
"""

from __future__ import annotations

import re
from decimal import Decimal

import segno

from tasks.render.labels import to_decimal

QR_MASK = 2
MAX_PAYLOAD_BYTES = 331
MAX_VERSION = 13
_MIN_AMOUNT = Decimal("0.01")
_MAX_AMOUNT = Decimal("999999999.99")
_SPACES = re.compile(r"\s+")
_DARK_RUN = re.compile(rb"\x01+")


def _one_line(text: object) -> str:
    """Collapse CR/LF/tabs: a line break inside an element would shift every later one."""
    return _SPACES.sub(" ", str(text or "")).strip()


def structured_reference(reference: object) -> str | None:
    """The EPC structured reference for a payment reference, or None.

    A Belgian structured communication (OGM/VCS, "+++000/0012/34526+++") is 12 digits
    whose last two are the first ten mod 97 (97 when that is 0); it travels as the bare
    12 digits. An ISO 11649 creditor reference (RF..) travels without spaces.
    """
    raw = _one_line(reference).replace(" ", "")
    digits = raw.strip("+*").replace("/", "").replace(".", "")
    if len(digits) == 12 and digits.isascii() and digits.isdigit():
        check = int(digits[:10]) % 97 or 97
        return digits if check == int(digits[10:]) else None
    if raw[:2].upper() == "RF" and 5 <= len(raw) <= 25 and raw.isascii() and raw.isalnum():
        return raw.upper()
    return None


def build_epc_payload(
    *,
    name: str,
    iban: str,
    amount: object,
    reference: object = None,
    bic: str = "",
    text: str = "",
) -> str:
    """The EPC069-12 payload for one credit transfer; ValueError if it cannot be made."""
    clean_name = _one_line(name)[:70]
    if not clean_name:
        raise ValueError("EPC QR: beneficiary name is empty")
    clean_iban = _one_line(iban).replace(" ", "").upper()
    if not 5 <= len(clean_iban) <= 34 or not clean_iban.isalnum():
        raise ValueError(f"EPC QR: invalid IBAN {iban!r}")
    clean_bic = _one_line(bic).replace(" ", "").upper()
    if len(clean_bic) not in (0, 8, 11):
        clean_bic = ""  # optional in version 002: better none than a wrong one
    value = to_decimal(amount)
    if not _MIN_AMOUNT <= value <= _MAX_AMOUNT or value != value.quantize(_MIN_AMOUNT):
        raise ValueError(f"EPC QR: amount {amount!r} outside EUR0.01-EUR999999999.99")
    structured = structured_reference(reference)
    elements = [
        "BCD",
        "002",
        "1",
        "SCT",
        clean_bic,
        clean_name,
        clean_iban,
        f"EUR{value:.2f}",
        "",  # purpose
        structured or "",
    ]
    if not structured:
        # Structured and unstructured remittance are exclusive: a reference that is not
        # a valid structured one travels as text, as printed; else the given text.
        elements.append((_one_line(reference) or _one_line(text))[:140])
    while elements[-1] == "":
        elements.pop()  # trailing empty elements are left out, no trailing LF
    payload = "\n".join(elements)
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValueError("EPC QR: payload longer than 331 bytes")
    return payload


def make_epc_qr(payload: str) -> segno.QRCode:
    """The QR symbol: error level M (EPC069-12), fixed mask, byte mode UTF-8."""
    qr = segno.make_qr(payload.encode("utf-8"), error="m", mask=QR_MASK, boost_error=False)
    if qr.version > MAX_VERSION:
        raise ValueError(f"EPC QR: version {qr.version} above 13")
    return qr


def dark_runs(qr: segno.QRCode) -> list[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules, no border.

    The rows are joined with a light separator so one C-level regex scan finds every
    run of the symbol.
    """
    stride = len(qr.matrix) + 1
    runs = []
    for match in _DARK_RUN.finditer(b"\x00".join(qr.matrix)):
        start, end = match.span()
        row, col = divmod(start, stride)
        runs.append((row, col, end - start))
    return runs


def qr_pdf_operators(qr: segno.QRCode, left: float, top: float, size: float) -> str:
    """PDF content operators filling the symbol into a size × size square (points).

    `left`/`top` are the PDF coordinates of the symbol's top-left corner (quiet zone not
    included: the layout keeps it clear). One `re` per dark run and a single fill; the
    coordinate system is scaled to one unit per module and flipped so rows go down.
    """
    scale = size / len(qr.matrix)
    rects = "\n".join([f"{col} {row} {length} 1 re" for row, col, length in dark_runs(qr)])
    return f"q 0 g {scale:.6f} 0 0 {-scale:.6f} {left:.3f} {top:.3f} cm\n{rects}\nf\nQ"
