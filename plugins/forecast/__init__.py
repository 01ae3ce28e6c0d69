"""The forecast plugin: sales forecasts with backtests (``forecast.sales``), churn risk (``forecast.churn``)
and customer lifetime value with BG/NBD + Gamma-Gamma (``forecast.clv``), built on the public hooks only.

Heavy libraries (scipy, scikit-learn) are imported inside the analyses, never at import time.
"""

from __future__ import annotations

from crmlens.engine import Analysis, Dimension, Phrase, Relation, hookimpl
from crmlens.engine.schema import TableSpec
from crmlens.plugins.forecast import churn, clv, sales
from crmlens.plugins.forecast.semantics import CHURN_SCORES, DIMENSIONS, PHRASES, RELATION


@hookimpl
def register_analyses() -> list[Analysis]:
    return [sales.ANALYSIS, churn.ANALYSIS, clv.ANALYSIS]


@hookimpl
def register_relations() -> list[Relation]:
    return [RELATION]


@hookimpl
def register_dimensions() -> list[Dimension]:
    return list(DIMENSIONS)


@hookimpl
def register_vocabulary() -> list[Phrase]:
    return list(PHRASES)


@hookimpl
def register_tables() -> list[TableSpec]:
    return [CHURN_SCORES]
