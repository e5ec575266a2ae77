"""Issue 16: e-mail addresses typed by people, checked by email-validator (no DNS)."""

import pytest

from domain.accounts import AccountError, InvalidEmail, check_email


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("Acc@Example.be", "acc@example.be"), ("  an@example.be ", "an@example.be"),
     ("zoë@exämple.be", "zoë@exämple.be"), ("a" * 64 + "@example.be", "a" * 64 + "@example.be")],
)  # fmt: skip
def test_a_valid_address_is_kept_lower_case(typed, kept):
    assert check_email(typed) == kept


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("no at sign", "must have an @-sign"),
        ("an@example.be\r\nBcc: all@example.com", "invalid characters"),
        ("an@example.be\n", "invalid characters"),
        ("an\tx@example.be", "invalid characters"),
        ("an\x00@example.be", "invalid characters"),
        ("a" * 65 + "@example.be", "too long before the @-sign"),
        ("an@" + "b" * 64 + ".be", "periods cannot be separated by so many characters"),
        ("an@" + ".".join(["b" * 60] * 5) + ".be", "too long"),
        ("x" * 600, "too long"),
        ("an@localhost", "should have a period"),
        ("", "must have an @-sign"),
    ],
)
def test_a_bad_address_is_refused_saying_why(typed, why):
    with pytest.raises(InvalidEmail, match=why):
        check_email(typed)


def test_a_refusal_is_an_account_error_for_the_callers():
    assert issubclass(InvalidEmail, AccountError)
