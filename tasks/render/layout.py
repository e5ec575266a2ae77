"""Page geometry of a document (A4, millimetres measured from the top-left corner).

The recipient address sits in the window of a C5/DL envelope with a LEFT window per
DIN 5008 form B: window 20 mm from the left edge, 45 mm from the top, 85 × 45 mm. The
top 5 mm of the window take the small return-address line; the address field starts at
50 mm and keeps 5 mm clear of the window's left edge so folding tolerances never hide a
character. Everything else stays out of the window.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4

MM = 72.0 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = A4

# Embedded TrueType fonts (tasks/render/fonts.py): any European script, PDF/A.
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_MONO_BOLD = "DejaVuSansMono-Bold"

LEFT = 20.0
RIGHT = 190.0  # 210 mm - 20 mm margin
CONTENT_WIDTH = RIGHT - LEFT

# Issuer block (letterhead), above the window.
ISSUER_TOP = 15.0
CONTACT_LEFT = 125.0

# Envelope window (DIN 5008 form B, left window).
WINDOW_LEFT = 20.0
WINDOW_TOP = 45.0
WINDOW_WIDTH = 85.0
WINDOW_HEIGHT = 45.0
RETURN_LINE_TOP = 47.0  # baseline of the 7 pt return-address line inside the window
ADDRESS_LEFT = WINDOW_LEFT + 5.0
ADDRESS_TOP = 50.0
ADDRESS_WIDTH = WINDOW_WIDTH - 10.0
ADDRESS_LEADING = 4.5
ADDRESS_MAX_LINES = 8  # 50 + 8 × 4.5 = 86 mm < 90 mm (window bottom)

# Document facts, right of the window.
INFO_LEFT = 115.0
INFO_VALUE_LEFT = 150.0
INFO_TOP = 50.0
INFO_LEADING = 5.0

# Lines table.
TABLE_TOP_FIRST = 100.0
TABLE_TOP_NEXT = 45.0
ROW_HEIGHT = 5.0
HEADER_HEIGHT = 7.0
COL_DESCRIPTION = LEFT
COL_QUANTITY_RIGHT = 118.0
COL_UNIT_PRICE_RIGHT = 142.0
COL_RATE_RIGHT = 160.0
COL_AMOUNT_RIGHT = RIGHT
DESCRIPTION_WIDTH = 80.0  # up to the quantity column, with a gap

# Everything below the table (VAT summary, totals, payment, QR, activation code).
SUMMARY_GAP = 6.0
SUMMARY_ROW = 5.0
PAYMENT_HEIGHT = 38.0  # payment text beside a 32 mm QR code
QR_SIZE = 32.0
ACTIVATION_HEIGHT = 16.0
CREDIT_NOTE_NOTE_HEIGHT = 8.0
MENTION_LEADING = 3.6  # legal mentions under the totals (issue 17)
MENTION_GAP = 3.5  # below the last VAT summary row's baseline
MENTIONS_MAX_LINES = 10

# Footer.
FOOTER_BASELINE = 287.0  # 10 mm from the bottom edge
CONTENT_BOTTOM = 277.0

SIZE_TEXT = 9.0
SIZE_SMALL = 7.0
SIZE_MENTION = 7.5
SIZE_TITLE = 16.0
SIZE_CODE = 11.0
SIZE_DUPLICATE = 72.0


def y(top_mm: float) -> float:
    """PDF y coordinate (points from the bottom) of a distance in mm from the top."""
    return PAGE_HEIGHT - top_mm * MM


def x(left_mm: float) -> float:
    return left_mm * MM
