"""Benchmarks of the query layer, side by side in one run.

1. parse + compile time per question over the whole question corpus (median and p99);
2. cold start: `crmlens ask` as a fresh process, from start to printed answer, on the default demo database;
3. generated SQL against hand-written SQL for the same questions on a large demo database
   (1M customers by default): run time of each, alternating, median of N runs, and the ratio.

    python bench/bench_query.py                    # all three (builds the demo databases if missing)
    python bench/bench_query.py --customers 200000 # a smaller "large" database
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from crmlens.engine import Engine, MissingDataError, NotUnderstoodError, UsageError
from crmlens.query.answer import parser_for
from crmlens.query.catalog import Catalog
from crmlens.query.compiler import Compiler

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "questions.toml"
# Questions for the SQL comparison: corpus ids whose hand-written SQL answers the same question.
SQL_CASES = [
    "en-rev-region-lq", "en-rev-month-ty", "zh-rev-channel-2025", "en-top10-cust-ty", "en-aov-channel-2025",
    "en-repeat-lq", "en-conv-device-ty", "en-nps-lq", "zh-churn", "en-new-cust-acq-2024",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ensure_demo(path: Path, customers: int) -> None:
    if not path.exists():
        print(f"building {path} with {customers:,} customers ...", flush=True)
        started = time.perf_counter()
        with Engine.open(path) as engine:
            engine.generate_demo(customers=customers, seed=42)
        print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)


def bench_parse(db: Path) -> None:
    cases = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]
    with Engine.open(db, read_only=True) as engine:
        parser = parser_for(engine)
        compiler = Compiler(Catalog.for_engine(engine))
        parser.parse("按渠道统计平均客单价")  # the first Chinese question loads jieba's dictionary: a cold-start cost
        times: list[float] = []
        for _ in range(3):
            for case in cases:
                started = time.perf_counter()
                try:
                    it = parser.parse(case["question"])
                    if it.kind in ("metric", "list"):
                        _ = compiler.compile(it).sql
                except (NotUnderstoodError, UsageError, MissingDataError):
                    pass
                times.append(time.perf_counter() - started)
    ms = [t * 1000 for t in times]
    print(f"parse+compile over {len(cases)} corpus questions x3: median {statistics.median(ms):.2f} ms, "
          f"p99 {percentile(ms, 0.99):.2f} ms, max {max(ms):.2f} ms  (budget: median < 2 ms, p99 < 10 ms)")


def bench_cold_start(db: Path, runs: int = 5) -> None:
    exe = Path(sys.executable).with_name("crmlens")
    walls: list[float] = []
    for question in ["revenue by region last quarter", "按渠道统计平均客单价"] * runs:
        started = time.perf_counter()
        subprocess.run([str(exe), "--db", str(db), "ask", question], check=True, capture_output=True,
                       env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        walls.append(time.perf_counter() - started)
    print(f"cold `crmlens ask` (fresh process to answer, {len(walls)} runs, EN and ZH): median "
          f"{statistics.median(walls):.2f} s, min {min(walls):.2f} s, max {max(walls):.2f} s  (budget: < 1 s)")


def bench_sql(db: Path, runs: int) -> None:
    cases = {c["id"]: c for c in tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]}
    print(f"generated vs hand-written SQL on {db.name} (median of {runs} runs, alternating):")
    print(f"  {'case':32} {'generated':>10} {'hand':>10} {'ratio':>6}")
    ratios = []
    with Engine.open(db, read_only=True) as engine:
        engine.con.execute("SET enable_progress_bar = false")
        for case_id in SQL_CASES:
            case = cases.get(case_id)
            if case is None:
                print(f"  {case_id:32} (not in the corpus)")
                continue
            answer = engine.ask(case["question"])
            generated, hand = answer.sql[0], case["sql"]
            gen_times, hand_times = [], []
            for _ in range(runs):
                for sql, bucket in ((generated, gen_times), (hand, hand_times)):
                    started = time.perf_counter()
                    engine.con.execute(sql).fetchall()
                    bucket.append(time.perf_counter() - started)
            g, h = statistics.median(gen_times), statistics.median(hand_times)
            ratios.append(g / h)
            print(f"  {case_id:32} {g * 1000:8.1f}ms {h * 1000:8.1f}ms {g / h:6.2f}")
    print(f"  geometric mean ratio {statistics.geometric_mean(ratios):.2f}, worst {max(ratios):.2f} "
          f"(budget: within 1.2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="size of the large demo database")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "crmlens-bench")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    small = args.dir / "demo-20000.duckdb"
    large = args.dir / f"demo-{args.customers}.duckdb"
    ensure_demo(small, 20_000)
    bench_parse(small)
    bench_cold_start(small)
    ensure_demo(large, args.customers)
    bench_sql(large, args.runs)


if __name__ == "__main__":
    main()
