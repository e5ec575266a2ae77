"""A chunk's rows as a DuckDB view, so one query checks them all against the warehouse."""

from __future__ import annotations

import pyarrow as pa


def register(con, name: str, rows: list[dict]) -> None:
    con.register(name, pa.Table.from_pylist(rows))
