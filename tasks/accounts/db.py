"""Small helpers shared by the account steps: named queries as dicts, id making."""

from __future__ import annotations

import secrets

import pyarrow as pa

from warehouse.store import fetch_dicts as fetch_dicts  # the account steps' import


def fetch_one(con, query: str, params=None) -> dict | None:
    rows = fetch_dicts(con, query, params)
    return rows[0] if rows else None


def register_rows(con, name: str, rows: list[dict], schema: pa.Schema | None = None) -> None:
    """Expose rows to SQL as the view `name` (replaced if it exists)."""
    con.register(name, pa.Table.from_pylist(rows, schema=schema))


def new_id(prefix: str) -> str:
    """Random ids: they say nothing about the person (R4)."""
    return f"{prefix}-{secrets.token_hex(8)}"
