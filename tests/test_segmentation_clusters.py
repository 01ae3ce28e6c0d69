"""segmentation.clusters: reproducible under a seed, sizes and profiles against hand-written SQL,
standardized features, k by silhouette on obvious groups, descriptions in words, edge cases."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pytest

from crmlens.engine import Engine, MissingDataError, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.segmentation.common import Window
from crmlens.plugins.segmentation.features import DEFAULT_FEATURES, FeaturePlan, features_sql, matrix_sql

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("seg-clusters") / "demo.duckdb"
    engine = Engine.open(path)
    engine.generate_demo(customers=3000, seed=5)
    yield engine
    engine.close()


def small_engine(orders: list[tuple[str, str, str, str, float, str]]) -> Engine:
    engine = Engine.memory(as_of=AS_OF)
    ensure_canonical_tables(engine.con, ["customers", "orders"])
    for cid in sorted({o[1] for o in orders}):
        engine.con.execute("INSERT INTO customers (customer_id, signup_date) VALUES (?, DATE '2023-01-01')", [cid])
    engine.con.executemany(
        "INSERT INTO orders (order_id, customer_id, order_date, status, amount, channel) VALUES (?, ?, ?, ?, ?, ?)",
        [[oid, cid, dt.date.fromisoformat(day), status, amount, channel] for oid, cid, day, status, amount, channel
         in orders],
    )
    return engine


def saved_clusters(engine: Engine) -> dict[str, str]:
    return dict(engine.con.execute("SELECT customer_id, segment FROM segments WHERE scheme = 'cluster'").fetchall())


def test_same_seed_same_clusters(demo: Engine) -> None:
    first = demo.run("segmentation.clusters", seed=5, k_max=4)
    labels = saved_clusters(demo)
    second = demo.run("segmentation.clusters", seed=5, k_max=4)
    assert saved_clusters(demo) == labels
    assert first.table.equals(second.table)
    assert first.details["silhouette_by_k"] == second.details["silhouette_by_k"]
    assert first.details["k"] == max(first.details["silhouette_by_k"], key=first.details["silhouette_by_k"].get)


def test_sizes_and_profiles_match_hand_written_sql(demo: Engine) -> None:
    result = demo.run("segmentation.clusters", k=4, seed=1)
    table = result.table
    assert list(table["cluster"]) == ["Cluster 1", "Cluster 2", "Cluster 3", "Cluster 4"]
    hand = demo.con.execute(
        """
        SELECT s.segment, count(DISTINCT o.customer_id), sum(o.amount), count(*) / count(DISTINCT o.customer_id)
        FROM orders AS o JOIN segments AS s ON s.customer_id = o.customer_id AND s.scheme = 'cluster'
        WHERE o.status = 'completed' AND o.order_date <= DATE '2025-12-31' GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    assert list(table["customers"]) == [h[1] for h in hand]
    assert [Decimal(str(v)) for v in table["revenue"]] == [h[2] for h in hand]
    assert np.allclose(table["mean_frequency"].astype(float), [float(h[3]) for h in hand])
    buyers = demo.con.execute(
        "SELECT count(DISTINCT customer_id) FROM orders WHERE status = 'completed' AND order_date <= DATE '2025-12-31'"
    ).fetchone()
    assert (int(table["customers"].sum()),) == buyers
    assert math.isclose(float(table["share"].sum()), 1.0, rel_tol=1e-12)
    assert math.isclose(float(table["revenue_share"].sum()), 1.0, rel_tol=1e-12)
    # numbered by mean spend, highest first
    assert list(table["mean_monetary"]) == sorted(table["mean_monetary"], reverse=True)
    assert all(isinstance(d, str) and d for d in table["description"])
    assert all(isinstance(d, str) and d for d in table["description_zh"])
    assert "top_channel" in table.columns and "top_category" in table.columns


def test_features_are_log_standardized(demo: Engine) -> None:
    channels = [r[0] for r in demo.con.execute("SELECT DISTINCT channel FROM orders ORDER BY 1").fetchall()]
    plan = FeaturePlan(
        numeric=["recency_days", "frequency", "monetary", "tenure_days", "aov"], channels=channels, categories=[],
        skipped=[],
    )
    window = Window(start=None, end=AS_OF)
    demo.con.execute(f"CREATE OR REPLACE TEMP TABLE f AS {features_sql(window, plan)}")
    x = demo.con.execute(matrix_sql("f", plan)).df()
    raw = demo.con.execute("SELECT frequency, ch_0 FROM f ORDER BY rid").df()
    demo.con.execute("DROP TABLE f")
    assert np.allclose(x.mean(), 0, atol=1e-9)
    assert np.allclose(x[plan.numeric].std(ddof=0), 1, atol=1e-9)
    assert np.allclose(x["ch_0"].std(ddof=0), 1 / math.sqrt(len(channels)), atol=1e-9)
    log_f = np.log1p(raw["frequency"].astype(float))
    assert np.allclose(x["frequency"], (log_f - log_f.mean()) / log_f.std(ddof=0))


def _two_groups() -> list[tuple[str, str, str, str, float, str]]:
    orders = []
    for i in range(40):  # frequent, big spenders ordering in the app
        for j in range(12 + i % 5):
            day = dt.date(2025, 1, 5) + dt.timedelta(days=25 * j + i % 7)
            orders.append((f"H{i}-{j}", f"H{i:02d}", day.isoformat(), "completed", 400.0 + 7 * i + j, "app"))
    for i in range(40):  # one small order long ago, in a store
        day = dt.date(2023, 3, 1) + dt.timedelta(days=5 * i)
        orders.append((f"L{i}", f"L{i:02d}", day.isoformat(), "completed", 15.0 + i % 9, "store"))
    return orders


def test_obvious_groups_are_found_and_described() -> None:
    with small_engine(_two_groups()) as engine:
        result = engine.run("segmentation.clusters", seed=3)
        labels = saved_clusters(engine)
    assert result.details["k"] == 2
    assert {v for k, v in labels.items() if k.startswith("H")} == {"Cluster 1"}
    assert {v for k, v in labels.items() if k.startswith("L")} == {"Cluster 2"}
    heavy, light = result.table.iloc[0], result.table.iloc[1]
    assert "frequent" in heavy["description"] and "mostly app" in heavy["description"]
    assert "infrequent" in light["description"] and "mostly store" in light["description"]
    assert "高频" in heavy["description_zh"]
    assert any("category_mix" in w for w in result.warnings)  # no order_items: left out, said so


def test_identical_customers_form_one_cluster() -> None:
    orders = [(f"O{i}", f"C{i}", "2025-05-01", "completed", 30.0, "web") for i in range(6)]
    with small_engine(orders) as engine:
        result = engine.run("segmentation.clusters")
    assert result.details["k"] == 1
    assert list(result.table["customers"]) == [6]
    assert any("same features" in w for w in result.warnings)


def test_too_few_customers_or_too_many_clusters_are_refused() -> None:
    with small_engine([("O1", "C1", "2025-05-01", "completed", 30.0, "web")]) as engine, pytest.raises(
        MissingDataError, match="at least two"
    ):
        engine.run("segmentation.clusters")
    orders = [(f"O{i}", f"C{i}", f"2025-05-0{i + 1}", "completed", 30.0 + i, "web") for i in range(3)]
    with small_engine(orders) as engine, pytest.raises(UsageError, match="k=5"):
        engine.run("segmentation.clusters", k=5)


def test_feature_choice_and_params(demo: Engine) -> None:
    result = demo.run("segmentation.clusters", k=3, features=["recency", "frequency", "monetary"], save=False)
    assert result.details["features"] == ["recency_days", "frequency", "monetary"]
    assert result.details["saved_rows"] == 0
    assert set(DEFAULT_FEATURES) >= {"channel_mix", "category_mix"}
    with pytest.raises(UsageError, match="k_max"):
        demo.run("segmentation.clusters", k_min=6, k_max=3)
    with pytest.raises(UsageError, match="features"):
        demo.run("segmentation.clusters", features=["height"])
