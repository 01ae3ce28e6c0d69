"""``reputation.service``: customer-service tickets — volume, resolution time, backlog, and how the time
to resolve relates to satisfaction.

* ``view="tickets"``: per ticket category (or priority, channel, any ticket dimension) the tickets
  opened in the window, how many are resolved, the backlog still open at the end date, the mean, median
  and 90th percentile of the days to resolve (resolved tickets, dated by opening, as the query layer's
  ``average_resolution_days``), and the share resolved within ``sla_days``.
* ``view="backlog"``: per week (or another grain) tickets opened, resolved, and open at the period's end.
* ``view="csat"``: resolved tickets whose customer answered a survey within ``followup_days`` after the
  resolution, grouped by resolution time (≤1, 1–3, 3–7, >7 days): CSAT, average CSAT score and NPS of
  those answers, and the rank correlation between days to resolve and the CSAT score.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.plugins.reputation import breakdowns, periods, stats, survey
from crmlens.plugins.reputation.breakdowns import DimensionFilter, Fact

if TYPE_CHECKING:
    import pandas as pd

TICKETS = Fact("tickets", "ticket_id")
_DAYS = "date_diff('second', tickets.opened_at, tickets.resolved_at) / 86400.0"
BUCKETS = ((0.0, 1.0, "≤1 day"), (1.0, 3.0, "1–3 days"), (3.0, 7.0, "3–7 days"), (7.0, math.inf, ">7 days"))


class ServiceParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    view: Literal["tickets", "backlog", "csat"] = Field(
        "tickets", description="Tickets by group, backlog over time, or resolution time against satisfaction."
    )
    by: str = Field(
        "ticket_category",
        description="tickets view: ticket dimension to group by (ticket_category, "
        "ticket_priority, ticket_channel, region …).",
    )
    grain: periods.Grain = Field("week", description="backlog view: period of each row.")
    start: dt.date | None = Field(None, description="First day of tickets opened (default: the first).")
    end: dt.date | None = Field(
        None, description="Last day (default: the as-of date); the backlog is taken at its end."
    )
    filters: list[DimensionFilter] = Field(default_factory=list, description="Keep only matching tickets.")
    sla_days: float = Field(
        2.0, gt=0, le=365, description="tickets view: resolved within this many days counts as on time."
    )
    followup_days: int = Field(
        14, ge=1, le=365, description="csat view: survey answers this many days after the resolution count."
    )


def _where(
    ctx: AnalysisContext, params: ServiceParams, w: periods.Window, bind: dict[str, Any]
) -> tuple[list[str], list[breakdowns.Resolved]]:
    conditions = ["tickets.opened_at < $until"]
    if w.start is not None:
        bind["start"] = w.start
        conditions.append("tickets.opened_at >= $start")
    extra, used = breakdowns.apply_filters(ctx, params.filters, TICKETS, bind, what="Service")
    return conditions + extra, used


def _tickets(ctx: AnalysisContext, params: ServiceParams, w: periods.Window) -> Result:
    bind: dict[str, Any] = {"until": w.until, "as_of": ctx.as_of, "sla": params.sla_days}
    conditions, used = _where(ctx, params, w, bind)
    group = breakdowns.resolve(ctx, params.by, TICKETS, what="Service")
    if group.note:
        ctx.warn(group.note[0].upper() + group.note[1:] + ".")
    resolved_by_end = "tickets.resolved_at IS NOT NULL AND tickets.resolved_at < $until"
    sql = f"""
        SELECT CAST({group.expression} AS VARCHAR) AS "{group.name}", count(*) AS tickets,
               count(*) FILTER (WHERE {resolved_by_end}) AS resolved,
               count(*) FILTER (WHERE NOT ({resolved_by_end})) AS backlog,
               avg({_DAYS}) FILTER (WHERE tickets.resolved_at IS NOT NULL) AS average_resolution_days,
               median({_DAYS}) FILTER (WHERE tickets.resolved_at IS NOT NULL) AS median_resolution_days,
               quantile_cont({_DAYS}, 0.9) FILTER (WHERE tickets.resolved_at IS NOT NULL) AS p90_resolution_days,
               count(*) FILTER (WHERE tickets.resolved_at IS NOT NULL AND {_DAYS} <= $sla)
                   / nullif(count(tickets.resolved_at), 0) AS within_sla
        FROM tickets {breakdowns.joins([group, *used])} WHERE {" AND ".join(conditions)}
        GROUP BY ALL ORDER BY tickets DESC, 1
    """
    frame = ctx.query(sql, breakdowns.used_params(sql, bind))
    if frame.empty:
        raise MissingDataError(
            f"No tickets opened {w.text()}.", missing={"tickets": []}, hint="Check the period and the filters."
        )
    frame["resolved_share"] = frame["resolved"] / frame["tickets"]
    total_sql = (
        f"SELECT count(*), count(*) FILTER (WHERE NOT ({resolved_by_end})), avg({_DAYS}), "
        f"count(*) FILTER (WHERE tickets.resolved_at IS NOT NULL AND {_DAYS} <= $sla) "
        "/ nullif(count(tickets.resolved_at), 0) "
        f"FROM tickets {breakdowns.joins(used)} WHERE {' AND '.join(conditions)}"
    )
    total = ctx.row(total_sql, breakdowns.used_params(total_sql, bind))
    n, backlog, avg_days, sla_share = int(total[0]), int(total[1]), float(total[2] or math.nan), total[3]
    slowest = frame.sort_values("average_resolution_days", ascending=False).iloc[0]
    biggest = frame.iloc[0]
    summary = (
        f"{n:,} tickets opened {w.text()}, {backlog:,} still open at {w.end.isoformat()}; resolved in "
        f"{avg_days:.1f} days on average, {float(sla_share or 0):.0%} within {params.sla_days:g} days. Most tickets: "
        f"{biggest[group.name]} ({int(biggest['tickets']):,}); slowest: {slowest[group.name]} "
        f"({slowest['average_resolution_days']:.1f} days on average, 90% within {slowest['p90_resolution_days']:.1f})."
    )
    table = frame[
        [
            group.name,
            "tickets",
            "resolved",
            "resolved_share",
            "backlog",
            "average_resolution_days",
            "median_resolution_days",
            "p90_resolution_days",
            "within_sla",
        ]
    ]
    return Result(
        title=f"Service tickets by {group.title.lower()}",
        table=table,
        columns=[
            Column(name=group.name, type="VARCHAR"),
            Column(name="tickets", type="BIGINT", format="count"),
            Column(name="resolved", type="BIGINT", format="count"),
            Column(name="resolved_share", type="DOUBLE", format="percent"),
            Column(name="backlog", type="BIGINT", format="count"),
            Column(name="average_resolution_days", type="DOUBLE", format="days"),
            Column(name="median_resolution_days", type="DOUBLE", format="days"),
            Column(name="p90_resolution_days", type="DOUBLE", format="days"),
            Column(name="within_sla", type="DOUBLE", format="percent"),
        ],
        chart=ChartSpec(kind="bar", x=group.name, y=["average_resolution_days"]),
        summary=summary,
        details={
            "tickets": n,
            "backlog": backlog,
            "average_resolution_days": avg_days,
            "sla_days": params.sla_days,
            "window": {"start": w.start, "end": w.end},
        },
    )


_STEP = {
    "day": "INTERVAL 1 DAY",
    "week": "INTERVAL 7 DAY",
    "month": "INTERVAL 1 MONTH",
    "quarter": "INTERVAL 3 MONTH",
    "year": "INTERVAL 1 YEAR",
}


def _backlog(ctx: AnalysisContext, params: ServiceParams, w: periods.Window) -> Result:
    bind: dict[str, Any] = {"until": w.until, "grain": params.grain, "as_of": ctx.as_of}
    extra, used = breakdowns.apply_filters(ctx, params.filters, TICKETS, bind, what="Service")
    filt = "".join(f" AND {c}" for c in extra)
    # Resolution never precedes opening, so the backlog at a period's end is the running count of tickets
    # opened minus the running count resolved.
    sql = f"""
        WITH t AS (
            SELECT tickets.opened_at, tickets.resolved_at FROM tickets {breakdowns.joins(used)}
            WHERE tickets.opened_at < $until{filt}
        ), grid AS (
            SELECT CAST(p AS DATE) AS period FROM generate_series(
                CAST(date_trunc($grain, (SELECT min(opened_at) FROM t)) AS TIMESTAMP),
                CAST($until AS TIMESTAMP) - INTERVAL 1 DAY, {_STEP[params.grain]}) AS g(p)
        ), o AS (
            SELECT CAST(date_trunc($grain, opened_at) AS DATE) AS period, count(*) AS opened FROM t GROUP BY 1
        ), r AS (
            SELECT CAST(date_trunc($grain, resolved_at) AS DATE) AS period, count(*) AS resolved FROM t
            WHERE resolved_at < $until GROUP BY 1
        )
        SELECT g.period, coalesce(o.opened, 0) AS opened, coalesce(r.resolved, 0) AS resolved,
               sum(coalesce(o.opened, 0) - coalesce(r.resolved, 0)) OVER (ORDER BY g.period) AS backlog
        FROM grid AS g LEFT JOIN o USING (period) LEFT JOIN r USING (period) ORDER BY g.period
    """
    frame = ctx.query(sql, breakdowns.used_params(sql, bind))
    if frame.empty:
        raise MissingDataError(
            f"No tickets opened before {w.until}.", missing={"tickets": ["opened_at"]}, hint="Load tickets."
        )
    frame["period"] = [_date(v) for v in frame["period"]]
    if w.start is not None:
        frame = frame[frame["period"] >= periods.truncate(w.start, params.grain)].reset_index(drop=True)
    frame["backlog"] = frame["backlog"].astype("int64")
    frame = frame.rename(columns={"period": params.grain})
    last = frame.iloc[-1]
    peak = frame.sort_values("backlog", ascending=False, kind="stable").iloc[0]
    summary = (
        f"Backlog at {w.end.isoformat()}: {int(last['backlog']):,} open tickets; peak {int(peak['backlog']):,} "
        f"({periods.label(peak[params.grain], params.grain)}). Last {params.grain}: {int(last['opened']):,} "
        f"opened, {int(last['resolved']):,} resolved."
    )
    return Result(
        title=f"Ticket backlog by {params.grain}",
        table=frame,
        columns=[
            Column(name=params.grain, type="DATE", format="date"),
            Column(name="opened", type="BIGINT", format="count"),
            Column(name="resolved", type="BIGINT", format="count"),
            Column(name="backlog", type="BIGINT", format="count"),
        ],
        chart=ChartSpec(kind="line", x=params.grain, y=["backlog", "opened", "resolved"]),
        summary=summary,
        details={"definition": "backlog = tickets opened before the end of the period and not resolved by then"},
    )


def _date(value: object) -> dt.date:
    import pandas as pd

    return value.date() if isinstance(value, pd.Timestamp | dt.datetime) else value  # type: ignore[return-value]


def _csat(ctx: AnalysisContext, params: ServiceParams, w: periods.Window) -> Result:
    survey.require(ctx, "feedback", ["customer_id", "submitted_at"])
    bind: dict[str, Any] = {"until": w.until, "days": params.followup_days, "as_of": ctx.as_of}
    conditions, used = _where(ctx, params, w, bind)
    buckets = " ".join(
        f"WHEN days <= {hi} THEN '{name}'" if math.isfinite(hi) else f"ELSE '{name}'" for _, hi, name in BUCKETS
    )
    order = " ".join(f"WHEN '{name}' THEN {i}" for i, (_, _, name) in enumerate(BUCKETS))
    sql = f"""
        WITH solved AS (
            SELECT tickets.ticket_id, tickets.customer_id, tickets.resolved_at, {_DAYS} AS days
            FROM tickets {breakdowns.joins(used)}
            WHERE {" AND ".join(conditions)} AND tickets.resolved_at IS NOT NULL AND tickets.resolved_at < $until
              AND tickets.customer_id IS NOT NULL
        ), answered AS (
            SELECT s.ticket_id, s.days, f.csat_score, f.nps_score,
                   row_number() OVER (PARTITION BY s.ticket_id ORDER BY f.submitted_at, f.feedback_id) AS rn
            FROM solved AS s JOIN feedback AS f ON f.customer_id = s.customer_id
             AND f.submitted_at >= s.resolved_at AND f.submitted_at < s.resolved_at + to_days(CAST($days AS INTEGER))
        ), first_answer AS (SELECT * FROM answered WHERE rn = 1)
        SELECT CASE {buckets} END AS resolution_time, count(*) AS answers, count(csat_score) AS csat_answers,
               count(*) FILTER (WHERE csat_score >= 4) AS satisfied, avg(csat_score) AS average_csat_score,
               count(nps_score) AS nps_answers, count(*) FILTER (WHERE nps_score >= 9) AS promoters,
               count(*) FILTER (WHERE nps_score <= 6) AS detractors, avg(days) AS average_resolution_days
        FROM first_answer GROUP BY 1 ORDER BY CASE resolution_time {order} END
    """
    frame = ctx.query(sql, breakdowns.used_params(sql, bind))
    if frame.empty or int(frame["answers"].sum()) == 0:
        raise MissingDataError(
            f"No resolved ticket has a survey answer from its customer within {params.followup_days} days.",
            missing={"feedback": ["customer_id"]},
            hint="Widen followup_days or the period.",
        )
    frame["csat"] = frame["satisfied"] / frame["csat_answers"].where(frame["csat_answers"] > 0)
    frame["nps"] = [
        stats.nps(int(p), int(d), int(n))
        for p, d, n in zip(frame["promoters"], frame["detractors"], frame["nps_answers"], strict=True)
    ]
    pairs_sql = sql.split("SELECT CASE")[0] + "SELECT days, csat_score FROM first_answer WHERE csat_score IS NOT NULL"
    pairs = ctx.query(pairs_sql, breakdowns.used_params(pairs_sql, bind))
    rho = _spearman(pairs["days"].astype(float), pairs["csat_score"].astype(float))
    fast, slow = frame.iloc[0], frame.iloc[-1]
    summary = (
        f"{int(frame['answers'].sum()):,} resolved tickets were followed by a survey answer within "
        f"{params.followup_days} days. CSAT {fast['csat']:.0%} when resolved in {fast['resolution_time']} against "
        f"{slow['csat']:.0%} in {slow['resolution_time']}; rank correlation of days to resolve with the CSAT "
        f"score {rho:+.2f}."
    )
    table = frame[
        [
            "resolution_time",
            "answers",
            "csat_answers",
            "satisfied",
            "csat",
            "average_csat_score",
            "nps",
            "average_resolution_days",
        ]
    ]
    return Result(
        title="Resolution time and satisfaction",
        table=table,
        columns=[
            Column(name="resolution_time", type="VARCHAR"),
            Column(name="answers", type="BIGINT", format="count"),
            Column(name="csat_answers", type="BIGINT", format="count"),
            Column(name="satisfied", type="BIGINT", format="count"),
            Column(name="csat", type="DOUBLE", format="percent"),
            Column(name="average_csat_score", type="DOUBLE", format="score"),
            Column(name="nps", type="DOUBLE", format="score"),
            Column(name="average_resolution_days", type="DOUBLE", format="days"),
        ],
        chart=ChartSpec(kind="bar", x="resolution_time", y=["csat"]),
        summary=summary,
        details={"spearman_days_vs_csat": rho, "pairs": len(pairs), "followup_days": params.followup_days},
    )


def _spearman(x: pd.Series, y: pd.Series) -> float:
    if len(x) < 3:
        return math.nan
    rx, ry = x.rank(), y.rank()
    if rx.std() == 0 or ry.std() == 0:
        return math.nan
    return float(rx.corr(ry))


def run(ctx: AnalysisContext, params: ServiceParams) -> Result:
    survey.require(ctx, "tickets", ["ticket_id", "opened_at"])
    w = periods.window(params.start, params.end, ctx.as_of)
    if params.view == "backlog":
        return _backlog(ctx, params, w)
    if params.view == "csat":
        return _csat(ctx, params, w)
    return _tickets(ctx, params, w)


ANALYSIS = Analysis(
    name="reputation.service",
    title="Customer service",
    description="Tickets by category and priority with resolution times (mean, median, 90th percentile, within "
    "SLA) and backlog; the backlog over time; and how the time to resolve relates to the CSAT and NPS given after.",
    params=ServiceParams,
    run=run,
    examples=[
        "ticket backlog",
        "does resolution time affect satisfaction",
        "客服工单积压",
        "crmlens run reputation.service by=ticket_priority",
    ],
)
