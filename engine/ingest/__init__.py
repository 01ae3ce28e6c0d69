"""Ingest: load customer data from files and databases into the canonical CRM tables.

``load(con, paths, table=None, mapping=None, dry_run=False) -> LoadReport`` reads CSV/TSV (any
delimiter, UTF-8 or GBK/GB18030), Parquet, JSON/NDJSON, Excel workbooks, directories of such files,
SQLite and PostgreSQL tables; maps headers to canonical columns (a mapping file, else automatic matching
of English and Chinese headers); cleans and converts values in DuckDB SQL; rejects what does not fit
into ``_rejects`` with its line and reason; skips repeated keys; all in one transaction.

``suggest_mapping(con, path, table=None)`` shows the mapping a load would use, reading headers only.
Both render with ``to_text()`` and ``to_json()``.
"""

from crmlens.engine.ingest.load import load, suggest_mapping
from crmlens.engine.ingest.mapping import ColumnMatch, MappingSuggestion, TableCandidate
from crmlens.engine.ingest.mapping_file import LoadMapping, SourceMapping, read_mapping
from crmlens.engine.ingest.report import (
    DuplicateCustomerPair,
    DuplicateCustomers,
    LoadReport,
    SourceReport,
    TableReport,
)

__all__ = [
    "ColumnMatch",
    "DuplicateCustomerPair",
    "DuplicateCustomers",
    "LoadMapping",
    "LoadReport",
    "MappingSuggestion",
    "SourceMapping",
    "SourceReport",
    "TableCandidate",
    "TableReport",
    "load",
    "read_mapping",
    "suggest_mapping",
]
