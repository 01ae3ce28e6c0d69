"""RFM on a million customers, side by side in one run: crmlens vs a hand-written DuckDB query vs pandas.

    python bench/bench_rfm.py [--db /tmp/seg1m.duckdb] [--customers 1000000] [--repeat 3] [--clusters]

The database is generated once (``crmlens demo --customers N``, ~1 minute for a million customers and
ten million orders) and reused. The three contenders compute the same thing: per buying customer the
recency, frequency and monetary value of completed orders up to the as-of date, scores 1–5 by the
mid-rank quantile rule, the named segment, and the customers and revenue per segment. Their segment
tables are checked to be equal before any time is reported.

* crmlens: ``engine.run("segmentation.rfm", save=False)`` (it also returns the top customers, the score
  ranges and the count of customers without orders);
* hand-written DuckDB: one SQL statement with window functions, as an analyst would write it;
* bare DuckDB: crmlens's own scoring SQL with the segment summary in one statement, run directly — what
  crmlens costs on top of its SQL (temporary table, top customers, score ranges, the engine);
* pandas: the orders loaded from the same database into a DataFrame (load included), then groupby,
  rank and map.

Targets: crmlens within 1.2× the hand-written query and faster than pandas. Runs are interleaved and
the best of ``--repeat`` is kept for each, because the machine is shared. ``--clusters`` also times
``segmentation.clusters`` (target: under 30 s for a million customers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from crmlens.engine import Engine
from crmlens.plugins.segmentation.common import Window
from crmlens.plugins.segmentation.names import RFM_GRID
from crmlens.plugins.segmentation.rfm import RfmParams, scores_sql

AS_OF = dt.date(2025, 12, 31)


def grid_case(r: str, fm: str) -> str:
    branches = " ".join(
        f"WHEN {r} = {rr} AND {fm} = {i} THEN '{seg.replace(chr(39), chr(39) * 2)}'"
        for rr, row in RFM_GRID.items()
        for i, seg in enumerate(row, 1)
    )
    return f"CASE {branches} END"


HAND_SQL = f"""
WITH rfm AS (
    SELECT customer_id, date_diff('day', max(order_date), DATE '{AS_OF}') AS recency,
           count(*) AS frequency, sum(amount) AS monetary
    FROM orders
    WHERE status = 'completed' AND customer_id IS NOT NULL AND order_date <= DATE '{AS_OF}'
    GROUP BY customer_id
), ranked AS (
    SELECT *, count(*) OVER () AS n,
           rank() OVER (ORDER BY recency DESC) - 1 + count(*) OVER (ORDER BY recency DESC) AS r_pos,
           rank() OVER (ORDER BY frequency) - 1 + count(*) OVER (ORDER BY frequency) AS f_pos,
           rank() OVER (ORDER BY monetary) - 1 + count(*) OVER (ORDER BY monetary) AS m_pos
    FROM rfm
), scored AS (
    SELECT *, (5 * r_pos + 2 * n - 1) // (2 * n) AS r, (5 * f_pos + 2 * n - 1) // (2 * n) AS f,
           (5 * m_pos + 2 * n - 1) // (2 * n) AS m
    FROM ranked
)
SELECT {grid_case("r", "(f + m + 1) // 2")} AS segment, count(*) AS customers, sum(monetary) AS revenue,
       avg(recency) AS mean_recency_days, avg(frequency) AS mean_frequency, avg(monetary) AS mean_monetary
FROM scored GROUP BY 1 ORDER BY 1
"""


def run_crmlens(engine: Engine) -> pd.DataFrame:
    table = engine.run("segmentation.rfm", save=False).table
    return table[table["customers"] > 0][["segment", "customers", "revenue"]]


def run_hand(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(HAND_SQL).df()[["segment", "customers", "revenue"]]


BARE_SQL = (
    f"WITH scored AS ({scores_sql(Window(start=None, end=AS_OF), RfmParams())}) "
    "SELECT segment, count(*) AS customers, sum(monetary) AS revenue, avg(recency_days) AS mean_recency_days, "
    "avg(frequency) AS mean_frequency, avg(monetary) AS mean_monetary FROM scored GROUP BY 1 ORDER BY 1"
)


def run_bare(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(BARE_SQL).df()[["segment", "customers", "revenue"]]


def run_pandas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    orders = con.execute("SELECT customer_id, order_date, status, amount FROM orders").df()  # the load
    done = orders[(orders["status"] == "completed") & orders["customer_id"].notna()]
    done = done[done["order_date"] <= pd.Timestamp(AS_OF)]
    per = done.groupby("customer_id").agg(
        last=("order_date", "max"), frequency=("order_date", "size"), monetary=("amount", "sum")
    )
    per["recency"] = (pd.Timestamp(AS_OF) - per["last"]).dt.days
    n = len(per)

    def score(values: pd.Series, higher_is_better: bool) -> np.ndarray:
        key = values.astype(float) if higher_is_better else -values.astype(float)
        below = key.rank(method="min").to_numpy() - 1
        upto = key.rank(method="max").to_numpy()
        return ((5 * (below + upto) + 2 * n - 1) // (2 * n)).astype(int)

    r = score(per["recency"], False)
    fm = (score(per["frequency"], True) + score(per["monetary"], True) + 1) // 2
    lookup = {(rr, i): seg for rr, row in RFM_GRID.items() for i, seg in enumerate(row, 1)}
    per["segment"] = [lookup[(a, b)] for a, b in zip(r.tolist(), fm.tolist(), strict=True)]
    out = per.groupby("segment").agg(customers=("monetary", "size"), revenue=("monetary", "sum")).reset_index()
    return out


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    def norm(df: pd.DataFrame) -> list[tuple[str, int, float]]:
        rows = df[["segment", "customers", "revenue"]].itertuples(index=False)
        return sorted((str(s), int(c), float(v)) for s, c, v in rows)

    return all(
        x[0] == y[0] and x[1] == y[1] and math.isclose(x[2], y[2], rel_tol=1e-9)
        for x, y in zip(norm(a), norm(b), strict=True)
    ) and len(a) == len(b)


def timed(fn: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/seg1m.duckdb"))
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clusters", action="store_true", help="also time segmentation.clusters")
    args = parser.parse_args()

    if not args.db.exists():
        print(f"generating {args.customers:,} demo customers in {args.db} (once) ...", flush=True)
        with Engine.open(args.db) as builder:
            builder.generate_demo(customers=args.customers, seed=42)
            builder.con.execute("CHECKPOINT")
    engine = Engine.open(args.db, read_only=True, as_of=AS_OF)
    con = duckdb.connect(str(args.db), read_only=True)
    orders = con.execute("SELECT count(*) FROM orders").fetchone()
    print(f"{args.db}: {orders[0] if orders else 0:,} orders; DuckDB {duckdb.__version__}, pandas {pd.__version__}")

    contenders: dict[str, Callable[[], pd.DataFrame]] = {
        "crmlens segmentation.rfm": lambda: run_crmlens(engine),
        "hand-written DuckDB SQL": lambda: run_hand(con),
        "bare DuckDB (crmlens SQL)": lambda: run_bare(con),
        "pandas (load included)": lambda: run_pandas(con),
    }
    best: dict[str, float] = {}
    results: dict[str, pd.DataFrame] = {}
    for round_ in range(args.repeat):
        for name, fn in contenders.items():
            seconds, out = timed(fn)
            best[name] = min(best.get(name, math.inf), seconds)
            results[name] = out
            print(f"  round {round_ + 1}: {name:<26} {seconds:8.2f} s", flush=True)
    reference = results["hand-written DuckDB SQL"]
    for name, out in results.items():
        if not same(out, reference):
            raise SystemExit(f"{name} disagrees with the hand-written query:\n{out}\n{reference}")
    print("\nall contenders agree on every segment's customers and revenue\n")
    crm, hand, pdx = best["crmlens segmentation.rfm"], best["hand-written DuckDB SQL"], best["pandas (load included)"]
    bare = best["bare DuckDB (crmlens SQL)"]
    for name, seconds in best.items():
        print(f"{name:<26} {seconds:8.2f} s (best of {args.repeat})")
    verdict = "ok" if crm / hand <= 1.2 else "MISSED"
    print(f"\ncrmlens / hand-written DuckDB = {crm / hand:.2f}x  (target <= 1.2x: {verdict})")
    print(f"crmlens / bare DuckDB        = {crm / bare:.2f}x  (the engine's own overhead on its SQL)")
    print(f"pandas / crmlens             = {pdx / crm:.2f}x  (target > 1x: {'ok' if pdx > crm else 'MISSED'})")

    if args.clusters:
        started = time.perf_counter()
        result = engine.run("segmentation.clusters", save=False)
        seconds = time.perf_counter() - started
        print(f"\nsegmentation.clusters on {result.details['customers']:,} customers: {seconds:.1f} s "
              f"(k={result.details['k']}, target < 30 s: {'ok' if seconds < 30 else 'MISSED'})")
    engine.close()
    con.close()


if __name__ == "__main__":
    main()
