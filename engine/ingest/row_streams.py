"""Streaming rows produced in Python (spreadsheets, SQLite, PostgreSQL) into a DuckDB temp table.

Rows are turned into Arrow record batches of strings and DuckDB pulls them batch by batch from a
``pyarrow.RecordBatchReader``, so at most one batch is held in Python at a time.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from crmlens.engine.database import quote_ident
from crmlens.engine.ingest.queries import number

BATCH_ROWS = 20_000


def text_of(value: Any) -> str | None:
    """How a Python value from a reader is staged: text, as a person would have typed it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + bytes(value).hex()
    return str(value)


def stage_rows(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> int:
    """Create temp table ``table`` (``columns`` as VARCHAR) from ``rows``; return the row count.

    Rows shorter than ``columns`` are padded with NULL; longer rows are cut (readers pass rectangular rows).
    """
    schema = pa.schema([pa.field(f"c{i}", pa.string()) for i in range(len(columns))])
    reader = pa.RecordBatchReader.from_batches(schema, _batches(schema, len(columns), rows))
    view = f"_crmlens_rows_{uuid.uuid4().hex[:12]}"
    select = ", ".join(f"{quote_ident(f'c{i}')} AS {quote_ident(name)}" for i, name in enumerate(columns))
    con.register(view, reader)
    try:
        con.execute(f"CREATE TEMP TABLE {quote_ident(table)} AS SELECT {select} FROM {quote_ident(view)}")
    finally:
        con.unregister(view)
    return number(con, f"SELECT count(*) FROM temp.{quote_ident(table)}")


def _batches(schema: pa.Schema, width: int, rows: Iterable[Sequence[Any]]) -> Iterator[pa.RecordBatch]:
    buffer: list[list[str | None]] = [[] for _ in range(width)]
    count = 0
    for row in rows:
        for i in range(width):
            buffer[i].append(text_of(row[i]) if i < len(row) else None)
        count += 1
        if count == BATCH_ROWS:
            yield pa.record_batch([pa.array(col, pa.string()) for col in buffer], schema=schema)
            buffer = [[] for _ in range(width)]
            count = 0
    if count:
        yield pa.record_batch([pa.array(col, pa.string()) for col in buffer], schema=schema)
