"""Forecasting models for one regular series (day, week or month periods), all with one signature:
``model(y, history_periods, future_periods, season) -> point forecasts``.

* ``seasonal_naive``: the value one season earlier (the last value when the history is shorter than a
  season). The baseline every other model must beat.
* ``holt_winters``: additive Holt-Winters with a damped trend (ETS(A,Ad,A)), smoothing parameters fitted
  by least squares of the one-step errors, on the values and (when every value is positive) on their logs,
  so seasonal swings may grow with the level; the variant that fits the history better forecasts. Without
  the seasonal part when the history is shorter than two seasons.
* ``regression``: a scikit-learn ridge regression (``RidgeCV``) on a trend, calendar features (month of
  year; week of year or day of year as Fourier terms; day of week) and lags (previous period, same period
  a season earlier), forecasting recursively; on the log scale when every value is positive.

Forecasts of a series that never went below zero are never below zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from crmlens.engine.lazy import lazy_module
from crmlens.plugins.forecast.bgnbd import Array

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

Model = Callable[[Array, list[dt.date], list[dt.date], int], Array]

#: Periods per season for each grain (a week of days, a year of weeks or months).
SEASON = {"day": 7, "week": 52, "month": 12}


def seasonal_naive(y: Array, history: list[dt.date], future: list[dt.date], season: int) -> Array:
    h = len(future)
    n = len(y)
    if n < season or season <= 1:
        return np.full(h, y[-1], dtype=np.float64)
    steps = np.arange(1, h + 1)
    back = season * np.ceil(steps / season).astype(int)
    return np.asarray(y[n - back + steps - 1], dtype=np.float64)


# -- Holt-Winters -----------------------------------------------------------------------------------------
def _hw_initial(z: Array, m: int, seasonal: bool) -> tuple[float, float, list[float]]:
    """Initial level, trend and seasonal states by least squares on the first two seasons (a line plus one
    effect per position of the season, the effects summing to zero); a line through the first ten periods
    without a season."""
    k = 2 * m if seasonal else min(len(z), 10)
    t = np.arange(k, dtype=np.float64)
    if not seasonal:
        slope, intercept = np.polyfit(t, z[:k], 1) if k > 1 else (0.0, float(z[0]))
        return float(intercept - slope), float(slope), []
    design = np.column_stack([t, np.tile(np.eye(m), (2, 1))])
    coef = np.linalg.lstsq(design, z[:k], rcond=None)[0]
    slope, effects = float(coef[0]), coef[1:]
    intercept = float(effects.mean())
    return intercept - slope, slope, [float(v) for v in effects - intercept]


def _hw_run(
    z: Array, m: int, seasonal: bool, alpha: float, beta: float, gamma: float, phi: float
) -> tuple[list[float], float, float, list[float]]:
    """One pass of the recursions: (one-step predictions, final level, trend, last season of seasonals)."""
    level, trend, season = _hw_initial(z, m, seasonal)
    fitted = []
    for t, value in enumerate(z.tolist()):
        s = season[t] if seasonal else 0.0  # the state of this position one season earlier
        prediction = level + phi * trend + s
        error = value - prediction
        fitted.append(prediction)
        new_level = level + phi * trend + alpha * error
        trend = phi * trend + beta * error
        level = new_level
        if seasonal:
            season.append(s + gamma * error)
    return fitted, level, trend, season[-m:] if seasonal else []


def _hw_fit(z: Array, m: int, seasonal: bool, h: int) -> tuple[Array, Array]:
    """Least-squares smoothing parameters on ``z``; (one-step in-sample predictions, forecast of h periods)."""
    from scipy.optimize import minimize

    def unpack(p: Array) -> tuple[float, float, float, float]:
        alpha, beta_share, gamma_share, phi = (float(v) for v in p)
        return alpha, alpha * beta_share, (1.0 - alpha) * gamma_share, phi

    def objective(p: Array) -> float:
        fitted = np.asarray(_hw_run(z, m, seasonal, *unpack(p))[0])
        return float(np.sum((z - fitted) ** 2))

    res = minimize(
        objective,
        np.array([0.3, 0.1, 0.1, 0.95]),
        method="L-BFGS-B",
        bounds=[(0.01, 0.99), (0.0, 1.0), (0.0, 1.0), (0.8, 0.98)],
    )
    alpha, beta, gamma, phi = unpack(res.x)
    fitted, level, trend, states = _hw_run(z, m, seasonal, alpha, beta, gamma, phi)
    out = level + np.cumsum(phi ** np.arange(1, h + 1)) * trend
    if seasonal:
        out = out + np.array([states[k % m] for k in range(h)])
    return np.asarray(fitted), out


def holt_winters(y: Array, history: list[dt.date], future: list[dt.date], season: int) -> Array:
    """Additive damped Holt-Winters on the values and, when all are positive, on their logs; the variant
    with the smaller in-sample one-step squared error (on the original scale) forecasts."""
    h = len(future)
    if len(y) < 3:
        return np.full(h, y[-1], dtype=np.float64)
    seasonal = season > 1 and len(y) >= 2 * season
    m = season if seasonal else 1
    best: tuple[float, Array] | None = None
    for log in (False, True) if np.all(y > 0) else (False,):
        z = np.log(y) if log else y.astype(np.float64)
        fitted, forecast = _hw_fit(z, m, seasonal, h)
        sse = float(np.sum((y - (np.exp(fitted) if log else fitted)) ** 2))
        if best is None or sse < best[0]:
            best = (sse, _back(forecast, log, y))
    assert best is not None
    return best[1]


# -- regression on calendar and lag features -------------------------------------------------------------
def _calendar(days: list[dt.date], grain: str) -> Array:
    month = np.array([d.month for d in days])
    columns = [np.eye(12)[month - 1]]
    if grain in ("week", "day"):
        doy = np.array([d.timetuple().tm_yday for d in days], dtype=np.float64) / 365.25
        for k in (1, 2, 3):
            columns.append(np.column_stack([np.sin(2 * math.pi * k * doy), np.cos(2 * math.pi * k * doy)]))
    if grain == "day":
        columns.append(np.eye(7)[[d.weekday() for d in days]])
    return np.hstack(columns)


def regression(y: Array, history: list[dt.date], future: list[dt.date], season: int) -> Array:
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    grain = grain_of(history)
    n, h = len(y), len(future)
    log = bool(np.all(y > 0))
    z = np.log(y) if log else y.astype(np.float64)
    lags = [1] + ([season] if season > 1 and n >= 2 * season + 2 else [])
    start = max(lags)
    if n - start < 4:
        return seasonal_naive(y, history, future, season)
    cal = _calendar(history + future, grain)
    index = np.arange(n + h, dtype=np.float64)

    def features(t: int, series: Array) -> Array:
        return np.concatenate([[index[t]], cal[t], [series[t - lag] for lag in lags]])

    X = np.array([features(t, z) for t in range(start, n)])
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=(0.01, 0.1, 1.0, 10.0, 100.0)))
    model.fit(X, z[start:])
    extended = np.concatenate([z, np.zeros(h)])
    for t in range(n, n + h):
        extended[t] = float(model.predict(features(t, extended)[None, :])[0])
    return _back(extended[n:], log, y)


def grain_of(periods: list[dt.date]) -> str:
    if len(periods) < 2:
        return "month"
    gap = (periods[1] - periods[0]).days
    return "day" if gap == 1 else "week" if gap == 7 else "month"


def _back(z: Array, log: bool, y: Array) -> Array:
    """Undo the log transform, and keep forecasts of a never-negative series at zero or above."""
    out = np.exp(np.clip(z, -700, 700)) if log else np.asarray(z, dtype=np.float64)
    if np.all(y >= 0):
        out = np.maximum(out, 0.0)
    return np.asarray(out, dtype=np.float64)


#: The candidates in order of simplicity (ties in the backtest go to the simpler one).
CANDIDATES: dict[str, Model] = {
    "seasonal_naive": seasonal_naive,
    "holt_winters": holt_winters,
    "regression": regression,
}
