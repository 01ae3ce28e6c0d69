"""Turning numpy arrays into Arrow columns of the canonical types, and appending them to a table.

Generators hand over compact numbers (day numbers, microseconds, cents, codes, integer ids); Arrow
wraps them without copying row by row, and DuckDB formats identifiers in parallel while inserting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa

from crmlens.engine.database import quote_ident
from crmlens.engine.demo.timeline import DAY_US, EPOCH_DAY
from crmlens.engine.schema import TABLES_BY_NAME

_SOURCE = "_crmlens_demo_source"

#: Identifier formats: prefix and zero-padded width of the number.
ID_FORMATS: dict[str, tuple[str, int]] = {
    "customer": ("C", 7),
    "order": ("O", 9),
    "session": ("S", 9),
    "event": ("E", 10),
    "feedback": ("F", 8),
    "review": ("R", 8),
    "ticket": ("T", 8),
    "campaign": ("CMP", 3),
    "opportunity": ("OPP", 6),
}


def ident_sql(expr: str, kind: str) -> str:
    """SQL turning the 0-based integer ``expr`` into a ``kind`` identifier (NULL stays NULL)."""
    prefix, width = ID_FORMATS[kind]
    return f"'{prefix}' || lpad(CAST({expr} + 1 AS VARCHAR), {width}, '0')"


def ints(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Integers, NULL where ``missing`` is true."""
    return pa.array(np.asarray(values, dtype=np.int64), mask=missing)


def money(cents: np.ndarray) -> pa.Array:
    """DECIMAL(18,2) from integer cents, exactly (Arrow decimals are 128-bit unscaled integers)."""
    c = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(c), 2), dtype=np.int64)
    words[:, 0] = c
    words[:, 1] = c >> 63  # sign extension into the high word
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(c), [None, pa.py_buffer(words)])


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """DATE from day numbers (day 0 = DEMO_START)."""
    d = (np.asarray(days, dtype=np.int64) + EPOCH_DAY).astype(np.int32)
    return pa.array(d, type=pa.date32(), mask=missing)


def timestamps(us: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """TIMESTAMP (whole seconds) from microseconds since the start of day 0."""
    t = np.asarray(us, dtype=np.int64)
    t = t - t % 1_000_000 + EPOCH_DAY * DAY_US
    return pa.array(t, type=pa.timestamp("us"), mask=missing)


def labels(codes: np.ndarray, values: Sequence[str], missing: np.ndarray | None = None) -> pa.Array:
    """Text column from codes into ``values`` (dictionary-encoded: no string is built per row)."""
    idx = pa.array(np.asarray(codes, dtype=np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(values), type=pa.string()))


def append(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Mapping[str, pa.Array],
    ids: Mapping[str, str] | None = None,
    *,
    into: str | None = None,
) -> None:
    """Append rows of canonical ``table`` to it, or to table ``into`` of the same layout.

    ``columns`` holds one Arrow array per canonical column; a column named in ``ids`` (column ->
    identifier kind) holds 0-based integers that are formatted into identifiers while inserting.
    Rows keep their order.
    """
    spec = TABLES_BY_NAME[table]
    missing = set(spec.column_names) - set(columns)
    if missing:
        raise ValueError(f"demo data for {table} lacks columns {sorted(missing)}")
    source = pa.table(dict(columns))
    exprs = []
    for name in spec.column_names:
        if ids and name in ids:
            exprs.append(ident_sql(quote_ident(name), ids[name]))
        else:
            exprs.append(f"CAST({quote_ident(name)} AS {spec.column(name).type})")
    cols = ", ".join(quote_ident(n) for n in spec.column_names)
    con.register(_SOURCE, source)
    try:
        con.execute(
            f"INSERT INTO {quote_ident(into or table)} ({cols}) SELECT {', '.join(exprs)} FROM {quote_ident(_SOURCE)}"
        )
    finally:
        con.unregister(_SOURCE)
