"""A 4-step event funnel (visit → view_product → add_to_cart → purchase, 7-day window, per customer) with
``funnel.events`` (DuckDB SQL) side by side with the same semantics written in pandas.

    python bench/bench_funnel.py                               # 50M events; pandas up to 20M
    python bench/bench_funnel.py --events 1000000 10000000 --pandas-max 10000000 --threads 2

For each size, synthetic events are generated with DuckDB SQL into a DuckDB file in a temporary
directory (sessions of a visit, then a product view, cart, checkout and purchase with decreasing
likelihood, plus searches; timestamps jittered so some steps arrive out of order or at the same
second; customers come back over the year). Then, each in a fresh child process (so the peak RSS is
its own):

* ``sql``: ``engine.run("funnel.events", ...)`` on the file;
* ``pandas``: the events of the funnel's types read into pandas (Arrow, strings as categories), then
  the same window-funnel semantics with ``sort_values`` and ``merge_asof`` — no Python loop over events.

The counts per step of both must be equal; the bench says so. pandas is skipped above ``--pandas-max``
events (its memory grows with the rows it holds: the peak RSS column shows how much).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ["visit", "view_product", "add_to_cart", "purchase"]
WINDOW_DAYS = 7.0
EVENTS_PER_SESSION = 1 + 0.6 + 0.25 + 0.15 + 0.11 + 1.5  # see _GENERATE

_GENERATE = """
CREATE TABLE events AS
WITH s AS (
    SELECT i,
           'C' || lpad(CAST(hash(i, 'customer') % $customers AS VARCHAR), 9, '0') AS customer_id,
           TIMESTAMP '2025-01-01' + to_seconds(CAST(hash(i, 'start') % (365 * 86400) AS BIGINT)) AS t0,
           (hash(i, 'depth') % 10000) / 10000.0 AS r,
           CAST(hash(i, 'searches') % 4 AS INTEGER) AS searches,
           CASE hash(i, 'device') % 4 WHEN 0 THEN 'desktop' WHEN 1 THEN 'mobile' WHEN 2 THEN 'app' ELSE 'tablet' END
               AS device
    FROM range($sessions) AS t(i)
), typed AS (
    SELECT i, customer_id, t0, device,
           list_concat(['visit'],
                       CASE WHEN r < 0.60 THEN ['view_product'] ELSE [] END,
                       CASE WHEN r < 0.25 THEN ['add_to_cart'] ELSE [] END,
                       CASE WHEN r < 0.15 THEN ['checkout'] ELSE [] END,
                       CASE WHEN r < 0.11 THEN ['purchase'] ELSE [] END,
                       list_transform(range(searches), lambda x: 'search')) AS types
    FROM s
), flat AS (
    SELECT i, customer_id, t0, device, unnest(types) AS event_type, unnest(range(len(types))) AS pos FROM typed
)
SELECT 'E' || i || '-' || pos AS event_id, 'S' || i AS session_id, customer_id,
       t0 + to_seconds(CAST(pos * 40 + hash(i, pos) % 60 AS BIGINT)) AS event_time,
       event_type, 'organic' AS source, device, CAST(NULL AS VARCHAR) AS product_id
FROM flat
"""


def generate(path: Path, events: int, threads: int | None) -> dict[str, float]:
    import duckdb

    sessions = max(1, round(events / EVENTS_PER_SESSION))
    started = time.perf_counter()
    con = duckdb.connect(str(path))
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(_GENERATE, {"sessions": sessions, "customers": max(1, sessions // 7)})
    rows = con.execute("SELECT count(*) FROM events").fetchone()
    con.close()
    return {"rows": int(rows[0]) if rows else 0, "generate_seconds": round(time.perf_counter() - started, 1)}


def run_sql(path: Path, threads: int | None) -> dict[str, object]:
    from crmlens.engine import Engine

    engine = Engine.open(path, as_of="2026-01-31")
    if threads:
        engine.con.execute(f"SET threads = {int(threads)}")
    started = time.perf_counter()
    result = engine.run("funnel.events", steps=STEPS, window_days=WINDOW_DAYS, unit="customer")
    seconds = time.perf_counter() - started
    engine.close()
    return {"units": [int(u) for u in result.table["units"]], "seconds": round(seconds, 2)}


def run_pandas(path: Path, threads: int | None) -> dict[str, object]:
    """The semantics of docs/funnel.md in pandas: order, then the earliest next step with merge_asof."""
    import duckdb
    import numpy as np
    import pandas as pd

    started = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    table = con.sql(
        "SELECT customer_id, event_time, event_type FROM events "
        "WHERE customer_id IS NOT NULL AND list_contains($steps, event_type)",
        params={"steps": STEPS},
    ).to_arrow_table()
    con.close()
    df = table.to_pandas(strings_to_categorical=True)
    del table
    loaded = time.perf_counter() - started
    first_step = {t: i for i, t in reversed(list(enumerate(STEPS)))}
    df["step"] = df["event_type"].map(first_step).astype("int8")
    # events of the same step at the same second are interchangeable: the event id need not break their tie
    df.sort_values(["customer_id", "event_time", "step"], inplace=True, ignore_index=True)
    df["seq"] = np.arange(len(df), dtype="int64")  # increasing within each customer
    df["unit"] = df["customer_id"].cat.codes.astype("int64")
    window = pd.Timedelta(days=WINDOW_DAYS)
    chains = df.loc[df["event_type"] == STEPS[0], ["unit", "seq", "event_time"]].rename(
        columns={"seq": "prev", "event_time": "t1"}
    )
    chains["level"] = 1
    alive = chains
    done = []
    for step in STEPS[1:]:
        candidates = df.loc[df["event_type"] == step, ["unit", "seq", "event_time"]]
        merged = pd.merge_asof(
            alive.sort_values("prev"),
            candidates,
            left_on="prev",
            right_on="seq",
            by="unit",
            direction="forward",
            allow_exact_matches=False,
        )
        ok = merged["seq"].notna() & (merged["event_time"] - merged["t1"] <= window)
        done.append(merged.loc[~ok, ["unit", "level"]])
        alive = merged.loc[ok, ["unit", "seq", "t1", "level"]].rename(columns={"seq": "prev"})
        alive["prev"] = alive["prev"].astype("int64")
        alive["level"] += 1
    done.append(alive[["unit", "level"]])
    best = pd.concat(done).groupby("unit")["level"].max()
    units = [int((best >= j).sum()) for j in range(1, len(STEPS) + 1)]
    return {"units": units, "seconds": round(time.perf_counter() - started, 2), "load_seconds": round(loaded, 2)}


def child(kind: str, path: str, threads: int | None) -> None:
    fn = {"sql": run_sql, "pandas": run_pandas}[kind]
    out = fn(Path(path), threads)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))


def in_child(kind: str, path: Path, threads: int | None) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", kind, str(path)] + (["--threads", str(threads)] if threads else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[50_000_000])
    parser.add_argument("--pandas-max", type=int, default=20_000_000, help="largest size pandas is run on")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.threads)
        return
    print(f"funnel {' → '.join(STEPS)}, window {WINDOW_DAYS:g} days, per customer")
    for events in args.events:
        with tempfile.TemporaryDirectory(prefix="crmlens-bench-funnel-") as tmp:
            path = Path(tmp) / "events.duckdb"
            gen = generate(path, events, args.threads)
            print(
                f"\n== {gen['rows']:,} events (generated in {gen['generate_seconds']} s, "
                f"{path.stat().st_size / 2**20:,.0f} MiB) =="
            )
            sql = in_child("sql", path, args.threads)
            print(
                f"  DuckDB SQL (funnel.events): {sql.get('seconds')} s, peak RSS {sql.get('peak_rss_mib')} MiB, "
                f"units {sql.get('units')}" + (f"  ERROR {sql['error']}" if "error" in sql else "")
            )
            if events > args.pandas_max:
                print(f"  pandas: skipped (more than --pandas-max {args.pandas_max:,} events)")
                continue
            pdr = in_child("pandas", path, args.threads)
            if "error" in pdr:
                print(f"  pandas: ERROR {pdr['error']}")
                continue
            same = "equal" if pdr["units"] == sql.get("units") else f"DIFFERENT {pdr['units']}"
            print(
                f"  pandas (merge_asof): {pdr['seconds']} s (of which reading {pdr['load_seconds']} s), peak RSS "
                f"{pdr['peak_rss_mib']} MiB; counts {same}"
            )
            if isinstance(sql.get("seconds"), float) and isinstance(pdr.get("seconds"), float):
                print(f"  pandas / SQL time: {pdr['seconds'] / sql['seconds']:.1f}x")  # type: ignore[operator]


if __name__ == "__main__":
    main()
