"""R6 password hashes: scrypt with its parameters stored, constant-time comparison."""

import base64
import hashlib

import pytest

from domain.passwords import hash_password, verify_password

SALT = bytes(range(16))


def test_the_stored_form_carries_scheme_parameters_salt_and_hash():
    stored = hash_password("correct horse", salt=SALT)
    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert base64.b64decode(salt) == SALT
    expected = hashlib.scrypt(b"correct horse", salt=SALT, n=16384, r=8, p=1, dklen=32)
    assert base64.b64decode(key) == expected


def test_a_fresh_salt_each_time():
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert len(base64.b64decode(first.split("$")[4])) == 16
    assert verify_password("same", first) and verify_password("same", second)


def test_verify_accepts_only_the_password():
    stored = hash_password("s3cret!", salt=SALT)
    assert verify_password("s3cret!", stored) is True
    assert verify_password("s3cret", stored) is False
    assert verify_password("", stored) is False


def test_stored_parameters_are_honoured():
    # a hash made with other (older) parameters still verifies
    key = hashlib.scrypt(b"pw", salt=SALT, n=1024, r=4, p=1, dklen=32)
    salt64, key64 = base64.b64encode(SALT).decode(), base64.b64encode(key).decode()
    assert verify_password("pw", f"scrypt$1024$4$1${salt64}${key64}") is True
    assert verify_password("pw", f"scrypt$2048$4$1${salt64}${key64}") is False


@pytest.mark.parametrize(
    "stored",
    [None, "", "plain", "bcrypt$1$2$3$AAAA$BBBB", "scrypt$x$8$1$AAAA$BBBB", "scrypt$1024$4$1"],
)
def test_missing_or_malformed_hashes_never_verify(stored):
    assert verify_password("pw", stored) is False
