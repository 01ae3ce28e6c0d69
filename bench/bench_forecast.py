"""Benchmark the forecast plugin.

    python bench/bench_forecast.py                                   # everything
    python bench/bench_forecast.py --skip-big                        # without the 1M-customer part
    python bench/bench_forecast.py --big-db /tmp/demo-1m.duckdb      # reuse (or create once) the 1M database
    python bench/bench_forecast.py --lifetimes-python /tmp/lt/bin/python

1. CDNOW sample (tests/data/cdnow): BG/NBD + Gamma-Gamma fitted by ``forecast.clv`` and by the
   ``lifetimes`` package on the same customer summary: parameters, log-likelihood, time.
2. 1,000,000 demo customers (generated once, ~1 min, ~0.8 GB): ``forecast.clv`` end to end, the
   customer summary in DuckDB, our fit, and ``lifetimes`` on the same arrays.
3. The default demo (20,000 customers, seed 42): the backtest table of ``forecast.sales``, the churn ROC AUC
   against recency alone, the CLV holdout check.
4. 50 synthetic regions, monthly revenue over 36 months (plus 6 hidden months to score the forecasts):
   ``forecast.sales by=region`` in one call, its time, and the error of the forecasts on the hidden months.

``lifetimes`` runs in the interpreter given by ``--lifetimes-python`` (default: this one, if it can import
lifetimes); it gets the summary as a CSV file (full precision) and answers in JSON, so both fit identical numbers.
Both fits run with one BLAS thread (as the analyses do: on a busy machine BLAS threads spinning on tiny
matrices slow the optimisers down several times). Timings on a shared machine are noisy: each fit is
repeated and the median reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlens.engine import AnalysisContext, Engine
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.forecast.clv import customer_summary, fit_models

ROOT = Path(__file__).resolve().parents[1]
CDNOW = ROOT / "tests" / "data" / "cdnow" / "CDNOW_sample.txt"

LIFETIMES_SCRIPT = r"""
import json, sys, time, statistics
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
df = pd.read_csv(sys.argv[1]); repeats = int(sys.argv[2])
def timed(fn):
    out, times = None, []
    for _ in range(repeats):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return out, statistics.median(times)
bgf, t_bg = timed(lambda: BetaGeoFitter(penalizer_coef=0.0).fit(df["x"], df["t_x"], df["T"]))
rep = df[(df["x"] > 0) & (df["m"] > 0)]
ggf, t_gg = timed(lambda: GammaGammaFitter(penalizer_coef=0.0).fit(rep["x"], rep["m"]))
import lifetimes
print(json.dumps({"version": lifetimes.__version__, "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
    "bgnbd_ll": float(-bgf._negative_log_likelihood_ * len(df)) if hasattr(bgf, "_negative_log_likelihood_") else None,
    "gamma_gamma": {k: float(v) for k, v in ggf.params_.items()}, "bgnbd_seconds": t_bg, "gamma_gamma_seconds": t_gg}))
"""


def timed(fn: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    out, times = None, []
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return out, statistics.median(times)


def lifetimes_fit(python: str | None, summary: pd.DataFrame, repeats: int) -> dict[str, Any]:
    """Fit lifetimes on (x, t_x, T, m) in ``python``; {'error': ...} when it cannot."""
    if python is None:
        return {"error": "no interpreter with lifetimes (pass --lifetimes-python)"}
    with tempfile.TemporaryDirectory(prefix="crmlens-bench-lt-") as tmp:
        path = Path(tmp) / "summary.csv"
        summary.to_csv(path, index=False, float_format="%.17g")
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        proc = subprocess.run(
            [python, "-c", LIFETIMES_SCRIPT, str(path), str(repeats)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def find_lifetimes(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    probe = subprocess.run([sys.executable, "-c", "import lifetimes"], capture_output=True, check=False)
    return sys.executable if probe.returncode == 0 else None


def calibration_arrays(engine: Engine, calibration_end: dt.date, unit: float) -> tuple[pd.DataFrame, float]:
    """The calibration summary of the customers (SQL in DuckDB), as arrays in ``unit`` days, and its time."""
    ctx = AnalysisContext(engine.con.cursor(), as_of=engine.as_of)
    started = time.perf_counter()
    df = customer_summary(ctx, calibration_end)
    seconds = time.perf_counter() - started
    cal = df[df["in_calibration"]]
    frame = pd.DataFrame(
        {
            "x": cal["frequency_cal"].to_numpy(np.float64),
            "t_x": cal["recency_cal_days"].to_numpy(np.float64) / unit,
            "T": cal["age_cal_days"].to_numpy(np.float64) / unit,
            "m": cal["monetary_cal"].to_numpy(np.float64),
        }
    )
    return frame, seconds


def our_fit(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    arrays = [frame[c].to_numpy() for c in ("x", "t_x", "T", "m")]
    with threadpool_limits(limits=1, user_api="blas"):  # as inside the analysis, and as lifetimes is run
        (bg, gg), seconds = timed(lambda: fit_models(*arrays), repeats)
    return {
        "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "log_likelihood": bg.log_likelihood},
        "gamma_gamma": {"p": gg.p, "q": gg.q, "gamma": gg.gamma, "log_likelihood": gg.log_likelihood},
        "seconds": seconds,
    }


# -- 1. CDNOW ------------------------------------------------------------------------------------------------
def bench_cdnow(lt_python: str | None, repeats: int) -> dict[str, Any]:
    engine = Engine.memory(as_of=dt.date(1998, 6, 30))
    ensure_canonical_tables(engine.con, ["customers", "orders"])
    rows = []
    for i, line in enumerate(CDNOW.read_text().splitlines()):
        _, cid, day, _, amount = line.split()
        rows.append((f"O{i}", cid, dt.datetime.strptime(day, "%Y%m%d").date(), float(amount)))
    engine.con.executemany(
        "INSERT INTO orders (order_id, customer_id, order_date, status, amount) VALUES (?, ?, ?, 'completed', ?)", rows
    )
    result, seconds = timed(
        lambda: engine.run("forecast.clv", calibration_end=dt.date(1997, 9, 30), time_unit="week", refit=False),
        repeats,
    )
    frame, _ = calibration_arrays(engine, dt.date(1997, 9, 30), 7.0)
    out = {
        "analysis_seconds": seconds,
        "ours": our_fit(frame, repeats),
        "lifetimes": lifetimes_fit(lt_python, frame, repeats),
        "holdout": {k: result.details["holdout"][k] for k in ("predicted_purchases", "actual_purchases")},
    }
    engine.close()
    return out


# -- 2. one million customers -------------------------------------------------------------------------------
def bench_big(path: Path, lt_python: str | None, repeats: int) -> dict[str, Any]:
    generated = None
    if not path.exists():
        started = time.perf_counter()
        with Engine.open(path) as builder:
            builder.generate_demo(customers=1_000_000, seed=42)
            builder.con.execute("CHECKPOINT")
        generated = time.perf_counter() - started
    engine = Engine.open(path, read_only=True)
    orders = engine.con.execute("SELECT count(*) FROM orders").fetchone()
    started = time.perf_counter()
    result = engine.run("forecast.clv")
    total = time.perf_counter() - started
    cal_end = dt.date.fromisoformat(result.details["calibration"]["end"])
    frame, sql_seconds = calibration_arrays(engine, cal_end, 7.0)
    out = {
        "generated_seconds": generated,
        "orders": int(orders[0]) if orders else 0,
        "customers_in_calibration": len(frame),
        "analysis_seconds": total,
        "summary_sql_seconds": sql_seconds,
        "ours": our_fit(frame, repeats),
        "lifetimes": lifetimes_fit(lt_python, frame, 1),
        "holdout": {k: result.details["holdout"][k] for k in ("predicted_purchases", "actual_purchases")},
        "customers_scored": result.details["customers_scored"],
    }
    engine.close()
    return out


# -- 3. the default demo ------------------------------------------------------------------------------------
def bench_demo(tmp: Path) -> dict[str, Any]:
    with Engine.open(tmp / "demo.duckdb") as engine:
        engine.generate_demo(customers=20_000, seed=42)
        out: dict[str, Any] = {}
        started = time.perf_counter()
        sales = engine.run("forecast.sales", metric="revenue", horizon=6)
        out["sales"] = {
            "seconds": time.perf_counter() - started,
            "chosen": sales.details["chosen_model"],
            "backtest": sales.details["backtest"],
            "summary": sales.summary,
        }
        started = time.perf_counter()
        by_region = engine.run("forecast.sales", metric="revenue", by="region", horizon=6)
        out["sales_by_region"] = {
            "seconds": time.perf_counter() - started,
            "backtest": by_region.details["backtest"],
        }
        started = time.perf_counter()
        churn = engine.run("forecast.churn")
        d = churn.details
        out["churn"] = {
            "seconds": time.perf_counter() - started,
            "roc_auc": d["roc_auc"],
            "recency_baseline_auc": d["recency_baseline_auc"],
            "precision_at_k": d["precision_at_k"],
            "precision_top_decile": d["precision_top_decile"],
            "validation_customers": d["validation_customers"],
            "validation_churn_rate": d["validation_churn_rate"],
            "top_features": d["feature_importance"][:5],
            "risk_bands": d["risk_bands"],
        }
        started = time.perf_counter()
        clv = engine.run("forecast.clv")
        out["clv"] = {
            "seconds": time.perf_counter() - started,
            "bgnbd": clv.details["bgnbd"],
            "gamma_gamma": clv.details["gamma_gamma"],
            "holdout": {
                k: clv.details["holdout"][k]
                for k in ("predicted_purchases", "actual_purchases", "predicted_spend", "actual_spend")
            },
        }
    return out


# -- 4. fifty regions -------------------------------------------------------------------------------------------
def synthetic_regions(engine: Engine, regions: int, months: int, hidden: int, seed: int) -> dict[str, np.ndarray]:
    """Monthly revenue of ``regions`` regions (trend, year-end peak, noise; one constant, one with a gap,
    one too young to forecast), written as one order per customer and month."""
    rng = np.random.default_rng(seed)
    t = np.arange(months + hidden)
    season = np.cos(2 * np.pi * ((t % 12) - 10.5) / 12)  # peaks in November-December
    truth: dict[str, np.ndarray] = {}
    for r in range(regions):
        level = rng.uniform(50_000, 500_000)
        growth = rng.uniform(-0.005, 0.03)
        amplitude = rng.uniform(0.05, 0.3)
        noise = rng.uniform(0.03, 0.1)
        y = level * (1 + growth) ** t * (1 + amplitude * season) * rng.lognormal(0, noise, len(t))
        if r == 0:
            y = np.full(len(t), 100_000.0)
        if r == 1:
            y[20:22] = 0.0
        if r == 2:
            y[: months - 10] = 0.0
        truth[f"Region {r:02d}"] = np.round(y, 2)
    ensure_canonical_tables(engine.con, ["customers", "orders"])
    start = dt.date(2023, 1, 1)
    days = [dt.date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 15) for k in t]
    customers, orders = [], []
    for name, y in truth.items():
        for c in range(5):
            cid = f"{name}-{c}"
            customers.append((cid, name))
            orders += [(f"{cid}-{k}", cid, days[k], y[k] / 5) for k in t if y[k] > 0]
    engine.con.executemany("INSERT INTO customers (customer_id, region) VALUES (?, ?)", customers)
    engine.con.executemany(
        "INSERT INTO orders (order_id, customer_id, order_date, status, amount) VALUES (?, ?, ?, 'completed', ?)",
        orders,
    )
    return truth


def bench_regions(regions: int, repeats: int) -> dict[str, Any]:
    months, hidden = 36, 6
    engine = Engine.memory(as_of=dt.date(2025, 12, 31))  # 36 months of history; 2026 H1 is hidden
    truth = synthetic_regions(engine, regions, months, hidden, seed=3)
    result, seconds = timed(
        lambda: engine.run("forecast.sales", metric="revenue", by="region", horizon=hidden, max_series=regions),
        repeats,
    )
    future = result.table[result.table["forecast"].notna()]
    errors: dict[str, list[float]] = {"chosen": [], "seasonal_naive": []}
    for name, group in future.groupby("region"):
        actual = truth[str(name)][months : months + hidden]
        naive = truth[str(name)][months - 12 : months - 12 + hidden]
        if np.all(actual > 0):
            errors["chosen"].append(float(np.mean(np.abs(group["forecast"].to_numpy() - actual) / actual)))
            errors["seasonal_naive"].append(float(np.mean(np.abs(naive - actual) / actual)))
    engine.close()
    return {
        "series_requested": regions,
        "series_forecast": result.details["series"],
        "skipped": result.details["skipped_series"],
        "seconds": seconds,
        "seconds_per_series": seconds / max(result.details["series"], 1),
        "backtest": result.details["backtest"],
        "hidden_months_mape": {k: float(np.mean(v)) for k, v in errors.items()},
        "warnings": result.warnings,
    }


# -- printing ---------------------------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def print_fit(title: str, ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    print(f"\n== {title} ==")
    bg, gg = ours["bgnbd"], ours["gamma_gamma"]
    print(
        f"  crmlens:   r={bg['r']:.4f} alpha={bg['alpha']:.4f} a={bg['a']:.4f} b={bg['b']:.4f} "
        f"LL={bg['log_likelihood']:.2f} | p={gg['p']:.4f} q={gg['q']:.4f} gamma={gg['gamma']:.4f} "
        f"LL={gg['log_likelihood']:.2f} | fit {ours['seconds']:.3f} s"
    )
    if "error" in theirs:
        print(f"  lifetimes: not run ({theirs['error']})")
        return
    lb, lg = theirs["bgnbd"], theirs["gamma_gamma"]
    print(
        f"  lifetimes {theirs['version']}: r={lb['r']:.4f} alpha={lb['alpha']:.4f} a={lb['a']:.4f} b={lb['b']:.4f}"
        f" | p={lg['p']:.4f} q={lg['q']:.4f} v={lg['v']:.4f} | fit {theirs['bgnbd_seconds']:.3f} s + "
        f"{theirs['gamma_gamma_seconds']:.3f} s"
    )


def print_backtest(rows: list[dict[str, Any]]) -> None:
    print(f"  {'model':<16}{'MAPE':>8}{'sMAPE':>8}{'MASE':>8}{'rel. MAE':>10}{'chosen':>8}")
    for r in rows:
        mape = f"{r['mape']:.1%}" if r["mape"] is not None else "-"
        smape = f"{r['smape']:.1%}" if r["smape"] is not None else "-"
        print(
            f"  {r['model']:<16}{mape:>8}{smape:>8}{_fmt(r['mase']):>8}{_fmt(r['relative_mae']):>10}"
            f"{r['chosen_for']:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-db", type=Path, default=Path(tempfile.gettempdir()) / "crmlens-bench-1m.duckdb")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--lifetimes-python", default=None)
    parser.add_argument("--regions", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this file")
    args = parser.parse_args()
    lt_python = find_lifetimes(args.lifetimes_python)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, lifetimes: {lt_python or 'not available'}")
    report: dict[str, Any] = {}

    report["cdnow"] = cdnow = bench_cdnow(lt_python, args.repeats)
    print_fit("CDNOW sample, 2,357 customers, 39-week calibration", cdnow["ours"], cdnow["lifetimes"])
    print(
        f"  forecast.clv end to end: {cdnow['analysis_seconds']:.3f} s; holdout purchases predicted "
        f"{cdnow['holdout']['predicted_purchases']:.0f} vs actual {cdnow['holdout']['actual_purchases']:.0f}"
    )

    if not args.skip_big:
        report["big"] = big = bench_big(args.big_db, lt_python, args.repeats)
        print_fit(
            f"1,000,000 demo customers ({big['customers_in_calibration']:,} in calibration, {big['orders']:,} orders)",
            big["ours"],
            big["lifetimes"],
        )
        print(
            f"  forecast.clv end to end: {big['analysis_seconds']:.1f} s (summary SQL {big['summary_sql_seconds']:.2f}"
            f" s); {big['customers_scored']:,} customers scored; holdout predicted "
            f"{big['holdout']['predicted_purchases']:,.0f} vs actual {big['holdout']['actual_purchases']:,.0f}"
        )
        if big["generated_seconds"]:
            print(f"  (database generated in {big['generated_seconds']:.0f} s at {args.big_db})")

    with tempfile.TemporaryDirectory(prefix="crmlens-bench-fc-") as tmp:
        report["demo"] = demo = bench_demo(Path(tmp))
    print("\n== default demo (20,000 customers, seed 42), forecast.sales revenue, 6 months, 3-fold backtest ==")
    print_backtest(demo["sales"]["backtest"])
    print(f"  {demo['sales']['summary']}  ({demo['sales']['seconds']:.2f} s)")
    print(f"  by region (8 series, {demo['sales_by_region']['seconds']:.2f} s):")
    print_backtest(demo["sales_by_region"]["backtest"])
    c = demo["churn"]
    print(
        f"\n== churn (window 180 days) on the default demo: ROC AUC {c['roc_auc']:.3f}, recency alone "
        f"{c['recency_baseline_auc']:.3f}; precision top {c['precision_at_k']['k']} "
        f"{c['precision_at_k']['precision']:.0%}, top decile {c['precision_top_decile']['precision']:.0%} "
        f"(base rate {c['validation_churn_rate']:.0%}, {c['validation_customers']:,} customers); "
        f"{c['seconds']:.1f} s =="
    )
    print("  top features: " + ", ".join(f"{f['feature']} ({f['auc_drop']:.3f})" for f in c["top_features"]))
    h = demo["clv"]["holdout"]
    print(
        f"  CLV on the default demo: holdout purchases predicted {h['predicted_purchases']:,.0f} vs actual "
        f"{h['actual_purchases']:,.0f}; spend {h['predicted_spend']:,.0f} vs {h['actual_spend']:,.0f} "
        f"({demo['clv']['seconds']:.2f} s)"
    )

    report["regions"] = reg = bench_regions(args.regions, args.repeats)
    print(f"\n== {reg['series_requested']} synthetic regions, monthly revenue, 36 months, 6 ahead, one call ==")
    print(
        f"  {reg['seconds']:.2f} s ({reg['seconds_per_series'] * 1000:.0f} ms per series), "
        f"{reg['series_forecast']} forecast, skipped: {reg['skipped'] or 'none'}"
    )
    print_backtest(reg["backtest"])
    m = reg["hidden_months_mape"]
    print(f"  MAPE on the 6 hidden months: chosen models {m['chosen']:.1%}, seasonal naive {m['seasonal_naive']:.1%}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
