"""forecast.clv: BG/NBD and Gamma-Gamma reproduce the published CDNOW estimates; predictions agree with an
independent evaluation of the paper's formulas and with simulation; the per-customer summary equals a
plain-Python computation; edge cases give clear messages."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scipy.special import hyp2f1

from crmlens.engine import Engine, MissingDataError, Result, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.forecast.bgnbd import BgNbd, FitError
from crmlens.plugins.forecast.gamma_gamma import GammaGamma

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)


def cdnow_rows() -> list[tuple[str, dt.date, float]]:
    rows = []
    for line in CDNOW.read_text().splitlines():
        _, sample_id, day, _, amount = line.split()
        rows.append((sample_id, dt.datetime.strptime(day, "%Y%m%d").date(), float(amount)))
    return rows


def load_orders(engine: Engine, rows: list[tuple[str, dt.date, float]]) -> None:
    ensure_canonical_tables(engine.con, ["customers", "orders"])
    engine.con.executemany(
        "INSERT INTO orders (order_id, customer_id, order_date, status, amount) VALUES (?, ?, ?, 'completed', ?)",
        [(f"O{i}", c, d, a) for i, (c, d, a) in enumerate(rows)],
    )


@pytest.fixture(scope="module")
def cdnow() -> Iterator[Engine]:
    engine = Engine.memory(as_of=HOLDOUT_END)
    load_orders(engine, cdnow_rows())
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def cdnow_result(cdnow: Engine) -> Result:
    return cdnow.run("forecast.clv", calibration_end=CALIBRATION_END, time_unit="week", horizon=39, grain="week")


def sig3(value: float) -> float:
    return float(f"{value:.3g}")


# -- the published estimates -------------------------------------------------------------------------------
def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_result: Result) -> None:
    p = cdnow_result.details["bgnbd"]
    assert (sig3(p["r"]), sig3(p["alpha"]), sig3(p["a"]), sig3(p["b"])) == (0.243, 4.41, 0.793, 2.43)
    assert sig3(p["log_likelihood"]) == -9580.0  # published -9582.4
    assert p["log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    cal = cdnow_result.details["calibration"]
    assert (cal["customers"], cal["repeat_buyers"], cal["repeat_purchases"]) == (2357, 946, 2457)


def test_gamma_gamma_reproduces_fader_hardie_2013(cdnow_result: Result) -> None:
    g = cdnow_result.details["gamma_gamma"]
    assert (sig3(g["p"]), sig3(g["q"]), sig3(g["gamma"])) == (6.25, 3.74, 15.4)
    assert g["gamma"] == pytest.approx(15.44, abs=0.005)
    assert g["log_likelihood"] == pytest.approx(-4055.92, abs=0.01)
    assert g["customers"] == 946
    assert g["frequency_spend_correlation"] == pytest.approx(0.11, abs=0.01)  # the note reports 0.11


def test_holdout_check_counts_the_published_holdout_purchases(cdnow_result: Result) -> None:
    h = cdnow_result.details["holdout"]
    assert h["actual_purchases"] == 1882  # weeks 40-78, same-day purchases merged
    assert h["length"] == pytest.approx(39.0)
    assert 0.8 < h["predicted_purchases"] / h["actual_purchases"] < 1.0
    by_x = {row["calibration_repeat_purchases"]: row for row in h["by_calibration_frequency"]}
    assert sum(row["customers"] for row in by_x.values()) == 2357
    assert by_x["0"]["customers"] == 1411
    # Conditional expectations rise with calibration frequency, as in figure 4 of the paper.
    means = [by_x[k]["predicted_mean"] for k in ["0", "1", "2", "3", "4", "5", "6", "7+"]]
    assert means == sorted(means)


def test_cumulative_tracking_is_about_four_percent_under_at_week_78() -> None:
    """Sum over customers of E[X(78 weeks - first purchase week)] against 4,339 actual repeat purchases."""
    model = BgNbd(0.243, 4.414, 0.793, 2.426)
    first: dict[str, dt.date] = {}
    for cid, day, _ in cdnow_rows():
        first[cid] = min(day, first.get(cid, day))
    weeks = np.array([(HOLDOUT_END - d).days / 7 for d in first.values()])
    expected = float(model.expected_purchases_new(weeks).sum())
    assert -0.05 < expected / 4339 - 1 < -0.03


# -- the summary and the predictions against independent computations --------------------------------------
def test_customer_summary_equals_plain_python(cdnow: Engine, cdnow_result: Result) -> None:
    days: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for cid, day, amount in cdnow_rows():
        if day <= CALIBRATION_END:
            days[cid][day] += amount
    x, tx, T, m = [], [], [], []
    for per_day in days.values():
        ordered = sorted(per_day)
        first, last = ordered[0], ordered[-1]
        x.append(len(ordered) - 1)
        tx.append((last - first).days / 7)
        T.append((CALIBRATION_END - first).days / 7)
        repeat = [per_day[d] for d in ordered[1:]]
        m.append(sum(repeat) / len(repeat) if repeat else math.nan)
    ll = BgNbd(**{k: cdnow_result.details["bgnbd"][k] for k in ("r", "alpha", "a", "b")}).log_likelihood_of(
        np.array(x), np.array(tx), np.array(T)
    )
    assert float(ll.sum()) == pytest.approx(cdnow_result.details["bgnbd"]["log_likelihood"], rel=1e-9)
    spend = GammaGamma.fit(np.array(x, dtype=float), np.array(m))
    assert spend.p == pytest.approx(cdnow_result.details["gamma_gamma"]["p"], rel=1e-4)


def test_conditional_expectation_matches_equation_10_evaluated_directly() -> None:
    model = BgNbd(0.243, 4.414, 0.793, 2.426)
    r, al, a, b = model.r, model.alpha, model.a, model.b
    x = np.array([0.0, 1, 2, 5, 10, 20])
    tx = np.array([0.0, 10, 30, 35, 38, 38.5])
    T = np.full_like(x, 39.0)
    t = 39.0
    direct = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((al + T) / (al + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (al + T + t)))
    )
    direct /= 1 + (x > 0) * a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x)
    assert model.expected_purchases(t, x, tx, T) == pytest.approx(direct, rel=1e-9)
    p_alive = 1 / (1 + (x > 0) * a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))
    assert model.p_alive(x, tx, T) == pytest.approx(p_alive, rel=1e-12)
    # Customers with hundreds of purchases stay finite (the direct series overflows there).
    big = model.expected_purchases(52.0, np.array([400.0]), np.array([103.0]), np.array([104.0]))
    assert np.isfinite(big).all() and 150 < big[0] < 250


def test_expected_purchases_of_a_new_customer_match_a_simulation() -> None:
    model = BgNbd(0.5, 6.0, 0.8, 2.5)
    rng = np.random.default_rng(1)
    n, horizon = 400_000, 52.0
    lam = rng.gamma(model.r, 1 / model.alpha, n)
    p = rng.beta(model.a, model.b, n)
    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    count = np.zeros(n)
    while alive.any():
        t[alive] += rng.exponential(1 / lam[alive])
        bought = alive & (t <= horizon)
        count += bought
        alive = bought & (rng.random(n) >= p)  # after each purchase the customer drops out with probability p
    assert model.expected_purchases_new(horizon) == pytest.approx(count.mean(), rel=0.02)


# -- the analysis -------------------------------------------------------------------------------------------
def test_clv_listing_margin_and_discounting(cdnow: Engine) -> None:
    common = {"calibration_end": CALIBRATION_END, "horizon": 12, "grain": "month", "refit": False}
    plain = cdnow.run("forecast.clv", discount_rate=0.0, top=10, **common)
    half = cdnow.run("forecast.clv", discount_rate=0.0, margin=0.5, top=10, **common)
    discounted = cdnow.run("forecast.clv", discount_rate=0.2, top=10, **common)
    assert len(plain.table) == 10
    assert list(plain.table["clv"]) == sorted(plain.table["clv"], reverse=True)
    assert half.details["total_clv"] == pytest.approx(plain.details["total_clv"] / 2)
    assert discounted.details["total_clv"] < plain.details["total_clv"]
    # Undiscounted CLV is expected purchases times expected spend per purchase.
    row = plain.table.iloc[0]
    assert row["clv"] == pytest.approx(row["expected_purchases"] * row["expected_order_value"], rel=1e-9)
    by_purchases = cdnow.run("forecast.clv", sort_by="expected_purchases", top=5, **common)
    assert list(by_purchases.table["expected_purchases"]) == sorted(
        by_purchases.table["expected_purchases"], reverse=True
    )
    assert plain.details["scoring_model"]["fitted_on"].startswith("calibration")
    assert "holdout" in plain.summary.lower()


def test_one_time_buyer_gets_the_population_spend(cdnow_result: Result) -> None:
    g = cdnow_result.details["gamma_gamma"]
    spend = GammaGamma(g["p"], g["q"], g["gamma"])
    value = spend.expected_average_value(np.array([0.0, 3.0]), np.array([np.nan, 40.0]))
    assert value[0] == pytest.approx(g["p"] * g["gamma"] / (g["q"] - 1))
    assert value[1] == pytest.approx(g["p"] * (g["gamma"] + 3 * 40.0) / (g["p"] * 3 + g["q"] - 1))
    model = BgNbd(0.243, 4.414, 0.793, 2.426)
    assert model.p_alive(np.array([0.0]), np.array([0.0]), np.array([30.0]))[0] == 1.0


def test_nobody_bought_twice_is_a_clear_error() -> None:
    engine = Engine.memory(as_of=dt.date(2025, 6, 30))
    load_orders(engine, [(f"C{i}", dt.date(2025, 1, 1) + dt.timedelta(days=i), 10.0 + i) for i in range(30)])
    with pytest.raises(UsageError, match="bought more than once"):
        engine.run("forecast.clv", holdout_days=0)
    with pytest.raises(FitError, match="No customer bought more than once"):
        BgNbd.fit(np.zeros(5), np.zeros(5), np.full(5, 10.0))
    with pytest.raises(FitError, match="same average"):
        GammaGamma.fit(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0]))
    engine.close()


def test_no_orders_and_bad_calibration_end() -> None:
    engine = Engine.memory(as_of=dt.date(2025, 6, 30))
    load_orders(engine, [("C1", dt.date(2025, 7, 1), 10.0)])  # after as-of: nothing to value
    with pytest.raises(MissingDataError, match="nobody to value"):
        engine.run("forecast.clv")
    with pytest.raises(UsageError, match="after the as-of date"):
        engine.run("forecast.clv", calibration_end=dt.date(2025, 7, 2))
    engine.close()


def test_segment_restricts_the_listing(cdnow: Engine) -> None:
    con = cdnow.con
    with pytest.raises(MissingDataError, match="segmentation"):
        cdnow.run("forecast.clv", calibration_end=CALIBRATION_END, segment="Champions", refit=False)
    con.execute("CREATE TABLE segments (customer_id VARCHAR, scheme VARCHAR, segment VARCHAR, as_of DATE)")
    try:
        con.execute(
            "INSERT INTO segments VALUES ('0001', 'rfm', 'Champions', DATE '1998-06-30'), "
            "('0002', 'rfm', 'Champions', DATE '1998-06-30'), ('0003', 'rfm', 'Lost', DATE '1998-06-30'), "
            "('0004', 'rfm', 'Champions', DATE '1998-01-01')"
        )  # an older run does not count
        result = cdnow.run("forecast.clv", calibration_end=CALIBRATION_END, segment="champions", refit=False)
        assert sorted(result.table["customer_id"]) == ["0001", "0002"]
        assert result.details["customers_scored"] == 2
        with pytest.raises(UsageError, match="Saved segments: Champions, Lost"):
            cdnow.run("forecast.clv", calibration_end=CALIBRATION_END, segment="Loyal", refit=False)
    finally:
        con.execute("DROP TABLE segments")
