"""Horizons ("the next 6 months", "next quarter", "90 days") as a number of periods of a grain, shared by
the analyses of the forecast plugin."""

from __future__ import annotations

from typing import Literal

HorizonGrain = Literal["day", "week", "month", "quarter", "year"]

#: Average length of each grain in days (a year of 365.25 days).
DAYS_PER: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "quarter": 365.25 / 4, "year": 365.25}
#: Months in each grain coarser than a month.
MONTHS_PER: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def horizon_days(horizon: int, grain: str) -> float:
    """Length of ``horizon`` periods of ``grain`` in days."""
    return horizon * DAYS_PER[grain]


def describe(horizon: int, grain: str) -> str:
    """ "the next 6 months", "the next quarter"."""
    return f"the next {grain}" if horizon == 1 else f"the next {horizon} {grain}s"
