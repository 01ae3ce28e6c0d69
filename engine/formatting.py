"""Formatting results for people: numbers by kind (money, percent, counts, days) and plain-text tables.

Shared by the command line and the terminal UI so a figure reads the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from crmlens.engine.result import Result, is_missing


def format_value(value: Any, kind: str | None = None, type_: str = "") -> str:
    """One cell as text: money and numbers with thousands separators, percent with one decimal."""
    if value is None or is_missing(value):
        return ""
    if isinstance(value, dt.datetime):  # pandas Timestamps too
        if type_ == "DATE" or (value.hour == value.minute == value.second == 0 and kind == "date"):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | decimal.Decimal) or hasattr(value, "dtype"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if kind == "percent":
            return f"{number:.1%}"
        if kind == "money":
            return f"{number:,.2f}"
        if kind == "days":
            return f"{number:,.1f}"
        if kind == "count" or (float(number).is_integer() and "INT" in type_.upper()):
            return f"{number:,.0f}"
        if float(number).is_integer() and abs(number) < 1e15 and kind != "score":
            return f"{number:,.0f}" if "DECIMAL" not in type_.upper() else f"{number:,.2f}"
        return f"{number:,.4g}" if abs(number) < 1 else f"{number:,.2f}"
    return str(value)


def text_table(result: Result, *, max_rows: int = 50, max_width: int = 40) -> str:
    """The result's table as aligned plain text (numbers right-aligned), cut at ``max_rows``."""
    cols = result.columns
    if not cols:
        return "(no columns)"
    body = []
    rows = result.row_tuples()
    for row in rows[:max_rows]:
        cells = []
        for c, v in zip(cols, row, strict=False):
            text = format_value(v, c.format, c.type).replace("\n", " ")
            cells.append(text if len(text) <= max_width else text[: max_width - 1] + "…")
        body.append(cells)
    numeric = [_is_numeric(c.type) for c in cols]
    widths = [max([_width(c.name)] + [_width(r[i]) for r in body]) for i, c in enumerate(cols)]
    lines = ["  ".join(_pad(c.name, widths[i], numeric[i]) for i, c in enumerate(cols))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(cell, widths[i], numeric[i]) for i, cell in enumerate(r)) for r in body]
    if len(rows) > max_rows:
        lines.append(f"… {len(rows) - max_rows:,} more rows (use --format csv for all)")
    return "\n".join(lines)


def _is_numeric(type_: str) -> bool:
    t = type_.upper()
    return any(k in t for k in ("INT", "DECIMAL", "DOUBLE", "FLOAT", "REAL", "NUMERIC", "HUGEINT"))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(
        2
        if ch >= "\u1100"
        and (
            ch <= "\u115f"
            or "\u2e80" <= ch <= "\ua4cf"
            or "\uac00" <= ch <= "\ud7a3"
            or "\uf900" <= ch <= "\ufaff"
            or "\uff00" <= ch <= "\uff60"
        )
        else 1
        for ch in text
    )


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill
