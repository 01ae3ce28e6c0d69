"""Time reputation.sentiment and reputation.topics on a large synthetic review table.

    python bench/bench_reputation.py                          # 1,000,000 reviews
    python bench/bench_reputation.py --reviews 200000 --threads 2
    python bench/bench_reputation.py --unique         # every text distinct (worst case for sentiment)

The review texts are made by resampling the demo's reviews (20,000 customers, seed 42): each synthetic
review copies the brand, source, rating, date and language of a random demo review and joins one to three
sentences drawn from demo reviews of the same language and star rating, so nearly every text is new (the
sentiment step scores each distinct text once, so copying whole reviews would flatter it). Each step runs in
a fresh child process on a copy of the database in a temporary folder: its wall time and its peak resident
memory are its own. Prints the rows scored, the distinct texts, the seconds and the peak RSS of each step.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]?")


def _prepare(path: Path, reviews: int, seed: int, unique: bool) -> dict[str, object]:
    import numpy as np
    import pyarrow as pa

    from crmlens.engine import Engine

    started = time.perf_counter()
    engine = Engine.open(path)
    engine.generate_demo(customers=20_000, seed=seed)
    con = engine.con
    demo = con.sql("SELECT customer_id, product_id, brand, source, posted_at, rating, text, language "
                   "FROM reviews WHERE text IS NOT NULL").to_arrow_table()
    rng = np.random.default_rng(seed)
    texts = demo.column("text").to_pylist()
    language = demo.column("language").to_pylist()
    rating = demo.column("rating").to_pylist()
    pools: dict[tuple[str, int], list[str]] = {}
    for t, la, r in zip(texts, language, rating, strict=True):
        for s in _SENTENCE.findall(t):
            if s.strip():
                pools.setdefault((la, r), []).append(s.strip())
    keys = {k: np.array(v, dtype=object) for k, v in pools.items()}
    pick = rng.integers(0, len(texts), reviews)
    counts = rng.integers(1, 4, reviews)
    body = []
    for n, (i, k) in enumerate(zip(pick, counts, strict=True)):
        pool = keys[(language[i], rating[i])]
        parts = list(pool[rng.integers(0, len(pool), k)])
        if unique:  # an order number makes every text distinct, as real reviews nearly always are
            parts.append(f"Order {n}." if language[i] == "en" else f"订单{n}。")
        body.append((" " if language[i] == "en" else "").join(parts))
    table = demo.take(pa.array(pick)).set_column(6, "text", pa.array(body, pa.string()))
    table = table.append_column("review_id", pa.array([f"B{i:08d}" for i in range(reviews)], pa.string()))
    con.execute("DELETE FROM reviews")
    con.register("synthetic", table)
    con.execute("INSERT INTO reviews (review_id, customer_id, product_id, brand, source, posted_at, rating, text, "
                "language) SELECT review_id, customer_id, product_id, brand, source, posted_at, rating, text, language "
                "FROM synthetic")
    con.unregister("synthetic")
    distinct = con.execute(
        "SELECT count(DISTINCT text), count(*) FILTER (WHERE language = 'zh') FROM reviews").fetchone()
    engine.close()
    assert distinct is not None
    return {"reviews": reviews, "distinct_texts": int(distinct[0]), "chinese": int(distinct[1]),
            "seconds": round(time.perf_counter() - started, 1)}


def _step(path: Path, step: str, threads: int | None) -> dict[str, object]:
    from crmlens.engine import Engine

    engine = Engine.open(path)
    if threads:
        engine.con.execute(f"SET threads = {int(threads)}")
    started = time.perf_counter()
    if step == "sentiment":
        result = engine.run("reputation.sentiment", source="reviews")
        info: dict[str, object] = {"scored": result.details["reviews"]["scored_now"],
                                   "distinct_texts": result.details["reviews"]["distinct_texts_scored_now"]}
    else:
        polarity = step.split(":", 1)[1]
        result = engine.run("reputation.topics", source="reviews", polarity=polarity, brands="all", k=6)
        info = {"topics": len(result.table), "summary": result.summary}
    seconds = time.perf_counter() - started
    engine.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"step": step, "seconds": round(seconds, 1), "peak_rss_mib": round(peak, 1), **info}


def _child(args: list[str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True,
                         env={**os.environ})
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's choice).")
    parser.add_argument("--unique", action="store_true", help="Make every text distinct (append an order number).")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, path = args.child
        result = (_prepare(Path(path), args.reviews, args.seed, args.unique) if step == "prepare"
                  else _step(Path(path), step, args.threads))
        print(json.dumps(result, ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="crmlens-bench-rep-") as tmp:
        os.environ.setdefault("CRMLENS_HOME", str(Path(tmp) / "home"))
        path = Path(tmp) / "reviews.duckdb"
        common = ["--reviews", str(args.reviews), "--seed", str(args.seed)]
        if args.threads:
            common += ["--threads", str(args.threads)]
        if args.unique:
            common.append("--unique")
        prepared = _child([*common, "--child", "prepare", str(path)])
        print(f"{prepared['reviews']:,} synthetic reviews ({prepared['distinct_texts']:,} distinct texts, "
              f"{prepared['chinese']:,} Chinese) made in {prepared['seconds']} s")
        for step in ("sentiment", "topics:negative", "topics:all"):
            result = _child([*common, "--child", step, str(path)])
            line = f"  {step:<16} {result['seconds']:>8} s   peak RSS {result['peak_rss_mib']:>8} MiB"
            if step == "sentiment":
                line += f"   scored {result['scored']:,} rows, {result['distinct_texts']:,} distinct texts"
            else:
                line += f"   {result['topics']} topics"
            print(line, flush=True)
            if step != "sentiment":
                print(f"    {result['summary']}")


if __name__ == "__main__":
    main()
