"""``reputation.csat``: customer satisfaction and star ratings — the share scoring 4 or 5 of 5, the
distribution of scores, the average, their trend and any significant drop.

``measure="csat"`` reads the survey answers' ``csat_score`` (CSAT = share of 4–5, the query layer's
``csat`` metric); ``measure="rating"`` reads the reviews' star ``rating`` (of our brands by default).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.plugins.reputation import periods, stats, survey
from crmlens.plugins.reputation.breakdowns import DimensionFilter, Fact

if TYPE_CHECKING:
    import pandas as pd

OURS = "reviews.brand IN (SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)"
THEIRS = "reviews.brand NOT IN (SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)"


class CsatParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure: Literal["csat", "rating"] = Field("csat", description="Survey CSAT (csat_score) or review star rating.")
    brands: Literal["ours", "competitors", "all"] = Field("ours", description="For ratings: whose reviews.")
    grain: periods.Grain | None = Field(None, description="One row per day/week/month/quarter/year; none: one row.")
    by: str | None = Field(None, description="Dimension to break down by (feedback_channel, region, review_source …).")
    start: dt.date | None = Field(None, description="First day counted (default: the first answer).")
    end: dt.date | None = Field(None, description="Last day counted (default: the as-of date).")
    filters: list[DimensionFilter] = Field(default_factory=list, description="Keep only matching rows.")
    confidence: float = Field(0.95, ge=0.5, le=0.999, description="Confidence of intervals and tests.")


def _spec(params: CsatParams) -> survey.CountSpec:
    if params.measure == "csat":
        fact, time, value = Fact("feedback", "feedback_id"), "submitted_at", "csat_score"
        where: tuple[str, ...] = ()
    else:
        fact, time, value = Fact("reviews", "review_id"), "posted_at", "rating"
        where = {"ours": (OURS,), "competitors": (THEIRS,), "all": ()}[params.brands]
    col = f"{fact.table}.{value}"
    counts = {"satisfied": f"{col} >= 4", **{f"score_{k}": f"{col} = {k}" for k in range(1, 6)}}
    return survey.CountSpec(
        fact,
        time,
        value,
        counts,
        where,
        what="CSAT" if params.measure == "csat" else "Ratings",
        aggregates={"score_sum": f"sum({col})"},
    )


def run(ctx: AnalysisContext, params: CsatParams) -> Result:
    spec = _spec(params)
    counted = survey.count(
        ctx, spec, grain=params.grain, by=params.by, start=params.start, end=params.end, filters=params.filters
    )
    for note in counted.notes:
        ctx.warn(note[0].upper() + note[1:] + ".")
    frame = counted.frame
    what = "CSAT answers" if params.measure == "csat" else "ratings"
    if frame.empty or int(frame["answers"].sum()) == 0:
        raise MissingDataError(
            f"No {what} {counted.window.text()}.",
            missing={spec.fact.table: [spec.value]},
            hint="Check the period and the filters, or load the data.",
        )
    group = counted.by.name if counted.by else None
    keys = [group] if group else []
    if params.grain:
        frame["period"] = survey.as_dates(frame["period"])
        frame = frame.sort_values(["period", *keys], kind="stable")
    else:
        frame = frame.assign(_o=frame["period"].map({"previous": 0, "current": 1}))
        frame = frame.sort_values(["_o", *keys], kind="stable").drop(columns=["_o"])
    table = derive(frame, keys, params.grain, params.confidence)
    if params.grain:
        if counted.window.start is not None:
            table = table[table["period"] >= periods.truncate(counted.window.start, params.grain)]
        table = table.rename(columns={"period": params.grain})
        lead = [params.grain, *keys]
    else:
        table = table[table["period"] == "current"].drop(columns=["period"])
        lead = keys
    scores = [f"score_{k}" for k in range(1, 6)]
    table = table[
        [
            *lead,
            "answers",
            "satisfied",
            "csat",
            "csat_low",
            "csat_high",
            "average_score",
            *scores,
            "previous_csat",
            "change",
            "p_value",
            "significant_drop",
        ]
    ].reset_index(drop=True)
    current = frame if params.grain else frame[frame["period"] == "current"]
    n, sat = int(current["answers"].sum()), int(current["satisfied"].sum())
    low, high = stats.wilson(sat, n, params.confidence)
    average = float(current["score_sum"].sum()) / n
    label = "CSAT" if params.measure == "csat" else "Share of 4–5 star ratings"
    parts = [
        f"{label} {sat / n:.1%} ({sat:,} of {n:,}; {params.confidence:.0%} interval {low:.1%}–{high:.1%}), "
        f"average {average:.2f} of 5."
    ]
    drops = table[table["significant_drop"]]
    if params.grain:
        last = table[params.grain].max()
        latest = table[table[params.grain] == last]
        if group is None and len(latest) and math.isfinite(latest.iloc[0]["change"]):
            row = latest.iloc[0]
            verdict = "significant drop" if row["significant_drop"] else "not a significant drop"
            parts.append(
                f"Latest {params.grain} ({periods.label(last, params.grain)}): {row['csat']:.1%}, "
                f"{100 * row['change']:+.1f} points ({verdict}, p={row['p_value']:.3f})."
            )
        elif group is not None and len(drops[drops[params.grain] == last]):
            names = ", ".join(str(v) for v in drops[drops[params.grain] == last][group])
            parts.append(f"Significant drop in the latest {params.grain} for: {names}.")
    elif counted.previous is not None:
        parts.append(
            f"Significant drop against the period {counted.previous.text()}: "
            + (
                ", ".join(str(r[group]) if group else f"{100 * r['change']:+.1f} points" for _, r in drops.iterrows())
                if len(drops)
                else "none"
            )
            + "."
        )
    if group is not None and not params.grain and len(table) > 1:
        ranked = table.sort_values("csat")
        parts.append(
            f"Lowest: {ranked.iloc[0][group]} {ranked.iloc[0]['csat']:.1%}; highest: "
            f"{ranked.iloc[-1][group]} {ranked.iloc[-1]['csat']:.1%}."
        )
    lead_columns = [
        Column(name=c, type="DATE", format="date") if c in periods.GRAINS else Column(name=c, type="VARCHAR")
        for c in lead
    ]
    columns = [
        *lead_columns,
        Column(name="answers", type="BIGINT", format="count"),
        Column(name="satisfied", type="BIGINT", format="count"),
        Column(name="csat", type="DOUBLE", format="percent"),
        Column(name="csat_low", type="DOUBLE", format="percent"),
        Column(name="csat_high", type="DOUBLE", format="percent"),
        Column(name="average_score", type="DOUBLE", format="score"),
        *[Column(name=s, type="BIGINT", format="count") for s in scores],
        Column(name="previous_csat", type="DOUBLE", format="percent"),
        Column(name="change", type="DOUBLE", format="percent"),
        Column(name="p_value", type="DOUBLE", format="number"),
        Column(name="significant_drop", type="BOOLEAN"),
    ]
    if params.grain:
        chart = ChartSpec(kind="line", x=params.grain, y=["csat"], series=group)
    elif group:
        chart = ChartSpec(kind="bar", x=group, y=["csat"])
    else:
        chart = None
    title = ("CSAT" if params.measure == "csat" else "Star ratings") + (f" by {params.grain}" if params.grain else "")
    return Result(
        title=title + (f" by {counted.by.title.lower()}" if counted.by else ""),
        table=table,
        columns=columns,
        chart=chart,
        summary=" ".join(parts),
        details={
            "measure": params.measure,
            "brands": params.brands if params.measure == "rating" else None,
            "window": {"start": counted.window.start, "end": counted.window.end},
            "distribution": {f"{k}": int(current[f"score_{k}"].sum()) for k in range(1, 6)},
            "definition": "share of scores 4 or 5 (of 5) among the answers with a score",
        },
    )


def derive(frame: pd.DataFrame, keys: list[str], grain: periods.Grain | None, confidence: float) -> pd.DataFrame:
    out = frame.copy()
    n, sat = out["answers"].astype(int), out["satisfied"].astype(int)
    out["csat"] = [s / a if a else math.nan for s, a in zip(sat, n, strict=True)]
    bounds = [stats.wilson(s, a, confidence) for s, a in zip(sat, n, strict=True)]
    out["csat_low"] = [b[0] for b in bounds]
    out["csat_high"] = [b[1] for b in bounds]
    out["average_score"] = [float(t) / a if a else math.nan for t, a in zip(out["score_sum"], n, strict=True)]
    out["_se"] = [stats.share_standard_error(s, a) for s, a in zip(sat, n, strict=True)]
    return survey.add_change(out, keys, grain, "csat", "_se", confidence).drop(columns=["_se"])


ANALYSIS = Analysis(
    name="reputation.csat",
    title="CSAT and ratings",
    description="Customer satisfaction (share of 4-5 of 5) from surveys, or star ratings of reviews: the "
    "distribution of scores, the average, the trend by period and group, with intervals and significant drops.",
    params=CsatParams,
    run=run,
    examples=[
        "csat analysis by month",
        "rating distribution",
        "满意度分析",
        "crmlens run reputation.csat measure=rating grain=quarter",
    ],
)
