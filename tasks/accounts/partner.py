"""What the delivery partner receives about people (R4): exactly e-mail, language,
last name and first name of each main contact. Nothing else leaves the system."""

from __future__ import annotations

from tasks.accounts.db import fetch_dicts

PARTNER_FIELDS = ("email", "language", "last_name", "first_name")


def partner_contacts(con) -> list[dict]:
    """One dict per main contact of a live account, with the R4 fields only."""
    return [{k: row[k] for k in PARTNER_FIELDS} for row in fetch_dicts(con, "partner_contacts")]
