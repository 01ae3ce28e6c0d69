"""Quoting of string values that become part of generated SQL text.

Identifiers go through :func:`crmlens.engine.database.quote_ident`; values are bound as parameters
wherever DuckDB accepts them. Generated expressions (CASE lists, JSON keys, reasons) that must be SQL
text use :func:`sql_string`, which quotes exactly as DuckDB's parser expects.
"""

from __future__ import annotations

from collections.abc import Iterable


def sql_string(value: str) -> str:
    """A DuckDB string literal holding ``value`` (single quotes doubled; NUL bytes refused)."""
    if "\x00" in value:
        raise ValueError("a NUL character cannot appear in a DuckDB string literal")
    return "'" + value.replace("'", "''") + "'"


def sql_string_list(values: Iterable[str]) -> str:
    """A DuckDB list literal of strings: ``['a', 'b']``."""
    return "[" + ", ".join(sql_string(v) for v in values) + "]"
