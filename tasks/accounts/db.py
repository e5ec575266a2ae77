"""Small helpers shared by the account steps: named queries as dicts, id making."""

from __future__ import annotations

import secrets

import pyarrow as pa

from warehouse.store import load_sql


def fetch_dicts(con, query: str, params=None) -> list[dict]:
    """Run warehouse/queries/<query>.sql and drain it into dicts."""
    cursor = con.execute(load_sql(query), params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_one(con, query: str, params=None) -> dict | None:
    rows = fetch_dicts(con, query, params)
    return rows[0] if rows else None


def register_rows(con, name: str, rows: list[dict], schema: pa.Schema | None = None) -> None:
    """Expose rows to SQL as the view `name` (replaced if it exists)."""
    con.register(name, pa.Table.from_pylist(rows, schema=schema))


def new_id(prefix: str) -> str:
    """Random ids: they say nothing about the person (R4)."""
    return f"{prefix}-{secrets.token_hex(8)}"
