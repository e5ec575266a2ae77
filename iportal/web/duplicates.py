"""R23: the portal's "request a duplicate" button, wired to the duplicates step
(tasks/duplicates.py): drawn with the DUPLICATE mark, published to the portal once,
logged (`duplicate_requests`, audit `duplicate_requested`) and announced in the
requester's next digest. Someone who cannot see the document gets DocumentNotFound,
the same 404 as a number that does not exist (R29)."""

from __future__ import annotations

from datetime import datetime

from config import load_settings
from tasks.duplicates import request_duplicate as request_duplicate_step


def request_duplicate(con, data_dir, issuer: str, number: str, person: dict, as_of: datetime):
    """For the session's person (issue 16): the step finds the membership it sees it by."""
    settings = load_settings(data_dir)
    actor = f"person:{person['person_id']}"
    return request_duplicate_step(con, settings, person["person_id"], issuer, number, as_of, actor)
