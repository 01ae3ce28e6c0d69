"""Small helpers over a DuckDB connection shared by the engine, ingest, demo data and plugins.

Everything that touches the catalog (which tables exist, their row counts, the crmlens meta table)
goes through here so there is one way to do it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from crmlens.engine.errors import DatabaseError
from crmlens.engine.schema import SYSTEM_TABLES, TABLES_BY_NAME, TableSpec


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (double quotes, embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def existing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the base tables and views in the main schema, sorted."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return name in existing_tables(con)


def table_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a table, in table order."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_catalog = current_database() AND table_name = ? "
        "ORDER BY ordinal_position",
        [name],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def table_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Approximate row count of every base table, from DuckDB's catalog in one query (no scans)."""
    rows = con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() "
        "WHERE schema_name = 'main' AND database_name = current_database()"
    ).fetchall()
    return {str(name): int(size or 0) for name, size in rows}


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()
    return int(row[0]) if row else 0


def ensure_table(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Create canonical table ``spec`` if it does not exist yet."""
    con.execute(spec.ddl())


def ensure_system_tables(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in SYSTEM_TABLES.values():
        con.execute(ddl)


def ensure_canonical_tables(con: duckdb.DuckDBPyConnection, names: list[str] | None = None) -> None:
    for name in names or list(TABLES_BY_NAME):
        ensure_table(con, TABLES_BY_NAME[name])


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    if not table_exists(con, "_crmlens_meta"):
        return None
    row = con.execute('SELECT "value" FROM "_crmlens_meta" WHERE "key" = ?', [key]).fetchone()
    return None if row is None else str(row[0])


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(SYSTEM_TABLES["_crmlens_meta"])
    con.execute('DELETE FROM "_crmlens_meta" WHERE "key" = ?', [key])
    con.execute('INSERT INTO "_crmlens_meta" VALUES (?, ?)', [key, value])


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed if it returns, rolled back if it raises.

    A failed load therefore leaves the database exactly as it was.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Execute ``sql``, turning DuckDB errors into DatabaseError with the statement's first line."""
    try:
        return con.execute(sql, params or [])
    except duckdb.Error as exc:
        first = sql.strip().splitlines()[0][:120] if sql.strip() else ""
        raise DatabaseError(f"DuckDB could not run the statement ({first} ...): {exc}") from exc
