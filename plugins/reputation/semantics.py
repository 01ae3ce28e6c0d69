"""What the reputation plugin adds to the query layer once sentiment is stored: two relations over the
sentiment tables, the ``sentiment``, ``review_aspect`` and ``comment_sentiment`` dimensions, and
sentiment metrics; plus the specs of the tables it writes.

The relations require the stored tables, so the dimensions and metrics appear once ``reputation.sentiment``
(or any analysis that needs sentiment) has run on a writable database: "negative reviews by source",
"差评 by month", "NPS by comment sentiment", "average sentiment by review brand".
"""

from __future__ import annotations

from crmlens.engine import Dimension, Metric, Relation
from crmlens.engine.schema import TableSpec
from crmlens.plugins.reputation import store

_OURS = "reviews.brand IN (SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)"
_REVIEW_REQUIRES = {"review_sentiment": ["review_id", "label"]}
_COMMENT_REQUIRES = {"feedback_sentiment": ["feedback_id", "label"]}

TABLES: tuple[TableSpec, ...] = tuple(store.table_spec(s) for s in store.SOURCES.values())

RELATIONS: tuple[Relation, ...] = (
    Relation(
        name="review_sentiment_scores",
        produced_by="reputation.sentiment",
        description="One row per scored review: its sentiment label, score and main aspect (stored by "
        "reputation.sentiment).",
        sql="SELECT review_id, label AS sentiment, score AS sentiment_score, aspect AS review_aspect "
        "FROM review_sentiment",
        key=["review_id"],
        references={"review_id": "reviews.review_id"},
        requires=_REVIEW_REQUIRES,
    ),
    Relation(
        name="comment_sentiment_scores",
        produced_by="reputation.sentiment",
        description="One row per scored survey answer with a comment: its sentiment label and score (stored by "
        "reputation.sentiment).",
        sql="SELECT feedback_id, label AS comment_sentiment, score AS comment_score, aspect AS comment_aspect "
        "FROM feedback_sentiment WHERE label IS NOT NULL",
        key=["feedback_id"],
        references={"feedback_id": "feedback.feedback_id"},
        requires=_COMMENT_REQUIRES,
    ),
)

_SENTIMENT_VALUES = {
    "negative": ["negative sentiment", "差评", "负面", "负面评价", "负面情感", "消极"],
    "positive": ["positive sentiment", "好评", "正面", "正面评价", "正面情感", "积极"],
    "neutral": ["neutral sentiment", "中评", "中性", "中性评价"],
}
_ASPECT_VALUES = {
    "delivery": ["shipping", "logistics", "物流", "配送", "快递", "发货"],
    "price": ["pricing", "prices", "价格", "价钱"],
    "quality": ["product quality", "质量", "品质", "做工"],
    "service": ["customer service", "support", "客服", "服务", "售后"],
    "returns": ["refunds", "return", "退货", "退换货"],
    "other": ["其他方面"],
}

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        name="sentiment",
        title="Review sentiment",
        title_zh="评价情感",
        table="review_sentiment_scores",
        expression="review_sentiment_scores.sentiment",
        description="sentiment of the review's text (positive, neutral, negative), from reputation.sentiment",
        description_zh="评价文本的情感（正面、中性、负面），来自情感分析",
        synonyms=["review sentiment", "sentiment label", "tone", "评价情感", "情感", "情感倾向", "口碑倾向"],
        value_synonyms=_SENTIMENT_VALUES,
        requires=_REVIEW_REQUIRES,
    ),
    Dimension(
        name="review_aspect",
        title="Review aspect",
        title_zh="评价方面",
        table="review_sentiment_scores",
        expression="review_sentiment_scores.review_aspect",
        description="what the review is mainly about: delivery, price, quality, service, returns or other",
        description_zh="评价主要涉及的方面：物流、价格、质量、服务、退货或其他",
        synonyms=["aspect", "review aspect", "review topic", "评价方面", "方面", "评价维度"],
        value_synonyms=_ASPECT_VALUES,
        requires=_REVIEW_REQUIRES,
    ),
    Dimension(
        name="comment_sentiment",
        title="Comment sentiment",
        title_zh="反馈情感",
        table="comment_sentiment_scores",
        expression="comment_sentiment_scores.comment_sentiment",
        description="sentiment of the survey comment (positive, neutral, negative), from reputation.sentiment",
        description_zh="问卷评论的情感（正面、中性、负面），来自情感分析",
        synonyms=["comment sentiment", "feedback sentiment", "survey comment sentiment", "反馈情感", "评论情感"],
        value_synonyms=_SENTIMENT_VALUES,
        requires=_COMMENT_REQUIRES,
    ),
)

METRICS: tuple[Metric, ...] = (
    Metric(
        name="negative_sentiment_share",
        title="Share of negative reviews (by sentiment)",
        title_zh="负面评价占比",
        table="reviews",
        description="share of the scored reviews of our brands whose text is negative (reputation.sentiment)",
        description_zh="我方品牌已评分评价中文本情感为负面的比例",
        expression="count(*) FILTER (WHERE review_sentiment_scores.sentiment = 'negative') / "
        "nullif(count(review_sentiment_scores.sentiment), 0)",
        filters=[_OURS],
        time_column="posted_at",
        format="percent",
        higher_is_better=False,
        synonyms=[
            "negative sentiment share",
            "negative sentiment rate",
            "share of negative sentiment",
            "负面评价占比",
            "负面情感占比",
            "负面口碑占比",
        ],
        requires={**_REVIEW_REQUIRES, "reviews": ["brand", "posted_at"]},
    ),
    Metric(
        name="average_sentiment",
        title="Average review sentiment",
        title_zh="平均情感得分",
        table="reviews",
        description="mean sentiment score (-1 to 1) of the scored reviews of our brands (reputation.sentiment)",
        description_zh="我方品牌已评分评价的平均情感得分（-1 到 1）",
        expression="avg(review_sentiment_scores.sentiment_score)",
        filters=[_OURS],
        time_column="posted_at",
        format="score",
        synonyms=[
            "average sentiment",
            "sentiment score",
            "mean sentiment",
            "avg sentiment",
            "平均情感得分",
            "情感得分",
            "平均情感",
        ],
        requires={**_REVIEW_REQUIRES, "reviews": ["brand", "posted_at"]},
    ),
    Metric(
        name="negative_comment_share",
        title="Share of negative survey comments",
        title_zh="负面反馈占比",
        table="feedback",
        description="share of the survey answers with a comment whose comment is negative (reputation.sentiment)",
        description_zh="有评论的问卷回答中评论情感为负面的比例",
        expression="count(*) FILTER (WHERE comment_sentiment_scores.comment_sentiment = 'negative') / "
        "nullif(count(comment_sentiment_scores.comment_sentiment), 0)",
        time_column="submitted_at",
        format="percent",
        higher_is_better=False,
        synonyms=[
            "negative comment share",
            "share of negative comments",
            "negative feedback share",
            "负面反馈占比",
            "负面评论占比",
        ],
        requires={**_COMMENT_REQUIRES, "feedback": ["submitted_at"]},
    ),
)
