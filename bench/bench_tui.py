"""Time the terminal UI: startup to a ready prompt, to a loaded catalog, the first answer, and a
100,000-row answer — each in a fresh child process running the app headless at 120×40.

    python bench/bench_tui.py                    # on a fresh 20,000-customer demo database (seed 42)
    python bench/bench_tui.py --db my.duckdb --runs 7

Times are wall-clock seconds from spawning the child process (interpreter start included):

* ``prompt``   — the app has drawn its first screen and the prompt has the focus (typing works);
* ``catalog``  — the database is open and the sidebar catalog and autocomplete are filled;
* ``answer``   — "revenue by month" typed at ``catalog`` has its answer card on screen;
* ``big``      — a 100,000-row SQL answer (asked after ``answer``) has its card and first page on screen;
* ``stall``    — the longest the UI's event loop went without running a 10 ms timer, from start to
  the end (how long the app could not respond to a key).

Baselines in the same run: ``python -c pass`` and ``python -c "import textual.app"`` (what any
Textual app pays), and ``crmlens ask "revenue by month"`` (the command line answering the same question).
The target is a ready prompt under 1.5 s on the demo database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, os, sys, time
t0 = float(os.environ["BENCH_T0"])
from crmlens.tui.app import CrmlensApp

marks = {}
stall = [0.0, None]

class BenchApp(CrmlensApp):
    def on_ready(self) -> None:
        self.call_after_refresh(self._mark_prompt)
        self.set_interval(0.01, self._tick)
        self.set_interval(0.005, self._watch)

    def _mark_prompt(self) -> None:
        if self.prompt.has_focus:
            marks["prompt"] = time.time() - t0

    def _tick(self) -> None:
        now = time.monotonic()
        if stall[1] is not None:
            stall[0] = max(stall[0], now - stall[1] - 0.01)
        stall[1] = now

    def _watch(self) -> None:
        if self.catalog is None:
            return
        from crmlens.tui.answer_card import AnswerCard  # imported by the app once the engine is

        cards = list(self.query(AnswerCard))
        if "catalog" not in marks and self.catalog is not None:
            marks["catalog"] = time.time() - t0
            self.prompt.set_text("revenue by month")
            self.call_later(self.prompt.action_submit)
        elif "answer" not in marks and len(cards) == 1:
            marks["answer"] = time.time() - t0
            self._asked = time.time()
            self.ask("/sql SELECT range AS n, range % 7 AS r, 'row ' || range AS label FROM range(100000)")
        elif "big" not in marks and len(cards) == 2 and cards[1].table is not None and cards[1].table.row_count:
            marks["big"] = time.time() - self._asked
            marks["big_rows"] = cards[1].result.row_count
            marks["stall"] = stall[0]
            self.exit()

app = BenchApp(db=sys.argv[1], history_path=None)
app.run(headless=True, size=(120, 40))
app.close_engine()
print(json.dumps(marks))
"""


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.time()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.time() - started


def _child(db: Path, env: dict[str, str]) -> dict[str, float]:
    env = {**env, "BENCH_T0": repr(time.time())}
    out = subprocess.run([sys.executable, "-c", CHILD, str(db)], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the TUI child failed:\n{out.stdout}\n{out.stderr}")
    marks: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="database to open (default: a fresh demo database)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crmlens-bench-tui-") as tmp:
        env = {**os.environ, "CRMLENS_HOME": tmp}
        db = args.db
        if db is None:
            from crmlens.engine import Engine

            db = Path(tmp) / "demo.duckdb"
            with Engine.open(db) as engine:
                engine.generate_demo(customers=20_000, seed=42)
        crmlens = str(Path(sys.executable).with_name("crmlens"))
        rows: dict[str, list[float]] = {}
        _child(db, env)  # warm the OS file cache and bytecode once
        for _ in range(args.runs):
            rows.setdefault("python -c pass", []).append(_timed([sys.executable, "-c", "pass"], env))
            rows.setdefault("python -c 'import textual.app'", []).append(
                _timed([sys.executable, "-c", "import textual.app"], env)
            )
            rows.setdefault("crmlens ask 'revenue by month'", []).append(
                _timed([crmlens, "--db", str(db), "ask", "revenue by month"], env)
            )
            marks = _child(db, env)
            for key in ("prompt", "catalog", "answer", "big", "stall"):
                rows.setdefault(f"tui {key}", []).append(marks[key])
    print(f"database: {args.db or 'demo, 20,000 customers, seed 42'}; {args.runs} runs, median (min–max) in seconds")
    for name, values in rows.items():
        print(f"  {name:<34} {statistics.median(values):6.2f}   ({min(values):.2f}–{max(values):.2f})")
    prompt = statistics.median(rows["tui prompt"])
    print(f"\nready prompt: {prompt:.2f} s (target < 1.5 s): {'met' if prompt < 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
