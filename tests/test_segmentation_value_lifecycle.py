"""segmentation.value (Pareto/ABC tiers) and segmentation.lifecycle (stages and transitions), checked
against independent Python computations and hand-written SQL."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pytest

from crmlens.engine import Engine, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.segmentation import names

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("seg-value") / "demo.duckdb"
    engine = Engine.open(path)
    engine.generate_demo(customers=3000, seed=11)
    yield engine
    engine.close()


def small_engine(orders: list[tuple[str, str, str, str, float]], signups: dict[str, str | None]) -> Engine:
    engine = Engine.memory(as_of=AS_OF)
    ensure_canonical_tables(engine.con, ["customers", "orders"])
    for cid, day in signups.items():
        engine.con.execute(
            "INSERT INTO customers (customer_id, signup_date) VALUES (?, ?)",
            [cid, dt.date.fromisoformat(day) if day else None],
        )
    for oid, cid, day, status, amount in orders:
        engine.con.execute(
            "INSERT INTO orders (order_id, customer_id, order_date, status, amount) VALUES (?, ?, ?, ?, ?)",
            [oid, cid, dt.date.fromisoformat(day), status, amount],
        )
    return engine


# -- value tiers --------------------------------------------------------------------------------------


def customer_revenue(engine: Engine) -> dict[str, Decimal]:
    rows = engine.con.execute(
        "SELECT customer_id, sum(amount) FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL "
        "AND order_date <= DATE '2025-12-31' GROUP BY 1"
    ).fetchall()
    return {cid: Decimal(v) for cid, v in rows}


def expected_tiers(revenue: dict[str, Decimal], a: Decimal, b: Decimal) -> dict[str, str]:
    """Independent: revenue of the customers with strictly more revenue, against a·total and b·total."""
    total = sum(revenue.values())
    out = {}
    for cid, v in revenue.items():
        above = sum(x for x in revenue.values() if x > v)
        out[cid] = names.TIER_A if above < a * total else names.TIER_B if above < b * total else names.TIER_C
    return out


def test_tiers_match_an_independent_computation(demo: Engine) -> None:
    result = demo.run("segmentation.value")
    revenue = customer_revenue(demo)
    want = expected_tiers(revenue, Decimal("0.8"), Decimal("0.95"))
    got = dict(
        demo.con.execute("SELECT customer_id, segment FROM segments WHERE scheme = 'value' AND as_of = ?", [AS_OF])
        .fetchall()
    )
    assert got == want
    table = result.table
    counts = Counter(want.values())
    assert list(table["tier"]) == [names.TIER_A, names.TIER_B, names.TIER_C]
    assert list(table["customers"]) == [counts[t] for t in table["tier"]]
    assert int(table["customers"].sum()) == len(revenue)
    assert math.isclose(float(table["share"].sum()), 1.0, rel_tol=1e-12)
    assert math.isclose(float(table["revenue_share"].sum()), 1.0, rel_tol=1e-12)
    assert math.isclose(float(table["cumulative_revenue_share"].iloc[-1]), 1.0, rel_tol=1e-12)
    # tier A is the smallest top group reaching 80% of revenue
    total = sum(revenue.values())
    top = sorted(revenue.values(), reverse=True)
    a_count = counts[names.TIER_A]
    assert sum(top[:a_count]) >= Decimal("0.8") * total > sum(top[: a_count - 1])
    assert result.details["customers_making_a_share"] == a_count
    assert f"{a_count / len(revenue):.1%} of buying customers" in result.summary


def test_pareto_curve_and_gini_match_numpy(demo: Engine) -> None:
    result = demo.run("segmentation.value", save=False)
    values = np.sort(np.array([float(v) for v in customer_revenue(demo).values()]))[::-1]
    n = len(values)
    for label, share in result.details["revenue_share_of_top_customers"].items():
        p = float(label.removeprefix("top ").removesuffix("%")) / 100
        assert math.isclose(share, values[: math.ceil(p * n)].sum() / values.sum(), rel_tol=1e-9)
    ascending = values[::-1]
    gini = (2 * np.sum(np.arange(1, n + 1) * ascending)) / (n * ascending.sum()) - (n + 1) / n
    assert math.isclose(result.details["gini"], gini, rel_tol=1e-9)


def test_equal_revenue_lands_in_one_tier() -> None:
    # revenues 50, 20, 20, 10 (total 100), a_share 0.6: 50 alone is short of 60, one customer of 20 crosses the
    # line, and the other 20 ties with them, so both go to A; D has 90 above it, not below 0.9 × 100: tier C
    orders = [("O1", "A", "2025-01-01", "completed", 50.0), ("O2", "B", "2025-01-01", "completed", 20.0),
              ("O3", "C", "2025-01-02", "completed", 20.0), ("O4", "D", "2025-01-03", "completed", 10.0),
              ("O5", "E", "2025-01-03", "returned", 99.0)]
    with small_engine(orders, {c: "2024-01-01" for c in "ABCDE"}) as engine:
        result = engine.run("segmentation.value", a_share=0.6, b_share=0.9)
        tiers = dict(engine.con.execute("SELECT customer_id, segment FROM segments WHERE scheme = 'value'").fetchall())
    assert tiers == {"A": names.TIER_A, "B": names.TIER_A, "C": names.TIER_A, "D": names.TIER_C}
    assert list(result.table["customers"]) == [3, 0, 1]
    assert float(result.table["revenue_share"].iloc[0]) == 0.9
    assert result.details["all_customers"] == 5


def test_value_params_are_checked(demo: Engine) -> None:
    with pytest.raises(UsageError, match="b_share"):
        demo.run("segmentation.value", a_share=0.9, b_share=0.8)


# -- lifecycle ------------------------------------------------------------------------------------------


def hand_stage(engine: Engine, day: dt.date) -> dict[str, str]:
    """Stages on ``day`` from a hand-written query over customers and orders (defaults 90/90/180)."""
    rows = engine.con.execute(
        """
        WITH a AS (
            SELECT customer_id, min(order_date) AS first, max(order_date) AS last FROM orders
            WHERE status = 'completed' AND customer_id IS NOT NULL AND order_date <= $day GROUP BY 1
        ), people AS (
            SELECT customer_id FROM customers WHERE signup_date IS NULL OR signup_date <= $day
            UNION SELECT customer_id FROM a
        )
        SELECT p.customer_id, CASE
            WHEN a.last IS NULL THEN 'Prospect'
            WHEN $day - a.first <= 90 THEN 'New buyer'
            WHEN $day - a.last <= 90 THEN 'Active buyer'
            WHEN $day - a.last <= 180 THEN 'Lapsing buyer'
            ELSE 'Churned buyer' END
        FROM people AS p LEFT JOIN a USING (customer_id)
        """,
        {"day": day},
    ).fetchall()
    return dict(rows)


def test_lifecycle_stages_match_hand_written_sql(demo: Engine) -> None:
    result = demo.run("segmentation.lifecycle")
    want = hand_stage(demo, AS_OF)
    got = dict(
        demo.con.execute("SELECT customer_id, segment FROM segments WHERE scheme = 'lifecycle' AND as_of = ?", [AS_OF])
        .fetchall()
    )
    assert got == want
    counts = Counter(want.values())
    table = result.table
    assert list(table["stage"]) == [s.name for s in names.LIFECYCLE_STAGES]
    assert list(table["customers"]) == [counts[s] for s in table["stage"]]
    assert math.isclose(float(table["share"].sum()), 1.0, rel_tol=1e-12)


def test_churned_share_equals_the_churn_rate_metric(demo: Engine) -> None:
    result = demo.run("segmentation.lifecycle", save=False)
    counts = dict(zip(result.table["stage"], result.table["customers"], strict=True))
    buyers = sum(v for k, v in counts.items() if k != names.PROSPECT)
    churn = demo.ask("churn rate").table.iloc[0, 0]
    assert math.isclose(counts[names.CHURNED_BUYER] / buyers, float(churn), rel_tol=1e-12)


def test_transition_matrix_adds_up(demo: Engine) -> None:
    start = dt.date(2025, 6, 30)
    result = demo.run("segmentation.lifecycle", view="transitions", start=start, save=False)
    matrix = result.table
    stage_columns = ["to_" + s.name.lower().replace(" ", "_") for s in names.LIFECYCLE_STAGES]
    assert list(matrix["customers_at_start"]) == list(matrix[stage_columns].sum(axis=1))
    at_start = Counter(hand_stage(demo, start).values())
    rows = dict(zip(matrix["from_stage"], matrix["customers_at_start"], strict=True))
    expected = {s.name: at_start[s.name] for s in names.LIFECYCLE_STAGES}
    assert {k: v for k, v in rows.items() if k != names.NOT_YET} == expected
    at_end = Counter(hand_stage(demo, AS_OF).values())
    assert list(matrix[stage_columns].sum(axis=0)) == [at_end[s.name] for s in names.LIFECYCLE_STAGES]
    # impossible moves stay empty: a buyer never becomes a prospect again, and whoever was new 184 days
    # ago (first order at most 90 days before the start) is not new any more
    by_origin = matrix.set_index("from_stage")
    buyer_rows = [s.name for s in names.LIFECYCLE_STAGES if s.name != names.PROSPECT]
    assert int(by_origin.loc[buyer_rows, "to_prospect"].sum()) == 0
    assert int(by_origin.loc[names.NEW_BUYER, "to_new_buyer"]) == 0


def test_lifecycle_of_hand_made_customers() -> None:
    orders = [
        ("O1", "new", "2025-12-01", "completed", 10.0),
        ("O2", "active", "2024-01-01", "completed", 10.0),
        ("O3", "active", "2025-11-15", "completed", 10.0),
        ("O4", "lapsing", "2024-05-01", "completed", 10.0),
        ("O5", "lapsing", "2025-08-01", "completed", 10.0),  # 152 days before as-of
        ("O6", "churned", "2025-06-01", "completed", 10.0),  # 213 days
        ("O7", "returns", "2025-12-20", "returned", 10.0),  # only a return: still a prospect
        ("O8", "orders_only", "2025-10-20", "completed", 10.0),  # no customers row: new
    ]
    signups = {"new": "2025-11-01", "active": "2023-06-01", "lapsing": "2024-01-01", "churned": "2025-01-01",
               "returns": "2025-01-01", "none": None, "later": "2026-02-01"}
    with small_engine(orders, signups) as engine:
        engine.run("segmentation.lifecycle")
        got = dict(engine.con.execute("SELECT customer_id, segment FROM segments").fetchall())
        listing = engine.run("segmentation.lifecycle", stage="流失预警", save=False)
    assert got == {
        "new": names.NEW_BUYER, "active": names.ACTIVE_BUYER, "lapsing": names.LAPSING_BUYER,
        "churned": names.CHURNED_BUYER, "returns": names.PROSPECT, "none": names.PROSPECT,
        "orders_only": names.NEW_BUYER,
    }  # "later" signed up after the as-of date: not yet a customer
    assert list(listing.table["customer_id"]) == ["lapsing"]
    assert int(listing.table["days_since_last_order"].iloc[0]) == 152


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"active_days": 200, "churn_days": 180}, "churn_days"),
        ({"start": dt.date(2025, 12, 31), "end": dt.date(2025, 1, 1)}, "before end"),
        ({"stage": "zombie"}, "unknown lifecycle stage"),
    ],
)
def test_lifecycle_params_are_checked(demo: Engine, params: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        demo.run("segmentation.lifecycle", **params)
