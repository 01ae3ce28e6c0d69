"""segmentation.rfm: R, F and M against hand-written SQL, scores against an independent implementation
of the documented mid-rank rule, segment sizes and shares, edge cases, thresholds, saving."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from crmlens.engine import Engine, MissingDataError, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.segmentation import names

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("seg-rfm") / "demo.duckdb"
    engine = Engine.open(path)
    engine.generate_demo(customers=3000, seed=7)
    yield engine
    engine.close()


def small_engine(orders: list[tuple[str, str, str, str, float]], customers: list[str] | None = None) -> Engine:
    """An in-memory engine with customers and orders (customer, order date, status, amount)."""
    engine = Engine.memory(as_of=AS_OF)
    ensure_canonical_tables(engine.con, ["customers", "orders"])
    ids = customers if customers is not None else sorted({o[1] for o in orders})
    for cid in ids:
        engine.con.execute("INSERT INTO customers (customer_id, signup_date) VALUES (?, DATE '2024-01-01')", [cid])
    for oid, cid, day, status, amount in orders:
        engine.con.execute(
            "INSERT INTO orders (order_id, customer_id, order_date, status, amount) VALUES (?, ?, ?, ?, ?)",
            [oid, cid, dt.date.fromisoformat(day), status, amount],
        )
    return engine


def midrank(values: list[float], bins: int, *, higher_is_better: bool) -> list[int]:
    """The documented tie rule, written independently: ceil(bins × (below + upto) / 2n)."""
    keys = [v if higher_is_better else -v for v in values]
    ordered = sorted(keys)
    n = len(keys)
    return [math.ceil(bins * (bisect_left(ordered, k) + bisect_right(ordered, k)) / (2 * n)) for k in keys]


def on_five(score: int, bins: int) -> int:
    return math.floor(5 * (2 * score - 1) / (2 * bins)) + 1


def expected_segment(r: int, f: int, m: int, bins: int = 5) -> str:
    fm = math.floor((on_five(f, bins) + on_five(m, bins)) / 2 + 0.5)
    return names.RFM_GRID[on_five(r, bins)][fm - 1]


HAND_RFM = """
SELECT customer_id, date_diff('day', max(order_date), DATE '2025-12-31') AS recency_days,
       count(*) AS frequency, sum(amount) AS monetary
FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL AND order_date <= DATE '2025-12-31'
GROUP BY customer_id ORDER BY customer_id
"""


def test_rfm_values_match_hand_written_sql_and_scores_follow_the_tie_rule(demo: Engine) -> None:
    result = demo.run("segmentation.rfm")
    saved = demo.con.execute(
        "SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment FROM rfm_scores "
        "WHERE as_of = DATE '2025-12-31' ORDER BY customer_id"
    ).fetchall()
    hand = demo.con.execute(HAND_RFM).fetchall()
    assert [row[:4] for row in saved] == hand
    r = midrank([float(h[1]) for h in hand], 5, higher_is_better=False)
    f = midrank([float(h[2]) for h in hand], 5, higher_is_better=True)
    m = midrank([float(h[3]) for h in hand], 5, higher_is_better=True)
    assert [row[4] for row in saved] == r
    assert [row[5] for row in saved] == f
    assert [row[6] for row in saved] == m
    assert [row[7] for row in saved] == [expected_segment(*s) for s in zip(r, f, m, strict=True)]
    assert result.details["buying_customers"] == len(hand)


def test_segment_sizes_sum_to_buying_customers_and_shares_to_one(demo: Engine) -> None:
    result = demo.run("segmentation.rfm", save=False)
    table = result.table
    buyers, revenue = demo.con.execute(
        "SELECT count(DISTINCT customer_id), sum(amount) FROM orders WHERE status = 'completed' "
        "AND customer_id IS NOT NULL AND order_date <= DATE '2025-12-31'"
    ).fetchone() or (0, 0)
    assert list(table["segment"]) == [s.name for s in names.RFM_SEGMENTS]
    assert int(table["customers"].sum()) == buyers
    assert math.isclose(float(table["share"].sum()), 1.0, rel_tol=1e-12)
    assert math.isclose(float(table["revenue_share"].sum()), 1.0, rel_tol=1e-12)
    assert sum(Decimal(str(v)) for v in table["revenue"]) == revenue
    assert table["segment_zh"].iloc[0] == "冠军客户"
    assert all(isinstance(a, str) and a for a in table["action"])
    assert "Champions" in result.summary and f"{buyers:,}" in result.summary
    # no save: the top rows are in details and nothing was written
    assert len(result.details["top_customers"]) == 20
    assert result.details["saved_rows"] == 0


def test_score_bins_are_equal_without_ties() -> None:
    # 10 customers, distinct recency, frequency and amount: two per score for each measure
    orders = []
    for i in range(10):
        for j in range(i + 1):
            orders.append((f"O{i}-{j}", f"C{i}", f"2025-{i + 1:02d}-{j + 1:02d}", "completed", 10.0 * (i + 1) + j))
    with small_engine(orders) as engine:
        engine.run("segmentation.rfm")
        rows = engine.con.execute("SELECT r_score, f_score, m_score FROM rfm_scores ORDER BY customer_id").fetchall()
    for k in range(3):
        counts = [sum(1 for row in rows if row[k] == s) for s in range(1, 6)]
        assert counts == [2, 2, 2, 2, 2]


def test_one_customer_scores_in_the_middle() -> None:
    with small_engine([("O1", "C1", "2025-06-01", "completed", 50.0)]) as engine:
        result = engine.run("segmentation.rfm")
        row = engine.con.execute("SELECT r_score, f_score, m_score, segment FROM rfm_scores").fetchone()
    assert row == (3, 3, 3, names.NEED_ATTENTION)
    assert int(result.table["customers"].sum()) == 1


def test_identical_customers_get_identical_scores() -> None:
    orders = [(f"O{i}{j}", f"C{i}", f"2025-0{j + 1}-15", "completed", 25.0) for i in range(7) for j in range(3)]
    with small_engine(orders) as engine:
        result = engine.run("segmentation.rfm")
        rows = engine.con.execute("SELECT DISTINCT r_score, f_score, m_score, segment FROM rfm_scores").fetchall()
        assert rows == [(3, 3, 3, names.NEED_ATTENTION)]  # the middle of 5 bins
        table = result.table
        assert int(table["customers"].sum()) == 7
        assert float(table.loc[table["customers"] > 0, "share"].iloc[0]) == 1.0
        engine.run("segmentation.rfm", bins=4)  # the middle of 4 bins is the top of bin 2
        rows = engine.con.execute("SELECT DISTINCT r_score, f_score, m_score FROM rfm_scores").fetchall()
        assert rows == [(2, 2, 2)] == [tuple(midrank([25.0] * 7, 4, higher_is_better=True)[:1] * 3)]


def test_customers_without_orders_and_returned_only_customers_are_not_scored() -> None:
    orders = [
        ("O1", "A", "2025-11-01", "completed", 100.0),
        ("O2", "A", "2025-12-01", "completed", 50.0),
        ("O3", "B", "2025-10-01", "returned", 70.0),  # returned only
        ("O4", "D", "2025-09-01", "cancelled", 10.0),
        ("O5", "D", "2025-09-05", "completed", 30.0),
        ("O6", "E", "2026-01-05", "completed", 30.0),  # after as-of: ignored
    ]
    with small_engine(orders, customers=["A", "B", "C", "D", "E"]) as engine:
        result = engine.run("segmentation.rfm")
        scored = engine.con.execute("SELECT customer_id, frequency, monetary FROM rfm_scores ORDER BY 1").fetchall()
    assert scored == [("A", 2, Decimal("150.00")), ("D", 1, Decimal("30.00"))]
    assert result.details["buying_customers"] == 2
    assert result.details["known_customers"] == 5  # B (returned only), C (none), E (ordered later) did not buy


def test_no_completed_orders_is_a_clear_error() -> None:
    with small_engine([("O1", "B", "2025-10-01", "returned", 70.0)]) as engine, pytest.raises(
        MissingDataError, match="No customer has a completed order"
    ):
        engine.run("segmentation.rfm")


def test_window_and_end_restrict_the_orders(demo: Engine) -> None:
    result = demo.run("segmentation.rfm", window_days=365, end=dt.date(2025, 6, 30), save=False)
    hand = demo.con.execute(
        "SELECT count(DISTINCT customer_id), sum(amount) FROM orders WHERE status = 'completed' "
        "AND order_date BETWEEN DATE '2024-07-01' AND DATE '2025-06-30'"
    ).fetchone() or (0, 0)
    assert result.details["buying_customers"] == hand[0]
    assert sum(Decimal(str(v)) for v in result.table["revenue"]) == hand[1]
    assert "2024-07-01 to 2025-06-30" in result.title
    assert any("DATE '2024-07-01'" in s for s in result.sql)


def test_fixed_thresholds() -> None:
    orders = [
        ("O1", "A", "2025-12-30", "completed", 60.0),  # recency 1 -> R5; F1 -> 1; M 60 -> 2
        ("O2", "B", "2025-08-01", "completed", 500.0),  # recency 152 -> R3
        ("O3", "B", "2025-07-01", "completed", 600.0),  # F2 -> 2; M 1100 -> 4
        ("O4", "C", "2023-01-01", "completed", 10.0),  # recency > 365 -> R1; M -> 1
    ]
    with small_engine(orders) as engine:
        engine.run("segmentation.rfm", scoring="thresholds", monetary_edges=[50, 100, 1000, 5000])
        rows = engine.con.execute("SELECT customer_id, r_score, f_score, m_score FROM rfm_scores ORDER BY 1").fetchall()
    assert rows == [("A", 5, 1, 2), ("B", 3, 2, 4), ("C", 1, 1, 1)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scoring": "thresholds"}, "monetary_edges"),
        ({"scoring": "thresholds", "monetary_edges": [1, 2, 3]}, "needs 4 values"),
        ({"scoring": "thresholds", "monetary_edges": [1, 3, 2, 4]}, "ascending"),
        ({"monetary_edges": [1, 2, 3, 4]}, "only apply with scoring=thresholds"),
        ({"bins": 1}, "bins"),
        ({"segment": "Superstars"}, "unknown RFM segment"),
        ({"start": dt.date(2025, 1, 1), "window_days": 30}, "not both"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_params_are_refused_with_the_reason(demo: Engine, params: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        demo.run("segmentation.rfm", **params)


def test_bins_other_than_five_map_to_the_named_segments(demo: Engine) -> None:
    result = demo.run("segmentation.rfm", bins=10, save=False)
    assert int(result.table["customers"].sum()) == result.details["buying_customers"]
    ranges = result.details["score_ranges"]
    assert {r["score"] for r in ranges if r["measure"] == "monetary"} == set(range(1, 11))
    assert all(1 <= c["r_score"] <= 10 for c in result.details["top_customers"])


def test_segment_listing_accepts_chinese_names(demo: Engine) -> None:
    result = demo.run("segmentation.rfm", segment="流失风险", top=15, save=False)
    table = result.table
    assert result.title == "RFM segment At Risk"
    assert 0 < len(table) <= 15 and set(table["segment"]) == {names.AT_RISK}
    assert list(table["monetary"]) == sorted(table["monetary"], reverse=True)
    assert "win-back" in result.summary
    assert "name" in table.columns


def test_saving_replaces_the_run_of_the_same_date(demo: Engine) -> None:
    demo.run("segmentation.rfm")
    buyers = demo.run("segmentation.rfm").details["saved_rows"]
    counts = demo.con.execute(
        "SELECT count(*), count(DISTINCT customer_id) FROM segments WHERE scheme = 'rfm' AND as_of = DATE '2025-12-31'"
    ).fetchone()
    assert counts == (buyers, buyers)
    assert demo.con.execute("SELECT count(*) FROM rfm_scores WHERE as_of = DATE '2025-12-31'").fetchone() == (buyers,)


def test_a_read_only_database_is_analysed_but_not_written(tmp_path: Path) -> None:
    path = tmp_path / "ro.duckdb"
    with Engine.open(path) as engine:
        engine.generate_demo(customers=300, seed=3)
    with Engine.open(path, read_only=True) as engine:
        result = engine.run("segmentation.rfm")
        assert result.details["saved_rows"] == 0
        assert any("read-only" in w for w in result.warnings)
        assert "segments" not in {t.name for t in engine.tables()}


def test_a_foreign_segments_table_is_not_overwritten() -> None:
    with small_engine([("O1", "A", "2025-06-01", "completed", 10.0)]) as engine:
        engine.con.execute("CREATE TABLE segments (id INTEGER, label VARCHAR)")
        with pytest.raises(UsageError, match="without the columns customer_id, scheme, segment, as_of"):
            engine.run("segmentation.rfm")
        assert engine.con.execute("SELECT count(*) FROM segments").fetchone() == (0,)
        assert engine.run("segmentation.rfm", save=False).details["saved_rows"] == 0
