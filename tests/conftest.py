"""Shared fixtures. Every test runs with CRMLENS_HOME in a temp folder, so nothing touches the
user's data directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmlens.engine import Engine
from crmlens.engine.database import ensure_canonical_tables

pytest_plugins = ["corpus_plugin"]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMLENS_HOME", str(tmp_path_factory.getbasetemp() / "crmlens-home"))
    monkeypatch.delenv("CRMLENS_DB", raising=False)


@pytest.fixture
def tiny_engine() -> Iterator[Engine]:
    """An in-memory engine with a handful of hand-written customers and orders (numbers checkable by eye)."""
    engine = Engine.memory(as_of=dt.date(2025, 3, 31))
    con = engine.con
    ensure_canonical_tables(con, ["customers", "orders"])
    con.execute(
        """INSERT INTO customers (customer_id, name, email, city, region, signup_date) VALUES
        ('C1', 'Ann', 'ann@example.com', 'Shanghai', 'East China', DATE '2024-01-05'),
        ('C2', 'Bo', 'bo@example.com', 'Beijing', 'North China', DATE '2024-06-01'),
        ('C3', 'Cy', ' ANN@example.com', 'London', 'Europe', DATE '2025-01-10')"""
    )
    con.execute(
        """INSERT INTO orders (order_id, customer_id, order_date, channel, status, amount, discount) VALUES
        ('O1', 'C1', DATE '2025-01-10', 'web', 'completed', 100.00, 0),
        ('O2', 'C1', DATE '2025-02-11', 'app', 'completed', 50.50, 5),
        ('O3', 'C2', DATE '2025-02-20', 'store', 'returned', 80.00, 0),
        ('O4', 'C2', DATE '2025-03-02', 'web', 'completed', 20.00, 0),
        ('O5', 'C3', DATE '2025-03-30', 'web', 'cancelled', 999.00, 0)"""
    )
    yield engine
    engine.close()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "crm.duckdb"
