"""DuckDB settings for the duration of a load, restored afterwards.

A load streams through DuckDB: staging, coercion and de-duplication are SQL over temporary tables that
DuckDB spills to its temp directory beyond ``memory_limit``. When the limit is DuckDB's default (80% of
RAM), it is capped at :data:`LOAD_MEMORY_LIMIT` during the load, which keeps a 10-million-row load
under about 1.1 GB resident (see bench/bench_load.py), and reset to the default afterwards. A limit the
user set is left as it is (DuckDB shows it rounded, so it could not be restored exactly).
``preserve_insertion_order`` is on only while a source is staged (row order gives line numbers) and
off otherwise, which saves memory; its value is restored afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from crmlens.engine.ingest.queries import one_row

LOAD_MEMORY_LIMIT = "768MiB"
_UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def size_in_bytes(text: str) -> int | None:
    """``"18.8 GiB"`` -> bytes; None for values such as ``"-1"`` or unparseable text (no limit)."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> str:
    return str(one_row(con, "SELECT current_setting(?)", [name])[0])


def _default_memory_limit() -> str:
    with duckdb.connect() as fresh:
        return _setting(fresh, "memory_limit")


@contextmanager
def load_limits(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    old_limit = _setting(con, "memory_limit")
    old_order = _setting(con, "preserve_insertion_order")
    current, cap = size_in_bytes(old_limit), size_in_bytes(LOAD_MEMORY_LIMIT)
    lowered = old_limit == _default_memory_limit() and (current is None or (cap is not None and current > cap))
    if lowered:
        con.execute("SET memory_limit = ?", [LOAD_MEMORY_LIMIT])
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        if lowered:
            con.execute("RESET memory_limit")
        con.execute("SET preserve_insertion_order = ?", [old_order.lower() == "true"])


def keep_row_order(con: duckdb.DuckDBPyConnection, keep: bool) -> None:
    """Turn ``preserve_insertion_order`` on while a source is staged (its rowids are its row order)."""
    con.execute("SET preserve_insertion_order = ?", [keep])
