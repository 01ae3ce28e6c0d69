"""What a load reads: files, directories and database tables, each becoming one or more sources.

A *path* given to ``load`` is a file, a directory (each data file in it, not recursing, is a source),
``sqlite:///path.db`` (each table), or ``postgresql://...`` (each table, or the one named after ``#``).
File types go by suffix, then by content for unknown suffixes:

==================================  ======================================
suffix                              read as
==================================  ======================================
.csv .tsv .txt .psv .tab .dat       delimited text (:mod:`.csv_files`)
.parquet .pq                        Parquet (:mod:`.parquet_json`)
.json .ndjson .jsonl                JSON array or NDJSON
.xlsx .xlsm .xlsb .xls .ods         spreadsheet, each sheet a source
.db .sqlite .sqlite3 .db3           SQLite, each table a source
==================================  ======================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from crmlens.engine.errors import IngestError
from crmlens.engine.ingest.csv_files import CsvLayout, inspect_csv, stage_csv
from crmlens.engine.ingest.excel_files import EXCEL_SUFFIXES, sheet_header, sheet_names, stage_sheet
from crmlens.engine.ingest.mapping_file import SourceMapping
from crmlens.engine.ingest.parquet_json import columnar_columns, stage_columnar
from crmlens.engine.ingest.postgres_tables import (
    POSTGRES_SCHEMES,
    PostgresTable,
    postgres_columns,
    postgres_tables,
    redacted,
    stage_postgres_table,
)
from crmlens.engine.ingest.sqlite_tables import (
    SQLITE_MAGIC,
    SQLITE_SUFFIXES,
    sqlite_columns,
    sqlite_tables,
    stage_sqlite_table,
)
from crmlens.engine.ingest.staged import StagedSource

SourceKind = Literal["csv", "parquet", "json", "excel", "sqlite", "postgres"]
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".psv", ".tab", ".dat")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")
SQLITE_PREFIX = "sqlite:///"


@dataclass(frozen=True)
class Source:
    """One table-shaped input: a file, a sheet of a workbook, or a table of a database."""

    kind: SourceKind
    location: str  # file path or database URL (a URL may hold a password: show ``label`` instead)
    label: str  # how reports and ``_rejects.source`` name it
    member: str | None = None  # sheet or table name inside ``location``
    schema: str | None = None  # PostgreSQL schema of ``member``

    @property
    def path(self) -> Path:
        return Path(self.location)


@dataclass(frozen=True)
class SourceShape:
    """The columns of a source, and what reading it further needs (the CSV layout)."""

    columns: list[str]
    csv_layout: CsvLayout | None = None


def discover_sources(spec: str | Path) -> tuple[list[Source], list[str]]:
    """The sources behind one path or URL given to ``load``, and warnings about what was skipped."""
    text = str(spec)
    if text.startswith(POSTGRES_SCHEMES):
        base = redacted(text)
        return [Source("postgres", text, f"{base}#{t.qualified}", t.name, t.schema) for t in postgres_tables(text)], []
    if text.startswith(SQLITE_PREFIX):
        return _sqlite_sources(Path(text[len(SQLITE_PREFIX):]), text), []
    path = Path(spec)
    if not path.exists():
        raise IngestError(f"{text} does not exist.", hint="Check the path (and the current directory).")
    if path.is_dir():
        return _directory_sources(path)
    return _file_sources(path, text)


def _directory_sources(directory: Path) -> tuple[list[Source], list[str]]:
    sources: list[Source] = []
    warnings: list[str] = []
    try:
        entries = sorted(p for p in directory.iterdir() if not p.name.startswith((".", "~$")))
    except OSError as exc:
        raise IngestError(f"Cannot list the directory {directory}: {exc.strerror or exc}.") from None
    for entry in entries:
        if entry.is_dir():
            warnings.append(f"{entry} is a directory; skipped (directories are not read recursively)")
        elif _kind_by_suffix(entry) is None:
            warnings.append(f"{entry} is not a data file crmlens reads; skipped")
        else:
            found, more = _file_sources(entry, str(entry))
            sources += found
            warnings += more
    if not sources:
        raise IngestError(f"The directory {directory} holds no data files.",
                          hint="crmlens reads .csv, .tsv, .txt, .parquet, .json, .ndjson, .xlsx and SQLite files.")
    return sources, warnings


def _kind_by_suffix(path: Path) -> SourceKind | None:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in SQLITE_SUFFIXES:
        return "sqlite"
    return None


def _kind_by_content(path: Path) -> SourceKind:
    with path.open("rb") as f:
        head = f.read(64)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "excel"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def _file_sources(path: Path, label: str) -> tuple[list[Source], list[str]]:
    try:
        kind = _kind_by_suffix(path) or _kind_by_content(path)
        with path.open("rb"):
            pass
    except OSError as exc:
        raise IngestError(f"Cannot read {label}: {exc.strerror or exc}.",
                          hint="Check the file's permissions.") from None
    if kind == "sqlite":
        return _sqlite_sources(path, label), []
    if kind == "excel":
        sheets, warnings = sheet_names(path, label=label)
        return [Source("excel", str(path), f"{label}#{s}", s) for s in sheets], warnings
    return [Source(kind, str(path), label)], []


def _sqlite_sources(path: Path, label: str) -> list[Source]:
    if not path.is_file():
        raise IngestError(f"{label}: the SQLite file {path} does not exist.", hint="Check the path.")
    base = label[len(SQLITE_PREFIX):] if label.startswith(SQLITE_PREFIX) else label
    return [Source("sqlite", str(path), f"{base}#{t}", t) for t in sqlite_tables(path, label=label)]


def inspect_source(con: duckdb.DuckDBPyConnection, source: Source, settings: SourceMapping) -> SourceShape:
    """The columns of ``source`` (without reading its rows)."""
    if source.kind == "csv":
        layout = inspect_csv(source.path, label=source.label, delimiter=settings.delimiter,
                             encoding=settings.encoding)
        return SourceShape(layout.columns, layout)
    if source.kind in ("parquet", "json"):
        return SourceShape([c for c, _ in columnar_columns(con, source.path, source.kind, label=source.label)])
    if source.kind == "excel":
        return SourceShape(sheet_header(source.path, _member(source), label=source.label)[1])
    if source.kind == "sqlite":
        return SourceShape(sqlite_columns(source.path, _member(source), label=source.label))
    return SourceShape(postgres_columns(source.location, PostgresTable(source.schema or "public", _member(source))))


def stage_source(con: duckdb.DuckDBPyConnection, source: Source, shape: SourceShape, name: str,
                 workdir: Path) -> StagedSource:
    """Read all rows of ``source`` into temp table ``name`` (see :class:`.staged.StagedSource`)."""
    if source.kind == "csv":
        assert shape.csv_layout is not None
        return stage_csv(con, source.path, shape.csv_layout, name, workdir)
    if source.kind in ("parquet", "json"):
        return stage_columnar(con, source.path, source.kind, name, label=source.label)
    if source.kind == "excel":
        return stage_sheet(con, source.path, _member(source), name, label=source.label)
    if source.kind == "sqlite":
        return stage_sqlite_table(con, source.path, _member(source), name, label=source.label)
    table = PostgresTable(source.schema or "public", _member(source))
    return stage_postgres_table(con, source.location, table, name)


def _member(source: Source) -> str:
    if source.member is None:
        raise ValueError(f"{source.label} names no sheet or table")
    return source.member
