"""What the forecast plugin adds to the query layer: the saved churn scores as a relation with a ``churn_risk``
dimension (high / medium / low) and a ``churn_score`` dimension, the table they live in, and the English
and Chinese phrases that route questions to the three analyses."""

from __future__ import annotations

from crmlens.engine import Dimension, Phrase, Relation
from crmlens.engine.schema import ColumnSpec, TableSpec

CHURN_SCORES = TableSpec(
    name="churn_scores",
    description="Churn risk of current customers, written by forecast.churn (one set of rows per as-of date).",
    columns=(
        ColumnSpec("customer_id", "VARCHAR", "Customer scored.", references="customers.customer_id", required=True),
        ColumnSpec("score", "DOUBLE", "Probability of no completed order in the churn window after as_of.", unit="0-1"),
        ColumnSpec("risk_band", "VARCHAR", "Risk band of the score.", allowed=("high", "medium", "low")),
        ColumnSpec("as_of", "DATE", "Date the customer was scored at (the analysis' as-of date)."),
    ),
    key=("customer_id", "as_of"),
    time_column="as_of",
)

RELATION = Relation(
    name="customer_churn_risk",
    produced_by="forecast.churn",
    description="The latest churn scores saved by forecast.churn on or before the as-of date, one row per customer.",
    sql="SELECT customer_id, score AS churn_score, risk_band AS churn_risk FROM churn_scores "
    "WHERE as_of = (SELECT max(as_of) FROM churn_scores WHERE as_of <= $as_of)",
    key=["customer_id"],
    references={"customer_id": "customers.customer_id"},
    requires={"churn_scores": ["customer_id", "risk_band"]},
)

DIMENSIONS = (
    Dimension(
        name="churn_risk",
        title="Churn risk",
        title_zh="流失风险等级",
        table="customer_churn_risk",
        expression="customer_churn_risk.churn_risk",
        description="churn risk band of the customer (forecast.churn): high, medium or low",
        description_zh="客户的流失风险等级（forecast.churn）：高、中、低",
        synonyms=["churn risk", "churn risk band", "risk of churn", "churn risk level", "流失风险等级", "流失风险级别"],
        value_synonyms={
            "high": [
                "high churn risk",
                "high risk of churn",
                "high risk of churning",
                "high churn-risk",
                "高流失风险",
                "流失风险高",
                "流失风险较高",
                "高风险流失",
            ],
            "medium": ["medium churn risk", "moderate churn risk", "中流失风险", "中等流失风险", "流失风险中等"],
            "low": ["low churn risk", "low risk of churn", "低流失风险", "流失风险低", "流失风险较低"],
        },
        requires={"churn_scores": ["customer_id", "risk_band"]},
    ),
    Dimension(
        name="churn_score",
        title="Churn score",
        title_zh="流失概率",
        table="customer_churn_risk",
        expression="customer_churn_risk.churn_score",
        kind="number",
        values_from_data=False,
        description="probability that the customer churns (forecast.churn)",
        description_zh="客户流失的概率（forecast.churn）",
        synonyms=["churn score", "churn probability", "流失概率", "流失评分"],
        requires={"churn_scores": ["customer_id", "score"]},
    ),
)

_SALES = "forecast.sales"
_CHURN = "forecast.churn"
_CLV = "forecast.clv"
_PHRASES: dict[str, list[str]] = {
    _SALES: [
        "forecast",
        "forecasts",
        "forecasting",
        "sales forecast",
        "revenue forecast",
        "demand forecast",
        "predict sales",
        "predict revenue",
        "projected revenue",
        "project revenue",
        "projection",
        "will we sell",
        "will revenue be",
        "will sales be",
        "预测",
        "销售预测",
        "销量预测",
        "营收预测",
        "预测销售额",
        "预测营收",
        "预测订单",
        "预估",
    ],
    _CHURN: [
        "likely to churn",
        "forecast churn",
        "churn forecast",
        "going to churn",
        "will churn",
        "about to churn",
        "likely to leave",
        "predict churn",
        "churn prediction",
        "churn model",
        "churn risk of",
        "churn risk for",
        "churn scores",
        "churn risk scores",
        "score churn risk",
        "risk of churning",
        "可能流失",
        "会流失",
        "将要流失",
        "流失预测",
        "预测客户流失",
        "预测流失",
        "的流失风险",
        "流失风险评分",
        "流失风险预测",
    ],
    _CLV: [
        "customer lifetime value",
        "lifetime value",
        "clv",
        "ltv",
        "cltv",
        "customer value prediction",
        "probability alive",
        "p alive",
        "bg nbd",
        "bgnbd",
        "客户终身价值",
        "终身价值",
        "客户生命周期价值",
        "生命周期价值",
        "存活概率",
    ],
}
_BY_EXPECTED_PURCHASES = [
    "expected purchases",
    "expected number of purchases",
    "predicted purchases",
    "预期购买次数",
    "预计购买次数",
]
PHRASES: tuple[Phrase, ...] = (
    Phrase(text="will orders be", analysis=_SALES, params={"metric": "orders"}),
    *(Phrase(text=t, analysis=a) for a, texts in _PHRASES.items() for t in texts),
    *(Phrase(text=t, analysis=_CLV, params={"sort_by": "expected_purchases"}) for t in _BY_EXPECTED_PURCHASES),
)
