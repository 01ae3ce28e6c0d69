"""``reputation.competitors``: how we compare with competitor brands.

``view="voice"`` — share of voice and sentiment in public reviews: reviews per brand and their share
of all reviews, average stars, the share of positive and negative texts (the stored sentiment), the
net sentiment (positive − negative share), how often other brands' reviews name the brand, and a test
of each competitor's positive share against ours. Our brands (the brands of ``products``) are one row
unless ``split_ours``.

``view="price"`` — our price position against ``competitor_prices``: for each product and competitor
the latest price observed in the ``lookback_days`` up to the end date, against our list price
(``products.unit_price``) or the average price we sold at in the same days (``our_price="sold"``);
per category, product or competitor: comparisons, average prices, the price index (our prices / theirs,
summed over the comparisons), and how often we are cheaper or dearer.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.plugins.reputation import breakdowns, periods, stats, store, survey
from crmlens.plugins.reputation.breakdowns import DimensionFilter, Fact

if TYPE_CHECKING:
    import pandas as pd

OUR_BRANDS = "(SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)"


class CompetitorParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    view: Literal["voice", "price"] = Field("voice", description="Share of voice and sentiment, or price position.")
    by: str | None = Field(
        None,
        description="voice: a review dimension to split by (review_source, review_language); "
        "price: category (default), product or competitor.",
    )
    start: dt.date | None = Field(None, description="voice: first day of reviews (default: the first).")
    end: dt.date | None = Field(None, description="Last day counted (default: the as-of date).")
    split_ours: bool = Field(False, description="voice: one row per brand of ours instead of one for all.")
    filters: list[DimensionFilter] = Field(default_factory=list, description="voice: keep only matching reviews.")
    lookback_days: int = Field(90, ge=1, le=3650, description="price: prices observed in this many days count.")
    our_price: Literal["list", "sold"] = Field(
        "list", description="price: our list price, or the average price sold at in the lookback days."
    )
    confidence: float = Field(0.95, ge=0.5, le=0.999, description="voice: confidence of the tests against us.")


def run(ctx: AnalysisContext, params: CompetitorParams) -> Result:
    return _voice(ctx, params) if params.view == "voice" else _price(ctx, params)


# -- share of voice ---------------------------------------------------------------------------------


def _ours_label(ctx: AnalysisContext) -> tuple[str, list[str]]:
    brands = [str(b) for b in ctx.query(f"SELECT brand FROM {OUR_BRANDS} ORDER BY brand")["brand"]]
    first = {b.split()[0] for b in brands if b.split()}
    if len(first) == 1:
        return f"{next(iter(first))} (ours)", brands
    return "our brands", brands


def _voice(ctx: AnalysisContext, params: CompetitorParams) -> Result:
    survey.require(ctx, "reviews", ["brand", "posted_at"])
    if not ctx.table_exists("products"):
        raise MissingDataError(
            "Telling our reviews from competitors' needs products (their brands).",
            missing={"products": ["brand"]},
            hint="Load products with a brand.",
        )
    w = periods.window(params.start, params.end, ctx.as_of)
    label, ours = _ours_label(ctx)
    fact = Fact("reviews", "review_id")
    bind: dict[str, Any] = {"until": w.until, "ours_label": label, "as_of": ctx.as_of}
    conditions = ["reviews.posted_at < $until", "reviews.brand IS NOT NULL"]
    if w.start is not None:
        bind["start"] = w.start
        conditions.append("reviews.posted_at >= $start")
    resolved: list[breakdowns.Resolved] = []
    group_sql, group = "", None
    if params.by and params.by in ("review_brand", "brand"):
        ctx.warn("Share of voice is already per brand; the breakdown by brand was left out.")
    elif params.by:
        r = breakdowns.resolve(ctx, params.by, fact, what="Share of voice")
        resolved.append(r)
        group = r.name
        group_sql = f'CAST({r.expression} AS VARCHAR) AS "{r.name}", '
        if r.note:
            ctx.warn(r.note[0].upper() + r.note[1:] + ".")
    filter_sql, used = breakdowns.apply_filters(ctx, params.filters, fact, bind, what="Share of voice")
    conditions += filter_sql
    resolved += used
    scored = store.ensure_scores(ctx, "reviews") if store.has_text(ctx, store.SOURCES["reviews"]) else None
    sentiment_join = (
        f"LEFT JOIN {scored.name} AS s ON s.review_id = reviews.review_id"
        if scored
        else "LEFT JOIN (SELECT NULL AS review_id, NULL AS label, CAST(NULL AS DOUBLE) AS score) AS s ON FALSE"
    )
    brand_sql = (
        "reviews.brand"
        if params.split_ours
        else (f"CASE WHEN reviews.brand IN {OUR_BRANDS} THEN $ours_label ELSE reviews.brand END")
    )
    sql = f"""
        WITH base AS (
            SELECT {group_sql}{brand_sql} AS brand, reviews.brand IN {OUR_BRANDS} AS ours, reviews.rating,
                   s.label, s.score, reviews.text
            FROM reviews {breakdowns.joins(resolved)} {sentiment_join}
            WHERE {" AND ".join(conditions)}
        )
        SELECT {f'"{group}", ' if group else ""}brand, bool_or(ours) AS ours, count(*) AS reviews,
               avg(rating) AS average_rating, count(label) AS scored,
               count(*) FILTER (WHERE label = 'positive') AS positive,
               count(*) FILTER (WHERE label = 'negative') AS negative, avg(score) AS average_sentiment
        FROM base GROUP BY ALL ORDER BY ALL
    """
    frame = ctx.query(sql, breakdowns.used_params(sql, bind))
    if frame.empty:
        raise MissingDataError(
            f"No reviews {w.text()}.", missing={"reviews": []}, hint="Check the period and the filters."
        )
    keys = [group] if group else []
    totals = frame.groupby(keys)["reviews"].transform("sum") if keys else frame["reviews"].sum()
    frame["share_of_voice"] = frame["reviews"] / totals
    frame["positive_share"] = frame["positive"] / frame["scored"].where(frame["scored"] > 0)
    frame["negative_share"] = frame["negative"] / frame["scored"].where(frame["scored"] > 0)
    frame["net_sentiment"] = frame["positive_share"] - frame["negative_share"]
    mentions = _mentions(ctx, frame["brand"].unique().tolist(), label, ours, bind, conditions, resolved)
    frame["mentioned_by_others"] = [mentions.get(str(b), 0) for b in frame["brand"]]
    frame = _tests_against_ours(frame, keys, params.confidence)
    frame = frame.sort_values(
        [*keys, "ours", "reviews"], ascending=[True] * len(keys) + [False, False], kind="stable"
    ).reset_index(drop=True)
    table = frame[
        [
            *keys,
            "brand",
            "ours",
            "reviews",
            "share_of_voice",
            "average_rating",
            "positive_share",
            "negative_share",
            "net_sentiment",
            "average_sentiment",
            "mentioned_by_others",
            "positive_share_vs_ours",
            "p_value_vs_ours",
        ]
    ]
    summary = _voice_summary(frame, group, w, scored is not None)
    price = _price_headline(ctx, params)
    if price:
        summary += " " + price
    columns = [
        *(Column(name=k, type="VARCHAR") for k in keys),
        Column(name="brand", type="VARCHAR"),
        Column(name="ours", type="BOOLEAN"),
        Column(name="reviews", type="BIGINT", format="count"),
        Column(name="share_of_voice", type="DOUBLE", format="percent"),
        Column(name="average_rating", type="DOUBLE", format="score"),
        Column(name="positive_share", type="DOUBLE", format="percent"),
        Column(name="negative_share", type="DOUBLE", format="percent"),
        Column(name="net_sentiment", type="DOUBLE", format="percent"),
        Column(name="average_sentiment", type="DOUBLE", format="score"),
        Column(name="mentioned_by_others", type="BIGINT", format="count"),
        Column(name="positive_share_vs_ours", type="DOUBLE", format="percent"),
        Column(name="p_value_vs_ours", type="DOUBLE", format="number"),
    ]
    return Result(
        title="Share of voice and sentiment: us and competitors",
        table=table,
        columns=columns,
        chart=ChartSpec(kind="bar", x="brand", y=["share_of_voice"], series=group),
        summary=summary,
        details={
            "our_brands": ours,
            "window": {"start": w.start, "end": w.end},
            "sentiment_table": scored.name if scored else None,
        },
    )


def _mentions(
    ctx: AnalysisContext,
    brands: list[object],
    label: str,
    ours: list[str],
    bind: dict[str, Any],
    conditions: list[str],
    resolved: list[breakdowns.Resolved],
) -> dict[str, int]:
    """Reviews of another brand whose text names the brand (our row: any of our brand names)."""
    names: dict[str, list[str]] = {}
    for b in brands:
        names[str(b)] = ours if str(b) == label else [str(b)]
    if not names:
        return {}
    sql = (
        f"SELECT count(*) FROM reviews {breakdowns.joins(resolved)} WHERE {' AND '.join(conditions)} "
        "AND NOT list_contains($own, reviews.brand) AND regexp_matches(lower(reviews.text), $pattern)"
    )
    out: dict[str, int] = {}
    for brand, words in names.items():
        pattern = ("(" + "|".join(_regex_escape(w) for w in words) + ")").lower()
        own = ours if brand == label else [brand]
        n = ctx.scalar(sql, breakdowns.used_params(sql, {**bind, "own": own, "pattern": pattern}))
        out[brand] = int(n or 0)
    return out


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in r".^$*+?{}[]\|()" else c for c in text)


def _tests_against_ours(frame: pd.DataFrame, keys: list[str], confidence: float) -> pd.DataFrame:
    diffs, pvalues = [], []
    for _, row in frame.iterrows():
        mine = frame[frame["ours"]]
        for k in keys:
            mine = mine[mine[k] == row[k]]
        if row["ours"] or mine.empty or not row["scored"]:
            diffs.append(math.nan)
            pvalues.append(math.nan)
            continue
        m_pos, m_n = int(mine["positive"].sum()), int(mine["scored"].sum())
        t = stats.change(
            row["positive"] / row["scored"],
            stats.share_standard_error(int(row["positive"]), int(row["scored"])),
            m_pos / m_n,
            stats.share_standard_error(m_pos, m_n),
        )
        diffs.append(t.difference)
        pvalues.append(t.p_value)
    frame["positive_share_vs_ours"] = diffs
    frame["p_value_vs_ours"] = pvalues
    frame.attrs["alpha"] = 1 - confidence
    return frame


def _voice_summary(table: pd.DataFrame, group: str | None, w: periods.Window, has_sentiment: bool) -> str:
    """Key findings: our share of voice, stars and positive share; the best and worst competitor."""
    if group is not None:
        n = table[group].nunique()
        return (
            f"Share of voice and sentiment of {table['brand'].nunique()} brands in {n} {group} groups "
            f"({int(table['reviews'].sum()):,} reviews, {w.text()})."
        )
    mine = table[table["ours"]]
    others = table[~table["ours"]]
    total = int(table["reviews"].sum())
    share = mine["reviews"].sum() / total
    parts = [
        f"{int(mine['reviews'].sum()):,} of {total:,} reviews ({share:.1%} share of voice) are of our brands, "
        f"average {_avg(mine):.2f} stars"
    ]
    if has_sentiment and mine["scored"].sum():
        parts[0] += f", {mine['positive'].sum() / mine['scored'].sum():.1%} of their texts positive"
    parts[0] += "."
    if len(others):
        ranked = others.sort_values("net_sentiment" if has_sentiment else "average_rating", ascending=False)
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        if has_sentiment:
            parts.append(
                f"Competitors: {best['brand']} has the best net sentiment ({best['net_sentiment']:+.1%}, "
                f"{best['average_rating']:.2f} stars), {worst['brand']} the worst ({worst['net_sentiment']:+.1%})."
            )
            better = others[(others["positive_share_vs_ours"] > 0) & (others["p_value_vs_ours"] < 0.05)]
            worse = others[(others["positive_share_vs_ours"] < 0) & (others["p_value_vs_ours"] < 0.05)]
            if len(worse):
                parts.append("Significantly fewer positive reviews than ours: " + ", ".join(worse["brand"]) + ".")
            if len(better):
                parts.append("Significantly more positive reviews than ours: " + ", ".join(better["brand"]) + ".")
    return " ".join(parts)


def _avg(frame: pd.DataFrame) -> float:
    n = frame["reviews"].sum()
    return float((frame["average_rating"] * frame["reviews"]).sum() / n) if n else math.nan


# -- price position ---------------------------------------------------------------------------------

_PRICE_BY = {"category": "p.category", "product": "p.name", "competitor": "c.competitor"}


def _price_sql(params: CompetitorParams, by: str) -> str:
    ours = "p.unit_price" if params.our_price == "list" else "sold.price"
    sold = ""
    if params.our_price == "sold":
        sold = """
        LEFT JOIN (
            SELECT i.product_id, sum(i.unit_price * i.quantity) / nullif(sum(i.quantity), 0) AS price
            FROM order_items AS i JOIN orders AS o ON o.order_id = i.order_id
            WHERE o.status = 'completed' AND o.order_date > $since AND o.order_date <= $end
            GROUP BY i.product_id) AS sold ON sold.product_id = p.product_id"""
    return f"""
        WITH latest AS (
            SELECT product_id, competitor, arg_max(price, observed_at) AS price, max(observed_at) AS observed_at
            FROM competitor_prices WHERE observed_at > $since AND observed_at <= $end
            GROUP BY product_id, competitor
        ), pairs AS (
            SELECT {_PRICE_BY[by]} AS "{by}", c.product_id, c.competitor, CAST({ours} AS DOUBLE) AS our_price,
                   CAST(c.price AS DOUBLE) AS competitor_price
            FROM latest AS c JOIN products AS p ON p.product_id = c.product_id{sold}
            WHERE {ours} IS NOT NULL AND c.price > 0
        )
        SELECT "{by}", count(*) AS comparisons, count(DISTINCT product_id) AS products,
               avg(our_price) AS our_average_price, avg(competitor_price) AS competitor_average_price,
               sum(our_price) / sum(competitor_price) AS price_index,
               avg(our_price / competitor_price - 1) AS average_gap,
               count(*) FILTER (WHERE our_price < competitor_price) AS cheaper,
               count(*) FILTER (WHERE our_price > competitor_price) AS dearer,
               count(*) FILTER (WHERE our_price < competitor_price) / count(*) AS cheaper_share
        FROM pairs GROUP BY ALL ORDER BY ALL
    """


def _price_frame(ctx: AnalysisContext, params: CompetitorParams, by: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    end = min(params.end or ctx.as_of, ctx.as_of)
    bind = {"since": end - dt.timedelta(days=params.lookback_days), "end": end}
    return ctx.query(_price_sql(params, by), bind), bind


def _price(ctx: AnalysisContext, params: CompetitorParams) -> Result:
    survey.require(ctx, "competitor_prices", ["product_id", "competitor", "price", "observed_at"])
    survey.require(ctx, "products", ["product_id", "unit_price"] if params.our_price == "list" else ["product_id"])
    if params.our_price == "sold":
        survey.require(ctx, "order_items", ["product_id", "unit_price", "quantity"])
    by = params.by or "category"
    if by not in _PRICE_BY:
        by = {"product_category": "category", "brand": "competitor", "review_brand": "competitor"}.get(by, by)
    if by not in _PRICE_BY:
        from crmlens.engine import UsageError

        raise UsageError(
            f"The price position cannot be broken down by {params.by!r}.",
            hint="Use by=category, by=product or by=competitor.",
        )
    frame, bind = _price_frame(ctx, params, by)
    if frame.empty:
        raise MissingDataError(
            f"No competitor price observed in the {params.lookback_days} days to {bind['end']} for a product with "
            "our price.",
            missing={"competitor_prices": []},
            hint="Widen lookback_days or load competitor_prices.",
        )
    overall = ctx.row(
        f"SELECT sum(comparisons), sum(cheaper), sum(dearer) FROM ({_price_sql(params, 'competitor')})", bind
    )
    index_all = ctx.scalar(
        f"SELECT sum(our_average_price * comparisons) / sum(competitor_average_price * comparisons) "
        f"FROM ({_price_sql(params, 'competitor')})",
        bind,
    )
    n, cheaper, dearer = (int(v or 0) for v in overall)
    per_competitor = frame if by == "competitor" else _price_frame(ctx, params, "competitor")[0]
    ranked = per_competitor.sort_values("price_index")
    lowest, highest = ranked.iloc[0], ranked.iloc[-1]
    what = "list prices" if params.our_price == "list" else "average selling prices"
    summary = (
        f"Comparing our {what} with the latest competitor price of the {params.lookback_days} days to "
        f"{bind['end']}: we are cheaper in {cheaper:,} of {n:,} product–competitor comparisons "
        f"({cheaper / n:.0%}) and dearer in {dearer:,} ({dearer / n:.0%}); price index {float(index_all):.2f} "
        f"({(float(index_all) - 1):+.0%} against them). Cheapest against {lowest['competitor']} "
        f"(index {lowest['price_index']:.2f}), dearest against {highest['competitor']} (index "
        f"{highest['price_index']:.2f})."
    )
    columns = [
        Column(name=by, type="VARCHAR"),
        Column(name="comparisons", type="BIGINT", format="count"),
        Column(name="products", type="BIGINT", format="count"),
        Column(name="our_average_price", type="DOUBLE", format="money"),
        Column(name="competitor_average_price", type="DOUBLE", format="money"),
        Column(name="price_index", type="DOUBLE", format="number"),
        Column(name="average_gap", type="DOUBLE", format="percent"),
        Column(name="cheaper", type="BIGINT", format="count"),
        Column(name="dearer", type="BIGINT", format="count"),
        Column(name="cheaper_share", type="DOUBLE", format="percent"),
    ]
    return Result(
        title=f"Price position against competitors by {by}",
        table=frame,
        columns=columns,
        chart=ChartSpec(kind="bar", x=by, y=["price_index"]),
        summary=summary,
        details={
            "comparisons": n,
            "cheaper": cheaper,
            "dearer": dearer,
            "price_index": float(index_all),
            "lookback_days": params.lookback_days,
            "our_price": params.our_price,
            "definition": "price_index = sum of our prices / sum of competitor prices over the product-competitor "
            "pairs (latest observation per pair in the lookback window)",
        },
    )


def _price_headline(ctx: AnalysisContext, params: CompetitorParams) -> str:
    if not ctx.table_exists("competitor_prices") or not ctx.table_exists("products"):
        return ""
    try:
        frame, _ = _price_frame(ctx, params.model_copy(update={"our_price": "list"}), "competitor")
    except Exception:  # a price table in another shape: the voice answer stands on its own
        return ""
    if frame.empty:
        return ""
    n, cheaper = int(frame["comparisons"].sum()), int(frame["cheaper"].sum())
    return (
        f"On price (list, last {params.lookback_days} days) we are cheaper in {cheaper / n:.0%} of {n:,} "
        "product–competitor comparisons."
    )


ANALYSIS = Analysis(
    name="reputation.competitors",
    title="Competitors: share of voice, sentiment and price",
    description="Share of voice and sentiment of our brands against competitor brands in reviews (with tests "
    "against us and who mentions whom), or our price position against competitor prices by category, product or "
    "competitor.",
    params=CompetitorParams,
    run=run,
    examples=[
        "how do we compare with competitors",
        "are we cheaper than competitors",
        "竞品口碑对比",
        "crmlens run reputation.competitors view=price by=product",
    ],
)
