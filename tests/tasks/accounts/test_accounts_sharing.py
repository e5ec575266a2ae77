"""Shared users, grants, third parties, invitations, merge (R6-R9, R11-R13)."""

import json
from datetime import timedelta

import pytest

from domain.accounts import AccountError
from domain.passwords import verify_password
from tasks.accounts import (
    activate_with_invitation,
    delete_user,
    grant_access,
    invite_third_party,
    issue_invitation,
    merge_accounts,
    revoke_access,
    set_notifications,
    share_account,
    update_user,
)


@pytest.fixture
def an(world):
    """Account of an@example.be with DL50000001 and DL50000002 (B2C)."""
    world.customers(
        world.row("DL50000001", "an@example.be"), world.row("DL50000002", "an@example.be")
    )
    world.sync()
    return world.account("an@example.be")


def visible_codes(world, email: str) -> list[str]:
    """R29: what a shared user sees: its grants on codes of its account."""
    rows = world.rows(
        "SELECT g.customer_code FROM grants g JOIN users u USING (user_id) "
        "JOIN account_customer_codes a ON a.customer_code = g.customer_code "
        "AND a.account_id = u.account_id WHERE u.email = ? AND u.status <> 'deleted' ORDER BY 1",
        [email],
    )
    return [code for (code,) in rows]


def test_shared_user_sees_only_what_is_granted(world, an):  # R8
    created = share_account(world.con, an, "acc@example.be", world.T0, language="fr")
    assert created["role"] == "shared" and created["status"] == "invited"
    assert "invitation_token" not in created  # issue 16: the link goes by e-mail only
    assert visible_codes(world, "acc@example.be") == []
    assert grant_access(world.con, an, "acc@example.be", "DL50000001", world.T0)
    assert not grant_access(world.con, an, "acc@example.be", "DL50000001", world.T0)  # no-op
    assert visible_codes(world, "acc@example.be") == ["DL50000001"]
    assert revoke_access(world.con, an, "acc@example.be", "DL50000001")
    assert not revoke_access(world.con, an, "acc@example.be", "DL50000001")
    assert visible_codes(world, "acc@example.be") == []
    kinds = [r[0] for r in world.rows("SELECT event_type FROM audit_events ORDER BY seq")]
    assert kinds[-3:] == ["user_created", "access_granted", "access_revoked"]


def test_a_new_customer_code_is_not_visible_to_shared_users_until_granted(world, an):  # R9
    share_account(world.con, an, "acc@example.be", world.T0, customer_codes=("DL50000001",))
    world.customers(world.row("DL50000003", "an@example.be"))
    world.sync(world.at(days=1))
    codes = world.rows(
        "SELECT customer_code FROM account_customer_codes WHERE account_id = ? ORDER BY 1",
        [an["account_id"]],
    )
    assert ("DL50000003",) in codes  # the main contact holds it at once
    assert visible_codes(world, "acc@example.be") == ["DL50000001"]
    grant_access(world.con, an, "acc@example.be", "DL50000003", world.at(days=2))
    assert visible_codes(world, "acc@example.be") == ["DL50000001", "DL50000003"]


def test_grants_only_for_codes_of_the_account_and_not_to_the_main_contact(world, an):
    world.customers(world.row("DL50000009", "jan@example.be"))
    world.sync()
    share_account(world.con, an, "acc@example.be", world.T0)
    with pytest.raises(AccountError, match="DL50000009 does not belong"):
        grant_access(world.con, an, "acc@example.be", "DL50000009", world.T0)
    with pytest.raises(AccountError, match="main contact sees every"):
        grant_access(world.con, an, "an@example.be", "DL50000001", world.T0)
    with pytest.raises(AccountError, match="already a user"):
        share_account(world.con, an, "ACC@example.be", world.T0)


def test_modify_and_delete_a_shared_user(world, an):  # R8, R11
    share_account(world.con, an, "acc@example.be", world.T0, customer_codes=("DL50000001",))
    update_user(world.con, an, "acc@example.be", last_name="Claes", frequency="weekly")
    assert world.rows("SELECT last_name, frequency FROM users WHERE email = 'acc@example.be'") == [
        ("Claes", "weekly")
    ]
    deleted = delete_user(world.con, an, "acc@example.be", world.at(days=1))
    assert deleted["grants_revoked"] == ["DL50000001"]
    assert visible_codes(world, "acc@example.be") == []
    with pytest.raises(AccountError, match="main contact cannot be deleted"):
        delete_user(world.con, an, "an@example.be", world.at(days=1))


def test_notification_setting_per_code(world, an):  # R11
    set_notifications(world.con, an, "an@example.be", "DL50000002", False, world.T0)
    assert world.rows("SELECT customer_code, enabled FROM notification_settings") == [
        ("DL50000002", False)
    ]


def test_b2c_account_cannot_invite_a_third_party(world, an):  # R12
    with pytest.raises(AccountError, match=r"B2C .* only B2B accounts can invite .* \(R12\)"):
        invite_third_party(world.con, an, "tp@example.be", world.T0)
    assert world.scalar("SELECT count(*) FROM users WHERE role = 'third_party'") == 0


def test_b2b_account_invites_a_third_party(world):  # R12
    world.customers(
        world.row("DL50000005", "boss@example.be", enterprise_number=world.VALID_ENTERPRISE)
    )
    world.sync()
    b2b = world.account("BE0418711287")
    made = invite_third_party(
        world.con, b2b, "tp@example.be", world.T0, customer_codes=("DL50000005",)
    )
    assert made["role"] == "third_party" and visible_codes(world, "tp@example.be") == ["DL50000005"]


def main_user(world, email="an@example.be") -> str:
    return world.scalar("SELECT user_id FROM users WHERE email = ? AND role = 'main'", [email])


def test_invitation_activates_the_account_for_all_its_codes(world, an):  # R6
    token = issue_invitation(world.con, main_user(world), world.T0)
    stored = world.scalar("SELECT token_hash FROM invitations")
    assert token not in stored and len(stored) == 64  # only the hash is kept
    done = activate_with_invitation(world.con, token, "correct horse battery", world.at(hours=1))
    assert done["role"] == "main"
    account = world.account("an@example.be")
    assert account["status"] == "active"
    password = world.scalar("SELECT password_hash FROM people WHERE email = 'an@example.be'")
    assert verify_password("correct horse battery", password)
    kinds = [r[0] for r in world.rows("SELECT event_type FROM audit_events ORDER BY seq")][-2:]
    assert kinds == ["user_activated", "account_activated"]


def test_a_newer_invitation_supersedes_and_an_active_account_refuses(world, an):  # R7
    first = issue_invitation(world.con, main_user(world), world.T0)
    second = issue_invitation(world.con, main_user(world), world.at(days=1))
    with pytest.raises(AccountError, match="newer invitation"):
        activate_with_invitation(world.con, first, "correct horse battery", world.at(days=2))
    activate_with_invitation(world.con, second, "correct horse battery", world.at(days=2))
    with pytest.raises(AccountError, match="already used"):
        activate_with_invitation(world.con, second, "correct horse battery", world.at(days=3))
    with pytest.raises(AccountError, match="already active"):
        issue_invitation(world.con, main_user(world), world.at(days=3))


def test_an_invitation_expires_after_the_configured_days(world, an):  # R7
    token = issue_invitation(world.con, main_user(world), world.T0, validity=timedelta(days=30))
    with pytest.raises(AccountError, match="expired"):
        activate_with_invitation(world.con, token, "correct horse battery", world.at(days=30))
    with pytest.raises(AccountError, match="unknown"):
        activate_with_invitation(world.con, "forged", "correct horse battery", world.T0)


def test_merge_moves_codes_users_and_mailboxes_and_is_audited(world, an):  # R13
    world.customers(world.row("DL50000009", "jan@example.be"))
    world.sync()
    jan = world.account("jan@example.be")
    share_account(world.con, jan, "acc@example.be", world.T0, customer_codes=("DL50000009",))
    share_account(world.con, an, "acc@example.be", world.T0, customer_codes=("DL50000001",))
    insert = "INSERT INTO network_mailboxes VALUES ('DL50000009', ?, ?)"
    world.rows(insert, [jan["account_id"], world.T0])
    result = merge_accounts(world.con, "jan@example.be", "an@example.be", world.at(days=1))
    assert result["customer_codes"] == ["DL50000009"]
    assert result["network_mailboxes"] == ["DL50000009"]
    merged = world.rows(
        "SELECT status, merged_into FROM accounts WHERE account_id = ?", [jan["account_id"]]
    )
    assert merged == [("merged", an["account_id"])]
    assert world.account("jan@example.be")["account_id"] == an["account_id"]  # follows R13
    # jan continues as a shared user who sees exactly its own codes; the accountant
    # who was in both accounts is one user holding both grants.
    assert visible_codes(world, "jan@example.be") == ["DL50000009"]
    assert visible_codes(world, "acc@example.be") == ["DL50000001", "DL50000009"]
    live = world.rows(
        "SELECT email, role FROM users WHERE account_id = ? AND status <> 'deleted' ORDER BY 1",
        [an["account_id"]],
    )
    assert live == [("acc@example.be", "shared"), ("an@example.be", "main"),
                    ("jan@example.be", "shared")]  # fmt: skip
    event = world.rows("SELECT payload FROM audit_events WHERE event_type = 'accounts_merged'")
    assert json.loads(event[0][0])["source"] == jan["account_id"]
    # Master data still naming jan keeps feeding the surviving account.
    assert world.sync(world.at(days=2)) == {}
    with pytest.raises(AccountError, match="already merged"):
        merge_accounts(world.con, jan["account_id"], "an@example.be", world.at(days=2))


def backfill_requests(world) -> list[tuple]:
    return world.rows(
        "SELECT reason, account_id IS NOT NULL, customer_code FROM backfill_requests ORDER BY 1, 3"
    )


def test_activation_and_codes_joining_an_active_account_ask_for_history(world, an):  # R21
    token = issue_invitation(world.con, main_user(world), world.T0)
    activate_with_invitation(world.con, token, "correct horse battery", world.at(hours=1))
    assert backfill_requests(world) == [("account_activated", True, None)]
    world.customers(world.row("DL50000003", "an@example.be"), world.row("DL50000009", "jan@x.be"))
    world.sync(world.at(days=1))
    merge_accounts(world.con, "jan@x.be", "an@example.be", world.at(days=2))
    assert backfill_requests(world) == [
        ("account_activated", True, None),
        ("code_added", True, "DL50000003"),
        ("merge", True, "DL50000009"),
    ]


def test_a_pending_account_asks_for_nothing(world, an):  # R21: history comes with activation
    world.customers(world.row("DL50000003", "an@example.be"))
    world.sync(world.at(days=1))
    assert backfill_requests(world) == []
