"""Running a statement and reading its single result row.

The DuckDB Python client keeps a result open until a fetch returns no more rows, and refuses some calls
(``register``) while one is open; fetching everything (one row here) closes it.
"""

from __future__ import annotations

from typing import Any

import duckdb


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    rows = con.execute(sql, params or []).fetchall()
    if len(rows) != 1:
        raise ValueError(f"expected one row, got {len(rows)}: {sql[:80]}")
    return tuple(rows[0])


def number(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> int:
    """The integer a statement returns: a count, or the rows an INSERT wrote."""
    value = one_row(con, sql, params)[0]
    return int(value or 0)
