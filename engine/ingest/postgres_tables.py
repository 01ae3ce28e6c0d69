"""Tables of a PostgreSQL database (``postgresql://user:password@host:port/db``): each table is a source.

Needs psycopg 3 (``pip install 'crmlens[postgres]'``). ``postgresql://.../db#orders`` or
``#sales.orders`` picks one table; otherwise every base table outside the system schemas is a source.
Rows stream through a server-side cursor with every column cast to text by PostgreSQL, in batches into
DuckDB. Source names never show the password.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb

from crmlens.engine.errors import IngestError
from crmlens.engine.ingest.row_streams import BATCH_ROWS, stage_rows
from crmlens.engine.ingest.staged import StagedSource

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class PostgresTable:
    schema: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def redacted(url: str) -> str:
    """``url`` without its password and its ``#table`` part, for reports."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise IngestError("Reading PostgreSQL needs the psycopg package, which is not installed.",
                          hint="Install it with: pip install 'crmlens[postgres]'.") from None
    try:
        return psycopg.connect(url.split("#", 1)[0], connect_timeout=10)
    except psycopg.Error as exc:
        raise IngestError(f"Cannot connect to {redacted(url)}: {str(exc).strip().splitlines()[0]}",
                          hint="Check the host, port, database, user and password of the URL.") from None


def postgres_tables(url: str) -> list[PostgresTable]:
    wanted = url.split("#", 1)[1] if "#" in url else None
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
    tables = [PostgresTable(str(r[0]), str(r[1])) for r in rows]
    if wanted:
        chosen = [t for t in tables if wanted in (t.name, t.qualified)]
        if not chosen:
            raise IngestError(f"{redacted(url)} has no table {wanted!r}.",
                              hint=f"Its tables: {', '.join(t.qualified for t in tables) or 'none'}.")
        return chosen[:1]
    if not tables:
        raise IngestError(f"{redacted(url)} has no tables.")
    return tables


def postgres_columns(url: str, table: PostgresTable) -> list[str]:
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position", [table.schema, table.name]
        ).fetchall()
    return [str(r[0]) for r in rows]


def stage_postgres_table(con: duckdb.DuckDBPyConnection, url: str, table: PostgresTable, name: str) -> StagedSource:
    from psycopg import sql

    columns = postgres_columns(url, table)
    query = sql.SQL("SELECT {} FROM {}.{}").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns),
        sql.Identifier(table.schema), sql.Identifier(table.name),
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        with _connect(url) as conn, conn.cursor(name="crmlens_ingest") as cursor:
            cursor.execute(query)
            while batch := cursor.fetchmany(BATCH_ROWS):
                yield from batch

    count = stage_rows(con, name, columns, rows())
    return StagedSource(table=name, columns=columns, rows=count, first_line=1, temp_tables=[name])
