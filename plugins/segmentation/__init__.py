"""The segmentation plugin: RFM segments, k-means clusters, Pareto/ABC value tiers and lifecycle stages.

Built only on the public hooks. Every analysis can save its groups to the ``segments`` table; the
relations and dimensions registered here then let questions group and filter by them ("revenue by RFM
segment", "churn rate of At Risk customers", "列出冠军客户"). See docs/segmentation.md.
"""

from __future__ import annotations

from crmlens.engine import Analysis, Dimension, Phrase, Relation, hookimpl
from crmlens.engine.schema import TableSpec
from crmlens.plugins.segmentation import clusters, lifecycle, rfm, value
from crmlens.plugins.segmentation.common import RFM_SCORES_TABLE, SEGMENTS_TABLE
from crmlens.plugins.segmentation.semantics import SEGMENT_DIMENSIONS, SEGMENT_PHRASES, SEGMENT_RELATIONS


@hookimpl
def register_analyses() -> list[Analysis]:
    return [rfm.ANALYSIS, clusters.ANALYSIS, value.ANALYSIS, lifecycle.ANALYSIS]


@hookimpl
def register_relations() -> list[Relation]:
    return list(SEGMENT_RELATIONS)


@hookimpl
def register_dimensions() -> list[Dimension]:
    return list(SEGMENT_DIMENSIONS)


@hookimpl
def register_vocabulary() -> list[Phrase]:
    return list(SEGMENT_PHRASES)


@hookimpl
def register_tables() -> list[TableSpec]:
    return [SEGMENTS_TABLE, RFM_SCORES_TABLE]
