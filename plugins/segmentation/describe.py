"""Cluster descriptions in words ("frequent, small basket, mostly app"), English and Chinese.

A cluster is described by its centroid in standardized units (0 = the average customer, 1 = one
standard deviation above): the numeric features at least :data:`NOTABLE` away from 0, strongest first
(at most three), then the channel or category whose share is most above average when it is notable —
"mostly <value>" when it also makes at least :data:`MOSTLY` of the cluster's orders or spend.
"""

from __future__ import annotations

from collections.abc import Mapping

from crmlens.plugins.segmentation.features import FeaturePlan

NOTABLE = 0.5
MOSTLY = 0.4
MAX_WORDS = 3

#: feature column -> ((English, Chinese) when above average, (English, Chinese) when below)
WORDS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "recency_days": (("lapsed", "久未购买"), ("recent", "近期购买")),
    "frequency": (("frequent", "高频"), ("infrequent", "低频")),
    "monetary": (("high spend", "高消费"), ("low spend", "低消费")),
    "aov": (("big basket", "高客单价"), ("small basket", "低客单价")),
    "tenure_days": (("long-standing", "老客"), ("new", "新客")),
}


def describe_cluster(z: Mapping[str, float], shares: Mapping[str, float], plan: FeaturePlan) -> tuple[str, str]:
    """(English, Chinese) description of a cluster from its standardized centroid ``z`` and its mean mix
    ``shares`` (both keyed by feature column)."""
    numeric = sorted(
        (c for c in plan.numeric if abs(float(z[c])) >= NOTABLE), key=lambda c: abs(float(z[c])), reverse=True
    )[:MAX_WORDS]
    en: list[str] = []
    zh: list[str] = []
    for c in numeric:
        word = WORDS[c][0] if float(z[c]) > 0 else WORDS[c][1]
        en.append(word[0])
        zh.append(word[1])
    best: tuple[float, str, str] | None = None
    for column, block, value in plan.mix_columns:
        score = float(z[column])
        if score >= NOTABLE and (best is None or score > best[0]):
            best = (score, block, value)
    if best is not None:
        _, block, value = best
        column = next(c for c, b, v in plan.mix_columns if b == block and v == value)
        mostly = float(shares[column]) >= MOSTLY
        if block == "channel":
            en.append(f"mostly {value}" if mostly else f"more {value} than average")
            zh.append(f"主要在{value}下单" if mostly else f"{value}下单偏多")
        else:
            en.append(f"mostly {value}" if mostly else f"more {value} than average")
            zh.append(f"主要购买{value}" if mostly else f"偏好{value}")
    if not en:
        return "close to the average customer", "各项接近平均水平"
    return ", ".join(en), "、".join(zh)
