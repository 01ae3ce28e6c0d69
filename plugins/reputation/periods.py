"""Periods of the reputation analyses: the window asked for, the one before it, and time grains."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


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


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def previous(w: Window) -> Window | None:
    """The period just before ``w`` of the same length: whole calendar months shift by months."""
    if w.start is None:
        return None
    months = (w.until.year - w.start.year) * 12 + (w.until.month - w.start.month)
    if w.start.day == 1 and w.until.day == 1 and months > 0:
        start = _add_months(w.start, -months)
        return Window(start, w.start - dt.timedelta(days=1))
    days = (w.end - w.start).days + 1
    return Window(w.start - dt.timedelta(days=days), w.start - dt.timedelta(days=1))


def truncate(day: dt.date, grain: Grain) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def period_before(day: dt.date, grain: Grain) -> dt.date:
    """The start of the period before the one starting at ``day``."""
    if grain == "day":
        return day - dt.timedelta(days=1)
    if grain == "week":
        return day - dt.timedelta(days=7)
    return _add_months(day, -_MONTHS[grain])


def period_end(start: dt.date, grain: Grain) -> dt.date:
    """The last day of the period starting at ``start``."""
    if grain == "day":
        return start
    if grain == "week":
        return start + dt.timedelta(days=6)
    return _add_months(start, _MONTHS[grain]) - dt.timedelta(days=1)


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
