"""Periods of the reputation analyses: the window asked for, the one before it, and time grains."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from crmlens.query.compiler import shift_date
from crmlens.query.compiler import truncate as truncate  # re-exported for the analyses

Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class Window:
    """Both ends included; ``start`` None means from the first row."""

    start: dt.date | None
    end: dt.date

    @property
    def until(self) -> dt.date:
        """The exclusive upper bound."""
        return self.end + dt.timedelta(days=1)

    def text(self) -> str:
        if self.start is None:
            return f"up to {self.end.isoformat()}"
        return f"from {self.start.isoformat()} to {self.end.isoformat()}"


def window(start: dt.date | None, end: dt.date | None, as_of: dt.date) -> Window:
    end = min(end, as_of) if end is not None else as_of
    if start is not None and start > end:
        from crmlens.engine import UsageError

        raise UsageError(f"The period starts ({start}) after it ends ({end}).", hint="Give start <= end.")
    return Window(start, end)


def previous(w: Window) -> Window | None:
    """The period just before ``w`` of the same length: whole calendar months shift by months."""
    if w.start is None:
        return None
    months = (w.until.year - w.start.year) * 12 + (w.until.month - w.start.month)
    if w.start.day == 1 and w.until.day == 1 and months > 0:
        start = shift_date(w.start, "month", -months)
        return Window(start, w.start - dt.timedelta(days=1))
    days = (w.end - w.start).days + 1
    return Window(w.start - dt.timedelta(days=days), w.start - dt.timedelta(days=1))


def period_before(day: dt.date, grain: Grain) -> dt.date:
    """The start of the period before the one starting at ``day``."""
    return shift_date(day, grain, -1)


def period_end(start: dt.date, grain: Grain) -> dt.date:
    """The last day of the period starting at ``start``."""
    return shift_date(start, grain, 1) - dt.timedelta(days=1)


def label(day: dt.date, grain: Grain) -> str:
    if grain == "month":
        return day.strftime("%Y-%m")
    if grain == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if grain == "year":
        return str(day.year)
    if grain == "week":
        return f"week of {day.isoformat()}"
    return day.isoformat()
