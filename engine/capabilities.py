"""Which analyses can run on the loaded data, and for the others exactly what is missing."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
from pydantic import BaseModel, Field

from crmlens.engine.database import existing_tables, quote_ident, table_columns


class Capability(BaseModel):
    analysis: str
    title: str
    plugin: str | None
    available: bool
    missing: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Table -> columns that are missing or hold no data; an empty list means the whole table.",
    )

    def explain(self) -> str:
        """One sentence naming what is missing, e.g. 'needs table events; orders.channel has no data'."""
        if self.available:
            return "ready"
        parts = []
        for table, cols in self.missing.items():
            if not cols:
                parts.append(f"table {table} (not loaded or empty)")
            else:
                parts.append(", ".join(f"{table}.{c}" for c in cols) + " (no data)")
        return "needs " + "; ".join(parts)


class DataInventory:
    """Answers 'which of these tables/columns hold data?' with one query per table, cached."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._tables = set(existing_tables(con))
        self._filled: dict[str, dict[str, bool]] = {}
        self._rows: dict[str, int] = {}

    def _scan(self, table: str, columns: list[str]) -> None:
        have = {name for name, _ in table_columns(self._con, table)}
        known = self._filled.setdefault(table, {})
        todo = [c for c in columns if c in have and c not in known]
        for c in columns:
            if c not in have:
                known[c] = False
        if table in self._rows and not todo:
            return
        counts = ", ".join(f"count({quote_ident(c)})" for c in todo)
        sql = f"SELECT count(*){', ' + counts if counts else ''} FROM {quote_ident(table)}"
        row = self._con.execute(sql).fetchone() or (0,)
        self._rows[table] = int(row[0])
        for c, n in zip(todo, row[1:], strict=True):
            known[c] = int(n) > 0

    def missing(self, requires: Mapping[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for table, columns in requires.items():
            if table not in self._tables:
                out[table] = []
                continue
            self._scan(table, list(columns))
            if self._rows.get(table, 0) == 0:
                out[table] = []
                continue
            empty = [c for c in columns if not self._filled[table].get(c, False)]
            if empty:
                out[table] = empty
        return out
