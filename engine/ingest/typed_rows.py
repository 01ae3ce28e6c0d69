"""The typed table of a staged source: every row converted to the canonical columns, or marked bad.

One ``CREATE TEMP TABLE ... AS SELECT`` over the staged text computes, per row: its ordinal, a hash of
its raw values (for exact duplicates), each mapped column converted by :mod:`.coerce`, and for rows that
cannot load the first bad column, its raw value, every reason, and the raw row as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from crmlens.engine.database import quote_ident
from crmlens.engine.ingest.coerce import (
    choose_day_first,
    cleaned_sql,
    day_month_evidence_sql,
    day_month_numbers_sql,
    problem_description,
    trimmed_sql,
    value_sql,
)
from crmlens.engine.ingest.queries import one_row
from crmlens.engine.ingest.sql_literals import sql_string
from crmlens.engine.ingest.staged import StagedSource
from crmlens.engine.schema import ColumnSpec, TableSpec


@dataclass(frozen=True)
class MappedColumn:
    spec: ColumnSpec
    source_index: int  # position of the source column in the staged table


def date_orders(con: duckdb.DuckDBPyConnection, staged: StagedSource, columns: list[MappedColumn],
                configured: bool | None) -> tuple[dict[str, bool], list[str]]:
    """Day-first decision per date/timestamp column (see :func:`.coerce.choose_day_first`) and notes."""
    dated = [m for m in columns if m.spec.type in ("DATE", "TIMESTAMP")]
    if not dated:
        return {}, []
    if configured is not None:
        return {m.spec.name: configured for m in dated}, []
    aggregates: list[str] = []
    for i, _ in enumerate(dated):
        aggregates += day_month_evidence_sql(f"__n{i}")
    texts = ", ".join(f"{trimmed_sql(quote_ident(staged.columns[m.source_index]))} AS __d{i}"
                      for i, m in enumerate(dated))
    numbers = ", ".join(f"{day_month_numbers_sql(f'__d{i}')} AS __n{i}" for i in range(len(dated)))
    row = one_row(con, f"SELECT {', '.join(aggregates)} FROM (SELECT {numbers} FROM "
                       f"(SELECT {texts} FROM temp.{quote_ident(staged.table)}))")
    counts = [int(v or 0) for v in row]
    decisions: dict[str, bool] = {}
    notes: list[str] = []
    for i, m in enumerate(dated):
        slash, first_over_12, second_over_12 = counts[3 * i: 3 * i + 3]
        day_first, note = choose_day_first(slash, first_over_12, second_over_12, configured=None)
        decisions[m.spec.name] = day_first
        if note:
            notes.append(f"{m.spec.name} ({staged.columns[m.source_index]}) {note}")
    return decisions, notes


def create_typed_table(con: duckdb.DuckDBPyConnection, staged: StagedSource, spec: TableSpec,
                       columns: list[MappedColumn], day_first: dict[str, bool], name: str) -> None:
    """Temp table ``name``: ``__ord``, ``__hash``, the mapped canonical columns, ``__bad_column``,
    ``__bad_value``, ``__reason`` and ``__raw_row`` (the last four NULL for rows that can load)."""
    raw = [f"__s{j}" for j in range(len(staged.columns))]
    keep = ["__ord", "__hash", *raw]
    # Each layer computes one step once per row; the next refers to its result by name.
    trimmed = [f"rowid - {int(staged.rowid_base)} AS __ord",
               f"hash({', '.join(quote_ident(c) for c in staged.columns)}) AS __hash"]
    trimmed += [f"{quote_ident(c)} AS {raw[j]}" for j, c in enumerate(staged.columns)]
    trimmed += [f"{trimmed_sql(raw[m.source_index])} AS __a{i}" for i, m in enumerate(columns)]
    cleaned = keep + [f"{cleaned_sql(f'__a{i}', column_type=m.spec.type)} AS __t{i}" for i, m in enumerate(columns)]
    converted = keep + [f"__t{i}" for i in range(len(columns))]
    checks: list[tuple[str, str, str]] = []  # (column name, raw column, reason expression or NULL)
    for i, m in enumerate(columns):
        converted.append(f"{value_sql(m.spec, f'__t{i}', day_first=day_first.get(m.spec.name, False))} AS __v{i}")
        reason = _reason_sql(m.spec, f"__t{i}", f"__v{i}")
        if reason is not None:
            checks.append((m.spec.name, raw[m.source_index], reason))
    outer = ["__ord", "__hash"] + [f"__v{i} AS {quote_ident(m.spec.name)}" for i, m in enumerate(columns)]
    if checks:
        outer.append("CASE " + " ".join(f"WHEN {r} IS NOT NULL THEN {sql_string(c)}" for c, _, r in checks)
                     + " END AS __bad_column")
        outer.append("CASE " + " ".join(f"WHEN {r} IS NOT NULL THEN {v}" for _, v, r in checks) + " END AS __bad_value")
        outer.append("NULLIF(concat_ws('; ', " + ", ".join(r for _, _, r in checks) + "), '') AS __reason")
        pairs = ", ".join(f"{sql_string(c)}, {raw[j]}" for j, c in enumerate(staged.columns))
        any_bad = " OR ".join(f"{r} IS NOT NULL" for _, _, r in checks)
        outer.append(f"CASE WHEN {any_bad} THEN CAST(json_object({pairs}) AS VARCHAR) END AS __raw_row")
    else:
        outer += ["CAST(NULL AS VARCHAR) AS __bad_column", "CAST(NULL AS VARCHAR) AS __bad_value",
                  "CAST(NULL AS VARCHAR) AS __reason", "CAST(NULL AS VARCHAR) AS __raw_row"]
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(name)} AS SELECT {', '.join(outer)} FROM ("
        f"SELECT {', '.join(converted)} FROM (SELECT {', '.join(cleaned)} FROM ("
        f"SELECT {', '.join(trimmed)} FROM temp.{quote_ident(staged.table)})))"
    )


def _reason_sql(column: ColumnSpec, text: str, value: str) -> str | None:
    """SQL giving the reason ``column``'s value cannot load, NULL when it can; None when it always can."""
    convertible = column.type != "VARCHAR" or bool(column.allowed)
    problem = sql_string(f"{column.name}: {problem_description(column)}")
    if column.required:
        empty = sql_string(f"{column.name} is empty but required")
        if convertible:
            return f"CASE WHEN {text} IS NULL THEN {empty} WHEN {value} IS NULL THEN {problem} END"
        return f"CASE WHEN {text} IS NULL THEN {empty} END"
    if convertible:
        return f"CASE WHEN {text} IS NOT NULL AND {value} IS NULL THEN {problem} END"
    return None
