"""Benchmark of ``crmlens load`` on a large, messy orders CSV, beside a plain DuckDB load of the same file.

    python bench/bench_load.py                 # 10 million rows (about 520 MB of CSV)
    python bench/bench_load.py --rows 1000000  # quicker
    python bench/bench_load.py --keep --workdir /tmp/bench

The CSV is generated with DuckDB ``COPY`` in a temporary directory: mixed date formats (ISO,
``2025/3/1``, ``20250301``), amounts with currency symbols and thousands separators, statuses in
English and Chinese, and some rows that must be rejected (bad dates, bad amounts, unknown statuses,
repeated order ids, malformed lines). Each load runs in its own child process into a new DuckDB file;
the plain load is ``CREATE TABLE orders AS SELECT * FROM read_csv(path, ignore_errors = true)`` (without
``ignore_errors`` DuckDB stops at the first malformed line). The script prints wall time, rows per second
and the child's peak resident memory (``ru_maxrss``
from ``os.wait4``, the per-child form of ``getrusage(RUSAGE_CHILDREN)``; the crmlens child runs
first, so ``RUSAGE_CHILDREN`` right after it is the same number, which is printed too).
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

import duckdb

CRMLENS_CHILD = """
import json, sys, time
import duckdb
from crmlens.engine.ingest import load
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
started = time.perf_counter()
report = load(con, [sys.argv[2]])
seconds = time.perf_counter() - started
rows = con.execute("SELECT count(*) FROM orders").fetchone()[0]
print(json.dumps({"seconds": seconds, "rows_in_table": rows, "read": report.rows_read, "loaded": report.loaded,
                  "rejected": report.rejected, "duplicates": report.table("orders").duplicate_keys}))
"""

PLAIN_CHILD = """
import json, sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
started = time.perf_counter()
con.execute("CREATE TABLE orders AS SELECT * FROM read_csv(?, ignore_errors = true)", [sys.argv[2]])
seconds = time.perf_counter() - started
rows = con.execute("SELECT count(*) FROM orders").fetchone()[0]
print(json.dumps({"seconds": seconds, "rows_in_table": rows}))
"""


def generate(path: Path, rows: int) -> None:
    """Write the messy orders CSV (plus a few malformed lines at the end)."""
    con = duckdb.connect()
    con.execute(
        f"""
COPY (
  SELECT
    'O' || lpad(CAST(CASE WHEN i % 1000003 = 7 THEN i - 1 ELSE i END AS VARCHAR), 9, '0') AS "Order No",
    'C' || CAST(i % 1000000 AS VARCHAR) AS "Customer ID",
    CASE WHEN i % 500009 = 0 THEN 'not a date'
         WHEN i % 10 = 1 THEN strftime(DATE '2023-01-01' + CAST(i % 900 AS INTEGER), '%Y/%-m/%-d')
         WHEN i % 10 = 2 THEN strftime(DATE '2023-01-01' + CAST(i % 900 AS INTEGER), '%Y%m%d')
         ELSE strftime(DATE '2023-01-01' + CAST(i % 900 AS INTEGER), '%Y-%m-%d') END AS "Order Date",
    CASE WHEN i % 400009 = 3 THEN 'lost in space' WHEN i % 7 = 0 THEN 'Completed' WHEN i % 7 = 1 THEN '已完成'
         WHEN i % 7 = 2 THEN 'cancelled' ELSE 'completed' END AS "Status",
    CASE WHEN i % 300007 = 0 THEN 'n/a amount'
         WHEN i % 5 = 1 THEN '$' || format('{{:,.2f}}', (i % 100000) / 10.0)
         WHEN i % 5 = 2 THEN '¥' || CAST(i % 5000 AS VARCHAR)
         ELSE CAST(round((i % 100000) / 10.0, 2) AS VARCHAR) END AS "Amount",
    CASE WHEN i % 3 = 0 THEN 'web' WHEN i % 3 = 1 THEN 'app' ELSE 'store' END AS "Channel"
  FROM range(?) t(i)
) TO '{path}' (HEADER, DELIMITER ',')
""",
        [rows],
    )
    con.close()
    with path.open("a", encoding="utf-8") as f:
        f.write('X1,C1,2025-01-01,completed,5,too,many,fields\nX2,C2\nX3,C3,"2025-01-01,completed,1,web\n')


def run_child(code: str, *args: str) -> tuple[dict[str, object], float, int]:
    """(the child's JSON result, wall seconds, peak RSS in bytes) of ``python -c code args``."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"the benchmark child failed with exit code {child.returncode}")
    last_line = output.decode("utf-8", errors="replace").strip().splitlines()[-1]
    return json.loads(last_line), wall, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows to generate (default 10 million)")
    parser.add_argument("--workdir", type=Path, help="where to write the CSV and databases (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="crmlens-bench-", dir=args.workdir) as tmp:
        work = Path(tmp)
        csv = work / "orders.csv"
        started = time.perf_counter()
        generate(csv, args.rows)
        size_mb = csv.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:,.0f} MB) in {time.perf_counter() - started:.1f}s: {csv}")

        result, wall, rss = run_child(CRMLENS_CHILD, str(work / "crmlens.duckdb"), str(csv))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        seconds = float(result["seconds"])  # type: ignore[arg-type]
        print(
            f"crmlens load : {seconds:6.1f}s  {args.rows / seconds:>12,.0f} rows/s  peak RSS {rss / 2**20:,.0f} MiB "
            f"(RUSAGE_CHILDREN {children / 2**20:,.0f} MiB)  process wall {wall:.1f}s"
        )
        print(
            f"               read {result['read']:,}, loaded {result['loaded']:,}, rejected {result['rejected']:,} "
            f"(duplicate keys {result['duplicates']:,}); rows in table {result['rows_in_table']:,}"
        )

        plain, wall, rss = run_child(PLAIN_CHILD, str(work / "plain.duckdb"), str(csv))
        seconds = float(plain["seconds"])  # type: ignore[arg-type]
        print(
            f"plain DuckDB : {seconds:6.1f}s  {args.rows / seconds:>12,.0f} rows/s  peak RSS {rss / 2**20:,.0f} MiB "
            f" process wall {wall:.1f}s"
        )
        print(
            f"               CREATE TABLE AS SELECT * FROM read_csv(ignore_errors): types sniffed, no cleaning, "
            f"malformed lines dropped silently; rows in table {plain['rows_in_table']:,}"
        )
        if args.keep:
            kept = Path(tempfile.mkdtemp(prefix="crmlens-bench-kept-", dir=args.workdir))
            for item in work.iterdir():
                item.rename(kept / item.name)
            print(f"kept the files in {kept}")


if __name__ == "__main__":
    main()
