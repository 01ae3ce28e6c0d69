"""Helpers of the funnel summaries: how periods, windows and counts are written, which row to name."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crmlens.engine.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")


def period_label(value: Any, grain: str | None) -> str:
    """A period start as people write it: 2025-03 (month), 2025-Q1, 2025, week of 2025-03-03, 2025-03-05."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(day, dt.date):
        return str(value)
    if grain == "month":
        return f"{day:%Y-%m}"
    if grain == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if grain == "year":
        return f"{day.year}"
    if grain == "week":
        return f"week of {day:%Y-%m-%d}"
    return f"{day:%Y-%m-%d}"


def window_text(days: float) -> str:
    """7 -> '7 days', 0.5 -> '12 hours'."""
    if days < 1:
        return plural(round(days * 24, 2), "hour")
    return plural(days, "day")


def plural(n: float, word: str, words: str | None = None) -> str:
    """'1 campaign', '3 campaigns', '1,204 customers'."""
    many = words or word + "s"
    number = f"{n:,}" if float(n).is_integer() and isinstance(n, int) else f"{n:,g}"
    return f"{number} {word if n == 1 else many}"


def top_row(frame: pd.DataFrame, column: str, *, largest: bool = True) -> pd.Series:
    """The first row holding the largest (or smallest) value of ``column`` — the row a summary names."""
    values = frame[column].astype(float)
    target = values.max() if largest else values.min()
    return frame[values == target].iloc[0]
