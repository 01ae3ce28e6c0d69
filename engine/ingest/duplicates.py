"""Duplicates: repeated keys (within a source and against the database) and look-alike customers.

* A table's key (``TableSpec.key``) loads once. Among the rows of a source that can load, the first row
  of each key wins; later rows with that key are rejected ("repeats line N", or "exact duplicate of line
  N" when the whole raw row is the same). A first row whose key is already in the table is rejected
  too ("already in orders"): the existing row is kept. NULL key parts compare equal.
* Customers with different ids but the same e-mail (lower-cased, trimmed) or the same phone digits (at
  least six) are look-alikes: reported, never dropped. The view ``_duplicate_customers`` lists the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from crmlens.engine.database import quote_ident, table_exists
from crmlens.engine.ingest.line_numbers import LineNumbers
from crmlens.engine.ingest.queries import number
from crmlens.engine.ingest.sql_literals import sql_string
from crmlens.engine.ingest.staged import StagedSource
from crmlens.engine.schema import TableSpec

DUPLICATE_CUSTOMERS_VIEW = "_duplicate_customers"
REJECT_COLUMNS = '"load_id", "table_name", "source", "line", "column_name", "value", "reason", "raw_row", "rejected_at"'


@dataclass
class KeyDuplicates:
    repeats_table: str  # temp: __ord, __first, __exact for each row repeating an earlier row's key
    existing_table: str | None  # temp: __first of the first rows whose key is already in the table
    rejected: int = 0
    exact: int = 0


def _key_match(spec: TableSpec, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{quote_ident(k)} IS NOT DISTINCT FROM {right}.{quote_ident(k)}" for k in spec.key)


def _key_text(spec: TableSpec, alias: str) -> str:
    values = [f"coalesce(CAST({alias}.{quote_ident(k)} AS VARCHAR), 'NULL')" for k in spec.key]
    if len(spec.key) == 1:
        return f"{sql_string(spec.key[0] + '=')} || {values[0]}"
    return f"{sql_string('(' + ', '.join(spec.key) + ')=(')} || concat_ws(', ', {', '.join(values)}) || ')'"


def find_key_duplicates(con: duckdb.DuckDBPyConnection, spec: TableSpec, typed: str, prefix: str) -> KeyDuplicates:
    """Temp tables of the rows repeating a key within the source and of the keys the table already holds.

    One aggregate over the source's keys; everything after it works on the (usually few) repeated keys.
    """
    keys = ", ".join(quote_ident(k) for k in spec.key)
    firsts, repeated = f"{prefix}_firsts", f"{prefix}_repeated"
    repeats, existing = f"{prefix}_repeats", f"{prefix}_existing"
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(firsts)} AS SELECT {keys}, min(__ord) AS __first, "
        f"arg_min(__hash, __ord) AS __first_hash, count(*) AS __n FROM temp.{quote_ident(typed)} "
        f"WHERE __bad_column IS NULL GROUP BY {keys}"
    )
    con.execute(f"CREATE TEMP TABLE {quote_ident(repeated)} AS SELECT * FROM temp.{quote_ident(firsts)} WHERE __n > 1")
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(repeats)} AS SELECT t.__ord, r.__first, t.__hash = r.__first_hash AS __exact "
        f"FROM temp.{quote_ident(typed)} t JOIN temp.{quote_ident(repeated)} r ON {_key_match(spec, 't', 'r')} "
        f"AND t.__ord <> r.__first WHERE t.__bad_column IS NULL"
    )
    existing_table: str | None = None
    if number(con, f"SELECT count(*) FROM (SELECT 1 FROM {quote_ident(spec.name)} LIMIT 1)"):
        existing_table = existing
        con.execute(
            f"CREATE TEMP TABLE {quote_ident(existing)} AS SELECT f.__first FROM temp.{quote_ident(firsts)} f "
            f"WHERE EXISTS (SELECT 1 FROM {quote_ident(spec.name)} x WHERE {_key_match(spec, 'f', 'x')})"
        )
    con.execute(f"DROP TABLE temp.{quote_ident(firsts)}")
    con.execute(f"DROP TABLE temp.{quote_ident(repeated)}")
    return KeyDuplicates(repeats, existing_table)


def reject_key_duplicates(con: duckdb.DuckDBPyConnection, spec: TableSpec, typed: str, staged: StagedSource,
                          dups: KeyDuplicates, lines: LineNumbers, params: list[object]) -> None:
    """Write the rows ``dups`` found to ``_rejects`` (params: load_id, table_name, source)."""
    key_columns = sql_string(", ".join(spec.key))
    key_values = "concat_ws(', ', " + ", ".join(f"CAST(t.{quote_ident(k)} AS VARCHAR)" for k in spec.key) + ")"
    join_row, row_line = lines.join("t.__ord", "g1")
    join_first, first_line = lines.join("d.__first", "g2")
    raw_row = "CAST(json_object(" + ", ".join(
        f"{sql_string(c)}, s.{quote_ident(c)}" for c in staged.columns) + ") AS VARCHAR)"
    stage_join = f"JOIN temp.{quote_ident(staged.table)} s ON s.rowid = t.__ord + {int(staged.rowid_base)}"
    reason = (f"'duplicate key ' || {_key_text(spec, 't')} || CASE WHEN d.__exact THEN ': exact duplicate of line ' "
              f"ELSE ': repeats line ' END || CAST({first_line} AS VARCHAR)")
    dups.rejected += number(
        con,
        f"INSERT INTO \"_rejects\" ({REJECT_COLUMNS}) SELECT ?, ?, ?, {row_line}, {key_columns}, {key_values}, "
        f"{reason}, {raw_row}, current_localtimestamp() FROM temp.{quote_ident(dups.repeats_table)} d "
        f"JOIN temp.{quote_ident(typed)} t ON t.__ord = d.__ord {stage_join}{join_row}{join_first}",
        params,
    )
    dups.exact = number(con, f"SELECT count(*) FILTER (__exact) FROM temp.{quote_ident(dups.repeats_table)}")
    if dups.existing_table is None:
        return
    reason = f"'duplicate key ' || {_key_text(spec, 't')} || {sql_string(': already in ' + spec.name)}"
    dups.rejected += number(
        con,
        f"INSERT INTO \"_rejects\" ({REJECT_COLUMNS}) SELECT ?, ?, ?, {row_line}, {key_columns}, {key_values}, "
        f"{reason}, {raw_row}, current_localtimestamp() FROM temp.{quote_ident(dups.existing_table)} e "
        f"JOIN temp.{quote_ident(typed)} t ON t.__ord = e.__first {stage_join}{join_row}",
        params,
    )


def loadable_rows_filter(dups: KeyDuplicates, alias: str = "t") -> str:
    """WHERE condition keeping the rows of the typed table that load: no problem, first of their key,
    key not in the table yet."""
    conditions = [
        f"{alias}.__bad_column IS NULL",
        f"{alias}.__ord NOT IN (SELECT __ord FROM temp.{quote_ident(dups.repeats_table)})",
    ]
    if dups.existing_table is not None:
        conditions.append(f"{alias}.__ord NOT IN (SELECT __first FROM temp.{quote_ident(dups.existing_table)})")
    return " AND ".join(conditions)


_DUPLICATE_CUSTOMERS_SQL = """
CREATE OR REPLACE VIEW "_duplicate_customers" AS
WITH keyed AS (
    SELECT customer_id,
           NULLIF(lower(trim(email)), '') AS email_key,
           CASE WHEN length(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')) >= 6
                THEN regexp_replace(phone, '[^0-9]', '', 'g') END AS phone_key
    FROM "customers"
    WHERE customer_id IS NOT NULL
), pairs AS (
    SELECT a.customer_id AS customer_id, b.customer_id AS other_customer_id, 'email' AS matched_on,
           a.email_key AS matched_value
    FROM keyed a JOIN keyed b ON a.email_key = b.email_key AND a.customer_id < b.customer_id
    UNION ALL
    SELECT a.customer_id, b.customer_id, 'phone', a.phone_key
    FROM keyed a JOIN keyed b ON a.phone_key = b.phone_key AND a.customer_id < b.customer_id
)
SELECT customer_id, other_customer_id,
       string_agg(matched_on, '+' ORDER BY matched_on) AS matched_on,
       string_agg(matched_value, ' / ' ORDER BY matched_on) AS matched_value
FROM pairs GROUP BY customer_id, other_customer_id
"""


def refresh_duplicate_customers(con: duckdb.DuckDBPyConnection,
                                examples: int = 20) -> tuple[int, list[tuple[str, str, str, str]]]:
    """(Re)create the ``_duplicate_customers`` view; return its pair count and the first pairs."""
    if not table_exists(con, "customers"):
        return 0, []
    con.execute(_DUPLICATE_CUSTOMERS_SQL)
    view = quote_ident(DUPLICATE_CUSTOMERS_VIEW)
    pair_count = number(con, f"SELECT count(*) FROM {view}")
    pairs = con.execute(
        f"SELECT customer_id, other_customer_id, matched_on, matched_value FROM {view} "
        "ORDER BY customer_id, other_customer_id LIMIT ?", [examples]
    ).fetchall()
    return pair_count, [(str(a), str(b), str(c), str(d)) for a, b, c, d in pairs]
