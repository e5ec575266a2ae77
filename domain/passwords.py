"""Password hashing (R6): scrypt from the standard library, memory-hard.

The stored string carries its parameters, `scrypt$n$r$p$salt$hash` (salt and hash in
base64), so they can be raised later without locking anyone out. n=2**14, r=8 needs
16 MiB per hash. Comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=KEY_BYTES
    )


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, N, R, P)
    encoded = [base64.b64encode(part).decode() for part in (salt, key)]
    return f"scrypt${N}${R}${P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)
