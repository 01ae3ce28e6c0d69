"""Parquet and JSON files, read by DuckDB itself and staged with every column cast to text.

JSON may be an array of objects or newline-delimited objects (NDJSON); DuckDB detects which. Nested
values (objects, lists) are staged as their JSON text. A JSON file DuckDB cannot parse is an
IngestError naming the file (JSON has no notion of a single bad line to set aside). Line numbers are
record numbers (1-based): the line for NDJSON, the position in the array otherwise, the row for Parquet.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from crmlens.engine.database import quote_ident
from crmlens.engine.errors import IngestError
from crmlens.engine.ingest.queries import number
from crmlens.engine.ingest.staged import StagedSource

_NESTED_MARKERS = ("STRUCT", "MAP", "[]", "LIST", "UNION", "JSON")


def _reader(kind: str) -> str:
    return "read_parquet(?)" if kind == "parquet" else "read_json(?, format = 'auto')"


def columnar_columns(con: duckdb.DuckDBPyConnection, path: Path, kind: str, *, label: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a Parquet or JSON file; IngestError when DuckDB cannot read it."""
    if path.stat().st_size == 0:
        raise IngestError(f"{label} is empty: it has no records.", hint="Check that the export wrote the file.")
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {_reader(kind)}", [str(path)]).fetchall()
    except duckdb.Error as exc:
        what = "Parquet" if kind == "parquet" else "JSON (an array of objects or one object per line)"
        raise IngestError(f"{label} is not readable {what}: {str(exc).splitlines()[0]}",
                          hint="Check the file, or export it again.") from None
    columns = [(str(r[0]), str(r[1])) for r in rows]
    if kind == "json" and columns == [("json", "JSON")]:
        raise IngestError(f"{label} holds JSON values that are not objects with named fields.",
                          hint="Give an array of objects or one object per line.")
    return columns


def stage_columnar(con: duckdb.DuckDBPyConnection, path: Path, kind: str, name: str, *, label: str) -> StagedSource:
    columns = columnar_columns(con, path, kind, label=label)
    select = ", ".join(_as_text(col, typ) for col, typ in columns)
    try:
        con.execute(f"CREATE TEMP TABLE {quote_ident(name)} AS SELECT {select} FROM {_reader(kind)}", [str(path)])
    except duckdb.Error as exc:
        raise IngestError(f"DuckDB could not read {label}: {str(exc).splitlines()[0]}",
                          hint="Check the file, or export it again.") from None
    rows = number(con, f"SELECT count(*) FROM temp.{quote_ident(name)}")
    return StagedSource(table=name, columns=[c for c, _ in columns], rows=rows,
                        first_line=1, temp_tables=[name])


def _as_text(column: str, column_type: str) -> str:
    ident = quote_ident(column)
    if any(marker in column_type.upper() for marker in _NESTED_MARKERS):
        return f"CAST(to_json({ident}) AS VARCHAR) AS {ident}"
    return f"CAST({ident} AS VARCHAR) AS {ident}"
