"""The seam to the accounts package (issue 3) for invitation links (R6, R7).

TODO(lead): wire to the accounts package once issue 3 is merged; its contract is
`issue_invitation(con, user_id, as_of) -> token` (a fresh token, stored hashed, that
supersedes the user's earlier ones). It is called outside the compose transaction, so
it may open its own. Tests pass their own function to `compose_digests(invite=...)`.
"""

from __future__ import annotations

from datetime import datetime


def issue_invitation(con, user_id: str, as_of: datetime) -> str:
    from tasks.accounts.invitations import issue_invitation as issue  # owned by issue 3

    return issue(con, user_id, as_of)


def issue_invitations(con, user_ids: list[str], as_of: datetime) -> dict[str, str]:
    """The same for a chunk of digests in one transaction: user id -> token (issue 9)."""
    from tasks.accounts.invitations import issue_invitations as issue  # owned by issue 3

    return issue(con, user_ids, as_of)
