"""``reputation.reviews``: the reviews themselves, filtered by sentiment and by what they are about.

"Show negative reviews about delivery": reviews of our brands (by default) whose stored sentiment is
negative and that mention delivery (``aspects``, see aspects.py), the most negative first, with the
counts behind the list (how many match, out of how many negative reviews and how many reviews).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, Column, MissingDataError, Result
from crmlens.plugins.reputation import breakdowns, periods, store
from crmlens.plugins.reputation.aspects import ORDER
from crmlens.plugins.reputation.breakdowns import DimensionFilter, Fact

Aspect = Literal["delivery", "price", "quality", "service", "returns", "other"]
_BRANDS = {
    "ours": "reviews.brand IN (SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)",
    "competitors": "reviews.brand NOT IN (SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)",
    "all": "TRUE",
}
#: Ticket categories the parser may read in a question ("… about delivery"), as review aspects.
TICKET_CATEGORY_ASPECT = {"delivery": "delivery", "refund": "returns", "product_quality": "quality", "billing": "price"}


class ReviewsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentiment: Literal["negative", "neutral", "positive", "all"] = Field("all", description="Sentiment of the text.")
    aspect: Aspect | None = Field(None, description="Only reviews mentioning this aspect.")
    brands: Literal["ours", "competitors", "all"] = Field("ours", description="Whose reviews.")
    language: Literal["all", "en", "zh"] = Field("all", description="Language of the text.")
    start: dt.date | None = Field(None, description="First day of reviews (default: the first).")
    end: dt.date | None = Field(None, description="Last day of reviews (default: the as-of date).")
    limit: int = Field(20, ge=1, le=1000, description="How many reviews to list.")
    filters: list[DimensionFilter] = Field(
        default_factory=list, description="Keep only matching reviews (review_source, review_brand, rating …)."
    )


def run(ctx: AnalysisContext, params: ReviewsParams) -> Result:
    scored = store.ensure_scores(ctx, "reviews")
    w = periods.window(params.start, params.end, ctx.as_of)
    # Values the parser read in the question: an aspect (as a ticket category or the aspect dimension) and a
    # sentiment become the list's own conditions; other dimensions filter the reviews.
    aspect: str | None = params.aspect
    sentiment: str = params.sentiment
    filters: list[DimensionFilter] = []
    for f in params.filters:
        value = f.values[0] if f.op in ("=", "in") and len(f.values) == 1 else None
        if value in TICKET_CATEGORY_ASPECT and aspect is None and f.dimension == "ticket_category":
            aspect = TICKET_CATEGORY_ASPECT[value]
        elif value is not None and aspect is None and f.dimension == "review_aspect" and value in ORDER:
            aspect = value
        elif value in ("negative", "neutral", "positive") and sentiment == "all" and f.dimension == "sentiment":
            sentiment = value
        else:
            filters.append(f)
    bind: dict[str, Any] = {"until": w.until, "as_of": ctx.as_of}
    base = ["reviews.posted_at < $until", _BRANDS[params.brands], "s.score IS NOT NULL"]
    if w.start is not None:
        bind["start"] = w.start
        base.append("reviews.posted_at >= $start")
    if params.language != "all":
        bind["language"] = params.language
        base.append("(s.language = $language OR (s.language = 'mixed' AND $language = 'zh'))")
    extra, used = breakdowns.apply_filters(ctx, filters, Fact("reviews", "review_id"), bind, what="Reviews")
    base += extra
    matching = list(base)
    if sentiment != "all":
        bind["sentiment"] = sentiment
        matching.append("s.label = $sentiment")
    if aspect is not None:
        bind["aspect"] = aspect
        matching.append("list_contains(s.aspects, $aspect)" if aspect != "other" else "len(s.aspects) = 0")
    join = f"{breakdowns.joins(used)} JOIN {scored.name} AS s ON s.review_id = reviews.review_id"
    order = {"negative": "s.score ASC", "positive": "s.score DESC"}.get(sentiment, "reviews.posted_at DESC")
    sql = f"""
        SELECT reviews.review_id, CAST(reviews.posted_at AS DATE) AS posted_on, reviews.brand, reviews.source,
               reviews.rating, s.label AS sentiment, s.score, s.aspect, array_to_string(s.aspects, ', ') AS aspects,
               reviews.text
        FROM reviews {join} WHERE {" AND ".join(matching)}
        ORDER BY {order}, reviews.posted_at DESC, reviews.review_id LIMIT {int(params.limit)}
    """
    table = ctx.query(sql, breakdowns.used_params(sql, bind))
    counts_sql = (
        f"SELECT count(*) FILTER (WHERE {' AND '.join(matching[len(base) :]) or 'TRUE'}) AS matching, "
        f"count(*) FILTER (WHERE {('s.label = $sentiment' if sentiment != 'all' else 'TRUE')}) AS with_sentiment, "
        f"count(*) AS reviews, max(reviews.posted_at) FILTER (WHERE {' AND '.join(matching[len(base) :]) or 'TRUE'}) "
        f"AS latest FROM reviews {join} WHERE {' AND '.join(base)}"
    )
    matching_n, sentiment_n, total, latest = ctx.row(counts_sql, breakdowns.used_params(counts_sql, bind))
    whose = {"ours": "of our brands", "competitors": "of competitors", "all": ""}[params.brands]
    what = f"{sentiment} " if sentiment != "all" else ""
    about = f" about {aspect}" if aspect else ""
    if not matching_n:
        raise MissingDataError(
            f"No {what}reviews {whose}{about} {w.text()} (of {int(total or 0):,} reviews).".replace("  ", " "),
            missing={},
            hint="Widen the period, or ask for all sentiments or aspects.",
        )
    summary = (
        f"{int(matching_n):,} {what}reviews {whose}{about} {w.text()}".replace("  ", " ")
        + (
            f" — {int(matching_n) / int(sentiment_n):.1%} of the {int(sentiment_n):,} {what}reviews"
            if aspect and sentiment != "all"
            else ""
        )
        + f", {int(matching_n) / int(total):.1%} of all {int(total):,}; the latest on {str(latest)[:10]}. "
        + f"Showing {len(table):,}"
        + (
            ", most negative first."
            if sentiment == "negative"
            else ", most positive first."
            if sentiment == "positive"
            else ", newest first."
        )
    )
    return Result(
        title=f"{what.capitalize() or 'All '}reviews{about}".strip(),
        table=table,
        columns=[
            Column(name="review_id", type="VARCHAR"),
            Column(name="posted_on", type="DATE", format="date"),
            Column(name="brand", type="VARCHAR"),
            Column(name="source", type="VARCHAR"),
            Column(name="rating", type="INTEGER", format="number"),
            Column(name="sentiment", type="VARCHAR"),
            Column(name="score", type="DOUBLE", format="score"),
            Column(name="aspect", type="VARCHAR"),
            Column(name="aspects", type="VARCHAR"),
            Column(name="text", type="VARCHAR"),
        ],
        summary=summary,
        details={
            "matching": int(matching_n),
            "with_sentiment": int(sentiment_n),
            "reviews": int(total),
            "sentiment": sentiment,
            "aspect": aspect,
            "brands": params.brands,
        },
    )


ANALYSIS = Analysis(
    name="reputation.reviews",
    title="Reviews by sentiment and aspect",
    description="Lists reviews filtered by their stored sentiment (negative, neutral, positive) and by what they are "
    "about (delivery, price, quality, service, returns), most negative (or positive) first, with how many match.",
    params=ReviewsParams,
    requires={"reviews": ["review_id", "text"]},
    run=run,
    examples=[
        "show negative reviews about delivery",
        "关于物流的差评",
        "crmlens run reputation.reviews sentiment=negative aspect=quality limit=50",
    ],
)
