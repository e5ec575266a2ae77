"""Activation codes (R16-R20). Pure: no I/O, no clock; time comes in as `as_of`.

A code is 13 Crockford base32 symbols (65 bits) and one Crockford check symbol (the
value mod 37), printed as `XXXX-XXXX-XXXX-XX`. Typed codes are forgiving as Crockford
specifies: case, hyphens and spaces do not matter, I and L read as 1, O as 0.

Codes are derived, not drawn: HMAC-SHA256(secret, "customer_code|serial"), so the same
paper invoice re-renders to the same bytes (DESIGN rule 5) while the warehouse stores
only a hash of the code (R16). No maintained package offers Crockford's check symbol
(base32-crockford was last released in 2015), so its twenty lines live here, tested
against the specification's examples.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"  # Crockford: values 32-36 of the mod-37 check
SYMBOLS = 13  # 13 x 5 = 65 bits of entropy (R16: at least 60)
BITS = SYMBOLS * 5
VALIDITY = timedelta(weeks=15)  # R18
TYPO_MAP = str.maketrans({"I": "1", "L": "1", "O": "0"})


def encode_crockford(value: int, length: int) -> str:
    """`value` as exactly `length` Crockford symbols, most significant first."""
    if value < 0 or value >= 32**length:
        raise ValueError(f"{value} does not fit in {length} symbols")
    symbols = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        symbols.append(ALPHABET[digit])
    return "".join(reversed(symbols))


def decode_crockford(symbols: str) -> int:
    value = 0
    for symbol in symbols:
        value = value * 32 + ALPHABET.index(symbol)
    return value


def check_symbol(value: int) -> str:
    """Crockford's check symbol: the value mod 37, drawn from 32 symbols plus *~$=U."""
    return CHECK_ALPHABET[value % 37]


def derive_code(secret: bytes, customer_code: str, serial: int) -> str:
    """The normalised 14-symbol code of a customer code's `serial`-th code (R16)."""
    message = f"{customer_code}|{serial}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    value = int.from_bytes(digest[:9], "big") >> (72 - BITS)
    return encode_crockford(value, SYMBOLS) + check_symbol(value)


def format_code(code: str) -> str:
    """`XXXX-XXXX-XXXX-XX`: groups of four are easier to read from paper and to type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class MistypedCode(ValueError):
    """The typed text is not a well-formed code (wrong length, symbol or check)."""


def normalise_code(typed: str) -> str:
    """What the customer typed → the 14-symbol code, or MistypedCode with the reason."""
    text = "".join(str(typed).split()).replace("-", "").upper().translate(TYPO_MAP)
    if len(text) != SYMBOLS + 1:
        raise MistypedCode(f"an activation code has {SYMBOLS + 1} characters, not {len(text)}")
    body, check = text[:SYMBOLS], text[SYMBOLS]
    if any(symbol not in ALPHABET for symbol in body) or check not in CHECK_ALPHABET:
        raise MistypedCode("the code holds a character that is not used in activation codes")
    if check_symbol(decode_crockford(body)) != check:
        raise MistypedCode("the check character does not match: please retype the code")
    return text


def hash_code(code: str) -> str:
    """What the warehouse stores (R16): never the code itself."""
    return hashlib.sha256(code.encode()).hexdigest()


def code_expires_at(issued_at: datetime, timezone: str = "Europe/Brussels") -> datetime:
    """R18: "valid during 15 weeks after it was made known", read as a customer and as
    Belgian law counts a period (Gerechtelijk Wetboek art. 52-53: counted from the day
    after the event, the last day included). Issued on day D (local), the 15 weeks are
    D+1 .. D+105: the code is valid through D + 105 and refused from D + 106 at 00:00
    local. Issued 1 September: valid through 15 December, refused from 16 December."""
    tz = ZoneInfo(timezone)
    issued_on = issued_at.astimezone(tz).date()
    return datetime.combine(issued_on + VALIDITY + timedelta(days=1), time(0), tzinfo=tz)


def last_valid_day(expires_at: datetime, timezone: str = "Europe/Brussels") -> date:
    """The date printed as "valid until" (inclusive)."""
    return expires_at.astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)


def is_code_valid(expires_at: datetime, as_of: datetime) -> bool:
    return as_of < expires_at


# R16 hardening: repeated wrong codes lock an account's redemptions for a while.
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(hours=1)
LOCKOUT = timedelta(hours=1)


def locked_until(
    wrong_attempts: list[datetime],
    as_of: datetime,
    max_wrong: int = MAX_WRONG_CODES,
    window: timedelta = WRONG_CODE_WINDOW,
    lockout: timedelta = LOCKOUT,
) -> datetime | None:
    """End of the lock-out in force at `as_of`, or None.

    `max_wrong` wrong codes whose first and last lie less than `window` apart lock the
    account from the last of them for `lockout`. Attempts refused while locked are not
    wrong codes, so trying during a lock-out does not extend it.
    """
    times = sorted(at for at in wrong_attempts if at <= as_of)
    end = None
    for first, last in zip(times, times[max_wrong - 1 :], strict=False):
        if last - first < window:
            end = max(end, last + lockout) if end else last + lockout
    return end if end is not None and as_of < end else None
