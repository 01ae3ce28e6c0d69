"""Saved segmentations as dimensions and filters of the query layer, and questions routed to the analyses."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal

import pytest

from crmlens.engine import Engine, MissingDataError
from crmlens.plugins.segmentation import names


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("seg-query") / "demo.duckdb"
    engine = Engine.open(path)
    engine.generate_demo(customers=1500, seed=21)
    yield engine
    engine.close()


def test_segment_questions_before_any_run_say_what_is_missing(demo: Engine) -> None:
    with pytest.raises(MissingDataError, match="rfm_segments"):
        demo.ask("revenue by RFM segment")


def test_revenue_by_rfm_segment(demo: Engine) -> None:
    demo.run("segmentation.rfm")
    answer = demo.ask("revenue by RFM segment")
    assert answer.interpretation is not None and answer.interpretation.dimensions == ["rfm_segment"]
    got = {r[0]: Decimal(str(r[1])) for r in answer.table.itertuples(index=False)}
    want = dict(
        demo.con.execute(
            "SELECT s.segment, sum(o.amount) FROM orders AS o JOIN segments AS s USING (customer_id) "
            "WHERE s.scheme = 'rfm' AND o.status = 'completed' GROUP BY 1"
        ).fetchall()
    )
    assert got == want
    rfm = demo.run("segmentation.rfm", save=False).table
    assert got == {s: Decimal(str(v)) for s, v in zip(rfm["segment"], rfm["revenue"], strict=True) if v}


def test_churn_rate_of_at_risk_customers(demo: Engine) -> None:
    demo.run("segmentation.rfm")
    answer = demo.ask("churn rate of At Risk customers")
    assert answer.interpretation is not None
    assert [(f.dimension, f.values) for f in answer.interpretation.filters] == [("rfm_segment", [names.AT_RISK])]
    want = demo.con.execute(
        """
        SELECT avg(CASE WHEN a.last < DATE '2025-12-31' - INTERVAL 180 DAY THEN 1.0 ELSE 0.0 END)
        FROM (SELECT customer_id, max(order_date) AS last FROM orders WHERE status = 'completed'
              AND order_date <= DATE '2025-12-31' GROUP BY 1) AS a
        JOIN segments AS s USING (customer_id) WHERE s.scheme = 'rfm' AND s.segment = 'At Risk'
        """
    ).fetchone()
    assert want is not None
    assert math.isclose(float(answer.table.iloc[0, 0]), float(want[0]), rel_tol=1e-12)


def test_list_champions_in_chinese(demo: Engine) -> None:
    demo.run("segmentation.rfm")
    answer = demo.ask("列出冠军客户")
    assert answer.interpretation is not None and answer.interpretation.kind == "list"
    champions = {
        r[0] for r in demo.con.execute(
            "SELECT customer_id FROM segments WHERE scheme = 'rfm' AND segment = 'Champions'"
        ).fetchall()
    }
    listed = set(answer.table["customer_id"])
    assert listed <= champions and len(listed) == min(100, len(champions))


def test_the_latest_run_at_or_before_as_of_is_used(demo: Engine) -> None:
    demo.run("segmentation.rfm", end=dt.date(2024, 12, 31))
    demo.run("segmentation.rfm")
    query = "number of customers by rfm segment"
    now = demo.ask(query).table
    latest = dict(zip(now.iloc[:, 0], now.iloc[:, 1], strict=True))
    assert latest == dict(
        demo.con.execute(
            "SELECT segment, count(*) FROM segments WHERE scheme = 'rfm' AND as_of = DATE '2025-12-31' GROUP BY 1"
        ).fetchall()
    )
    demo.as_of = dt.date(2025, 1, 15)  # now the 2024-12-31 run is the latest at or before as-of
    try:
        back_then = demo.ask(query).table
    finally:
        demo.as_of = None
    want = dict(
        demo.con.execute(
            "SELECT s.segment, count(DISTINCT o.customer_id) FROM orders AS o LEFT JOIN segments AS s "
            "ON s.customer_id = o.customer_id AND s.scheme = 'rfm' AND s.as_of = DATE '2024-12-31' "
            "WHERE o.status = 'completed' GROUP BY 1"
        ).fetchall()
    )
    got = {None if not isinstance(k, str) else k: v for k, v in zip(back_then.iloc[:, 0], back_then.iloc[:, 1],
                                                                     strict=True)}
    assert got == want
    assert want[None] > 0  # customers who first bought after 2024-12-31 have no segment in that run


def test_tiers_stages_and_clusters_are_dimensions(demo: Engine) -> None:
    tiers = demo.run("segmentation.value").table
    answer = demo.ask("revenue by value tier")
    got = {r[0]: Decimal(str(r[1])) for r in answer.table.itertuples(index=False)}
    assert got == {t: Decimal(str(v)) for t, v in zip(tiers["tier"], tiers["revenue"], strict=True) if v}
    top = demo.ask("高价值客户的销售额")
    assert top.interpretation is not None
    assert [(f.dimension, f.values) for f in top.interpretation.filters] == [("value_tier", [names.TIER_A])]

    stages = demo.run("segmentation.lifecycle").table
    answer = demo.ask("number of customers by lifecycle stage")
    counts = dict(zip(answer.table.iloc[:, 0], answer.table.iloc[:, 1], strict=True))
    expected = dict(zip(stages["stage"], stages["customers"], strict=True))
    assert counts == {k: v for k, v in expected.items() if k != names.PROSPECT}  # buying customers: no prospects
    lapsing = demo.ask("list lapsing buyers in Shanghai")
    want = {
        r[0] for r in demo.con.execute(
            "SELECT c.customer_id FROM customers AS c JOIN segments AS s USING (customer_id) WHERE s.scheme = "
            "'lifecycle' AND s.segment = 'Lapsing buyer' AND c.city = 'Shanghai'"
        ).fetchall()
    }
    assert set(lapsing.table["customer_id"]) == want and want

    clusters = demo.run("segmentation.clusters", k=3).table
    answer = demo.ask("revenue by cluster")
    got = {r[0]: Decimal(str(r[1])) for r in answer.table.itertuples(index=False)}
    assert got == {c: Decimal(str(v)) for c, v in zip(clusters["cluster"], clusters["revenue"], strict=True)}


@pytest.mark.parametrize(
    ("question", "analysis", "params"),
    [
        ("segment customers by RFM", "segmentation.rfm", {}),
        ("who are our champions?", "segmentation.rfm", {"segment": "Champions"}),
        ("which customers are at risk", "segmentation.rfm", {"segment": "At Risk"}),
        ("cluster customers into 5 groups", "segmentation.clusters", {"k": 5}),
        ("what share of customers makes 80% of revenue", "segmentation.value", {}),
        ("RFM客户分群", "segmentation.rfm", {}),
        ("客户价值分层", "segmentation.value", {}),
        ("哪些客户快要流失", "segmentation.lifecycle", {"stage": "Lapsing buyer"}),
        ("lifecycle transitions", "segmentation.lifecycle", {"view": "transitions"}),
    ],
)
def test_questions_route_to_the_analyses(demo: Engine, question: str, analysis: str, params: dict[str, object]) -> None:
    from crmlens.query.answer import interpret

    it = interpret(demo, question)
    assert (it.kind, it.analysis, it.params) == ("analysis", analysis, params)


def test_asking_runs_the_analysis(demo: Engine) -> None:
    answer = demo.ask("who are our champions?")
    assert answer.title == "RFM segment Champions"
    assert set(answer.table["segment"]) == {names.CHAMPIONS}
    answer = demo.ask("哪些客户快要流失")
    assert set(answer.table["stage"]) == {names.LAPSING_BUYER}
