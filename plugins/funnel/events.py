"""``funnel.events``: ordered event funnels with window-funnel semantics, all in DuckDB SQL.

Semantics (docs/funnel.md has the full text and examples):

* A unit (customer, session, or visitor = customer when known, else session) enters the funnel at
  each event matching step 1 in the period. From such a start, the chain takes for each next step
  the earliest later event matching it; the chain stops at the first step with no such event within
  ``window_days`` of the start. The unit counts at the furthest step any of its starts reached
  (ClickHouse ``windowFunnel``, Mixpanel, PostHog).
* Events are ordered by time; events with identical timestamps are taken in funnel-step order (the
  first step they match), then by event id. One event fills at most one step.
* ``strict``: the events between two consecutive steps may not include any event of a funnel step
  (the next funnel event must be the next step). Events of other types never matter.
* Times between steps come from the unit's best chain: the furthest one, the earliest among equals.
* With a breakdown or a trend, each row is the funnel of the units whose start has that value or
  falls in that period: it equals the funnel restricted to those starts (a unit may be in several).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, Result, UsageError
from crmlens.engine.lazy import lazy_module
from crmlens.plugins.funnel import dimensions
from crmlens.plugins.funnel.dimensions import DimensionFilter, Resolved
from crmlens.plugins.funnel.steps import DEFAULT_STEPS, Step, coerce_steps, resolve_steps, step_condition
from crmlens.plugins.funnel.summaries import period_label, top_row, window_text

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

MAX_STEPS = 10
Unit = Literal["customer", "session", "visitor"]
Grain = Literal["day", "week", "month", "quarter", "year"]

_UNIT_SQL: dict[str, str] = {
    "customer": "events.customer_id",
    "session": "events.session_id",
    "visitor": "coalesce(events.customer_id, 'session:' || events.session_id)",
}
_UNIT_WORDS: dict[str, tuple[str, str]] = {
    "customer": ("customer", "customers"),
    "session": ("session", "sessions"),
    "visitor": ("visitor", "visitors"),
}


class EventFunnelParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[Step] | None = Field(
        None,
        description="Steps in order, 2 to 10: event types ('visit', 'add_to_cart') or conditions "
        "('view_product[device=mobile]'). Default: visit > view_product > add_to_cart > checkout > purchase.",
    )
    window_days: float = Field(
        7.0, gt=0, le=366, description="Conversion window: every later step within this many days of step 1."
    )
    unit: Unit = Field(
        "customer",
        description="What is counted: customer (known customers only), session, or visitor (the customer when "
        "known, else the session, so anonymous traffic counts too).",
    )
    strict: bool = Field(False, description="Strict order: no event of another funnel step between two steps.")
    by: str | None = Field(
        None, description="Break down by a dimension: device, event_source, region, acquisition_channel, a segment."
    )
    grain: Grain | None = Field(None, description="Conversion trend: one funnel per period of entry.")
    start: dt.date | None = Field(None, description="First day a unit may enter (default: the first event).")
    end: dt.date | None = Field(None, description="Last day a unit may enter (default: the as-of date).")
    filters: list[DimensionFilter] = Field(
        default_factory=list, description="Keep only events (or customers) matching these dimension values."
    )

    @field_validator("steps", mode="before")
    @classmethod
    def _coerce(cls, value: Any) -> Any:
        return coerce_steps(value)

    @field_validator("steps")
    @classmethod
    def _count(cls, value: list[Step] | None) -> list[Step] | None:
        if value is not None and not 2 <= len(value) <= MAX_STEPS:
            raise ValueError(f"a funnel needs 2 to {MAX_STEPS} steps, got {len(value)}")
        return value

    @model_validator(mode="after")
    def _period(self) -> EventFunnelParams:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if self.by == "customer":  # "where do customers drop off": counted per customer, not one row each
            self.by = None
            if "unit" not in self.model_fields_set:
                self.unit = "customer"
        return self


def _chain_sql(k: int, strict: bool) -> str:
    """CTEs ``chains``: one row per start (unit, grp, seq1, t1, t2..tk) — tj NULL beyond the step reached."""
    within = "epoch_us({t}) - epoch_us(t1) <= $window_us"
    if strict:
        leads = ", ".join(
            f"lead(m{j}, {j - 1}) OVER w AS n{j}, lead(ts, {j - 1}) OVER w AS u{j}" for j in range(2, k + 1)
        )
        reached = []
        for j in range(2, k + 1):
            conds = " AND ".join(f"n{i}" for i in range(2, j + 1))
            reached.append(f"CASE WHEN {conds} AND {within.format(t=f'u{j}')} THEN u{j} END AS t{j}")
        return f"""
, nexts AS (
    SELECT unit, grp, m1, seq AS seq1, ts AS t1, {leads}
    FROM fe WINDOW w AS (PARTITION BY unit ORDER BY seq)
), chains AS (
    SELECT unit, grp, seq1, t1, {", ".join(reached)}
    FROM nexts WHERE m1 AND t1 < $end_excl
)"""
    parts = [
        """
, c1 AS (SELECT unit, grp, seq AS seq1, ts AS t1 FROM fe WHERE m1 AND ts < $end_excl)"""
    ]
    for j in range(2, k + 1):
        ok = within.format(t="s.ts")
        parts.append(f"""
, s{j} AS (SELECT unit, seq, ts FROM fe WHERE m{j})
, c{j} AS (
    SELECT c.*, CASE WHEN {ok} THEN s.seq END AS seq{j}, CASE WHEN {ok} THEN s.ts END AS t{j}
    FROM c{j - 1} AS c ASOF LEFT JOIN s{j} AS s ON c.unit = s.unit AND s.seq > c.seq{j - 1}
)""")
    parts.append(f"""
, chains AS (SELECT unit, grp, seq1, t1, {", ".join(f"t{j}" for j in range(2, k + 1))} FROM c{k})""")
    return "".join(parts)


def funnel_sql(
    k: int,
    *,
    strict: bool,
    unit_sql: str,
    conditions: list[str],
    group_sql: str | None,
    joins: str,
    where: list[str],
    grain: str | None,
    detail: bool,
) -> str:
    """The whole funnel as one statement. Named parameters: $since (or none), $end_excl, $until,
    $window_us, $names, $grain, and those of the conditions."""
    matches = ", ".join(f"{c} AS m{i}" for i, c in enumerate(conditions, start=1))
    any_step = " OR ".join(f"({c})" for c in conditions)
    first_step = " ".join(f"WHEN m{i} THEN {i}" for i in range(1, k + 1))
    filters = "".join(f" AND {w}" for w in where)
    period = "CAST(date_trunc($grain, t1) AS DATE)" if grain else "CAST(NULL AS DATE)"
    steps = range(2, k + 1)
    chain = "struct_pack(" + ", ".join(f"t{j} := t{j}" for j in range(1, k + 1)) + ")"
    # a unit's best chain: the furthest step, then the earliest start — seq follows time within a unit, so
    # the earliest start is the smallest seq1 (unique in the unit): one BIGINT orders them all
    reached = " + ".join(f"(t{j} IS NOT NULL)::BIGINT" for j in steps)
    best = f"arg_max({chain}, ({reached}) * 1099511627776 - seq1) AS b"
    minutes = {j: f"(epoch_us(b.t{j}) - epoch_us(b.t{j - 1})) / 60e6" for j in steps}
    aggregates = ", ".join(
        ["count(*) AS n1"]
        + [f"count(b.t{j}) AS n{j}" for j in steps]
        + [f"median({minutes[j]}) AS med{j}, avg({minutes[j]}) AS avg{j}" for j in steps]
    )
    units = ", ".join(f"n{j}" for j in range(1, k + 1))
    medians = ", ".join(["CAST(NULL AS DOUBLE)"] + [f"med{j}" for j in steps])
    means = ", ".join(["CAST(NULL AS DOUBLE)"] + [f"avg{j}" for j in steps])
    detail_sql = ""
    if detail:
        detail_sql = f"""
    UNION ALL
    SELECT 'detail' AS scope, period, grp, {aggregates}
    FROM (SELECT period, grp, {best} FROM levelled GROUP BY unit, period, grp) GROUP BY period, grp"""
    return f"""
WITH ev AS (
    SELECT {unit_sql} AS unit, events.event_time AS ts, events.event_id AS event_id,
           {group_sql or "CAST(NULL AS VARCHAR)"} AS grp, {matches}
    FROM events {joins}
    WHERE events.event_time < $until AND {unit_sql} IS NOT NULL AND ({any_step}){filters}
), fe AS (
    SELECT *, row_number() OVER (PARTITION BY unit ORDER BY ts, CASE {first_step} END, event_id) AS seq FROM ev
){_chain_sql(k, strict)}
, levelled AS (
    SELECT *, {period} AS period FROM chains
), agg AS (
    SELECT 'overall' AS scope, CAST(NULL AS DATE) AS period, CAST(NULL AS VARCHAR) AS grp, {aggregates}
    FROM (SELECT {best} FROM levelled GROUP BY unit){detail_sql}
), long AS (
    SELECT scope, period, grp,
           unnest(range(1, {k + 1})) AS step, unnest($names) AS step_name,
           unnest([{units}]) AS units,
           unnest([{medians}]) AS median_minutes_from_previous,
           unnest([{means}]) AS mean_minutes_from_previous
    FROM agg
)
SELECT scope, period, grp, step, step_name, units,
       units / nullif(lag(units) OVER g, 0) AS conversion_from_previous,
       units / nullif(first_value(units) OVER g, 0) AS conversion_from_first,
       lag(units) OVER g - units AS drop_off,
       1 - units / nullif(lag(units) OVER g, 0) AS drop_off_rate,
       median_minutes_from_previous, mean_minutes_from_previous
FROM long
WINDOW g AS (PARTITION BY scope, period, grp ORDER BY step)
ORDER BY scope DESC, period NULLS FIRST, grp NULLS LAST, step
"""


# -- running --------------------------------------------------------------------------------------------


def _default_steps(ctx: AnalysisContext) -> list[Step]:
    known = set(ctx.query("SELECT DISTINCT event_type FROM events")["event_type"].astype(str))
    if not set(DEFAULT_STEPS) <= known:
        raise UsageError(
            f"No steps given, and the data lacks the default funnel's events ({', '.join(DEFAULT_STEPS)}).",
            hint=f"Name the steps, e.g. steps={','.join(sorted(known)[:3])}. Event types in the data: "
            f"{', '.join(sorted(known)) or 'none'}.",
        )
    return [Step(event_type=s) for s in DEFAULT_STEPS]


def _period_text(start: dt.date | None, end: dt.date) -> str:
    return f"up to {end}" if start is None else f"{start} to {end}"


def run(ctx: AnalysisContext, params: EventFunnelParams) -> Result:
    steps = resolve_steps(ctx, params.steps if params.steps is not None else _default_steps(ctx))
    names = [s.name for s in steps]
    if len(set(names)) < len(names):  # repeated steps: tell them apart
        names = [f"{i}. {n}" for i, n in enumerate(names, start=1)]
    k = len(steps)
    sql_params: dict[str, Any] = {}
    conditions = [step_condition(s, i, sql_params) for i, s in enumerate(steps, start=1)]

    used: list[Resolved] = []
    group: Resolved | None = None
    if params.by is not None:
        group = dimensions.resolve(
            ctx, params.by, base=("events",), customer_key="events.customer_id", what="An event funnel"
        )
        used.append(group)
    where: list[str] = []
    for i, flt in enumerate(dimensions.pick_filters(params.filters, ("events",))):
        resolved = dimensions.resolve(
            ctx, flt.dimension, base=("events",), customer_key="events.customer_id", what="An event funnel"
        )
        used.append(resolved)
        where.append(dimensions.filter_condition(resolved, flt, f"f{i}", sql_params))

    as_of_excl = dt.datetime.combine(ctx.as_of + dt.timedelta(days=1), dt.time())
    end = min(params.end or ctx.as_of, ctx.as_of)
    if params.start is not None and params.start > ctx.as_of:
        raise UsageError(f"The period starts on {params.start}, after the as-of date {ctx.as_of}.")
    end_excl = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    window = dt.timedelta(days=params.window_days)
    if params.start is not None:
        sql_params["since"] = dt.datetime.combine(params.start, dt.time())
        where.append("events.event_time >= $since")
    sql_params.update(
        end_excl=end_excl,
        until=min(end_excl + window, as_of_excl),
        window_us=round(window.total_seconds() * 1_000_000),
        names=names,
        grain=params.grain,
        as_of=ctx.as_of,
    )
    detail = group is not None or params.grain is not None
    sql = funnel_sql(
        k,
        strict=params.strict,
        unit_sql=_UNIT_SQL[params.unit],
        conditions=conditions,
        group_sql=f"CAST({group.expression} AS VARCHAR)" if group is not None else None,
        joins=dimensions.joins(used),
        where=where,
        grain=params.grain,
        detail=detail,
    )
    ctx.progress(0.1, "computing the funnel")
    df = ctx.query(sql, dimensions.used_params(sql, sql_params))
    ctx.progress(0.9, "summarising")

    one, many = _UNIT_WORDS[params.unit]
    if params.unit == "customer":
        anonymous_sql = f"SELECT count(*) FROM events WHERE events.customer_id IS NULL AND {conditions[0]} " + (
            "AND events.event_time < $end_excl" + (" AND events.event_time >= $since" if params.start else "")
        )
        anonymous = ctx.scalar(anonymous_sql, dimensions.used_params(anonymous_sql, sql_params))
        if anonymous:
            ctx.warn(
                f"{anonymous:,} '{names[0]}' events of anonymous traffic (no customer) are not counted; "
                "use unit=visitor or unit=session to include them."
            )
    if end_excl + window > as_of_excl:  # the last entrants had less than the whole window
        ctx.warn(
            f"{many.capitalize()} entering after {(as_of_excl - window):%Y-%m-%d %H:%M} had less than the full "
            f"{window_text(params.window_days)} before the as-of date {ctx.as_of}; they may still convert."
        )

    overall = df[df["scope"] == "overall"].drop(columns=["scope", "period", "grp"]).reset_index(drop=True)
    table = df[df["scope"] == "detail"].drop(columns=["scope"]).reset_index(drop=True) if detail else overall
    if detail:
        table = table.drop(columns=["grp"]) if group is None else table.rename(columns={"grp": group.name})
        if params.grain is None:
            table = table.drop(columns=["period"])
    table.attrs["duckdb_types"] = df.attrs.get("duckdb_types", {})

    bottleneck = _bottleneck(overall)
    summary = _summary(overall, bottleneck, one, many, params, end)
    if group is not None and len(table):
        summary += " " + _breakdown_summary(table, group, k, names[-1])
    if params.grain is not None and len(table) and group is None:
        summary += " " + _trend_summary(table, k, names[-1], params.grain)

    columns = [Column(name="period", type="DATE", format="date")] if "period" in table.columns else []
    if group is not None:
        columns.append(Column(name=group.name, type="VARCHAR", format="text"))
    columns += [
        Column(name="step", type="BIGINT", format="number"),
        Column(name="step_name", type="VARCHAR", format="text"),
        Column(name="units", type="BIGINT", format="count"),
        Column(name="conversion_from_previous", type="DOUBLE", format="percent"),
        Column(name="conversion_from_first", type="DOUBLE", format="percent"),
        Column(name="drop_off", type="BIGINT", format="count"),
        Column(name="drop_off_rate", type="DOUBLE", format="percent"),
        Column(name="median_minutes_from_previous", type="DOUBLE", format="number"),
        Column(name="mean_minutes_from_previous", type="DOUBLE", format="number"),
    ]
    if params.grain is not None:
        chart = ChartSpec(kind="line", x="period", y=["conversion_from_first"], series="step_name")
    elif group is not None:
        chart = ChartSpec(kind="bar", x="step_name", y=["conversion_from_first"], series=group.name)
    else:
        chart = ChartSpec(kind="funnel", x="step_name", y=["units"])
    title = f"Funnel of {many}: " + " → ".join(names)
    if group is not None:
        title += f" by {group.title.lower()}"
    if params.grain is not None:
        title += f", by {params.grain}"
    return Result(
        title=title,
        table=table,
        columns=columns,
        chart=chart,
        summary=summary,
        details={
            "steps": names,
            "unit": params.unit,
            "window_days": params.window_days,
            "strict": params.strict,
            "start": params.start.isoformat() if params.start else None,
            "end": end.isoformat(),
            "as_of": ctx.as_of.isoformat(),
            "by": group.name if group is not None else None,
            "grain": params.grain,
            "overall": overall.to_dict(orient="records"),
            "bottleneck": bottleneck,
            "semantics": "window funnel: furthest step reached in order within the window from step 1"
            + (", strict order" if params.strict else ""),
        },
    )


def _bottleneck(overall: pd.DataFrame) -> dict[str, Any] | None:
    """The step with the lowest conversion from the previous one (the first such step on ties)."""
    later = overall[overall["step"] > 1].dropna(subset=["conversion_from_previous"])
    if later.empty:
        return None
    row = top_row(later, "conversion_from_previous", largest=False)
    prev = overall.loc[overall["step"] == row["step"] - 1].iloc[0]
    return {
        "step": int(row["step"]),
        "from": str(prev["step_name"]),
        "to": str(row["step_name"]),
        "conversion": float(row["conversion_from_previous"]),
        "drop_off": int(row["drop_off"]),
        "drop_off_rate": float(row["drop_off_rate"]),
    }


def _summary(
    overall: pd.DataFrame,
    bottleneck: dict[str, Any] | None,
    one: str,
    many: str,
    params: EventFunnelParams,
    end: dt.date,
) -> str:
    first, last = overall.iloc[0], overall.iloc[-1]
    entered = int(first["units"])
    period = _period_text(params.start, end)
    if entered == 0:
        return f"No {one} did '{first['step_name']}' ({period}), so nobody entered the funnel."
    text = (
        f"Of {entered:,} {many} that did '{first['step_name']}' ({period}), {int(last['units']):,} "
        f"({float(last['conversion_from_first']):.1%}) reached '{last['step_name']}' in order within "
        f"{window_text(params.window_days)}."
    )
    if bottleneck is not None:
        text += (
            f" The biggest drop is '{bottleneck['from']}' → '{bottleneck['to']}': {bottleneck['drop_off_rate']:.1%} "
            f"of the {many} that reached '{bottleneck['from']}' went no further ({bottleneck['drop_off']:,})."
        )
    return text


def _breakdown_summary(table: pd.DataFrame, group: Resolved, k: int, last_name: str) -> str:
    if "period" in table.columns:
        return ""
    entered = table[table["step"] == 1][[group.name, "units"]].rename(columns={"units": "entered"})
    ends = table[table["step"] == k].merge(entered, on=group.name)
    rated = ends.dropna(subset=["conversion_from_first"])
    rated = rated[rated[group.name].notna()]
    if len(rated) < 2:
        return ""
    best = top_row(rated, "conversion_from_first")
    worst = top_row(rated, "conversion_from_first", largest=False)

    def say(row: pd.Series) -> str:
        return f"{float(row['conversion_from_first']):.1%} ({row[group.name]}, {int(row['entered']):,} entered)"

    return f"By {group.title.lower()}, conversion to '{last_name}' ranges from {say(worst)} to {say(best)}."


def _trend_summary(table: pd.DataFrame, k: int, last_name: str, grain: str) -> str:
    ends = table[table["step"] == k].dropna(subset=["conversion_from_first"])
    if len(ends) < 2:
        return ""
    first, last = ends.iloc[0], ends.iloc[-1]
    low, high = top_row(ends, "conversion_from_first", largest=False), top_row(ends, "conversion_from_first")
    return (
        f"By {grain}, conversion to '{last_name}' went from {float(first['conversion_from_first']):.1%} "
        f"({period_label(first['period'], grain)}) to {float(last['conversion_from_first']):.1%} "
        f"({period_label(last['period'], grain)}); lowest {float(low['conversion_from_first']):.1%} "
        f"({period_label(low['period'], grain)}), highest {float(high['conversion_from_first']):.1%} "
        f"({period_label(high['period'], grain)})."
    )


ANALYSIS = Analysis(
    name="funnel.events",
    title="Event funnel",
    description="Ordered steps of events (window-funnel semantics): units reaching each step, conversion from the "
    "previous and the first step, drop-off, time between steps; by a dimension, by period; the bottleneck named.",
    params=EventFunnelParams,
    requires={"events": ["event_id", "event_time", "event_type"]},
    run=run,
    examples=[
        "funnel from visit to purchase",
        "view product → add to cart → checkout within 3 days",
        "conversion funnel by device last month",
        "crmlens run funnel.events steps=visit,add_to_cart,purchase window_days=3 by=device",
    ],
)
