"""Rolling-origin backtests, error measures and prediction intervals for one series.

For each of up to ``folds`` origins (the last one ``h`` periods before the end of the history, earlier
ones ``step`` periods apart), every candidate model is fitted on the history **up to the origin only**
and forecasts the next ``h`` periods, which are then compared with what happened. Measures, pooled over
the folds:

* MAPE: mean of |error| / |actual| over the periods whose actual is not zero;
* sMAPE: mean of 2 |error| / (|actual| + |forecast|) (0 when both are 0);
* MASE: mean absolute error divided by the in-sample mean absolute error of the seasonal naive forecast on
  that fold's training data (Hyndman & Koehler 2006), averaged over folds; below 1 beats the naive method;
* ``relative_mae``: the candidate's mean absolute error over the seasonal naive baseline's.

The model with the lowest MASE is chosen (mean absolute error when MASE is undefined, e.g. for a
constant series); ties go to the simpler model. Its prediction interval at step k is
``forecast ± z σ √k``, with σ² the mean of error² / step over its backtest errors.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmlens.engine.lazy import lazy_module
from crmlens.plugins.forecast.bgnbd import Array
from crmlens.plugins.forecast.timeseries import CANDIDATES, Model

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


@dataclass
class Fold:
    origin: int  # index of the first forecast period; the model saw y[:origin]
    actual: Array
    forecasts: dict[str, Array]
    scale: float  # in-sample MAE of the seasonal naive forecast on y[:origin]


@dataclass
class Scores:
    model: str
    mape: float | None
    smape: float | None
    mase: float | None
    mae: float
    relative_mae: float | None
    folds: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "mape": self.mape,
            "smape": self.smape,
            "mase": self.mase,
            "mae": self.mae,
            "relative_mae": self.relative_mae,
            "folds": self.folds,
        }


@dataclass
class Backtest:
    folds: list[Fold] = field(default_factory=list)

    def errors(self, model: str) -> tuple[Array, Array, Array]:
        """(actuals, forecasts, steps 1..h) of ``model`` over every fold."""
        actual = np.concatenate([f.actual for f in self.folds])
        forecast = np.concatenate([f.forecasts[model] for f in self.folds])
        steps = np.concatenate([np.arange(1, len(f.actual) + 1) for f in self.folds]).astype(np.float64)
        return actual, forecast, steps

    def scores(self, model: str, baseline: str = "seasonal_naive") -> Scores:
        actual, forecast, _ = self.errors(model)
        err = np.abs(forecast - actual)
        nonzero = actual != 0
        mape = float(np.mean(err[nonzero] / np.abs(actual[nonzero]))) if nonzero.any() else None
        denom = np.abs(actual) + np.abs(forecast)
        smape = float(np.mean(np.where(denom > 0, 2 * err / np.where(denom > 0, denom, 1.0), 0.0)))
        mase_folds = []
        for f in self.folds:
            fold_mae = float(np.mean(np.abs(f.forecasts[model] - f.actual)))
            if f.scale > 0:
                mase_folds.append(fold_mae / f.scale)
            elif fold_mae > 0:
                mase_folds.append(math.inf)
        mase = float(np.mean(mase_folds)) if mase_folds else None
        mae = float(err.mean())
        base_actual, base_forecast, _ = self.errors(baseline)
        base_mae = float(np.abs(base_forecast - base_actual).mean())
        relative = mae / base_mae if base_mae > 0 else (1.0 if mae == 0 else None)
        return Scores(model, mape, smape, mase, mae, relative, len(self.folds))

    def choose(self) -> str:
        """The candidate with the lowest MASE (lowest MAE when some MASE is undefined, e.g. for a constant
        series); near-ties go to the simpler model (candidates are in order of simplicity)."""
        scores = [self.scores(name) for name in self.folds[0].forecasts]
        by_mase = all(s.mase is not None and math.isfinite(s.mase) for s in scores)
        values = [float(s.mase) if by_mase and s.mase is not None else s.mae for s in scores]
        best = min(values)
        tolerance = 1e-9 * max(1.0, abs(best))
        return next(s.model for s, v in zip(scores, values, strict=True) if v <= best + tolerance)

    def sigma(self, model: str) -> float | None:
        """σ of the step-1 error, from the backtest errors scaled by √step (None with fewer than 3 errors)."""
        actual, forecast, steps = self.errors(model)
        if len(actual) < 3:
            return None
        return float(np.sqrt(np.mean((forecast - actual) ** 2 / steps)))


def in_sample_scale(y: Array, season: int) -> float:
    """Mean absolute error of the seasonal naive (naive when shorter than two seasons) one-step forecast."""
    lag = season if len(y) > season and season > 1 else 1
    if len(y) <= lag:
        return 0.0
    return float(np.mean(np.abs(y[lag:] - y[:-lag])))


def origins(n: int, h: int, folds: int, min_train: int) -> list[int]:
    """Forecast origins (first test index) of a rolling-origin backtest, latest last; empty when the series
    is too short for even one."""
    step = max(1, h // 2)
    out = [n - h - i * step for i in range(folds)]
    return sorted(o for o in out if o >= min_train)


def run_backtest(
    y: Array,
    periods: list[dt.date],
    h: int,
    season: int,
    starts: list[int],
    models: dict[str, Model] | None = None,
) -> Backtest:
    """Fit every model on ``y[:origin]`` for each origin and keep its forecast of the next ``h`` periods."""
    models = models or CANDIDATES
    bt = Backtest()
    for origin in starts:
        train = y[:origin].copy()
        hist, fut = periods[:origin], periods[origin : origin + h]
        forecasts = {
            name: np.asarray(model(train, hist, fut, season), dtype=np.float64) for name, model in models.items()
        }
        bt.folds.append(Fold(origin, y[origin : origin + h].copy(), forecasts, in_sample_scale(train, season)))
    return bt


def interval(point: Array, sigma: float, level: float, nonnegative: bool) -> tuple[Array, Array]:
    """``point ± z σ √step`` at the two-sided ``level``."""
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2.0))
    width = z * sigma * np.sqrt(np.arange(1, len(point) + 1))
    lower, upper = point - width, point + width
    if nonnegative:
        lower = np.maximum(lower, 0.0)
    return lower, upper
