"""Accounts appear from master data (R3, R5); a code moves when its contact changes."""

import json


def accounts_by_login(world) -> dict[str, tuple]:
    rows = world.rows("SELECT login_id, login_kind, segment, status FROM accounts")
    return {login: (kind, segment, status) for login, kind, segment, status in rows}


def test_one_account_per_main_contact_holding_all_its_codes(world):  # R5
    world.customers(
        world.row("DL50000001", "an@example.be", enterprise_number=world.VALID_ENTERPRISE),
        world.row("DL20000007", "an@example.be"),  # same contact at the other issuer
        world.row("DL50000002", "jan@example.be"),
        world.row("DL50000003", "sophie@example.nl", country="NL"),
        world.row("DL50000004", None),  # no contact: no account
    )
    counts = world.sync()
    assert counts == {"account_created": 3, "customer_code_linked": 4}
    logins = accounts_by_login(world)
    assert logins["BE0418711287"] == ("enterprise_number", "B2B", "pending")  # R3
    assert logins["jan@example.be"] == ("email", "B2C", "pending")
    [opaque] = [k for k in logins if k.startswith("F-")]
    assert logins[opaque] == ("opaque", "B2C", "pending")
    an = world.account("an@example.be")
    codes = world.rows(
        "SELECT customer_code FROM account_customer_codes WHERE account_id = ? ORDER BY 1",
        [an["account_id"]],
    )
    assert codes == [("DL20000007",), ("DL50000001",)]
    main = world.rows(
        "SELECT role, email, language, status FROM users WHERE account_id = ?",
        [an["account_id"]],
    )
    assert main == [("main", "an@example.be", "nl", "invited")]


def test_a_second_sync_changes_nothing(world):
    world.customers(world.row("DL50000001", "an@example.be"))
    world.sync()
    before = world.scalar("SELECT count(*) FROM audit_events")
    assert world.sync(world.at(days=1)) == {}
    assert world.scalar("SELECT count(*) FROM audit_events") == before


def test_a_code_moves_when_master_data_names_another_contact(world):  # R5, R29
    world.customers(
        world.row("DL50000001", "an@example.be"),
        world.row("DL50000002", "an@example.be"),
    )
    world.sync()
    an = world.account("an@example.be")
    shared = world.scalar(
        "SELECT user_id FROM users WHERE email = 'an@example.be'"
    )  # the main user's id only to build a grant row below
    from tasks.accounts import grant_access, share_account

    share_account(world.con, an, "acc@example.be", world.T0, customer_codes=("DL50000001",))
    grant_access(world.con, an, "acc@example.be", "DL50000002", world.T0)
    world.customers(world.row("DL50000002", "jan@example.be", updated_at=world.at(days=1)))
    counts = world.sync(world.at(days=1))
    assert counts == {"account_created": 1, "customer_code_moved": 1}
    jan = world.account("jan@example.be")
    owner = world.scalar(
        "SELECT account_id FROM account_customer_codes WHERE customer_code = 'DL50000002'"
    )
    assert owner == jan["account_id"]
    grants = world.rows("SELECT customer_code FROM grants ORDER BY 1")
    assert grants == [("DL50000001",)]  # the old account's shared user lost the moved code
    payload = json.loads(
        world.scalar("SELECT payload FROM audit_events WHERE event_type = 'customer_code_moved'")
    )
    assert payload == {
        "account_id": jan["account_id"],
        "previous_account_id": an["account_id"],
        "grants_revoked": 1,
    }
    assert shared  # the main user itself is untouched


def test_main_user_follows_master_data_name_and_language(world):
    world.customers(world.row("DL50000001", "an@example.be"))
    world.sync()
    world.customers(
        world.row("DL50000001", "an@example.be", contact_language="fr", updated_at=world.at(1))
    )
    assert world.sync(world.at(days=1)) == {"main_user_updated": 1}
    assert world.scalar("SELECT language FROM users WHERE role = 'main'") == "fr"


def test_an_account_becomes_b2b_when_a_code_brings_an_enterprise_number(world):  # R3
    world.customers(world.row("DL50000001", "an@example.be"))
    world.sync()
    world.customers(
        world.row("DL50000002", "an@example.be", enterprise_number=world.VALID_ENTERPRISE)
    )
    assert world.sync(world.at(days=1)) == {"customer_code_linked": 1, "account_segment_changed": 1}
    account = world.account("an@example.be")
    assert (account["segment"], account["login_id"]) == ("B2B", "an@example.be")  # login kept


def test_the_audit_log_carries_ids_not_personal_data(world):  # R4
    world.customers(world.row("DL50000001", "an@example.be", contact_last_name="Peeters"))
    world.sync()
    payloads = " ".join(r[0] for r in world.rows("SELECT payload::VARCHAR FROM audit_events"))
    entities = " ".join(r[0] for r in world.rows("SELECT entity FROM audit_events"))
    assert "an@example.be" not in payloads + entities and "Peeters" not in payloads


def test_two_contacts_of_one_company_both_get_accounts(world):  # R3: unique logins
    world.customers(
        world.row("DL50000001", "an@example.be", enterprise_number=world.VALID_ENTERPRISE),
        world.row("DL20000001", "piet@example.be", enterprise_number=world.VALID_ENTERPRISE),
    )
    world.sync()
    logins = accounts_by_login(world)
    assert logins["BE0418711287"][1] == "B2B"
    assert logins["piet@example.be"] == ("email", "B2B", "pending")
