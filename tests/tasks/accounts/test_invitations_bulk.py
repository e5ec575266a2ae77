"""Invitations issued in bulk for a night's digests (R6, R7; issue 9)."""

from __future__ import annotations

from tasks.accounts.invitations import activate_with_invitation, issue_invitations


def main_user(world, email: str) -> str:
    return world.scalar("SELECT user_id FROM users WHERE email = ? AND role = 'main'", [email])


def test_bulk_invitations_work_like_single_ones_and_skip_active_accounts(world):
    world.customers(
        world.row("DL50000001", "an@example.be"), world.row("DL50000002", "jo@example.be")
    )
    world.sync()
    an, jo = main_user(world, "an@example.be"), main_user(world, "jo@example.be")
    first = issue_invitations(world.con, [an, jo, an], world.T0)
    assert sorted(first) == sorted([an, jo])
    second = issue_invitations(world.con, [an], world.at(days=1))  # supersedes an's first
    assert world.scalar("SELECT count(*) FROM invitations WHERE superseded_at IS NULL") == 2
    activate_with_invitation(world.con, second[an], "correct horse battery", world.at(days=2))
    assert issue_invitations(world.con, [an, jo], world.at(days=3)).keys() == {jo}  # an active
    events = world.scalar(
        "SELECT count(*) FROM audit_events WHERE event_type = 'invitation_issued'"
    )
    assert events == 4
