"""Counts of survey answers (or ratings) per period and group, in one SQL statement.

NPS and CSAT are ratios of counts: DuckDB counts answers per period and group, and the analyses
derive the score, its margin of error and its change from those counts, so every figure shows the
counts behind it. Periods are the grain's calendar periods (one extra before the window, so the first
period has its real predecessor), or, without a grain, the window and the window before it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmlens.engine import AnalysisContext, MissingDataError
from crmlens.engine.database import table_columns
from crmlens.plugins.reputation import breakdowns, periods, stats
from crmlens.plugins.reputation.breakdowns import DimensionFilter, Fact, Resolved

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class CountSpec:
    """What to count over which fact table."""

    fact: Fact
    time: str  # column of the fact dating each row
    value: str  # column whose non-null rows are the answers
    counts: dict[str, str]  # output column -> SQL condition over the fact (e.g. "feedback.nps_score >= 9")
    where: tuple[str, ...] = ()  # extra conditions (e.g. our brands only)
    what: str = "the analysis"
    aggregates: dict[str, str] = field(default_factory=dict)  # output column -> SQL aggregate


@dataclass
class Counted:
    frame: pd.DataFrame  # period (DATE, or 'current'/'previous'), [group], answers, counts...
    by: Resolved | None
    window: periods.Window
    previous: periods.Window | None
    notes: list[str] = field(default_factory=list)


def count(
    ctx: AnalysisContext,
    spec: CountSpec,
    *,
    grain: periods.Grain | None,
    by: str | None,
    start: dt.date | None,
    end: dt.date | None,
    filters: list[DimensionFilter],
) -> Counted:
    require(ctx, spec.fact.table, [spec.value, spec.time])
    w = periods.window(start, end, ctx.as_of)
    prev = None if grain else periods.previous(w)
    params: dict[str, Any] = {"as_of": ctx.as_of, "until": w.until}
    fact = spec.fact
    ts = f"{fact.table}.{spec.time}"
    conditions = [f"{fact.table}.{spec.value} IS NOT NULL", f"{ts} < $until", *spec.where]
    if grain:
        params["grain"] = grain
        period_sql = f"CAST(date_trunc($grain, {ts}) AS DATE)"
        if w.start is not None:
            params["since"] = periods.period_before(periods.truncate(w.start, grain), grain)
            conditions.append(f"{ts} >= $since")
    elif w.start is not None:
        assert prev is not None
        params["since"], params["start"] = prev.start, w.start
        period_sql = f"CASE WHEN {ts} >= $start THEN 'current' ELSE 'previous' END"
        conditions.append(f"{ts} >= $since")
    else:
        period_sql = "'current'"
    resolved: list[Resolved] = []
    notes: list[str] = []
    by_resolved = None
    group_sql = ""
    if by:
        by_resolved = breakdowns.resolve(ctx, by, fact, what=spec.what)
        resolved.append(by_resolved)
        group_sql = f", CAST({by_resolved.expression} AS VARCHAR) AS {_ident(by_resolved.name)}"
        if by_resolved.note:
            notes.append(by_resolved.note)
    filter_sql, used = breakdowns.apply_filters(ctx, filters, fact, params, what=spec.what)
    conditions += filter_sql
    resolved += used
    notes += [r.note for r in used if r.note]
    tallies = ", ".join(
        [f"count(*) FILTER (WHERE {cond}) AS {_ident(name)}" for name, cond in spec.counts.items()]
        + [f"{agg} AS {_ident(name)}" for name, agg in spec.aggregates.items()]
    )
    sql = (
        f"SELECT {period_sql} AS period{group_sql}, count({fact.table}.{spec.value}) AS answers, {tallies} "
        f"FROM {fact.table} {breakdowns.joins(resolved)} WHERE {' AND '.join(conditions)} "
        "GROUP BY ALL ORDER BY ALL"
    )
    frame = ctx.query(sql, breakdowns.used_params(sql, params))
    return Counted(frame, by_resolved, w, prev, notes)


def require(ctx: AnalysisContext, table: str, columns: list[str]) -> None:
    """MissingDataError unless ``table`` exists with ``columns`` holding data."""
    have = {c for c, _ in table_columns(ctx.con, table)} if ctx.table_exists(table) else set()
    empty = [c for c in columns if c not in have]
    if not empty and have:
        counts = ctx.row(f'SELECT {", ".join(f"count({c})" for c in columns)} FROM "{table}"')
        empty = [c for c, k in zip(columns, counts, strict=True) if not k]
    if empty or not have:
        raise MissingDataError(
            f"This needs {table} with {', '.join(columns)}; "
            + ("the table is missing." if not have else f"{', '.join(empty)} hold no data."),
            missing={table: empty or columns},
            hint="Load it with `crmlens load`, or try `crmlens demo`.",
        )


def add_change(
    out: pd.DataFrame, keys: list[str], grain: periods.Grain | None, value: str, se: str, confidence: float
) -> pd.DataFrame:
    """Add ``previous_<value>``, ``change``, ``p_value`` and ``significant_drop``: the row against the
    previous row of the same group (``out`` sorted by period). With a grain only the calendar period
    just before counts as previous (a group with no answers in a month has no change the month after)."""
    import pandas as pd

    alpha = 1 - confidence
    grouped = out.groupby(keys, dropna=False, sort=False) if keys else None
    prev_value = grouped[value].shift(1) if grouped is not None else out[value].shift(1)
    prev_se = grouped[se].shift(1) if grouped is not None else out[se].shift(1)
    if grain is not None:
        prev_period = grouped["period"].shift(1) if grouped is not None else out["period"].shift(1)
        adjacent = pd.Series(
            [
                isinstance(a, dt.date) and isinstance(b, dt.date) and periods.period_before(b, grain) == a
                for a, b in zip(prev_period, out["period"], strict=True)
            ],
            index=out.index,
        )
        prev_value = prev_value.where(adjacent)
        prev_se = prev_se.where(adjacent)
    tests = [
        stats.change(v, s, pv, ps) if not (pd.isna(pv) or pd.isna(ps)) else None
        for v, s, pv, ps in zip(out[value], out[se], prev_value, prev_se, strict=True)
    ]
    out[f"previous_{value}"] = prev_value.astype(float)
    out["change"] = [t.difference if t else math.nan for t in tests]
    out["p_value"] = [t.p_value if t else math.nan for t in tests]
    out["significant_drop"] = [bool(t and t.significant_drop(alpha)) for t in tests]
    return out


def as_dates(values: pd.Series) -> pd.Series:
    """Timestamps at midnight (how DuckDB DATEs may arrive) as dates."""
    import pandas as pd

    return pd.Series(
        [v.date() if isinstance(v, pd.Timestamp | dt.datetime) else v for v in values], index=values.index, dtype=object
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
