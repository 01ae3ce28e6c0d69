"""``/export csv|parquet|xlsx [PATH]``: every row of an answer's table to a file.

The file holds the answer as the engine returned it (all rows, its column order, its row order):
DATE columns as dates (``2025-03-01`` in CSV, date cells in Excel, ``date32`` in Parquet), numbers
unformatted; the CSV is what ``crmlens ask … --format csv`` prints. Files are written beside the
target and renamed into place, so an existing file is never left half-written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from crmlens.engine.result import Result

EXPORT_FORMATS = ("csv", "parquet", "xlsx")
EXCEL_MAX_ROWS = 1_048_575  # one row of the sheet holds the header


def default_name(result: Result, fmt: str) -> str:
    """A file name from the answer's title: 'Revenue by region' -> 'revenue-by-region.csv'."""
    slug = re.sub(r"[^\w]+", "-", result.title.lower(), flags=re.UNICODE).strip("-_")[:60] or "answer"
    return f"{slug}.{fmt}"


def export_path(result: Result, fmt: str, path: str | None, cwd: Path) -> Path:
    """Where ``/export fmt path`` writes: ``path`` (relative to ``cwd``, ``~`` expanded, the format's
    suffix added when it has none), a default name inside ``path`` when it is a folder, else in ``cwd``."""
    if not path:
        return cwd / default_name(result, fmt)
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = cwd / target
    if target.is_dir():
        return target / default_name(result, fmt)
    if not target.suffix:
        target = target.with_name(f"{target.name}.{fmt}")
    return target


def export_frame(result: Result) -> pd.DataFrame:
    """The table to write: DATE columns as ``datetime.date`` (missing ones as None), the rest unchanged."""
    df = result.table.copy()
    df.columns = [str(c) for c in df.columns]
    for column in result.columns:
        if column.type == "DATE" and column.name in df.columns and str(df[column.name].dtype).startswith("datetime"):
            series = df[column.name]
            df[column.name] = series.dt.date.astype(object).where(series.notna(), None)
    return df


def export_result(result: Result, fmt: str, target: Path) -> int:
    """Write ``result``'s table to ``target`` as ``fmt``; return the number of rows written.

    Raises UsageError for an unknown format, a missing folder or a table too long for Excel.
    """
    from crmlens.engine.errors import UsageError

    fmt = fmt.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"Cannot export as {fmt!r}.", hint="Use /export csv, /export parquet or /export xlsx.")
    if not result.columns:
        raise UsageError("The last answer has no table to export.")
    if not target.parent.is_dir():
        raise UsageError(f"The folder {target.parent} does not exist.", hint="Create it first or choose another path.")
    if fmt == "xlsx" and result.row_count > EXCEL_MAX_ROWS:
        raise UsageError(
            f"The answer has {result.row_count:,} rows; an Excel sheet holds at most {EXCEL_MAX_ROWS:,}.",
            hint="Export it as csv or parquet instead.",
        )
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if fmt == "csv":  # exactly what `crmlens ask --format csv` prints
            from crmlens.cli import _csv

            tmp.write_text(_csv(result), encoding="utf-8", newline="")
        elif fmt == "parquet":
            df = export_frame(result)
            df.attrs = {}
            df.to_parquet(tmp, index=False, engine="pyarrow")
        else:
            _write_excel(export_frame(result), tmp, result.title)
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"Could not write {target}: {exc.strerror or exc}.", hint="Check the path.") from None
    finally:
        tmp.unlink(missing_ok=True)
    return result.row_count


def _write_excel(df: pd.DataFrame, path: Path, title: str) -> None:
    from crmlens.engine.errors import UsageError

    try:
        import openpyxl  # noqa: F401  (pandas writes .xlsx through it)
    except ImportError:
        raise UsageError(
            "Writing Excel files needs openpyxl.", hint="pip install openpyxl, or export as csv."
        ) from None
    for name in df.columns:  # Excel has no time zones
        if getattr(df[name].dtype, "tz", None) is not None:
            df[name] = df[name].dt.tz_localize(None)
    sheet = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "answer"
    df.to_excel(path, index=False, sheet_name=sheet, engine="openpyxl")
