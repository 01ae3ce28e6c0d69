"""``segmentation.rfm``: recency, frequency and monetary value per customer, scores 1..bins, and the
eleven named segments with what to do about each.

Per buying customer, from completed orders up to ``end`` (default the as-of date) in the window:
recency = days from the last order to ``end``; frequency = number of orders; monetary = their amount.
Scores are quantiles with the mid-rank tie rule (see :mod:`.scoring`) or fixed thresholds; the named
segment comes from the recency score and the mean of the frequency and monetary scores (rounded half
up) on the standard 5 × 5 map (:data:`.names.RFM_GRID`). Everything is computed in DuckDB; the
per-customer table is kept in a temporary table, saved to ``segments`` and ``rfm_scores`` (``save``),
and only the summary and the top rows come back.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.engine.database import table_columns
from crmlens.plugins.segmentation import names
from crmlens.plugins.segmentation.common import (
    RFM_SCORES_TABLE,
    OrderWindow,
    Window,
    date_sql,
    drop_temporary,
    resolve_window,
    save_scheme,
    text_sql,
)
from crmlens.plugins.segmentation.scoring import quantile_scores, threshold_score, to_five

if TYPE_CHECKING:
    import pandas as pd

TEMP = "_segmentation_rfm"
DEFAULT_RECENCY_EDGES = [30, 90, 180, 365]
DEFAULT_FREQUENCY_EDGES = [1.0, 2.0, 4.0, 8.0]
TIE_RULE = (
    "mid-rank quantiles: equal values get equal scores; a block of tied customers is placed at the middle "
    "of the positions it occupies, score = ceil(bins × position / n)"
)


class RfmParams(OrderWindow):
    bins: int = Field(5, ge=2, le=10, description="Number of score levels for R, F and M.")
    scoring: Literal["quantile", "thresholds"] = Field(
        "quantile", description="Score by quantiles of the customers (mid-rank tie rule) or by fixed thresholds."
    )
    recency_edges: list[int] | None = Field(
        None,
        description="With scoring=thresholds: bins−1 ascending day counts; recency ≤ the first scores bins "
        "(default 30, 90, 180, 365 for 5 bins).",
    )
    frequency_edges: list[float] | None = Field(
        None,
        description="With scoring=thresholds: bins−1 ascending order counts; frequency ≤ the first scores 1 "
        "(default 1, 2, 4, 8 for 5 bins).",
    )
    monetary_edges: list[float] | None = Field(
        None, description="With scoring=thresholds: bins−1 ascending amounts; monetary ≤ the first scores 1 (required)."
    )
    segment: str | None = Field(
        None, description="Show the customers of this segment (English or Chinese name, e.g. Champions, 冠军客户)."
    )
    top: int = Field(20, ge=1, le=10_000, description="How many customers to list (the top spenders).")
    save: bool = Field(
        True,
        description="Save the segments (table segments, scheme 'rfm') and scores (table rfm_scores) so questions "
        "can group and filter by RFM segment.",
    )

    @field_validator("recency_edges", "frequency_edges", "monetary_edges", mode="before")
    @classmethod
    def _one_edge(cls, value: object) -> object:
        return [value] if isinstance(value, str | int | float) else value  # "monetary_edges=100" with bins=2

    @field_validator("segment")
    @classmethod
    def _known_segment(cls, value: str | None) -> str | None:
        if value is None:
            return None
        found = names.lookup(names.RFM_SEGMENTS, value)
        if found is None:
            known = ", ".join(s.name for s in names.RFM_SEGMENTS)
            raise ValueError(f"unknown RFM segment {value!r}; the segments are {known}")
        return found.name

    @model_validator(mode="after")
    def _edges(self) -> RfmParams:
        if self.scoring == "quantile":
            given = [n for n in ("recency_edges", "frequency_edges", "monetary_edges") if getattr(self, n) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} only apply with scoring=thresholds")
            return self
        if self.monetary_edges is None:
            raise ValueError(f"scoring=thresholds needs monetary_edges: {self.bins - 1} ascending amounts")
        for name in ("recency_edges", "frequency_edges"):
            if getattr(self, name) is None and self.bins != 5:
                raise ValueError(f"scoring=thresholds with bins={self.bins} needs {name} ({self.bins - 1} values)")
        for name in ("recency_edges", "frequency_edges", "monetary_edges"):
            edges = getattr(self, name)
            if edges is None:
                continue
            if len(edges) != self.bins - 1:
                raise ValueError(f"{name} needs {self.bins - 1} values for {self.bins} bins, got {len(edges)}")
            if any(b <= a for a, b in itertools.pairwise(edges)):
                raise ValueError(f"{name} must be strictly ascending")
        return self


def scores_sql(window: Window, params: RfmParams) -> str:
    """The per-customer query: values, scores and named segment of every buying customer of the window."""
    end = date_sql(window.end)
    base = (
        "SELECT customer_id, max(order_date) AS last_order_date, "
        f"CAST(date_diff('day', max(order_date), {end}) AS INTEGER) AS recency_days, "
        f"count(*) AS frequency, sum(amount) AS monetary FROM orders WHERE {window.order_filter()} "
        "GROUP BY customer_id"
    )
    if params.scoring == "quantile":
        ctes = [
            f"base AS ({base})",
            f"r AS ({quantile_scores('base', 'recency_days', higher_is_better=False, bins=params.bins)})",
            f"f AS ({quantile_scores('base', 'frequency', higher_is_better=True, bins=params.bins)})",
            f"m AS ({quantile_scores('base', 'monetary', higher_is_better=True, bins=params.bins)})",
            "scored AS (SELECT b.*, r.score AS r_score, f.score AS f_score, m.score AS m_score FROM base AS b "
            "JOIN r ON b.recency_days = r.v JOIN f ON b.frequency = f.v JOIN m ON b.monetary = m.v)",
        ]
    else:
        r_edges = params.recency_edges or DEFAULT_RECENCY_EDGES
        f_edges = params.frequency_edges or DEFAULT_FREQUENCY_EDGES
        m_edges = params.monetary_edges or []
        ctes = [
            f"base AS ({base})",
            "scored AS (SELECT b.*, "
            f"CAST({threshold_score('recency_days', r_edges, higher_is_better=False)} AS INTEGER) AS r_score, "
            f"CAST({threshold_score('frequency', f_edges, higher_is_better=True)} AS INTEGER) AS f_score, "
            f"CAST({threshold_score('monetary', m_edges, higher_is_better=True)} AS INTEGER) AS m_score "
            "FROM base AS b)",
        ]
    grid = ", ".join(
        f"({r}, {fm}, {text_sql(segment)})" for r, row in names.RFM_GRID.items() for fm, segment in enumerate(row, 1)
    )
    ctes.append(f"grid(r5, fm, segment) AS (VALUES {grid})")
    r5 = to_five("s.r_score", params.bins)
    fm = f"({to_five('s.f_score', params.bins)} + {to_five('s.m_score', params.bins)} + 1) // 2"
    return (
        "WITH " + ",\n".join(ctes) + "\nSELECT s.customer_id, s.last_order_date, s.recency_days, s.frequency, "
        "s.monetary, s.r_score, s.f_score, s.m_score, g.segment "
        f"FROM scored AS s JOIN grid AS g ON g.r5 = {r5} AND g.fm = {fm}"
    )


def _summary_sql() -> str:
    order = ", ".join(f"({i}, {text_sql(s.name)})" for i, s in enumerate(names.RFM_SEGMENTS, 1))
    return f"""
WITH segment_names(ord, segment) AS (VALUES {order}),
totals AS (SELECT count(*) AS customers, sum(monetary) AS revenue FROM {TEMP}),
per_segment AS (
    SELECT segment, count(*) AS customers, sum(monetary) AS revenue, avg(recency_days) AS mean_recency_days,
           avg(frequency) AS mean_frequency, avg(monetary) AS mean_monetary
    FROM {TEMP} GROUP BY segment
)
SELECT n.segment, coalesce(p.customers, 0) AS customers,
       coalesce(p.customers, 0) / t.customers AS share,
       CAST(coalesce(p.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
       CAST(coalesce(p.revenue, 0) / nullif(t.revenue, 0) AS DOUBLE) AS revenue_share,
       p.mean_recency_days, p.mean_frequency, CAST(p.mean_monetary AS DOUBLE) AS mean_monetary
FROM segment_names AS n LEFT JOIN per_segment AS p USING (segment), totals AS t
ORDER BY n.ord"""


def _score_ranges_sql() -> str:
    parts = [
        f"SELECT '{label}' AS measure, {score} AS score, min({col}) AS low, max({col}) AS high, count(*) AS customers "
        f"FROM {TEMP} GROUP BY {score}"
        for label, col, score in (
            ("recency_days", "recency_days", "r_score"),
            ("frequency", "frequency", "f_score"),
            ("monetary", "CAST(monetary AS DOUBLE)", "m_score"),
        )
    ]
    return " UNION ALL ".join(parts) + " ORDER BY measure, score"


def _customers_sql(ctx: AnalysisContext, segment: str | None, top: int) -> str:
    """The top spenders (of one segment), joined to their names after the cut so the join stays small."""
    has_name = ctx.table_exists("customers") and "name" in {c for c, _ in table_columns(ctx.con, "customers")}
    where = f" WHERE segment = {text_sql(segment)}" if segment else ""
    top_sql = f"SELECT * FROM {TEMP}{where} ORDER BY monetary DESC, customer_id LIMIT {top}"
    name_col = "c.name, " if has_name else ""
    join = " LEFT JOIN customers AS c USING (customer_id)" if has_name else ""
    return (
        f"WITH top AS ({top_sql}) SELECT s.customer_id, {name_col}s.segment, "
        "CAST(s.last_order_date AS DATE) AS last_order_date, s.recency_days, s.frequency, "
        "CAST(s.monetary AS DECIMAL(18, 2)) AS monetary, s.r_score, s.f_score, s.m_score "
        f"FROM top AS s{join} ORDER BY s.monetary DESC, s.customer_id"
    )


SUMMARY_COLUMNS = [
    Column(name="segment", type="VARCHAR", format="text"),
    Column(name="segment_zh", type="VARCHAR", format="text"),
    Column(name="customers", type="BIGINT", format="count"),
    Column(name="share", type="DOUBLE", format="percent"),
    Column(name="revenue", type="DECIMAL(18,2)", format="money"),
    Column(name="revenue_share", type="DOUBLE", format="percent"),
    Column(name="mean_recency_days", type="DOUBLE", format="days"),
    Column(name="mean_frequency", type="DOUBLE", format="number"),
    Column(name="mean_monetary", type="DOUBLE", format="money"),
    Column(name="action", type="VARCHAR", format="text"),
    Column(name="action_zh", type="VARCHAR", format="text"),
]


def run(ctx: AnalysisContext, params: RfmParams) -> Result:
    window = resolve_window(ctx, params)
    ctx.progress(0.05, "scoring customers")
    ctx.execute(f"CREATE OR REPLACE TEMP TABLE {TEMP} AS {scores_sql(window, params)}")
    try:
        return _report(ctx, params, window)
    finally:
        drop_temporary(ctx, TEMP)


def _report(ctx: AnalysisContext, params: RfmParams, window: Window) -> Result:
    buyers = int(ctx.scalar(f"SELECT count(*) FROM {TEMP}") or 0)
    if buyers == 0:
        raise MissingDataError(
            f"No customer has a completed order {window.text()}: there is nothing to score.",
            hint="Check the start, end or window_days, or load orders with status 'completed'.",
        )
    ctx.progress(0.6, "summarising segments")
    summary = ctx.query(_summary_sql())
    by_name = names.RFM_BY_NAME
    summary.insert(1, "segment_zh", [by_name[s].name_zh for s in summary["segment"]])
    summary["action"] = [by_name[s].action for s in summary["segment"]]
    summary["action_zh"] = [by_name[s].action_zh for s in summary["segment"]]
    ranges = ctx.query(_score_ranges_sql())
    customers = ctx.query(_customers_sql(ctx, params.segment, params.top))
    known = _known_customers(ctx, window)
    saved = 0
    if params.save:
        ctx.progress(0.8, "saving segments")
        cols = ", ".join(RFM_SCORES_TABLE.column_names).replace("as_of", f"{date_sql(window.end)} AS as_of")
        saved = save_scheme(
            ctx, scheme="rfm", as_of=window.end, source=TEMP, also=[(RFM_SCORES_TABLE, f"SELECT {cols} FROM {TEMP}")]
        )
    details: dict[str, Any] = {
        "buying_customers": buyers,
        "known_customers": known,
        "window": {"start": window.start, "end": window.end},
        "bins": params.bins,
        "scoring": params.scoring,
        "tie_rule": TIE_RULE if params.scoring == "quantile" else "fixed thresholds (edges are inclusive upper bounds)",
        "segment_map": "named segment = RFM_GRID[recency score][round-half-up mean of frequency and monetary scores]",
        "score_ranges": ranges.to_dict(orient="records"),
        "saved_rows": saved,
        "saved_to": ["segments (scheme 'rfm')", "rfm_scores"] if saved else [],
        "segments": [
            {
                "segment": s.name,
                "segment_zh": s.name_zh,
                "meaning": s.meaning,
                "action": s.action,
                "action_zh": s.action_zh,
            }
            for s in names.RFM_SEGMENTS
        ],
    }
    note = (
        f"saved for all {saved:,} customers in tables segments and rfm_scores"
        if saved
        else "not saved (save=false or a read-only database)"
    )
    if params.segment is not None:
        return _segment_result(params, summary, customers, details, buyers, note)
    details["top_customers"] = customers.to_dict(orient="records")
    details["top_customers_note"] = f"the {len(customers)} biggest spenders only; the per-customer table is {note}"
    return Result(
        title=f"RFM segments ({window.text()})",
        table=summary,
        columns=SUMMARY_COLUMNS,
        chart=ChartSpec(kind="bar", x="segment", y=["share", "revenue_share"]),
        summary=_summary_text(summary, buyers, known, window, note),
        details=details,
    )


def _segment_result(
    params: RfmParams,
    summary: pd.DataFrame,
    customers: pd.DataFrame,
    details: dict[str, Any],
    buyers: int,
    note: str,
) -> Result:
    assert params.segment is not None
    seg = names.RFM_BY_NAME[params.segment]
    row = summary[summary["segment"] == seg.name].iloc[0]
    details["segment_summary"] = summary.to_dict(orient="records")
    count = int(row["customers"])
    if count == 0:
        text = f"No customer is in {seg.name} ({seg.meaning}) among {buyers:,} buying customers."
    else:
        text = (
            f"{count:,} customers are {seg.name} ({seg.name_zh}: {seg.meaning}), {float(row['share']):.1%} of "
            f"{buyers:,} buying customers, making {float(row['revenue_share'] or 0):.1%} of revenue. "
            f"Showing the top {len(customers):,} by spend; the full list is {note}. Recommended: {seg.action}"
        )
    return Result(
        title=f"RFM segment {seg.name}",
        table=customers,
        columns=customer_columns(customers),
        chart=None,
        summary=text,
        details=details,
    )


def customer_columns(df: pd.DataFrame) -> list[Column]:
    """Columns of a per-customer listing, with their DuckDB types and formats."""
    formats: dict[str, Any] = {
        "last_order_date": "date",
        "recency_days": "days",
        "frequency": "count",
        "monetary": "money",
        "r_score": "score",
        "f_score": "score",
        "m_score": "score",
    }
    types = df.attrs.get("duckdb_types", {})
    return [
        Column(name=str(c), type=str(types.get(c, "VARCHAR")), format=formats.get(str(c), "text")) for c in df.columns
    ]


def _known_customers(ctx: AnalysisContext, window: Window) -> int | None:
    """Customers signed up by the end date (all of them without a sign-up date); None without a customers
    table. Cheap on purpose: one scan of the customers table, no join with the buyers."""
    if not ctx.table_exists("customers"):
        return None
    signed_up = ""
    if "signup_date" in {c for c, _ in table_columns(ctx.con, "customers")}:
        signed_up = f" WHERE signup_date IS NULL OR signup_date <= {date_sql(window.end)}"
    return int(ctx.scalar(f"SELECT count(*) FROM customers{signed_up}") or 0)


def _summary_text(summary: pd.DataFrame, buyers: int, known: int | None, window: Window, note: str) -> str:
    rows = {r["segment"]: r for r in summary.to_dict(orient="records")}
    champions, at_risk, cant_lose = rows[names.CHAMPIONS], rows[names.AT_RISK], rows[names.CANT_LOSE_THEM]
    biggest = max(rows.values(), key=lambda r: r["customers"])
    text = (
        f"{buyers:,} buying customers{f' (of {known:,} known customers)' if known else ''} scored on orders "
        f"{window.text()}. "
        f"Champions are {champions['share']:.1%} of them and make {champions['revenue_share'] or 0:.1%} of revenue; "
        f"{int(at_risk['customers']) + int(cant_lose['customers']):,} valuable customers are slipping away "
        f"(At Risk {at_risk['share']:.1%}, Can't Lose Them {cant_lose['share']:.1%}: send a win-back offer). "
        f"Largest segment: {biggest['segment']} ({biggest['share']:.1%}). Per-customer scores {note}."
    )
    return text


ANALYSIS = Analysis(
    name="segmentation.rfm",
    title="RFM segmentation",
    description="Recency, frequency and monetary scores of every buying customer, the eleven named segments "
    "(Champions … Lost, with Chinese names) and a recommended action for each; saved as a query dimension.",
    params=RfmParams,
    requires={"orders": ["customer_id", "order_date", "amount", "status"]},
    run=run,
    examples=[
        "segment customers by RFM",
        "who are our champions?",
        "RFM客户分群",
        "crmlens run segmentation.rfm window_days=365",
        'crmlens run segmentation.rfm segment="At Risk" top=50',
        "crmlens run segmentation.rfm scoring=thresholds monetary_edges=500,2000,10000,50000",
    ],
)
