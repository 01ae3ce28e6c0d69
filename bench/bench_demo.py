"""Time ``crmlens demo`` data generation.

    python bench/bench_demo.py                       # 20,000 and 1,000,000 customers
    python bench/bench_demo.py --customers 20000 200000 --seed 7 --threads 2

Each size runs in a fresh child process (so the peak RSS reported is that size's own) and writes to a
DuckDB file in a temporary directory, which is removed afterwards. Prints the rows of every table,
the generation time (inside ``generate_demo``, including the commit), the wall time of the child
process, the database file size and the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run_one(customers: int, seed: int, threads: int | None) -> dict[str, object]:
    import duckdb

    from crmlens.engine.demo import generate_demo

    with tempfile.TemporaryDirectory(prefix="crmlens-bench-") as tmp:
        path = Path(tmp) / "demo.duckdb"
        started = time.perf_counter()
        con = duckdb.connect(str(path))
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        report = generate_demo(con, customers=customers, seed=seed)
        con.close()
        wall = time.perf_counter() - started
        size = path.stat().st_size
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "customers": customers,
        "seed": seed,
        "rows": dict(report.rows),
        "generate_seconds": round(report.seconds, 2),
        "wall_seconds": round(wall, 2),
        "db_mib": round(size / 2**20, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }


def _print(result: dict[str, object]) -> None:
    rows = result["rows"]
    assert isinstance(rows, dict)
    print(f"\n== {result['customers']:,} customers (seed {result['seed']}) ==")
    for table, count in rows.items():
        print(f"  {table:<20} {count:>14,}")
    print(f"  {'total':<20} {sum(rows.values()):>14,}")
    print(f"  generate_demo: {result['generate_seconds']} s   wall (incl. close): {result['wall_seconds']} s")
    print(f"  database file: {result['db_mib']} MiB   peak RSS: {result['peak_rss_mib']} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's choice)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run_one(args.customers[0], args.seed, args.threads)))
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for n in args.customers:
        cmd = [sys.executable, __file__, "--child", "--customers", str(n), "--seed", str(args.seed)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        _print(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
