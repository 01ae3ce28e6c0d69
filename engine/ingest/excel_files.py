"""Spreadsheets (.xlsx, .xlsm, .xlsb, .xls, .ods) read with python-calamine: each sheet is a source.

The header is the sheet's first non-empty row; the rows below it are staged as text (dates as ISO
text, whole numbers without ``.0``). Empty rows are skipped, and line numbers are the spreadsheet's row
numbers, so a reject points at the row a user sees in Excel. Sheets with no data are skipped with a
warning; a workbook with no data at all is an IngestError.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import python_calamine

from crmlens.engine.database import quote_ident
from crmlens.engine.errors import IngestError
from crmlens.engine.ingest.csv_files import unique_column_names
from crmlens.engine.ingest.row_streams import stage_rows, text_of
from crmlens.engine.ingest.staged import StagedSource

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def _open(path: Path, label: str) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for unreadable workbooks
        raise IngestError(f"{label} is not a readable spreadsheet: {exc}",
                          hint="Open it in Excel and save it again as .xlsx.") from None


def sheet_names(path: Path, *, label: str) -> tuple[list[str], list[str]]:
    """(worksheets with data, warnings about the skipped ones)."""
    workbook = _open(path, label)
    try:
        with_data, warnings = [], []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            if sheet.height == 0 or sheet.start is None:
                warnings.append(f"sheet {name!r} of {label} is empty; skipped")
            else:
                with_data.append(name)
        if not with_data:
            raise IngestError(f"{label} is empty: none of its sheets has data.",
                              hint="Check that you exported the right workbook.")
        return with_data, warnings
    finally:
        workbook.close()


def _rows(path: Path, sheet: str, label: str) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) of every row of ``sheet`` (empty rows included)."""
    workbook = _open(path, label)
    try:
        yield from enumerate(workbook.get_sheet_by_name(sheet).iter_rows(), start=1)
    finally:
        workbook.close()


def _is_empty(row: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def sheet_header(path: Path, sheet: str, *, label: str) -> tuple[int, list[str]]:
    """(row number of the header, column names) of ``sheet``."""
    for number, row in _rows(path, sheet, label):
        if not _is_empty(row):
            return number, unique_column_names([text_of(c) or "" for c in row])
    raise IngestError(f"{label} is empty: it has no header row.", hint="Check the sheet.")


def stage_sheet(con: duckdb.DuckDBPyConnection, path: Path, sheet: str, name: str, *, label: str) -> StagedSource:
    header_row, columns = sheet_header(path, sheet, label=label)
    empty_rows: list[int] = []
    first_data_row: list[int] = []

    def data_rows() -> Iterator[list[Any]]:
        for number, row in _rows(path, sheet, label):
            if number <= header_row:
                continue
            if _is_empty(row):
                if first_data_row:
                    empty_rows.append(number)
                continue
            if not first_data_row:
                first_data_row.append(number)
            yield row

    count = stage_rows(con, name, columns, data_rows())
    staged = StagedSource(table=name, columns=columns, rows=count,
                          first_line=first_data_row[0] if first_data_row else header_row + 1, temp_tables=[name])
    if count and empty_rows:  # empty rows after the last row are harmless: no row's number depends on them
        skipped = f"{name}_skipped"
        view = f"{name}_empty_rows"
        con.register(view, pa.table({"line": pa.array(empty_rows, pa.int64())}))
        try:
            con.execute(f"CREATE TEMP TABLE {quote_ident(skipped)} AS SELECT line FROM {quote_ident(view)}")
        finally:
            con.unregister(view)
        staged.temp_tables.append(skipped)
        staged.skipped_lines_table = skipped
    return staged
