"""Questions, English and Chinese, routed to the funnel analyses (or, where a metric answers them,
to the metric path), with the parameters the parser fills; and answered end to end on demo data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crmlens.engine import Engine
from crmlens.query.answer import interpret

LAST_MONTH = {"start": dt.date(2025, 11, 1), "end": dt.date(2025, 11, 30)}
CART = {"steps": ["view_product", "add_to_cart", "checkout"], "window_days": 3}

ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("funnel from visit to purchase", "funnel.events", {"steps": ["visit", "purchase"]}),
    ("show the conversion funnel from visit to purchase", "funnel.events", {"steps": ["visit", "purchase"]}),
    ("visit → purchase funnel", "funnel.events", {"steps": ["visit", "purchase"]}),
    ("funnle from visit to purchase", "funnel.events", {"steps": ["visit", "purchase"]}),
    ("从访问到购买的转化漏斗", "funnel.events", {"steps": ["visit", "purchase"]}),
    ("conversion funnel by device last month", "funnel.events", {"by": "device", **LAST_MONTH}),
    ("last month's purchase funnel broken down by device", "funnel.events", {"by": "device", **LAST_MONTH}),
    ("上个月按设备的转化漏斗", "funnel.events", {"by": "device", **LAST_MONTH}),
    ("where do users drop off", "funnel.events", {}),
    ("which step of the funnel is the bottleneck", "funnel.events", {}),
    ("哪一步流失最多", "funnel.events", {}),
    ("哪个环节流失最多", "funnel.events", {}),
    ("哪一步的流失最多", "funnel.events", {}),
    ("view product → add to cart → checkout within 3 days", "funnel.events", CART),
    ("view product -> add to cart -> checkout within 3 days", "funnel.events", CART),
    ("funnel of view product, add to cart, checkout within 3 days", "funnel.events", CART),
    ("浏览商品→加购→结算 3天内", "funnel.events", CART),
    ("各渠道转化率", "funnel.events", {"by": "event_source"}),
    ("各渠道的转化率", "funnel.events", {"by": "event_source"}),
    ("conversion funnel by channel", "funnel.events", {"by": "event_source"}),
    ("funnel by week from visit to purchase", "funnel.events", {"grain": "week"}),
    ("销售漏斗", "funnel.pipeline", {}),
    ("商机漏斗", "funnel.pipeline", {}),
    ("sales funnel", "funnel.pipeline", {}),
    ("show the sales pipeline by stage", "funnel.pipeline", {}),
    ("sales cycle by owner", "funnel.pipeline", {"view": "cycle", "by": "owner"}),
    ("sales cycle per rep", "funnel.pipeline", {"view": "cycle", "by": "owner"}),
    ("sales cylce by owner", "funnel.pipeline", {"view": "cycle", "by": "owner"}),
    ("各销售的销售周期", "funnel.pipeline", {"view": "cycle", "by": "owner"}),
    ("每个销售的成交周期", "funnel.pipeline", {"view": "cycle", "by": "owner"}),
    ("which email variant converted better", "funnel.campaigns", {"channel": "email"}),
    ("which email version converted better", "funnel.campaigns", {"channel": "email"}),
    ("email a/b test results", "funnel.campaigns", {"channel": "email"}),
    ("哪个邮件版本转化更好", "funnel.campaigns", {"channel": "email"}),
    ("邮件AB测试", "funnel.campaigns", {"channel": "email"}),
    ("which variant converted better", "funnel.campaigns", {}),
    ("AB测试结果", "funnel.campaigns", {}),
]

#: Answered better by a metric: the same number, one row per group, no analysis needed.
METRIC_ROUTES: list[tuple[str, str, str | None]] = [
    ("win rate by quarter", "win_rate", "quarter"),
    ("quarterly win rate", "win_rate", "quarter"),
    ("按季度的赢单率", "win_rate", "quarter"),
    ("每季度赢单率", "win_rate", "quarter"),
    ("average sales cycle by owner", "sales_cycle_days", None),
    ("conversion rate by source", "conversion_rate", None),
    ("哪个地区流失率最高", "churn_rate", None),  # 流失 stays churn outside a funnel phrase
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("funnel-questions") / "demo.duckdb"
    e = Engine.open(path)
    e.generate_demo(customers=3000, seed=7)
    yield e
    e.close()


@pytest.mark.parametrize(("question", "analysis", "params"), ROUTES, ids=[q for q, _, _ in ROUTES])
def test_routes_to_the_analysis(demo: Engine, question: str, analysis: str, params: dict[str, Any]) -> None:
    it = interpret(demo, question)
    assert it.kind == "analysis" and it.analysis == analysis, it
    for key, value in params.items():
        assert it.params.get(key) == value, (key, it.params)


@pytest.mark.parametrize(("question", "metric", "grain"), METRIC_ROUTES, ids=[q for q, _, _ in METRIC_ROUTES])
def test_metric_questions_stay_metrics(demo: Engine, question: str, metric: str, grain: str | None) -> None:
    it = interpret(demo, question)
    assert it.kind == "metric" and it.metrics == [metric], it
    assert it.grain == grain


def test_drop_off_is_not_the_drop_command(demo: Engine) -> None:
    from crmlens.engine import NotUnderstoodError

    with pytest.raises(NotUnderstoodError, match="only reads data"):
        interpret(demo, "drop table orders")
    assert interpret(demo, "show the drop-off from visit to purchase").analysis == "funnel.events"


def test_answers_end_to_end(demo: Engine) -> None:
    answer = demo.ask("view product → add to cart → checkout within 3 days")
    assert answer.table["step_name"].tolist() == ["view_product", "add_to_cart", "checkout"]
    assert answer.table["units"].is_monotonic_decreasing
    answer = demo.ask("conversion funnel by device last month")
    assert set(answer.table["device"]) == {"app", "desktop", "mobile", "tablet"}
    assert "2025-11-01 to 2025-11-30" in answer.summary
    answer = demo.ask("哪一步流失最多")
    assert "The biggest drop is" in answer.summary
    answer = demo.ask("各渠道转化率")
    assert "event_source" in answer.table.columns
    answer = demo.ask("sales cycle by owner")
    assert {"owner", "median_cycle_days", "mean_cycle_days", "win_rate"} <= set(answer.table.columns)
    answer = demo.ask("which email variant converted better")
    assert set(answer.table["channel"]) == {"email"}
    assert "p_value" in answer.table.columns
    answer = demo.ask("销售漏斗")
    assert answer.table["stage"].iloc[-1] == "won"
