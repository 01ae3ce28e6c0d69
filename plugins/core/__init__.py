"""The core built-in plugin: data overview and data-quality analyses, and the core metrics and
dimensions of the query layer. Registered exactly like a third-party plugin."""

from __future__ import annotations

from crmlens.engine import Analysis, Dimension, Metric, Relation, hookimpl
from crmlens.plugins.core import overview, quality
from crmlens.plugins.core.semantics import CORE_DIMENSIONS, CORE_METRICS, CORE_RELATIONS


@hookimpl
def register_analyses() -> list[Analysis]:
    return [overview.ANALYSIS, quality.ANALYSIS]


@hookimpl
def register_metrics() -> list[Metric]:
    return list(CORE_METRICS)


@hookimpl
def register_dimensions() -> list[Dimension]:
    return list(CORE_DIMENSIONS)


@hookimpl
def register_relations() -> list[Relation]:
    return list(CORE_RELATIONS)
