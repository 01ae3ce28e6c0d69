"""``funnel.pipeline``: the sales pipeline from ``opportunities`` and ``opportunity_stages``.

Two views:

* ``stages`` (default) — the opportunities created in the period, stage by stage in pipeline order,
  ending with ``won``: how many reached each stage, conversion from the previous and the first stage,
  how many are open there now and their value (the pipeline value by stage), how many were lost
  there, and the time spent in the stage;
* ``cycle`` — the opportunities closed in the period, by owner (or any dimension) and period: closed,
  won, lost, win rate, won value, average deal size, and the sales cycle created → won (median, mean).

Conventions (docs/funnel.md): an opportunity *reached* a stage when it entered that stage or a later
one, or was won; the pipeline order is read from the stage history unless given; stages named
closed / won / lost are the close itself, represented by the opportunity's status; everything is as of
the as-of date (a deal closed after it is still open).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result, UsageError
from crmlens.engine.lazy import lazy_module
from crmlens.plugins.funnel import dimensions
from crmlens.plugins.funnel.dimensions import DimensionFilter, Resolved
from crmlens.plugins.funnel.summaries import period_label, top_row

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

TERMINAL_STAGES = frozenset({"closed", "won", "lost", "closed won", "closed lost", "closed_won", "closed_lost"})
Grain = Literal["week", "month", "quarter", "year"]


class PipelineParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    view: Literal["stages", "cycle"] = Field(
        "stages",
        description="stages: stage-to-stage conversion, pipeline value and time in stage of the opportunities "
        "created in the period; cycle: win rate, deal size and sales cycle of those closed in the period.",
    )
    by: str | None = Field(None, description="Break down by a dimension: owner, region, customer_type, ...")
    grain: Grain | None = Field(
        None, description="One row set per period (of creation for stages, of close for cycle)."
    )
    stages: list[str] | None = Field(
        None, description="Pipeline stages in order (default: read from the stage history)."
    )
    start: dt.date | None = Field(None, description="First day of the period (default: all the data).")
    end: dt.date | None = Field(None, description="Last day of the period (default: the as-of date).")
    filters: list[DimensionFilter] = Field(default_factory=list, description="Keep only matching opportunities.")

    @field_validator("stages", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [s.strip() for s in value.replace(">", ",").split(",") if s.strip()]
        return value

    @field_validator("stages")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("stages, when given, must name at least one stage")
        return value

    @model_validator(mode="after")
    def _period(self) -> PipelineParams:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if self.view == "stages" and self.by == "stage":  # "pipeline by stage": the stage view already is
            self.by = None
        return self


_ORDER_SQL = """
WITH h AS (
    SELECT opportunity_id, stage, min(entered_at) AS t FROM opportunity_stages
    WHERE entered_at < $as_of_excl AND NOT list_contains($terminal, lower(stage)) GROUP BY ALL
), pairs AS (
    SELECT a.stage AS stage, b.stage AS other,
           count(*) FILTER (WHERE a.t < b.t) AS before, count(*) FILTER (WHERE a.t > b.t) AS after
    FROM h AS a JOIN h AS b ON a.opportunity_id = b.opportunity_id AND a.stage <> b.stage
    GROUP BY ALL
), stages AS (SELECT DISTINCT stage FROM h)
SELECT s.stage, count(p.other) FILTER (WHERE p.before > p.after) AS precedes,
       (SELECT median(epoch(t)) FROM h WHERE h.stage = s.stage) AS typical_time
FROM stages AS s LEFT JOIN pairs AS p ON p.stage = s.stage
GROUP BY s.stage
ORDER BY precedes DESC, typical_time, s.stage
"""


def pipeline_order(ctx: AnalysisContext, as_of_excl: dt.datetime) -> list[str]:
    """Stages in pipeline order, read from the history: a stage comes before another when most
    opportunities that entered both entered it first (ranked by how many stages it precedes)."""
    df = ctx.query(_ORDER_SQL, {"as_of_excl": as_of_excl, "terminal": sorted(TERMINAL_STAGES)})
    return [str(s) for s in df["stage"]]


def _stages_sql(group: str, period: str, joins: str, where: str) -> str:
    return f"""
WITH opp AS (
    SELECT opportunities.opportunity_id, opportunities.created_at, opportunities.closed_at, opportunities.amount,
           CASE WHEN opportunities.closed_at >= $as_of_excl THEN 'open' ELSE opportunities.status END AS status,
           {group} AS grp, {period} AS period
    FROM opportunities {joins}
    WHERE opportunities.created_at < $as_of_excl{where}
), hist AS (
    SELECT h.opportunity_id, list_position($stages, h.stage) AS pos, h.entered_at,
           lead(h.entered_at) OVER (PARTITION BY h.opportunity_id ORDER BY h.entered_at, h.stage) AS next_at
    FROM opportunity_stages AS h SEMI JOIN opp ON opp.opportunity_id = h.opportunity_id
    WHERE h.entered_at < $as_of_excl
), stays AS (
    SELECT hist.opportunity_id, hist.pos, hist.entered_at, opp.grp, opp.period,
           epoch(CASE WHEN hist.next_at IS NOT NULL THEN hist.next_at
                      WHEN opp.status IN ('won', 'lost') THEN opp.closed_at END) - epoch(hist.entered_at) AS seconds
    FROM hist JOIN opp ON opp.opportunity_id = hist.opportunity_id
    WHERE hist.pos IS NOT NULL
), per_opp AS (
    SELECT opp.opportunity_id, opp.grp, opp.period, opp.status, opp.amount,
           coalesce(max(stays.pos), 1) AS furthest,
           coalesce(arg_max(stays.pos, stays.entered_at), 1) AS current_pos
    FROM opp LEFT JOIN stays ON stays.opportunity_id = opp.opportunity_id
    GROUP BY ALL
), stage_list AS (
    SELECT unnest(range(1, len($stages) + 1)) AS pos, unnest($stages) AS stage
), counts AS (
    SELECT s.pos, s.stage, p.grp, p.period,
           count(*) FILTER (WHERE p.furthest >= s.pos OR p.status = 'won') AS reached,
           count(*) FILTER (WHERE p.status = 'open' AND p.current_pos = s.pos) AS open_now,
           sum(p.amount) FILTER (WHERE p.status = 'open' AND p.current_pos = s.pos) AS pipeline_value,
           count(*) FILTER (WHERE p.status = 'lost' AND p.furthest = s.pos) AS lost_here
    FROM stage_list AS s CROSS JOIN per_opp AS p
    GROUP BY ALL
    UNION ALL
    SELECT len($stages) + 1, 'won', grp, period, count(*) FILTER (WHERE status = 'won'), NULL, NULL, NULL
    FROM per_opp GROUP BY ALL
), times AS (
    SELECT pos, grp, period, median(seconds) / 86400 AS median_days_in_stage, avg(seconds) / 86400 AS mean_days_in_stage
    FROM stays WHERE seconds IS NOT NULL GROUP BY ALL
)
SELECT c.period, c.grp, c.pos AS step, c.stage, c.reached,
       c.reached / nullif(lag(c.reached) OVER g, 0) AS conversion_from_previous,
       c.reached / nullif(first_value(c.reached) OVER g, 0) AS conversion_from_first,
       c.open_now, CAST(c.pipeline_value AS DECIMAL(18, 2)) AS pipeline_value, c.lost_here,
       t.median_days_in_stage, t.mean_days_in_stage
FROM counts AS c
LEFT JOIN times AS t ON t.pos = c.pos AND t.grp IS NOT DISTINCT FROM c.grp AND t.period IS NOT DISTINCT FROM c.period
WINDOW g AS (PARTITION BY c.grp, c.period ORDER BY c.pos)
ORDER BY c.period NULLS FIRST, c.grp NULLS LAST, c.pos
"""


_HEADLINE_SQL = """
SELECT count(*) FILTER (WHERE status = 'won'), count(*) FILTER (WHERE status = 'lost'),
       count(*) FILTER (WHERE status = 'open'), avg(amount) FILTER (WHERE status = 'won'),
       sum(amount) FILTER (WHERE status = 'open')
FROM (
    SELECT CASE WHEN opportunities.closed_at >= $as_of_excl THEN 'open' ELSE opportunities.status END AS status,
           opportunities.amount
    FROM opportunities {joins}
    WHERE opportunities.created_at < $as_of_excl{where}
)
"""


def _cycle_sql(group: str, period: str, joins: str, where: str) -> str:
    won = "opportunities.status = 'won'"
    seconds = "date_diff('second', opportunities.created_at, opportunities.closed_at)"
    return f"""
SELECT {period} AS period, {group} AS grp,
       count(*) AS closed,
       count(*) FILTER (WHERE {won}) AS won,
       count(*) FILTER (WHERE opportunities.status = 'lost') AS lost,
       count(*) FILTER (WHERE {won}) / count(*) AS win_rate,
       CAST(sum(opportunities.amount) FILTER (WHERE {won}) AS DECIMAL(18, 2)) AS won_value,
       avg(opportunities.amount) FILTER (WHERE {won}) AS average_deal_size,
       median({seconds}) FILTER (WHERE {won}) / 86400.0 AS median_cycle_days,
       avg({seconds}) FILTER (WHERE {won}) / 86400.0 AS mean_cycle_days
FROM opportunities {joins}
WHERE opportunities.status IN ('won', 'lost') AND opportunities.closed_at < $as_of_excl{where}
GROUP BY ALL
ORDER BY period NULLS FIRST, grp NULLS LAST
"""


def run(ctx: AnalysisContext, params: PipelineParams) -> Result:
    as_of_excl = dt.datetime.combine(ctx.as_of + dt.timedelta(days=1), dt.time())
    end = min(params.end or ctx.as_of, ctx.as_of)
    if params.start is not None and params.start > ctx.as_of:
        raise UsageError(f"The period starts on {params.start}, after the as-of date {ctx.as_of}.")
    time_column = "opportunities.created_at" if params.view == "stages" else "opportunities.closed_at"
    sql_params: dict[str, Any] = {
        "as_of_excl": as_of_excl,
        "end_excl": dt.datetime.combine(end, dt.time()) + dt.timedelta(days=1),
        "grain": params.grain,
    }
    where = [f"{time_column} < $end_excl"]
    if params.start is not None:
        sql_params["since"] = dt.datetime.combine(params.start, dt.time())
        where.append(f"{time_column} >= $since")
    used: list[Resolved] = []
    group: Resolved | None = None
    if params.by is not None:
        group = dimensions.resolve(
            ctx, params.by, base=("opportunities",), customer_key="opportunities.customer_id", what="The sales pipeline"
        )
        used.append(group)
    for i, flt in enumerate(dimensions.pick_filters(params.filters, ("opportunities",))):
        resolved = dimensions.resolve(
            ctx,
            flt.dimension,
            base=("opportunities",),
            customer_key="opportunities.customer_id",
            what="The sales pipeline",
        )
        used.append(resolved)
        where.append(dimensions.filter_condition(resolved, flt, f"f{i}", sql_params))
    joins = dimensions.joins(used)
    where_sql = "".join(f" AND {w}" for w in where)
    period_sql = f"CAST(date_trunc($grain, {time_column}) AS DATE)" if params.grain else "CAST(NULL AS DATE)"
    group_sql = f"CAST({group.expression} AS VARCHAR)" if group is not None else "CAST(NULL AS VARCHAR)"
    detail = group is not None or params.grain is not None

    if params.view == "cycle":
        build = _cycle_sql
    else:
        if not ctx.table_exists("opportunity_stages") or not ctx.scalar(
            "SELECT EXISTS (SELECT 1 FROM opportunity_stages)"
        ):
            raise MissingDataError(
                "The stage view of the sales pipeline needs the stage history (opportunity_stages), which holds "
                "no data.",
                missing={"opportunity_stages": ["opportunity_id", "stage", "entered_at"]},
                hint="Load it with `crmlens load`, or use view=cycle (win rate, deal size, sales cycle).",
            )
        sql_params["stages"] = _stages(ctx, params, as_of_excl)
        build = _stages_sql
    overall_sql = build("CAST(NULL AS VARCHAR)", "CAST(NULL AS DATE)", joins, where_sql)
    overall = ctx.query(overall_sql, dimensions.used_params(overall_sql, sql_params)).drop(columns=["period", "grp"])
    if detail:
        detail_sql = build(group_sql, period_sql, joins, where_sql)
        table = ctx.query(detail_sql, dimensions.used_params(detail_sql, sql_params))
        if params.grain is None:
            table = table.drop(columns=["period"])
        table = table.drop(columns=["grp"]) if group is None else table.rename(columns={"grp": group.name})
    else:
        table = overall
    if params.view == "cycle":
        return _cycle_result(ctx, params, table, overall, group, end)
    head_sql = _HEADLINE_SQL.format(joins=joins, where=where_sql)
    row = ctx.row(head_sql, dimensions.used_params(head_sql, sql_params))
    head = {
        "won": int(row[0]),
        "lost": int(row[1]),
        "open": int(row[2]),
        "win_rate": row[0] / (row[0] + row[1]) if row[0] + row[1] else None,
        "average_deal_size": float(row[3]) if row[3] is not None else None,
        "open_pipeline_value": float(row[4]) if row[4] is not None else 0.0,
    }
    return _stages_result(ctx, params, table, overall, group, end, head)


def _stages(ctx: AnalysisContext, params: PipelineParams, as_of_excl: dt.datetime) -> list[str]:
    order = pipeline_order(ctx, as_of_excl)
    if params.stages is None:
        if not order:
            raise MissingDataError(
                "The stage history holds no stage before the close.", missing={"opportunity_stages": ["stage"]}
            )
        return order
    known = {s.lower(): s for s in order}
    out = []
    for stage in params.stages:
        if stage.lower() in TERMINAL_STAGES:
            continue  # the close is the final 'won' row
        if stage.lower() not in known:
            raise UsageError(
                f"The stage {stage!r} is not in the stage history.",
                hint=f"Stages in the data, in pipeline order: {', '.join(order) or 'none'}.",
            )
        out.append(known[stage.lower()])
    if not out:
        raise UsageError("The stages given are all closing stages; name the open stages in order.")
    return out


def _period_text(params: PipelineParams, end: dt.date) -> str:
    return f"up to {end}" if params.start is None else f"{params.start} to {end}"


def _stages_result(
    ctx: AnalysisContext,
    params: PipelineParams,
    table: pd.DataFrame,
    overall: pd.DataFrame,
    group: Resolved | None,
    end: dt.date,
    head: dict[str, Any],
) -> Result:
    created = int(overall["reached"].iloc[0]) if len(overall) else 0
    period = _period_text(params, end)
    if created == 0:
        summary = f"No opportunity was created ({period})."
    else:
        won = int(overall["reached"].iloc[-1])
        later = overall[(overall["step"] > 1)].dropna(subset=["conversion_from_previous"])
        summary = f"Of {created:,} opportunities created ({period}), {won:,} were won ({won / created:.1%})."
        if head["win_rate"] is not None:
            summary += f" Win rate of the closed ones: {head['win_rate']:.1%}"
            summary += f"; average won deal {head['average_deal_size']:,.2f}." if head["won"] else "."
        if len(later):
            worst = top_row(later, "conversion_from_previous", largest=False)
            prev = overall.loc[overall["step"] == worst["step"] - 1, "stage"].iloc[0]
            summary += (
                f" The biggest leak is {prev} → {worst['stage']}: {float(worst['conversion_from_previous']):.1%} "
                "moved on."
            )
        open_rows = overall.dropna(subset=["pipeline_value"])
        if len(open_rows) and open_rows["open_now"].sum() > 0:
            top = top_row(open_rows, "pipeline_value")
            summary += (
                f" Open pipeline {float(open_rows['pipeline_value'].astype(float).sum()):,.2f} in "
                f"{int(open_rows['open_now'].sum()):,} deals, the most at {top['stage']} "
                f"({float(top['pipeline_value']):,.2f})."
            )
        slow = overall.dropna(subset=["median_days_in_stage"])
        if len(slow):
            longest = top_row(slow, "median_days_in_stage")
            summary += (
                f" Deals stay longest in {longest['stage']} (median {float(longest['median_days_in_stage']):.1f} days)."
            )
    columns = [Column(name="period", type="DATE", format="date")] if "period" in table.columns else []
    if group is not None:
        columns.append(Column(name=group.name, type="VARCHAR", format="text"))
    columns += [
        Column(name="step", type="BIGINT", format="number"),
        Column(name="stage", type="VARCHAR", format="text"),
        Column(name="reached", type="BIGINT", format="count"),
        Column(name="conversion_from_previous", type="DOUBLE", format="percent"),
        Column(name="conversion_from_first", type="DOUBLE", format="percent"),
        Column(name="open_now", type="BIGINT", format="count"),
        Column(name="pipeline_value", type="DECIMAL(18,2)", format="money"),
        Column(name="lost_here", type="BIGINT", format="count"),
        Column(name="median_days_in_stage", type="DOUBLE", format="days"),
        Column(name="mean_days_in_stage", type="DOUBLE", format="days"),
    ]
    chart = (
        ChartSpec(kind="funnel", x="stage", y=["reached"])
        if group is None and params.grain is None
        else ChartSpec(kind="bar", x="stage", y=["conversion_from_first"], series=group.name if group else "period")
    )
    return Result(
        title="Sales pipeline stages"
        + (f" by {group.title.lower()}" if group else "")
        + (f", by {params.grain} of creation" if params.grain else ""),
        table=table,
        columns=columns,
        chart=chart,
        summary=summary,
        details={
            "view": "stages",
            "stages": [str(s) for s in overall["stage"]],
            "start": params.start.isoformat() if params.start else None,
            "end": end.isoformat(),
            "as_of": ctx.as_of.isoformat(),
            "overall": overall.to_dict(orient="records"),
            **head,
        },
    )


def _cycle_result(
    ctx: AnalysisContext,
    params: PipelineParams,
    table: pd.DataFrame,
    overall: pd.DataFrame,
    group: Resolved | None,
    end: dt.date,
) -> Result:
    period = _period_text(params, end)
    if overall.empty or int(overall["closed"].iloc[0]) == 0:
        summary = f"No opportunity was won or lost ({period})."
    else:
        o = overall.iloc[0]
        summary = (
            f"{int(o['closed']):,} deals closed ({period}): {int(o['won']):,} won, win rate {float(o['win_rate']):.1%}"
        )
        if int(o["won"]):
            summary += (
                f", average deal size {float(o['average_deal_size']):,.2f}, sales cycle median "
                f"{float(o['median_cycle_days']):.1f} days (mean {float(o['mean_cycle_days']):.1f})."
            )
        else:
            summary += "."
        if group is not None and params.grain is None:
            rated = table.dropna(subset=["median_cycle_days"])
            rated = rated[rated[group.name].notna()]
            if len(rated) >= 2:
                fast = top_row(rated, "median_cycle_days", largest=False)
                slow = top_row(rated, "median_cycle_days")
                best = top_row(rated, "win_rate")
                summary += (
                    f" Fastest {group.title.lower()}: {fast[group.name]} (median {float(fast['median_cycle_days']):.1f}"
                    f" days); slowest: {slow[group.name]} ({float(slow['median_cycle_days']):.1f} days); best win "
                    f"rate: {best[group.name]} ({float(best['win_rate']):.1%} of {int(best['closed']):,})."
                )
        elif params.grain is not None and len(table) >= 2 and group is None:
            first, last = table.iloc[0], table.iloc[-1]
            summary += (
                f" Win rate went from {float(first['win_rate']):.1%} ({period_label(first['period'], params.grain)}) "
                f"to {float(last['win_rate']):.1%} ({period_label(last['period'], params.grain)})."
            )
    columns = [Column(name="period", type="DATE", format="date")] if "period" in table.columns else []
    if group is not None:
        columns.append(Column(name=group.name, type="VARCHAR", format="text"))
    columns += [
        Column(name="closed", type="BIGINT", format="count"),
        Column(name="won", type="BIGINT", format="count"),
        Column(name="lost", type="BIGINT", format="count"),
        Column(name="win_rate", type="DOUBLE", format="percent"),
        Column(name="won_value", type="DECIMAL(18,2)", format="money"),
        Column(name="average_deal_size", type="DOUBLE", format="money"),
        Column(name="median_cycle_days", type="DOUBLE", format="days"),
        Column(name="mean_cycle_days", type="DOUBLE", format="days"),
    ]
    x = group.name if group is not None else ("period" if params.grain else "closed")
    chart = ChartSpec(
        kind="line" if params.grain and group is None else "bar",
        x=x,
        y=["median_cycle_days"] if group is not None or params.grain else ["won"],
    )
    if group is not None and params.grain is not None:
        chart = ChartSpec(kind="line", x="period", y=["win_rate"], series=group.name)
    return Result(
        title="Win rate and sales cycle"
        + (f" by {group.title.lower()}" if group else "")
        + (f", by {params.grain} of close" if params.grain else ""),
        table=table,
        columns=columns,
        chart=chart,
        summary=summary,
        details={
            "view": "cycle",
            "start": params.start.isoformat() if params.start else None,
            "end": end.isoformat(),
            "as_of": ctx.as_of.isoformat(),
            "overall": overall.to_dict(orient="records"),
        },
    )


ANALYSIS = Analysis(
    name="funnel.pipeline",
    title="Sales pipeline",
    description="Stage-to-stage conversion, pipeline value and time in each stage (view=stages), or win rate, "
    "average deal size and sales cycle created → won by owner and period (view=cycle).",
    params=PipelineParams,
    requires={"opportunities": ["opportunity_id", "created_at", "status"]},
    run=run,
    examples=[
        "sales funnel",
        "sales cycle by owner",
        "crmlens run funnel.pipeline view=cycle by=owner grain=quarter",
    ],
)
