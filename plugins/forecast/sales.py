"""``forecast.sales``: forecast an additive metric (revenue, orders, new customers, units sold, ...) by day,
week or month, overall or per value of a dimension, with the model chosen by a rolling-origin backtest.

Each series is forecast on its own: the candidates of :mod:`.timeseries` are compared by a backtest on
periods they never saw (:mod:`.backtest`), the best is refitted on the whole history, and its forecast comes
with a prediction interval from its backtest errors. A series too short to be checked that way gets an
error saying how much history is needed, not a number.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result, UsageError
from crmlens.engine.lazy import lazy_module
from crmlens.plugins.forecast.backtest import in_sample_scale, interval, origins, run_backtest
from crmlens.plugins.forecast.horizon import MONTHS_PER, describe
from crmlens.plugins.forecast.series import Series, additive_metric, fetch_series, query_catalog, shift
from crmlens.plugins.forecast.threads import modest_threads
from crmlens.plugins.forecast.timeseries import CANDIDATES, SEASON
from crmlens.query.interpretation import Filter

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

DEFAULT_HORIZON = {"day": 30, "week": 8, "month": 6}
#: Fewest periods a model is ever fitted on in the backtest.
MIN_TRAIN = {"day": 28, "week": 12, "month": 6}


class SalesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = Field(
        "revenue", description="Additive metric of the query layer to forecast (revenue, orders, new_customers, ...)."
    )
    by: str | None = Field(None, description="Dimension to forecast each value of separately (e.g. region).")
    grain: Literal["day", "week", "month"] = Field(
        "month", description="Period of the series (a horizon in quarters or years is forecast by month)."
    )
    horizon: int | None = Field(
        None, ge=1, le=730, description="Periods to forecast (default: 6 months, 8 weeks or 30 days)."
    )
    filters: list[Filter] = Field(default_factory=list, description="Conditions on dimensions (e.g. a city).")
    level: float = Field(0.9, gt=0.5, lt=1.0, description="Coverage of the prediction interval (e.g. 0.9).")
    folds: int = Field(3, ge=1, le=12, description="Forecast origins in the rolling-origin backtest.")
    max_series: int = Field(60, ge=1, le=500, description="Most series forecast per call (largest totals first).")
    history_start: dt.date | None = Field(None, description="Ignore data before this date (default: all history).")

    @model_validator(mode="before")
    @classmethod
    def _quarters_in_months(cls, data: Any) -> Any:
        """ "next quarter" is forecast as the next 3 months, "next year" as the next 12."""
        if isinstance(data, dict) and data.get("grain") in MONTHS_PER:
            months = MONTHS_PER[str(data["grain"])]
            data = {**data, "grain": "month", "horizon": int(data.get("horizon") or 1) * months}
        return data


@modest_threads("scipy.optimize", "scipy.stats", "sklearn.linear_model")
def run(ctx: AnalysisContext, params: SalesParams) -> Result:
    grain = params.grain
    h = params.horizon or DEFAULT_HORIZON[grain]
    season = SEASON[grain]
    catalog = query_catalog(ctx)
    metric = additive_metric(catalog, params.metric)
    if params.by:
        catalog.dimension(params.by)
    ctx.progress(0.05, "building the series")
    series, info = fetch_series(ctx, catalog, metric.name, grain, params.by, params.filters, params.history_start)
    if not series:
        raise MissingDataError(
            f"There is no {metric.title.lower()} to forecast"
            + (" with these filters." if params.filters else " up to the as-of date."),
            hint="Check the filters and the as-of date, or load data with `crmlens load`.",
        )
    if info["partial_current_period"]:
        ctx.warn(f"The current {grain} is not over (data up to {ctx.as_of}); it is forecast, not used for fitting.")
    series.sort(key=lambda s: (-s.total, s.label or ""))
    if len(series) > params.max_series:
        ctx.warn(f"Forecasting the {params.max_series} largest of {len(series)} series (max_series).")
        series = series[: params.max_series]
    min_train = MIN_TRAIN[grain]
    rows: list[dict[str, Any]] = []
    backtests: list[dict[str, Any]] = []
    chosen: dict[str, str] = {}
    skipped: list[str] = []
    for i, s in enumerate(series):
        ctx.progress(0.1 + 0.85 * i / len(series), f"forecasting {s.label or metric.title}")
        starts = origins(len(s.values), h, params.folds, min_train)
        if not starts:
            if params.by is None or len(series) == 1:
                raise UsageError(_too_short(metric.title, s, grain, h, min_train))
            skipped.append(f"{s.label} ({len(s.values)} {grain}s)")
            continue
        forecast = _forecast_one(s, grain, h, season, starts, params.level)
        key = s.label or "all"
        chosen[key] = forecast["model"]
        backtests += [{**({params.by: s.label} if params.by else {}), **sc.as_dict()} for sc in forecast["scores"]]
        rows += _rows(s, forecast, params.by, h, season)
    if not rows:
        raise UsageError(
            f"Every series is too short to forecast {h} {grain}s ahead and check it on data the model never saw "
            f"(each needs at least {min_train + h} {grain}s).",
            hint="Ask for a shorter horizon or a finer grain.",
        )
    if skipped:
        ctx.warn(f"Too short to forecast {h} {grain}s ahead, left out: {', '.join(skipped)}.")
    table = pd.DataFrame(rows)
    table["period"] = pd.to_datetime(table["period"])
    details = _details(params, metric.name, grain, h, season, chosen, backtests, info, skipped)
    summary = _summary(metric.title, params.by, grain, h, table, details, metric.format)
    columns = [
        *([Column(name=params.by, type="VARCHAR")] if params.by else []),
        Column(name="period", type="DATE", format="date"),
        Column(name="actual", type="DOUBLE", format=metric.format),
        Column(name="forecast", type="DOUBLE", format=metric.format),
        Column(name="lower", type="DOUBLE", format=metric.format),
        Column(name="upper", type="DOUBLE", format=metric.format),
        Column(name="model", type="VARCHAR"),
    ]
    return Result(
        title=f"{metric.title} forecast, {describe(h, grain)}" + (f" by {params.by}" if params.by else ""),
        table=table[[c.name for c in columns]],
        columns=columns,
        chart=ChartSpec(kind="line", x="period", y=["actual", "forecast", "lower", "upper"], series=params.by),
        summary=summary,
        details=details,
    )


def _forecast_one(s: Series, grain: str, h: int, season: int, starts: list[int], level: float) -> dict[str, Any]:
    """Backtest the candidates on ``s``, refit the best on the whole history, forecast with an interval."""
    bt = run_backtest(s.values, s.periods, h, season, starts)
    scores = [bt.scores(name) for name in CANDIDATES]
    best = bt.choose()
    future = [shift(s.periods[-1], grain, k) for k in range(1, h + 1)]
    point = CANDIDATES[best](s.values.copy(), list(s.periods), future, season)
    sigma = bt.sigma(best)
    if sigma is None:  # too few backtest errors: from the seasonal differences of the history (σ ≈ 1.25 MAE)
        sigma = in_sample_scale(s.values, season) * 1.25
    nonnegative = bool(np.all(s.values >= 0))
    lower, upper = interval(point, sigma, level, nonnegative)
    return {
        "model": best,
        "scores": scores,
        "future": future,
        "point": point,
        "lower": lower,
        "upper": upper,
        "sigma": sigma,
    }


def _rows(s: Series, f: dict[str, Any], by: str | None, h: int, season: int) -> list[dict[str, Any]]:
    """The last two seasons (or 2h periods) of history, then the forecast."""
    shown = max(2 * season, 2 * h)
    out: list[dict[str, Any]] = []
    label = {by: s.label} if by else {}
    for day, value in list(zip(s.periods, s.values.tolist(), strict=True))[-shown:]:
        out.append(
            {**label, "period": day, "actual": value, "forecast": None, "lower": None, "upper": None, "model": None}
        )
    for k, day in enumerate(f["future"]):
        out.append(
            {
                **label,
                "period": day,
                "actual": None,
                "forecast": float(f["point"][k]),
                "lower": float(f["lower"][k]),
                "upper": float(f["upper"][k]),
                "model": f["model"],
            }
        )
    return out


def _too_short(title: str, s: Series, grain: str, h: int, min_train: int) -> str:
    n = len(s.values)
    most = n - min_train
    text = (
        f"{title} has {n} {grain}{'s' if n != 1 else ''} of history: too short to forecast {h} {grain}s ahead and "
        f"check the forecast on data the model never saw (that needs at least {min_train + h})."
    )
    if most >= 1:
        text += f" Ask for at most {most} {grain}{'s' if most != 1 else ''} ahead"
        text += ", or use a finer grain." if grain != "day" else "."
    elif grain != "day":
        text += " Use a finer grain (weeks or days)."
    return text


def _details(
    params: SalesParams,
    metric: str,
    grain: str,
    h: int,
    season: int,
    chosen: dict[str, str],
    backtests: list[dict[str, Any]],
    info: dict[str, Any],
    skipped: list[str],
) -> dict[str, Any]:
    by_model: dict[str, list[dict[str, Any]]] = {}
    for row in backtests:
        by_model.setdefault(row["model"], []).append(row)
    overall = []
    for name in CANDIDATES:
        rows = by_model.get(name, [])

        def mean(key: str, rows: list[dict[str, Any]] = rows) -> float | None:
            vals = [r[key] for r in rows if r[key] is not None and np.isfinite(r[key])]
            return float(np.mean(vals)) if vals else None

        overall.append(
            {
                "model": name,
                "mape": mean("mape"),
                "smape": mean("smape"),
                "mase": mean("mase"),
                "relative_mae": mean("relative_mae"),
                "chosen_for": sum(1 for m in chosen.values() if m == name),
            }
        )
    return {
        "metric": metric,
        "by": params.by,
        "grain": grain,
        "horizon": h,
        "season_length": season,
        "interval_level": params.level,
        "backtest_folds": params.folds,
        "backtest": overall,
        "backtest_by_series": backtests if params.by else [],
        "chosen_model": chosen,
        "series": len(chosen),
        "skipped_series": skipped,
        "history_end": info["last_period"],
        "method": "rolling-origin backtest; models compared by MASE against the seasonal naive baseline",
    }


def _amount(value: float, fmt: str) -> str:
    """Money with cents; forecast counts rounded to whole units (one decimal below 100)."""
    if fmt == "money":
        return f"{value:,.2f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _summary(
    title: str, by: str | None, grain: str, h: int, table: pd.DataFrame, details: dict[str, Any], fmt: str
) -> str:
    future = table[table["forecast"].notna()]
    total = float(future["forecast"].sum())
    first, last = future["period"].min(), future["period"].max()
    span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if grain != "month" else f"{first:%Y-%m} to {last:%Y-%m}"
    scores = {row["model"]: row for row in details["backtest"]}
    if by is None:
        model = next(iter(details["chosen_model"].values()))
        s = scores[model]
        text = f"{title} forecast for {describe(h, grain)} ({span}): {_amount(total, fmt)} in total."
        fit = f"MASE {s['mase']:.2f}" if s["mase"] is not None else "exact on the backtest"
        if s["mape"] is not None:
            fit += f", MAPE {s['mape']:.1%}"
        text += f" Model: {model.replace('_', ' ')}, chosen by a rolling-origin backtest ({fit}"
        if model != "seasonal_naive" and s["relative_mae"] is not None:
            text += f"; {1 - s['relative_mae']:.0%} lower error than the seasonal naive baseline"
        return text + ")."
    counts = Counter(details["chosen_model"].values())
    top = future.groupby(by)["forecast"].sum().sort_values(ascending=False)
    text = (
        f"{title} forecast by {by} for {describe(h, grain)} ({span}): {_amount(total, fmt)} in total over "
        f"{len(top)} series; largest {top.index[0]} ({_amount(float(top.iloc[0]), fmt)})."
    )
    text += " Models chosen by rolling-origin backtest: " + ", ".join(
        f"{name.replace('_', ' ')} {n}" for name, n in counts.most_common()
    )
    return text + "."


ANALYSIS = Analysis(
    name="forecast.sales",
    title="Sales forecast",
    description="Forecast revenue, orders or any additive metric by day, week or month, overall or per value of "
    "a dimension; seasonal naive, Holt-Winters and a regression on calendar and lag features compared by a "
    "rolling-origin backtest (MAPE, sMAPE, MASE), with prediction intervals.",
    params=SalesParams,
    run=run,
    examples=[
        "forecast revenue for the next 6 months",
        "forecast orders by region next quarter",
        "crmlens run forecast.sales metric=revenue by=region horizon=6",
        "预测下季度销售额",
    ],
)
