"""``reputation.nps``: Net Promoter Score with the counts behind it, its margin of error, and whether
it dropped significantly against the previous period.

Promoters answer 9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors of the answers
with a score (the query layer's ``nps`` metric). Overall, per period (``grain``), per group (``by``:
any dimension of the survey answers or their customers — survey channel, region, saved segment,
comment sentiment …) or both.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.plugins.reputation import periods, stats, survey
from crmlens.plugins.reputation.breakdowns import DimensionFilter, Fact

if TYPE_CHECKING:
    import pandas as pd

FEEDBACK = Fact("feedback", "feedback_id")


class NpsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grain: periods.Grain | None = Field(None, description="One row per day/week/month/quarter/year; none: one row.")
    by: str | None = Field(
        None,
        description="Dimension to break NPS down by (feedback_channel, region, "
        "customer_type, rfm_segment, comment_sentiment, …).",
    )
    start: dt.date | None = Field(None, description="First day of answers to count (default: the first answer).")
    end: dt.date | None = Field(None, description="Last day of answers to count (default: the as-of date).")
    filters: list[DimensionFilter] = Field(default_factory=list, description="Keep only matching answers.")
    confidence: float = Field(0.95, ge=0.5, le=0.999, description="Confidence of margins of error and tests.")


COLUMNS = [
    Column(name="answers", type="BIGINT", format="count"),
    Column(name="promoters", type="BIGINT", format="count"),
    Column(name="passives", type="BIGINT", format="count"),
    Column(name="detractors", type="BIGINT", format="count"),
    Column(name="nps", type="DOUBLE", format="score"),
    Column(name="margin_of_error", type="DOUBLE", format="score"),
    Column(name="nps_low", type="DOUBLE", format="score"),
    Column(name="nps_high", type="DOUBLE", format="score"),
    Column(name="previous_nps", type="DOUBLE", format="score"),
    Column(name="change", type="DOUBLE", format="score"),
    Column(name="p_value", type="DOUBLE", format="number"),
    Column(name="significant_drop", type="BOOLEAN"),
]


def derive(frame: pd.DataFrame, keys: list[str], grain: periods.Grain | None, confidence: float) -> pd.DataFrame:
    """NPS, its margin of error and the test against the previous period, from the counts.

    ``frame`` holds ``period`` (sorted; dates with a ``grain``), the ``keys`` columns, answers,
    promoters, passives, detractors.
    """
    z = stats.z_value(confidence)
    out = frame.copy()
    n, p, d = out["answers"].astype(int), out["promoters"].astype(int), out["detractors"].astype(int)
    out["nps"] = [stats.nps(a, b, c) for a, b, c in zip(p, d, n, strict=True)]
    out["_se"] = [stats.nps_standard_error(a, b, c) for a, b, c in zip(p, d, n, strict=True)]
    out["margin_of_error"] = z * out["_se"]
    out["nps_low"] = out["nps"] - out["margin_of_error"]
    out["nps_high"] = out["nps"] + out["margin_of_error"]
    return survey.add_change(out, keys, grain, "nps", "_se", confidence).drop(columns=["_se"])


def run(ctx: AnalysisContext, params: NpsParams) -> Result:
    counted = survey.count(
        ctx,
        survey.CountSpec(
            FEEDBACK,
            time="submitted_at",
            value="nps_score",
            counts={
                "promoters": "feedback.nps_score >= 9",
                "passives": "feedback.nps_score BETWEEN 7 AND 8",
                "detractors": "feedback.nps_score <= 6",
            },
            what="NPS",
        ),
        grain=params.grain,
        by=params.by,
        start=params.start,
        end=params.end,
        filters=params.filters,
    )
    for note in counted.notes:
        ctx.warn(note[0].upper() + note[1:] + ".")
    frame = counted.frame
    if frame.empty or int(frame["answers"].sum()) == 0:
        raise MissingDataError(
            f"No NPS answers {counted.window.text()}.",
            missing={"feedback": ["nps_score"]},
            hint="Check the period, the filters, or load survey answers with an nps_score.",
        )
    bad = int(ctx.scalar("SELECT count(*) FROM feedback WHERE nps_score NOT BETWEEN 0 AND 10") or 0)
    if bad:
        ctx.warn(f"{bad:,} answers have an NPS score outside 0–10; they are counted as the nps metric counts them.")
    group = counted.by.name if counted.by else None
    keys = [group] if group else []
    if params.grain:
        frame["period"] = survey.as_dates(frame["period"])
        frame = frame.sort_values(["period", *keys], kind="stable")
        table = derive(frame, keys, params.grain, params.confidence)
        if counted.window.start is not None:
            first = periods.truncate(counted.window.start, params.grain)
            table = table[table["period"] >= first]
        table = table.rename(columns={"period": params.grain})
        lead = [params.grain, *keys]
    else:
        frame = frame.assign(_order=frame["period"].map({"previous": 0, "current": 1}))
        frame = frame.sort_values(["_order", *keys], kind="stable").drop(columns=["_order"])
        table = derive(frame, keys, None, params.confidence)
        table = table[table["period"] == "current"].drop(columns=["period"])
        lead = keys
    table = table[[*lead, "answers", "promoters", "passives", "detractors", *[c.name for c in COLUMNS[4:]]]]
    table = table.reset_index(drop=True)
    overall = _overall(frame[frame["period"] != "previous"] if not params.grain else table, params.confidence)
    summary = _summary(table, params, group, overall, counted)
    if (
        params.grain
        and params.grain != "day"
        and periods.period_end(periods.truncate(counted.window.end, params.grain), params.grain) > counted.window.end
    ):
        ctx.warn(f"The last {params.grain} is partial: answers up to {counted.window.end.isoformat()}.")
    columns = _columns(table, lead)
    chart = (
        ChartSpec(kind="line", x=params.grain, y=["nps"], series=group)
        if params.grain
        else ChartSpec(kind="bar", x=group, y=["nps"])
        if group
        else None
    )
    return Result(
        title="NPS"
        + (f" by {params.grain}" if params.grain else "")
        + (f" by {counted.by.title.lower()}" if counted.by else ""),
        table=table,
        columns=columns,
        chart=chart,
        summary=summary,
        details={
            "window": {"start": counted.window.start, "end": counted.window.end},
            "previous_window": None
            if counted.previous is None
            else {"start": counted.previous.start, "end": counted.previous.end},
            "overall": overall,
            "confidence": params.confidence,
            "definition": "promoters 9-10, passives 7-8, detractors 0-6; "
            "NPS = 100 x (promoters - detractors) / answers",
        },
    )


def _columns(table: pd.DataFrame, lead: list[str]) -> list[Column]:
    out = []
    for name in lead:
        out.append(
            Column(name=name, type="DATE", format="date")
            if name in periods.GRAINS
            else Column(name=name, type="VARCHAR")
        )
    return out + COLUMNS


def _overall(frame: pd.DataFrame, confidence: float) -> dict[str, float | int]:
    n, p, d = int(frame["answers"].sum()), int(frame["promoters"].sum()), int(frame["detractors"].sum())
    return {
        "answers": n,
        "promoters": p,
        "passives": int(frame["passives"].sum()),
        "detractors": d,
        "nps": stats.nps(p, d, n),
        "margin_of_error": stats.z_value(confidence) * stats.nps_standard_error(p, d, n),
    }


def _fmt(value: float) -> str:
    return f"{value:+.1f}" if math.isfinite(value) else "n/a"


def _summary(
    table: pd.DataFrame,
    params: NpsParams,
    group: str | None,
    overall: dict[str, float | int],
    counted: survey.Counted,
) -> str:
    head = (
        f"NPS {_fmt(float(overall['nps']))} ± {float(overall['margin_of_error']):.1f} over "
        f"{int(overall['answers']):,} answers ({int(overall['promoters']):,} promoters, "
        f"{int(overall['detractors']):,} detractors)"
    )
    parts = [head + "."]
    drops = table[table["significant_drop"]]
    if params.grain:
        last_period = table[params.grain].max()
        latest = table[table[params.grain] == last_period]
        if group is None and len(latest):
            row = latest.iloc[0]
            text = f"Latest {params.grain} ({periods.label(last_period, params.grain)}): {_fmt(row['nps'])}"
            if math.isfinite(row["change"]):
                verdict = (
                    "a significant drop"
                    if row["significant_drop"]
                    else (
                        "a significant rise"
                        if row["p_value"] < 1 - params.confidence and row["change"] > 0
                        else "not significant"
                    )
                )
                text += (
                    f", {row['change']:+.1f} points vs the {params.grain} before ({verdict}, p={row['p_value']:.3f})"
                )
            parts.append(text + ".")
        last_drops = drops[drops[params.grain] == last_period]
        if group is not None and len(last_drops):
            names = ", ".join(f"{r[group]} ({r['change']:+.1f})" for _, r in last_drops.iterrows())
            parts.append(f"Significant drop in the latest {params.grain} for: {names}.")
        elif len(drops) and (group is not None or len(drops[drops[params.grain] != last_period])):
            earlier = drops[drops[params.grain] != last_period]
            if len(earlier):
                when = periods.label(earlier[params.grain].max(), params.grain)
                parts.append(f"{len(earlier)} significant drop(s) in earlier {params.grain}s, the last in {when}.")
    else:
        if group is not None and len(table):
            ranked = table.sort_values("nps", ascending=False)
            best, worst = ranked.iloc[0], ranked.iloc[-1]
            parts.append(
                f"Highest: {best[group]} {_fmt(best['nps'])} ± {best['margin_of_error']:.1f}; lowest: "
                f"{worst[group]} {_fmt(worst['nps'])} ± {worst['margin_of_error']:.1f}."
            )
        if counted.previous is not None:
            if len(drops):
                names = ", ".join(
                    f"{r[group]} ({r['change']:+.1f})" if group else f"{r['change']:+.1f} points"
                    for _, r in drops.iterrows()
                )
                parts.append(f"Significant drop against the period {counted.previous.text()}: {names}.")
            else:
                parts.append(f"No significant drop against the period {counted.previous.text()}.")
    return " ".join(parts)


ANALYSIS = Analysis(
    name="reputation.nps",
    title="Net Promoter Score",
    description="NPS (% promoters 9-10 minus % detractors 0-6) overall, by period and by any dimension, with the "
    "counts behind every figure, a margin of error, and a flag on significant drops against the previous period.",
    params=NpsParams,
    requires={"feedback": ["nps_score", "submitted_at"]},
    run=run,
    examples=[
        "NPS by month",
        "NPS by channel last quarter",
        "净推荐值趋势",
        "crmlens run reputation.nps grain=quarter by=region",
    ],
)
