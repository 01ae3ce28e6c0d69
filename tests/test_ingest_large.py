"""A large messy CSV streams through the loader within the memory budget (slow: a few million rows)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_load.py"


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_two_million_rows_stay_under_the_memory_budget(tmp_path: Path) -> None:
    bench = bench_module()
    csv = tmp_path / "orders.csv"
    bench.generate(csv, 2_000_000)
    result, _, peak_rss = bench.run_child(bench.CRMLENS_CHILD, str(tmp_path / "crm.duckdb"), str(csv))
    assert result["read"] == 2_000_003  # the generated rows plus three malformed lines
    assert result["loaded"] + result["rejected"] == result["read"]
    assert result["rows_in_table"] == result["loaded"]
    assert result["rejected"] >= 3 + 1  # the malformed lines and at least one repeated order id
    assert peak_rss < 1.5 * 2**30
