"""Reputation: NPS, CSAT and ratings, review and comment sentiment (English and Chinese, offline),
complaint and praise topics, competitors (share of voice, sentiment, price position) and customer service.

Built only on the public plugin hooks. Sentiment is computed once and stored (``review_sentiment``,
``feedback_sentiment``); once stored, the ``sentiment``, ``review_aspect`` and ``comment_sentiment``
dimensions and the sentiment metrics let any question filter and group by it. See docs/reputation.md.
"""

from __future__ import annotations

from crmlens.engine import Analysis, Dimension, Metric, Phrase, Relation, hookimpl
from crmlens.engine.schema import TableSpec
from crmlens.plugins.reputation import (
    competitors,
    csat,
    nps,
    reviews,
    semantics,
    sentiment,
    service,
    topics,
    vocabulary,
)


@hookimpl
def register_analyses() -> list[Analysis]:
    return [
        nps.ANALYSIS,
        csat.ANALYSIS,
        sentiment.ANALYSIS,
        topics.ANALYSIS,
        reviews.ANALYSIS,
        competitors.ANALYSIS,
        service.ANALYSIS,
    ]


@hookimpl
def register_metrics() -> list[Metric]:
    return list(semantics.METRICS)


@hookimpl
def register_dimensions() -> list[Dimension]:
    return list(semantics.DIMENSIONS)


@hookimpl
def register_relations() -> list[Relation]:
    return list(semantics.RELATIONS)


@hookimpl
def register_vocabulary() -> list[Phrase]:
    return vocabulary.phrases()


@hookimpl
def register_tables() -> list[TableSpec]:
    return list(semantics.TABLES)
