"""``load`` and ``suggest_mapping``: the ingest pipeline end to end.

1. Discover the sources behind every path and read their headers (nothing is written yet).
2. Map each source to a canonical table and columns (mapping file, then automatic matching); any
   source that cannot be mapped stops the load with an IngestError saying what to do.
3. In one transaction: per source, stage its rows as text, write unreadable records to ``_rejects``,
   convert the values (rows that do not fit go to ``_rejects``), reject repeated keys, insert the rest;
   then one ``_loads`` row per table and the ``_duplicate_customers`` view. Any failure rolls back, so
   the database is exactly as it was. A dry run does all of it and rolls back, returning the report.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crmlens.engine.database import ensure_system_tables, ensure_table, quote_ident, transaction
from crmlens.engine.errors import CrmlensError, DatabaseError, IngestError, UsageError
from crmlens.engine.ingest.duplicates import (
    REJECT_COLUMNS,
    find_key_duplicates,
    loadable_rows_filter,
    refresh_duplicate_customers,
    reject_key_duplicates,
)
from crmlens.engine.ingest.line_numbers import LineNumbers
from crmlens.engine.ingest.mapping import MappingSuggestion, suggest
from crmlens.engine.ingest.mapping_file import LoadMapping, SourceMapping, read_mapping, source_matches
from crmlens.engine.ingest.queries import number
from crmlens.engine.ingest.report import (
    DuplicateCustomerPair,
    DuplicateCustomers,
    LoadReport,
    SourceReport,
    TableReport,
)
from crmlens.engine.ingest.resource_limits import keep_row_order, load_limits
from crmlens.engine.ingest.sources import Source, SourceShape, discover_sources, inspect_source, stage_source
from crmlens.engine.ingest.typed_rows import MappedColumn, create_typed_table, date_orders
from crmlens.engine.schema import TABLES_BY_NAME, TableSpec, table_spec

MappingArg = LoadMapping | dict[str, Any] | str | Path | None


def suggest_mapping(con: duckdb.DuckDBPyConnection, path: str | Path, *, table: str | None = None,
                    mapping: MappingArg = None) -> list[MappingSuggestion]:
    """The mapping ``load`` would use for each source behind ``path`` (a file, a directory, a sheet of a
    workbook, a database table). Reads headers only. Problems are in ``MappingSuggestion.problem``;
    unreadable sources raise IngestError."""
    if table is not None:
        table_spec(table)
    load_mapping = read_mapping(mapping)
    sources, _ = discover_sources(path)
    suggestions = []
    for source in sources:
        settings = load_mapping.for_source(source.label)
        shape = inspect_source(con, source, settings)
        suggestions.append(suggest(source.label, shape.columns, table=table, settings=settings))
    return suggestions


@dataclass
class _Plan:
    source: Source
    settings: SourceMapping
    shape: SourceShape
    suggestion: MappingSuggestion


class _DryRunDone(Exception):
    def __init__(self, report: LoadReport) -> None:
        super().__init__("dry run")
        self.report = report


def load(con: duckdb.DuckDBPyConnection, paths: str | Path | Sequence[str | Path], *, table: str | None = None,
         mapping: MappingArg = None, dry_run: bool = False) -> LoadReport:
    """Load files, directories and database tables into the canonical tables, in one transaction.

    ``table`` forces the target table for every source (otherwise inferred per source); ``mapping`` is a
    mapping file path, a dict of the same shape, or a :class:`LoadMapping`. With ``dry_run`` everything
    runs and is rolled back: the report shows the mapping and what would be loaded and rejected.
    """
    path_list: list[str | Path] = [paths] if isinstance(paths, str | Path) else list(paths)
    if not path_list:
        raise UsageError("Nothing to load.", hint="Give at least one file, directory or database URL.")
    if table is not None:
        table_spec(table)
    load_mapping = read_mapping(mapping)
    started = dt.datetime.now()
    load_id = uuid.uuid4().hex[:16]

    sources: list[Source] = []
    warnings: list[str] = []
    for path in path_list:
        found, notes = discover_sources(path)
        sources += found
        warnings += notes
    plans = []
    for source in sources:
        settings = load_mapping.for_source(source.label)
        shape = inspect_source(con, source, settings)
        suggestion = suggest(source.label, shape.columns, table=table, settings=settings)
        if suggestion.problem:
            raise IngestError(suggestion.problem)
        plans.append(_Plan(source, settings, shape, suggestion))
    warnings += _unused_mapping_warnings(load_mapping, plans)

    try:
        with tempfile.TemporaryDirectory(prefix="crmlens-load-") as workdir, load_limits(con):
            try:
                with transaction(con):
                    report = _load_all(con, plans, load_id, started, dry_run, warnings, Path(workdir))
                    if dry_run:
                        raise _DryRunDone(report)
            except _DryRunDone as done:
                return done.report
    except CrmlensError:
        raise
    except duckdb.Error as exc:
        raise DatabaseError(f"The load failed inside DuckDB and was rolled back: {str(exc).splitlines()[0]}") from exc
    return report


def _unused_mapping_warnings(load_mapping: LoadMapping, plans: list[_Plan]) -> list[str]:
    def fold(header: str) -> str:
        return " ".join(header.lower().split())

    headers = {fold(h) for plan in plans for h in plan.shape.columns}
    listed = [*load_mapping.columns, *(h for entry in load_mapping.sources for h in entry.columns)]
    warnings = [f"the mapping file names column {h!r}, which no source has" for h in dict.fromkeys(listed)
                if fold(h) not in headers]
    warnings += [f"the mapping file's sources entry {entry.match!r} matches no source" for entry in load_mapping.sources
                 if not any(source_matches(entry.match, plan.source.label) for plan in plans)]
    return warnings


def _load_all(con: duckdb.DuckDBPyConnection, plans: list[_Plan], load_id: str, started: dt.datetime,
              dry_run: bool, warnings: list[str], workdir: Path) -> LoadReport:
    ensure_system_tables(con)
    results: list[SourceReport] = []
    for position, plan in enumerate(plans):
        spec = TABLES_BY_NAME[str(plan.suggestion.table)]
        ensure_table(con, spec)
        result, notes = _load_source(con, plan, spec, load_id, f"_crmlens_load_{load_id}_{position}", workdir)
        results.append(result)
        warnings += notes
    finished = dt.datetime.now()

    tables: dict[str, TableReport] = {}
    for r in results:
        t = tables.setdefault(r.table, TableReport(table=r.table, sources=[], rows_read=0, loaded=0, rejected=0,
                                                   duplicate_keys=0, exact_duplicates=0))
        t.sources.append(r.source)
        t.rows_read += r.rows_read
        t.loaded += r.loaded
        t.rejected += r.rejected
        t.duplicate_keys += r.duplicate_keys
        t.exact_duplicates += r.exact_duplicates
    for t in tables.values():
        con.execute(
            'INSERT INTO "_loads" ("load_id", "source", "table_name", "loaded", "rejected", "duplicates", '
            '"started_at", "finished_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            [load_id, ", ".join(t.sources), t.table, t.loaded, t.rejected, t.duplicate_keys, started, finished],
        )
    duplicate_customers = None
    if "customers" in tables:
        count, examples = refresh_duplicate_customers(con)
        duplicate_customers = DuplicateCustomers(pairs=count, examples=[
            DuplicateCustomerPair(customer_id=a, other_customer_id=b, matched_on=c, matched_value=d)
            for a, b, c, d in examples])
    return LoadReport(load_id=load_id, dry_run=dry_run, started_at=started, finished_at=finished,
                      tables=list(tables.values()), sources=results, duplicate_customers=duplicate_customers,
                      warnings=warnings)


def _load_source(con: duckdb.DuckDBPyConnection, plan: _Plan, spec: TableSpec, load_id: str, prefix: str,
                 workdir: Path) -> tuple[SourceReport, list[str]]:
    label = plan.source.label
    keep_row_order(con, True)  # on failure the transaction is aborted; load_limits restores the setting
    staged = stage_source(con, plan.source, plan.shape, f"{prefix}_stage", workdir)
    keep_row_order(con, False)
    staged.find_rowid_base(con)
    warnings = list(staged.warnings)
    if staged.rows == 0 and staged.malformed == 0:
        warnings.append(f"{label} has a header but no rows; nothing loaded from it")
    columns = []
    for column, header in plan.suggestion.mapping.items():
        if header not in staged.columns:
            raise IngestError(f"{label} changed while it was being loaded (column {header!r} is gone).",
                              hint="Load it again.")
        columns.append(MappedColumn(spec.column(column), staged.columns.index(header)))
    day_first, notes = date_orders(con, staged, columns, plan.settings.day_first)
    lines = LineNumbers(con, staged, f"{prefix}_gaps")
    params: list[object] = [load_id, spec.name, label]

    malformed = 0
    if staged.malformed_table is not None:
        malformed = number(
            con, f'INSERT INTO "_rejects" ({REJECT_COLUMNS}) SELECT ?, ?, ?, line, NULL, NULL, reason, raw_row, '
            f"current_localtimestamp() FROM temp.{quote_ident(staged.malformed_table)}", params)

    typed = f"{prefix}_typed"
    staged.temp_tables.append(typed)
    create_typed_table(con, staged, spec, columns, day_first, typed)
    join, line = lines.join("t.__ord", "g")
    invalid = number(
        con, f'INSERT INTO "_rejects" ({REJECT_COLUMNS}) SELECT ?, ?, ?, {line}, t.__bad_column, t.__bad_value, '
        f"t.__reason, t.__raw_row, current_localtimestamp() FROM temp.{quote_ident(typed)} t{join} "
        "WHERE t.__bad_column IS NOT NULL", params)

    dups = find_key_duplicates(con, spec, typed, prefix)
    staged.temp_tables += [dups.repeats_table] + ([dups.existing_table] if dups.existing_table else [])
    reject_key_duplicates(con, spec, typed, staged, dups, lines, params)

    target = ", ".join(quote_ident(c.spec.name) for c in columns)
    values = ", ".join(f"t.{quote_ident(c.spec.name)}" for c in columns)
    loaded = number(
        con, f"INSERT INTO {quote_ident(spec.name)} ({target}) SELECT {values} FROM temp.{quote_ident(typed)} t "
        f"WHERE {loadable_rows_filter(dups)}")
    staged.drop(con)

    rejected = malformed + invalid + dups.rejected
    report = SourceReport(
        source=label, table=spec.name, rows_read=staged.rows + staged.malformed, loaded=loaded, rejected=rejected,
        malformed=malformed, invalid=invalid, duplicate_keys=dups.rejected, exact_duplicates=dups.exact,
        mapping=plan.suggestion.columns, notes=notes,
    )
    return report, warnings
