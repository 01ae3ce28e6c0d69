"""forecast.sales: series equal hand-written SQL; the backtest only shows each model the past and its
measures equal a hand computation; models recover known series; gaps, constant and short series."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import numpy as np
import pytest

from crmlens.engine import Engine, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.forecast.backtest import in_sample_scale, origins, run_backtest
from crmlens.plugins.forecast.sales import SalesParams
from crmlens.plugins.forecast.timeseries import holt_winters, regression, seasonal_naive


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine.open(tmp_path_factory.mktemp("forecast-sales") / "demo.duckdb")
    engine.generate_demo(customers=3000, seed=7)
    yield engine
    engine.close()


def monthly_revenue(engine: Engine, region: str | None = None) -> list[float]:
    where = "AND c.region = ?" if region else ""
    rows = engine.con.execute(
        f"""SELECT date_trunc('month', o.order_date) AS m, sum(o.amount) FROM orders o
        LEFT JOIN customers c ON c.customer_id = o.customer_id
        WHERE o.status = 'completed' AND o.order_date <= DATE '2025-12-31' {where} GROUP BY 1 ORDER BY 1""",
        [region] if region else [],
    ).fetchall()
    return [float(v) for _, v in rows]


def months(start: dt.date, n: int) -> list[dt.date]:
    out = []
    for k in range(n):
        y, m = divmod(start.month - 1 + k, 12)
        out.append(dt.date(start.year + y, m + 1, 1))
    return out


def orders_engine(monthly: dict[dt.date, float], as_of: dt.date) -> Engine:
    engine = Engine.memory(as_of=as_of)
    ensure_canonical_tables(engine.con, ["customers", "orders"])
    engine.con.executemany(
        "INSERT INTO orders (order_id, customer_id, order_date, status, amount) VALUES (?, 'C1', ?, 'completed', ?)",
        [(f"O{i}", day + dt.timedelta(days=9), amount) for i, (day, amount) in enumerate(monthly.items())],
    )
    return engine


# -- against hand computations ----------------------------------------------------------------------------
def test_seasonal_naive_backtest_measures_equal_a_hand_computation(demo: Engine) -> None:
    result = demo.run("forecast.sales", metric="revenue", horizon=6, folds=3)
    y = np.array(monthly_revenue(demo))
    assert len(y) == 36
    history = result.table[result.table["actual"].notna()]
    assert history["actual"].tolist() == pytest.approx(y[-24:].tolist())  # last two seasons shown
    abs_err, pct, spct, mase = [], [], [], []
    for origin in (24, 27, 30):  # the last origin is h before the end, the others h/2 apart
        forecast = y[origin - 12 : origin - 6]  # seasonal naive: the same month a year earlier
        actual = y[origin : origin + 6]
        err = np.abs(forecast - actual)
        abs_err += list(err)
        pct += list(err / actual)
        spct += list(2 * err / (np.abs(actual) + np.abs(forecast)))
        scale = np.mean(np.abs(y[12:origin] - y[: origin - 12]))
        mase.append(err.mean() / scale)
    naive = next(row for row in result.details["backtest"] if row["model"] == "seasonal_naive")
    assert naive["mape"] == pytest.approx(np.mean(pct))
    assert naive["smape"] == pytest.approx(np.mean(spct))
    assert naive["mase"] == pytest.approx(np.mean(mase))
    assert naive["relative_mae"] == pytest.approx(1.0)
    chosen = result.details["chosen_model"]["all"]
    best = min(result.details["backtest"], key=lambda r: r["mase"])
    assert chosen == best["model"]
    assert chosen in result.summary.replace(" ", "_")
    future = result.table[result.table["forecast"].notna()]
    assert [p.date() for p in future["period"]] == months(dt.date(2026, 1, 1), 6)
    assert (future["lower"] <= future["forecast"]).all() and (future["forecast"] <= future["upper"]).all()
    assert "date_trunc" in result.sql[0].lower()  # the series came from the query compiler's SQL


def test_backtest_models_only_see_the_past() -> None:
    y = np.arange(1.0, 41.0) ** 1.5
    periods = months(dt.date(2020, 1, 1), len(y))
    seen: list[tuple[int, int]] = []

    def spy(train: np.ndarray, history: list[dt.date], future: list[dt.date], season: int) -> np.ndarray:
        n = len(train)
        assert len(history) == n and np.array_equal(train, y[:n])
        assert history[-1] < future[0] and future[0] == periods[n]
        seen.append((n, len(future)))
        return np.full(len(future), train[-1])

    starts = origins(len(y), 5, 4, 6)
    assert starts == [29, 31, 33, 35]  # the last origin h before the end, the others h // 2 apart
    bt = run_backtest(y, periods, 5, 12, starts, models={"seasonal_naive": seasonal_naive, "spy": spy})
    assert seen == [(o, 5) for o in starts]
    for fold in bt.folds:
        assert np.array_equal(fold.actual, y[fold.origin : fold.origin + 5])
        assert fold.forecasts["spy"].tolist() == [y[fold.origin - 1]] * 5
    assert max(o for o, _ in seen) + 5 == len(y)


def test_models_recover_a_known_trend_and_season() -> None:
    t = np.arange(48, dtype=float)
    truth = 200 + 3 * t + 25 * np.sin(2 * math.pi * t / 12)
    periods = months(dt.date(2021, 1, 1), 54)
    for model in (holt_winters, regression):
        forecast = model(truth[:48], periods[:48], periods[48:], 12)
        expected = 200 + 3 * np.arange(48, 54) + 25 * np.sin(2 * math.pi * np.arange(48, 54) / 12)
        assert forecast == pytest.approx(expected, rel=0.03), model.__name__
    assert seasonal_naive(truth[:48], periods[:48], periods[48:], 12) == pytest.approx(truth[36:42])


def test_measures_and_scale_on_a_tiny_example() -> None:
    y = np.array([10.0, 20, 30, 40])
    assert in_sample_scale(y, 12) == pytest.approx(10.0)  # shorter than a season: the naive one-step error
    assert in_sample_scale(np.full(5, 7.0), 1) == 0.0


# -- the analysis on edge cases ---------------------------------------------------------------------------
def test_by_region_gives_every_region_its_own_forecast(demo: Engine) -> None:
    result = demo.run("forecast.sales", metric="revenue", by="region", horizon=3)
    regions = [r for (r,) in demo.con.execute("SELECT DISTINCT region FROM customers").fetchall()]
    future = result.table[result.table["forecast"].notna()]
    assert sorted(future["region"].unique()) == sorted(regions)
    assert future.groupby("region").size().eq(3).all()
    for region in regions[:2]:
        shown = result.table[(result.table["region"] == region) & result.table["actual"].notna()]
        assert shown["actual"].tolist() == pytest.approx(monthly_revenue(demo, region)[-24:])
    assert set(result.details["chosen_model"]) == set(regions)
    assert len(result.details["backtest_by_series"]) == 3 * len(regions)


def test_quarter_horizon_orders_and_day_grain(demo: Engine) -> None:
    assert SalesParams.model_validate({"grain": "quarter", "horizon": 1}).horizon == 3
    result = demo.run("forecast.sales", metric="orders", grain="quarter", horizon=1)
    assert result.details["horizon"] == 3 and result.details["grain"] == "month"
    daily = demo.run("forecast.sales", metric="orders", grain="day", horizon=14)
    future = daily.table[daily.table["forecast"].notna()]
    assert len(future) == 14 and daily.details["season_length"] == 7


def test_series_with_gaps_counts_missing_months_as_zero() -> None:
    start = dt.date(2023, 1, 1)
    monthly = {m: 1000.0 + 10 * i for i, m in enumerate(months(start, 36)) if i not in (20, 21)}
    engine = orders_engine(monthly, dt.date(2025, 12, 31))
    result = engine.run("forecast.sales", metric="revenue", horizon=3)
    shown = result.table[result.table["actual"].notna()].reset_index(drop=True)
    by_month = {row.period.date(): row.actual for row in shown.itertuples()}
    assert by_month[months(start, 36)[20]] == 0.0 and by_month[months(start, 36)[21]] == 0.0
    assert by_month[months(start, 36)[22]] == 1220.0
    assert result.table["forecast"].notna().sum() == 3
    engine.close()


def test_constant_series_is_forecast_exactly() -> None:
    engine = orders_engine({m: 500.0 for m in months(dt.date(2024, 1, 1), 24)}, dt.date(2025, 12, 31))
    result = engine.run("forecast.sales", metric="revenue", horizon=4)
    future = result.table[result.table["forecast"].notna()]
    assert future["forecast"].tolist() == pytest.approx([500.0] * 4)
    assert future["lower"].tolist() == pytest.approx([500.0] * 4)
    assert future["upper"].tolist() == pytest.approx([500.0] * 4)
    assert result.details["chosen_model"]["all"] == "seasonal_naive"  # every model is exact: the simplest wins
    engine.close()


def test_too_short_history_is_refused_with_what_is_needed() -> None:
    engine = orders_engine({m: 100.0 + i for i, m in enumerate(months(dt.date(2025, 8, 1), 5))}, dt.date(2025, 12, 31))
    with pytest.raises(UsageError, match=r"5 months of history: too short .* at least 12"):
        engine.run("forecast.sales", metric="revenue", horizon=6)
    with pytest.raises(UsageError, match="finer grain"):
        engine.run("forecast.sales", metric="revenue", horizon=1)
    weekly = engine.run("forecast.sales", metric="revenue", grain="week", horizon=2)
    assert weekly.table["forecast"].notna().sum() == 2
    engine.close()


def test_partial_current_month_is_not_used_for_fitting() -> None:
    engine = orders_engine({m: 100.0 + i for i, m in enumerate(months(dt.date(2023, 1, 1), 36))}, dt.date(2025, 12, 15))
    result = engine.run("forecast.sales", metric="revenue", horizon=2)
    assert any("not over" in w for w in result.warnings)
    future = result.table[result.table["forecast"].notna()]
    assert future["period"].iloc[0].date() == dt.date(2025, 12, 1)
    engine.close()


def test_metrics_that_cannot_be_forecast(demo: Engine) -> None:
    with pytest.raises(UsageError, match="ratio or a distinct count"):
        demo.run("forecast.sales", metric="average_order_value")
    with pytest.raises(UsageError, match="Unknown metric"):
        demo.run("forecast.sales", metric="happiness")
    with pytest.raises(UsageError, match="Unknown dimension"):
        demo.run("forecast.sales", by="planet")


def test_filters_and_interval_level(demo: Engine) -> None:
    city = demo.con.execute("SELECT city FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    narrow = demo.run(
        "forecast.sales", horizon=3, level=0.6, filters=[{"dimension": "city", "op": "=", "values": [city]}]
    )
    wide = demo.run(
        "forecast.sales", horizon=3, level=0.95, filters=[{"dimension": "city", "op": "=", "values": [city]}]
    )
    total = demo.con.execute(
        "SELECT sum(o.amount) FROM orders o JOIN customers c USING (customer_id) WHERE o.status = 'completed' "
        "AND c.city = ? AND o.order_date >= DATE '2024-01-01'",
        [city],
    ).fetchone()[0]
    assert narrow.table["actual"].sum() == pytest.approx(float(total))
    n_f = narrow.table[narrow.table["forecast"].notna()]
    w_f = wide.table[wide.table["forecast"].notna()]
    assert ((w_f["upper"] - w_f["lower"]).to_numpy() > (n_f["upper"] - n_f["lower"]).to_numpy()).all()
    widths = (w_f["upper"] - w_f["lower"]).to_numpy()
    assert (np.diff(widths) >= -1e-6).all() or (w_f["lower"] == 0).any()
