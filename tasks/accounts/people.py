"""People (issue 16, DESIGN rule 11): a login is one person with one credential; each
`users` row is that person's membership in one account.

A person is found by an address only where a human typed one (the operator CLI, the
login form) and then stands for exactly one person: addresses are unique in `people`.
Everything that decides visibility takes the person id.
"""

from __future__ import annotations

from domain.accounts import AccountError
from tasks.accounts.db import fetch_one
from warehouse.store import load_sql, run_sql


def link_people(con) -> None:
    """Give every membership without a person the person of its address (created when
    new). Set-based: the first night creates many accounts at once."""
    run_sql(con, load_sql("insert_missing_people"))
    run_sql(con, load_sql("link_users_to_people"))


def person_of_email(con, email: str) -> dict | None:
    return fetch_one(con, "person_by_email", {"email": email})


def person_id_of(con, email: str) -> str | None:
    """The one person an address stands for, or None (nobody: sees nothing)."""
    person = person_of_email(con, email)
    return person["person_id"] if person else None


def person_by_id(con, person_id: str) -> dict:
    person = fetch_one(con, "person_by_id", {"person_id": person_id})
    if person is None:
        raise AccountError(f"no person {person_id}")
    return person
