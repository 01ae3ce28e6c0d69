"""Checking that a user's SQL statement only reads the database.

``engine.sql()``, ``crmlens sql`` and questions starting with SELECT/WITH go through
:func:`check_read_only` before DuckDB sees them: one statement, of a reading kind, over tables that
exist (so a quoted file name cannot sneak in a file read), calling no function that reads files or
the environment. The engine then runs it inside a transaction it rolls back, as a second guard.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from crmlens.engine.errors import ReadOnlyError, UsageError

_READING = (exp.Query, exp.Describe, exp.Summarize, exp.Show, exp.Pivot)
_WRITING = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Merge,
    exp.Copy,
    exp.Command,
    exp.Attach,
    exp.Detach,
    exp.Set,
    exp.Pragma,
    exp.Use,
    exp.TruncateTable,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.LoadData,
    exp.Into,
)
# Table functions and scalar functions that touch files, other databases, settings or the environment.
_FORBIDDEN_FUNCTIONS = {
    "read_csv",
    "read_csv_auto",
    "read_parquet",
    "parquet_scan",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_ndjson",
    "read_ndjson_auto",
    "read_ndjson_objects",
    "read_text",
    "read_blob",
    "read_xlsx",
    "glob",
    "sniff_csv",
    "parquet_metadata",
    "parquet_schema",
    "parquet_file_metadata",
    "parquet_kv_metadata",
    "query",
    "query_table",
    "sqlite_scan",
    "sqlite_attach",
    "postgres_scan",
    "postgres_query",
    "mysql_query",
    "getenv",
    "current_setting",
    "duckdb_secrets",
    "duckdb_settings",
    "duckdb_extensions",
    "load_extension",
    "install_extension",
    "iceberg_scan",
    "delta_scan",
    "json_execute_serialized_sql",
}
_FORBIDDEN_NODES = (exp.ReadCSV,)


def _function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return str(node.sql_name()).lower() if isinstance(node, exp.Func) else ""


def check_read_only(sql: str, *, known_tables: Iterable[str]) -> exp.Expr:
    """Return the parsed statement if ``sql`` is a single read-only query; raise ReadOnlyError otherwise."""
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise UsageError("The SQL statement is empty.", hint="Give a query such as: SELECT count(*) FROM orders")
    try:
        statements = [s for s in sqlglot.parse(text, dialect="duckdb") if s is not None]
    except ParseError as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(
            f"The SQL statement could not be parsed: {first}",
            hint="Check the syntax; crmlens accepts one SELECT (or WITH ... SELECT) query.",
        ) from None
    if len(statements) != 1:
        raise ReadOnlyError(
            f"Give one statement at a time; this text holds {len(statements)}.",
            hint="crmlens sql runs a single read-only query.",
        )
    stmt: exp.Expr = statements[0]
    if not isinstance(stmt, _READING):
        kind = type(stmt).__name__.upper()
        raise ReadOnlyError(
            f"Only read-only queries are allowed here, and this is a {kind} statement.",
            hint="Use SELECT or WITH ... SELECT; load data with `crmlens load` instead.",
        )
    for node in stmt.walk():
        if isinstance(node, _WRITING):
            raise ReadOnlyError(
                f"Only read-only queries are allowed here; the query contains a {type(node).__name__.upper()}.",
                hint="Remove it, or load data with `crmlens load`.",
            )
        if isinstance(node, _FORBIDDEN_NODES) or (
            isinstance(node, exp.Func) and _function_name(node) in _FORBIDDEN_FUNCTIONS
        ):
            raise ReadOnlyError(
                f"The function {_function_name(node) or type(node).__name__} reads files, settings or other "
                "databases and is not allowed in a read-only query.",
                hint="Query the loaded tables; bring files in with `crmlens load`.",
            )
    ctes = {str(c.alias_or_name).lower() for c in stmt.find_all(exp.CTE)}
    known = {t.lower() for t in known_tables} | ctes
    known |= {"information_schema.tables", "information_schema.columns"}
    for table in stmt.find_all(exp.Table):
        if not table.name:  # a table function, checked above
            continue
        qualified = ".".join(p for p in (table.db, table.name) if p).lower()
        if table.name.lower() not in known and qualified not in known:
            if any(ch in table.name for ch in "./\\") or table.this.args.get("quoted"):
                raise ReadOnlyError(
                    f"{table.name!r} is not a table of this database; reading files is not allowed here.",
                    hint="Bring files in with `crmlens load`.",
                )
            raise UsageError(
                f"Unknown table {table.name!r}.",
                hint=f"Tables in this database: {', '.join(sorted(known_tables)) or '(none yet — run crmlens load)'}.",
            )
    return stmt
