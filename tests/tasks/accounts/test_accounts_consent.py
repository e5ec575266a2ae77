"""Redeeming codes and opting out (R15, R16, R18-R20), with routing from the next run."""

from datetime import datetime
from zoneinfo import ZoneInfo

from tasks.accounts import opt_out

BRUSSELS = ZoneInfo("Europe/Brussels")


def refusals(world) -> list[tuple[str, str]]:
    rows = world.rows(
        "SELECT customer_code, reason FROM consent_history WHERE event = 'refused' ORDER BY \"at\""
    )
    return [(code, reason.split(":")[0]) for code, reason in rows]


def test_a_redeemed_code_switches_routing_from_the_next_run(issued_code):  # R15, R16
    world, code = issued_code
    assert world.route(world.T0)["2026-0000001"] == ["paper"]
    result = world.redeem(code, "an@example.be", world.at(hours=10))
    assert (result.ok, result.reason, result.customer_code) == (True, "redeemed", "DL50000001")
    assert world.rows("SELECT customer_code FROM network_mailboxes") == [("DL50000001",)]
    assert world.scalar("SELECT redeemed_by FROM activation_codes") == result.account_id
    number = world.document("DL50000001", issue_date=world.at(days=1).date())
    assert world.route(world.at(days=1))[number] == ["network"]  # and no paper (R15)
    history = world.rows("SELECT event, channel FROM consent_history WHERE event <> 'refused'")
    assert history == [("network_activated", "network")]


def test_unknown_code_and_unknown_account_are_refused_and_recorded(issued_code):
    world, code = issued_code
    wrong = world.code("DL59999999", 1)  # well-formed, never issued
    assert world.redeem(wrong, "an@example.be", world.at(hours=1)).reason == "unknown_code"
    nobody = world.redeem(code, "nobody@example.be", world.at(hours=1))
    assert (nobody.ok, nobody.reason) == (False, "unknown_account")
    assert refusals(world) == [("", "unknown_code"), ("", "unknown_account")]
    assert world.scalar("SELECT count(*) FROM network_mailboxes") == 0


def test_code_works_on_day_105_not_on_day_106(issued_code):  # R18
    world, code = issued_code
    last_day = datetime(2027, 3, 12, 23, 0, tzinfo=BRUSSELS)  # issued 2026-11-27 + 105 days
    first_invalid = datetime(2027, 3, 13, 0, 0, tzinfo=BRUSSELS)
    refused = world.redeem(code, "an@example.be", first_invalid)
    assert (refused.reason, "2027-03-12" in refused.message) == ("expired", True)
    assert world.redeem(code, "an@example.be", last_day).reason == "redeemed"
    assert refusals(world) == [("DL50000001", "expired")]


def test_a_code_active_in_one_account_is_refused_for_another(issued_code):  # R19
    world, code = issued_code
    assert world.redeem(code, "an@example.be", world.at(hours=1)).ok
    again = world.redeem(code, "jan@example.be", world.at(hours=2))
    assert (again.ok, again.reason) == (False, "active_in_other_account")
    assert "DL50000001" in again.message and "R19" in again.message
    owners = world.rows("SELECT customer_code, account_id FROM network_mailboxes")
    assert len(owners) == 1  # never active in two accounts
    same = world.redeem(code, "an@example.be", world.at(hours=3))
    assert (same.ok, same.reason) == (True, "already_active")


def test_after_opt_out_only_the_last_code_brings_network_back(issued_code):  # R20
    world, first = issued_code
    assert world.redeem(first, "an@example.be", world.at(hours=1)).ok
    out = opt_out(world.con, "DL50000001", world.at(days=1))
    assert out["changed"] and world.scalar("SELECT count(*) FROM network_mailboxes") == 0
    number = world.document("DL50000001", issue_date=world.at(days=2).date())
    assert world.route(world.at(days=2))[number] == ["paper"]  # back to paper next run
    # Code 1 expires; a paper invoice after that prints a new serial (R17, R18).
    expired_run = datetime(2027, 3, 20, 2, tzinfo=BRUSSELS)
    world.document("DL50000001", issue_date=expired_run.date())
    world.route(expired_run)
    assert world.assign_codes(expired_run)["codes_issued"] == 1
    second = world.code("DL50000001", 2)
    old = world.redeem(first, "an@example.be", expired_run)
    assert (old.reason, "R20" in old.message) == ("superseded", True)
    assert world.redeem(second, "an@example.be", expired_run).reason == "redeemed"


def test_opt_out_of_a_paper_customer_changes_nothing(issued_code):
    world, _ = issued_code
    result = opt_out(world.con, "DL50000001", world.at(hours=1))
    assert not result["changed"] and "already receives paper" in result["message"]
    assert world.scalar("SELECT count(*) FROM consent_events") == 0


def test_portal_customer_opting_out_goes_back_to_paper(world):  # R15, R20
    world.customers(world.row("DL50000003", "an@example.be", channel_choice="portal"))
    world.sync()
    first = world.document("DL50000003")
    assert world.route(world.T0)[first] == ["portal"]
    assert opt_out(world.con, "DL50000003", world.at(hours=1))["changed"]
    second = world.document("DL50000003", issue_date=world.at(days=1).date())
    assert world.route(world.at(days=1))[second] == ["paper"]


def test_lock_out_after_five_wrong_codes_and_its_end(issued_code):  # R16 hardening
    world, code = issued_code
    wrong = world.code("DL59999999", 1)
    for minute in range(5):
        assert world.redeem(wrong, "an@example.be", world.at(minutes=minute)).reason == (
            "unknown_code"
        )
    locked = world.redeem(code, "an@example.be", world.at(minutes=30))
    assert (locked.ok, locked.reason) == (False, "locked_out")
    assert "too many wrong activation codes" in locked.message and "03:04" in locked.message
    # Trying during the lock does not extend it; it ends one hour after the fifth.
    assert world.redeem(code, "an@example.be", world.at(minutes=63)).reason == "locked_out"
    assert world.redeem(code, "an@example.be", world.at(minutes=64)).reason == "redeemed"


def test_typos_do_not_count_towards_the_lock_out(issued_code):
    world, code = issued_code
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    for minute in range(6):
        assert world.redeem(typo, "an@example.be", world.at(minutes=minute)).reason == "mistyped"
    assert world.redeem(code, "an@example.be", world.at(minutes=7)).ok


def test_wrong_codes_of_one_account_do_not_lock_another(issued_code):
    world, _ = issued_code
    wrong = world.code("DL59999999", 1)
    for minute in range(5):
        world.redeem(wrong, "an@example.be", world.at(minutes=minute))
    assert world.redeem(wrong, "jan@example.be", world.at(minutes=6)).reason == "unknown_code"
