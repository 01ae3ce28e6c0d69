"""A source read into DuckDB: the contract between the readers and the loader.

Every reader produces a temporary table with one VARCHAR column per source column, its rows in source
order (so ``rowid`` is the row's ordinal), plus what the loader needs to name lines in ``_rejects``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from crmlens.engine.database import quote_ident
from crmlens.engine.ingest.queries import number


@dataclass
class StagedSource:
    table: str  # temporary table: the source's columns as VARCHAR, rows in source order
    columns: list[str]
    rows: int  # rows staged (well-formed rows)
    first_line: int  # line number of the first staged row when no line before it is skipped
    # temporary table (line BIGINT) of the line numbers between staged rows that hold no staged row
    # (malformed CSV records, blank lines, empty spreadsheet rows); None when there are none
    skipped_lines_table: str | None = None
    # temporary table (line BIGINT, reason VARCHAR, raw_row VARCHAR) of records that could not be read
    malformed_table: str | None = None
    malformed: int = 0
    temp_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # rowid of the first staged row: 0 once committed, a large offset inside the loading transaction
    # (DuckDB numbers uncommitted rows from there, contiguously in insertion order)
    rowid_base: int = 0

    def find_rowid_base(self, con: duckdb.DuckDBPyConnection) -> None:
        self.rowid_base = number(con, f"SELECT coalesce(min(rowid), 0) FROM temp.{quote_ident(self.table)}")

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        for name in self.temp_tables:
            con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(name)}")

