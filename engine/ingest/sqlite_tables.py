"""Tables of a SQLite database (``sqlite:///path.db`` or a ``.db``/``.sqlite`` file): each table is a source.

Read with the standard library's sqlite3, read-only, streamed in batches into DuckDB (DuckDB's own
SQLite extension cannot be installed offline). Line numbers are row numbers in the table's scan order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from crmlens.engine.errors import IngestError
from crmlens.engine.ingest.row_streams import BATCH_ROWS, stage_rows
from crmlens.engine.ingest.staged import StagedSource

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")
SQLITE_MAGIC = b"SQLite format 3\x00"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(path: Path, label: str) -> sqlite3.Connection:
    try:
        with path.open("rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise IngestError(f"Cannot read {label}: {exc.strerror or exc}.") from None
    if magic != SQLITE_MAGIC:
        raise IngestError(f"{label} is not a SQLite database.",
                          hint="Give a SQLite file, or a CSV/Parquet/JSON/Excel export.")
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def sqlite_tables(path: Path, *, label: str) -> list[str]:
    with closing(_connect(path, label)) as db:
        try:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").fetchall()
        except sqlite3.DatabaseError as exc:
            raise IngestError(f"Cannot read {label}: {exc}.") from None
    if not rows:
        raise IngestError(f"{label} is empty: the database has no tables.")
    return [str(r[0]) for r in rows]


def sqlite_columns(path: Path, table: str, *, label: str) -> list[str]:
    with closing(_connect(path, label)) as db:
        return [str(r[1]) for r in db.execute(f"PRAGMA table_info({_quote(table)})").fetchall()]


def stage_sqlite_table(con: duckdb.DuckDBPyConnection, path: Path, table: str, name: str, *,
                       label: str) -> StagedSource:
    columns = sqlite_columns(path, table, label=label)

    def rows() -> Iterator[tuple[Any, ...]]:
        with closing(_connect(path, label)) as db:
            db.text_factory = lambda b: b.decode("utf-8", errors="replace")
            cursor = db.execute(f"SELECT * FROM {_quote(table)}")
            while batch := cursor.fetchmany(BATCH_ROWS):
                yield from batch

    try:
        count = stage_rows(con, name, columns, rows())
    except sqlite3.DatabaseError as exc:
        raise IngestError(f"Cannot read {label}: {exc}.") from None
    return StagedSource(table=name, columns=columns, rows=count, first_line=1, temp_tables=[name])
