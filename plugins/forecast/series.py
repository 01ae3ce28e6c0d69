"""Time series of a query-layer metric, overall or per value of a dimension, built by the query compiler.

The analysis does not write SQL for the metric: it builds the query layer's catalog from the metrics,
dimensions and relations every plugin registers, asks the compiler for ``<metric> by <grain> [by
<dimension>]`` over the complete periods up to the as-of date, and runs that statement (recorded in the
result like every other). Periods without rows are zero, since only additive metrics (sums and counts)
are forecast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from crmlens.engine import AnalysisContext, UsageError
from crmlens.engine.lazy import lazy_module
from crmlens.plugins.forecast.bgnbd import Array

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

if TYPE_CHECKING:
    from crmlens.engine.semantic import Metric
    from crmlens.query.catalog import Catalog
    from crmlens.query.interpretation import Filter

#: Start of the history when none is given: early enough for any CRM's data.
EARLIEST = dt.date(1900, 1, 1)


@dataclass
class Series:
    """One regular series: period start dates and values, oldest first."""

    label: str | None  # the dimension value, or None for the overall series
    periods: list[dt.date]
    values: Array

    @property
    def total(self) -> float:
        return float(self.values.sum())


def query_catalog(ctx: AnalysisContext) -> Catalog:
    """The query layer's catalog of this database: metrics, dimensions and relations of every plugin
    (as the engine collects them) and the tables holding data."""
    from crmlens.engine.database import table_sizes
    from crmlens.engine.plugins import get_plugins
    from crmlens.engine.semantic import Dimension, Metric, Relation
    from crmlens.query.catalog import Catalog

    plugins = get_plugins()
    metrics = [m for _, m in plugins.collect("register_metrics") if isinstance(m, Metric)]
    dimensions = [d for _, d in plugins.collect("register_dimensions") if isinstance(d, Dimension)]
    relations = [r for _, r in plugins.collect("register_relations") if isinstance(r, Relation)]
    tables = {name: rows for name, rows in table_sizes(ctx.con).items() if not name.startswith("_")}
    return Catalog(
        metrics=metrics,
        dimensions=dimensions,
        relations=relations,
        phrases=[],
        analyses=[],
        tables=tables,
        values={},
        as_of=ctx.as_of,
    )


def additive_metric(catalog: Catalog, name: str) -> Metric:
    """The metric ``name`` if it can be forecast (a dated sum or count), else a UsageError naming those that can."""
    metric = catalog.metric(name)
    usable = sorted(m.name for m in catalog.metrics.values() if m.additive and m.time_column)
    if not metric.additive or metric.time_column is None:
        why = "has no date to make a series of" if metric.time_column is None else "is a ratio or a distinct count"
        raise UsageError(
            f"{metric.title} cannot be forecast: it {why}, and forecasts are made of totals that add up over time.",
            hint=f"Metrics that can: {', '.join(usable)}.",
        )
    return metric


def period_start(day: dt.date, grain: str) -> dt.date:
    from crmlens.query.compiler import truncate

    return truncate(day, grain)


def shift(day: dt.date, grain: str, n: int) -> dt.date:
    from crmlens.query.compiler import shift_date

    return shift_date(day, grain, n)


def last_complete_period(as_of: dt.date, grain: str) -> tuple[dt.date, bool]:
    """(start of the last period that ended on or before as-of, whether the current period is partial)."""
    current = period_start(as_of, grain)
    ends = shift(current, grain, 1) - dt.timedelta(days=1)
    if ends <= as_of:
        return current, False
    return shift(current, grain, -1), True


def fetch_series(
    ctx: AnalysisContext,
    catalog: Catalog,
    metric: str,
    grain: Literal["day", "week", "month"],
    by: str | None,
    filters: list[Filter],
    history_start: dt.date | None,
) -> tuple[list[Series], dict[str, Any]]:
    """The series of ``metric`` per ``grain`` (per value of ``by``), complete periods only, zero-filled."""
    from crmlens.query.compiler import Compiler
    from crmlens.query.interpretation import Interpretation, Period

    last, partial = last_complete_period(ctx.as_of, grain)
    end = shift(last, grain, 1) - dt.timedelta(days=1)
    start = period_start(history_start, grain) if history_start else EARLIEST
    if start > last:
        raise UsageError(f"history_start {history_start} leaves no complete {grain} before the as-of date.")
    it = Interpretation(
        kind="metric",
        metrics=[metric],
        dimensions=[by] if by else [],
        grain=grain,
        period=Period(start=start, end=end),
        filters=filters,
    )
    compiled = Compiler(catalog).compile(it)
    df = ctx.query(compiled.sql)
    info: dict[str, Any] = {"last_period": last.isoformat(), "partial_current_period": partial, "rows": len(df)}
    if df.empty:
        return [], info
    groups: dict[str | None, dict[dt.date, float]] = {}
    unlabelled = 0
    labels = df[by].tolist() if by else [None] * len(df)
    for label, period, amount in zip(labels, df[grain].tolist(), df[metric].tolist(), strict=True):
        if by is not None and (label is None or (isinstance(label, float) and np.isnan(label))):
            unlabelled += 1
            continue
        value = 0.0 if amount is None else float(amount)
        points = groups.setdefault(None if label is None else str(label), {})
        points[_as_date(period)] = 0.0 if np.isnan(value) else value
    if unlabelled:
        info["periods_without_dimension_value"] = unlabelled
    out = []
    for label, points in groups.items():
        nonzero = sorted(d for d, v in points.items() if v != 0)
        if not nonzero:
            continue
        periods = _range(nonzero[0], last, grain)
        out.append(Series(label, periods, np.array([points.get(p, 0.0) for p in periods], dtype=np.float64)))
    return out, info


def _range(first: dt.date, last: dt.date, grain: str) -> list[dt.date]:
    out = [first]
    while out[-1] < last:
        out.append(shift(out[-1], grain, 1))
    return out


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):
        return value.date()  # type: ignore[no-any-return]
    return dt.date.fromisoformat(str(value)[:10])
