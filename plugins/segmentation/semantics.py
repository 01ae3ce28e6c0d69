"""What the segmentation plugin adds to the query layer: one relation per saved scheme (the customers'
groups in the latest saved run at or before the as-of date), a dimension on each, and the phrases that
route questions to the analyses.

A relation takes the **latest run** of its scheme rather than each customer's latest row: a customer
absent from the latest run (no longer buying in its window) must not keep an old label such as
"Champions". Customers not in the run have no value (NULL) for the dimension.
"""

from __future__ import annotations

import re

from crmlens.engine import Dimension, Phrase, Relation
from crmlens.plugins.segmentation import names

_SEGMENT_COLUMNS = ["customer_id", "scheme", "segment", "as_of"]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def chinese_first(texts: list[str]) -> list[str]:
    """Chinese phrases before phrases mixing Latin and Chinese ("rfm 客户分群"): the query layer cuts a
    phrase into words when it is registered, and its Chinese words ("客户分群") must be known by then."""
    return sorted(texts, key=lambda t: bool(_CJK.search(t) and _LATIN.search(t)))


def _relation(name: str, scheme: str, column: str, what: str, analysis: str) -> Relation:
    return Relation(
        produced_by=analysis,
        name=name,
        description=f"One row per customer of the latest saved {what} run at or before the as-of date: "
        f"its {column.replace('_', ' ')}.",
        sql=f"SELECT customer_id, segment AS {column} FROM segments WHERE scheme = '{scheme}' AND as_of = "
        f"(SELECT max(as_of) FROM segments WHERE scheme = '{scheme}' AND as_of <= $as_of)",
        key=["customer_id"],
        references={"customer_id": "customers.customer_id"},
        requires={"segments": _SEGMENT_COLUMNS},
    )


SEGMENT_RELATIONS: tuple[Relation, ...] = (
    _relation("rfm_segments", "rfm", "rfm_segment", "RFM segmentation (segmentation.rfm)", "segmentation.rfm"),
    _relation("value_tiers", "value", "value_tier", "value tiering (segmentation.value)", "segmentation.value"),
    _relation(
        "lifecycle_stages",
        "lifecycle",
        "lifecycle_stage",
        "lifecycle staging (segmentation.lifecycle)",
        "segmentation.lifecycle",
    ),
    _relation("customer_clusters", "cluster", "cluster", "clustering (segmentation.clusters)", "segmentation.clusters"),
)

SEGMENT_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        name="rfm_segment",
        title="RFM segment",
        title_zh="RFM分群",
        table="rfm_segments",
        expression="rfm_segments.rfm_segment",
        description="named RFM segment of the customer (Champions … Lost), from the latest saved segmentation.rfm run",
        description_zh="客户的RFM分群（冠军客户…已流失客户），来自最近一次保存的RFM分群",
        synonyms=chinese_first(
            [
                "rfm segment",
                "rfm segments",
                "rfm group",
                "rfm groups",
                "segment",
                "segments",
                "customer segment",
                "customer segments",
                "rfm 分群",
                "rfm 客群",
                "rfm 分组",
                "客户分群结果",
                "客群",
                "分群",
            ]
        ),
        value_synonyms=names.value_synonyms(names.RFM_SEGMENTS),
        requires={"segments": _SEGMENT_COLUMNS},
    ),
    Dimension(
        name="value_tier",
        title="Value tier",
        title_zh="价值层级",
        table="value_tiers",
        expression="value_tiers.value_tier",
        description="Pareto/ABC tier of the customer by revenue contribution, from the latest saved "
        "segmentation.value run",
        description_zh="按销售额贡献划分的客户价值层级（ABC），来自最近一次保存的价值分层",
        synonyms=[
            "value tier",
            "tier",
            "tiers",
            "abc tier",
            "abc class",
            "pareto tier",
            "价值层级",
            "价值等级",
            "客户等级",
        ],
        value_synonyms=names.value_synonyms(names.VALUE_TIERS),
        requires={"segments": _SEGMENT_COLUMNS},
    ),
    Dimension(
        name="lifecycle_stage",
        title="Lifecycle stage",
        title_zh="生命周期阶段",
        table="lifecycle_stages",
        expression="lifecycle_stages.lifecycle_stage",
        description="lifecycle stage of the customer (prospect, new, active, lapsing, churned), from the latest "
        "saved segmentation.lifecycle run",
        description_zh="客户所处的生命周期阶段（潜在、新购、活跃、流失预警、已流失），来自最近一次保存的生命周期分析",
        synonyms=["lifecycle stage", "lifecycle stages", "lifecycle", "life cycle stage", "生命周期阶段", "生命周期"],
        value_synonyms=names.value_synonyms(names.LIFECYCLE_STAGES),
        requires={"segments": _SEGMENT_COLUMNS},
    ),
    Dimension(
        name="cluster",
        title="Customer cluster",
        title_zh="客户聚类",
        table="customer_clusters",
        expression="customer_clusters.cluster",
        description="behavioural cluster of the customer (Cluster 1 = highest spend), from the latest saved "
        "segmentation.clusters run",
        description_zh="客户的行为聚类（Cluster 1 消费最高），来自最近一次保存的聚类分析",
        synonyms=["cluster", "clusters", "customer cluster", "behaviour cluster", "聚类群组", "客户簇", "簇"],
        requires={"segments": _SEGMENT_COLUMNS},
    ),
)


def _phrases(analysis: str, texts: list[str], **params: object) -> list[Phrase]:
    return [Phrase(text=t, analysis=analysis, params=dict(params)) for t in texts]


def _mixed_last(phrases: list[Phrase]) -> tuple[Phrase, ...]:
    order = {t: i for i, t in enumerate(chinese_first([p.text for p in phrases]))}
    return tuple(sorted(phrases, key=lambda p: order[p.text]))


_RFM = "segmentation.rfm"
_CLUSTERS = "segmentation.clusters"
_VALUE = "segmentation.value"
_LIFECYCLE = "segmentation.lifecycle"

SEGMENT_PHRASES: tuple[Phrase, ...] = _mixed_last(
    [
        *_phrases(
            _RFM,
            [
                "segment customers by rfm",
                "segment our customers by rfm",
                "segment the customers by rfm",
                "segment my customers by rfm",
                "segment customers using rfm",
                "rfm segmentation",
                "rfm analysis",
                "rfm model",
                "rfm scores",
                "rfm score",
                "rfm scoring",
                "run rfm",
                "rfm breakdown of customers",
                "customer segmentation",
                "segment customers",
                "segment our customers",
                "segment my customers",
                "segment the customers",
                "segment the customer base",
                "rfm 客户分群",
                "rfm 分析",
                "rfm 模型",
                "rfm 分层",
                "rfm 打分",
                "rfm 客户细分",
                "客户分群",
                "客户细分",
                "给客户分群",
                "对客户进行分群",
                "对客户做 rfm 分析",
                "客户 rfm 分群",
                "客户 rfm 分析",
                "做一下客户细分",
            ],
        ),
        *_phrases(
            _RFM,
            [
                "who are our champions",
                "who are my champions",
                "who are the champions",
                "who are champions",
                "show our champions",
                "show me our champions",
                "list our champions",
                "which customers are champions",
                "who are our best customers",
                "list our best customers",
                "show our best customers",
                "谁是冠军客户",
                "冠军客户是谁",
                "哪些是冠军客户",
                "我们的冠军客户",
                "最好的客户是谁",
            ],
            segment=names.CHAMPIONS,
        ),
        *_phrases(
            _RFM,
            [
                "which customers are at risk",
                "customers are at risk",
                "who is at risk",
                "who's at risk",
                "who are at risk",
                "customers at risk of churning",
                "at risk of churning",
                "at risk of leaving",
                "哪些客户有流失风险",
                "有流失风险的客户有哪些",
                "哪些客户存在流失风险",
            ],
            segment=names.AT_RISK,
        ),
        *_phrases(
            _CLUSTERS,
            [
                "cluster customers",
                "cluster our customers",
                "cluster the customers",
                "cluster my customers",
                "customer clustering",
                "clustering",
                "k-means",
                "kmeans",
                "k means",
                "behavioural clusters",
                "behavioral clusters",
                "group customers by behaviour",
                "group customers by behavior",
                "客户聚类",
                "聚类分析",
                "把客户聚类",
                "对客户聚类",
                "对客户进行聚类",
                "对客户做聚类",
                "聚类",
                "把客户分成",
                "将客户分成",
            ],
        ),
        *_phrases(
            _VALUE,
            [
                "what share of customers makes 80% of revenue",
                "80% of revenue",
                "80% of sales",
                "80 percent of revenue",
                "80 percent of sales",
                "80% of our revenue",
                "80/20",
                "80 20 rule",
                "pareto",
                "pareto analysis",
                "abc analysis",
                "abc segmentation",
                "customer value segmentation",
                "value segmentation",
                "tier customers by value",
                "customer value tiers",
                "客户价值分层",
                "客户价值分级",
                "价值分层",
                "帕累托",
                "帕累托分析",
                "二八法则",
                "二八定律",
                "八二法则",
                "abc 分析",
                "abc 分类",
            ],
        ),
        *_phrases(
            _LIFECYCLE,
            [
                "customer lifecycle",
                "lifecycle analysis",
                "lifecycle stage counts",
                "lifecycle funnel",
                "客户生命周期",
                "生命周期分析",
            ],
        ),
        *_phrases(
            _LIFECYCLE,
            [
                "lifecycle transitions",
                "lifecycle transition matrix",
                "stage transitions",
                "transition matrix",
                "movement between lifecycle stages",
                "生命周期迁移",
                "生命周期转移矩阵",
                "阶段迁移",
            ],
            view="transitions",
        ),
        *_phrases(
            _LIFECYCLE,
            [
                "哪些客户快要流失",
                "快要流失的客户",
                "即将流失的客户",
                "哪些客户即将流失",
                "哪些客户要流失了",
                "which customers are about to churn",
                "customers about to churn",
                "about to churn",
                "about to lapse",
                "lapsing customers",
            ],
            stage=names.LAPSING_BUYER,
        ),
    ]
)
