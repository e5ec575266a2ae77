"""Account rules (R3, R6-R9, R12, R13), passwords and copies. Pure: no warehouse."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.accounts import (
    AccountError,
    check_grant,
    check_merge,
    check_password,
    check_third_party,
    check_user_fields,
    choose_login,
    invitation_expires_at,
    invitation_problem,
    segment_of,
)
from domain.copies import is_copy
from domain.passwords import hash_password, verify_password

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
VALID = "0418711287"  # passes the Belgian mod-97 check


def test_b2b_logs_in_with_the_enterprise_number():  # R3
    login = choose_login("an@example.be", [VALID], ["BE"], set())
    assert (login.kind, login.login_id, login.segment) == (
        "enterprise_number",
        "BE0418711287",
        "B2B",
    )


def test_b2c_logs_in_with_the_email():  # R3
    login = choose_login("an@example.be", [], ["BE"], set())
    assert (login.kind, login.login_id, login.segment) == ("email", "an@example.be", "B2C")


def test_foreign_customers_get_an_opaque_id():  # R3
    first = choose_login("jan@example.nl", [], ["NL"], set())
    second = choose_login("jan@example.nl", [], ["NL"], set())
    assert first.kind == "opaque" and first.segment == "B2C"
    assert first.login_id.startswith("F-") and len(first.login_id) == 18
    assert first.login_id != second.login_id  # random, not derived from the e-mail


def test_a_taken_enterprise_number_falls_back_to_the_email():  # R3: logins are unique
    login = choose_login("piet@example.be", [VALID], ["BE"], {"BE0418711287"})
    assert (login.kind, login.login_id, login.segment) == ("email", "piet@example.be", "B2B")


def test_segment_needs_a_valid_enterprise_number():  # R3
    assert segment_of([VALID]) == "B2B"
    assert segment_of([None, ""]) == "B2C"
    assert segment_of(["0418711288"]) == "B2C"  # fails mod-97


def invitation(**changes):
    fields = {
        "issued_at": T0,
        "expires_at": invitation_expires_at(T0),
        "superseded_at": None,
        "used_at": None,
        "user_status": "invited",
        "account_status": "pending",
        "role": "main",
        "as_of": T0 + timedelta(days=1),
    }
    return invitation_problem(**(fields | changes))


def test_an_invitation_works_until_it_expires():  # R7
    assert invitation() is None
    assert invitation(as_of=T0 + timedelta(days=30) - timedelta(seconds=1)) is None
    assert "expired" in invitation(as_of=T0 + timedelta(days=30))


def test_an_invitation_stops_working_when_superseded_used_or_active():  # R7
    assert "newer invitation" in invitation(superseded_at=T0 + timedelta(hours=1))
    assert "already used" in invitation(used_at=T0 + timedelta(hours=1))
    assert "already active" in invitation(account_status="active")
    assert "already active" in invitation(role="shared", user_status="active")
    assert "merged" in invitation(account_status="merged")


def test_passwords_are_scrypt_hashes_with_their_parameters():  # R6
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$")
    assert "correct horse battery" not in stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert hash_password("correct horse battery") != stored  # random salt
    assert not verify_password("x", None) and not verify_password("x", "md5$abc")


def test_short_passwords_are_refused():
    with pytest.raises(AccountError, match="at least 10"):
        check_password("short")
    check_password("long enough!")


def test_grants_go_to_shared_users_for_codes_of_the_account():  # R8, R9
    check_grant("shared", "invited", True, "DL50012345")
    check_grant("third_party", "active", True, "DL50012345")
    with pytest.raises(AccountError, match="main contact sees every"):
        check_grant("main", "active", True, "DL50012345")
    with pytest.raises(AccountError, match="DL50012345 does not belong"):
        check_grant("shared", "active", False, "DL50012345")
    with pytest.raises(AccountError, match="deleted"):
        check_grant("shared", "deleted", True, "DL50012345")


def test_b2c_accounts_cannot_invite_third_parties():  # R12
    check_third_party("B2B", "BE0418711287")
    with pytest.raises(AccountError, match=r"an@example.be is B2C .* only B2B .* \(R12\)"):
        check_third_party("B2C", "an@example.be")


def test_merge_needs_two_live_accounts():  # R13
    check_merge("A-1", "A-2", "active", "pending")
    with pytest.raises(AccountError, match="itself"):
        check_merge("A-1", "A-1", "active", "active")
    with pytest.raises(AccountError, match="already merged"):
        check_merge("A-1", "A-2", "merged", "active")


def test_user_fields():  # R11
    check_user_fields("fr", "weekly")
    with pytest.raises(AccountError, match="language"):
        check_user_fields(language="es")
    with pytest.raises(AccountError, match="frequency"):
        check_user_fields(frequency="hourly")


PRINTED = T0
OPT_IN = T0 + timedelta(days=3)


def test_first_electronic_delivery_after_an_opt_in_after_the_print_is_a_copy():  # R15
    assert is_copy(PRINTED, [OPT_IN], OPT_IN + timedelta(minutes=5), "backfill")
    assert is_copy(PRINTED, [OPT_IN], OPT_IN, "original")  # boundary: same instant


def test_not_a_copy_without_paper_or_without_a_later_opt_in():
    assert not is_copy(None, [OPT_IN], OPT_IN + timedelta(days=1), "backfill")  # never printed
    assert not is_copy(PRINTED, [PRINTED - timedelta(days=1)], OPT_IN, "backfill")
    assert not is_copy(PRINTED, [OPT_IN], OPT_IN - timedelta(seconds=1), "backfill")
    assert not is_copy(PRINTED, [OPT_IN], OPT_IN + timedelta(days=1), "duplicate")  # R23
