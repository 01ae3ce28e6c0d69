"""``segmentation.value``: Pareto / ABC value tiers by revenue contribution, and the answer to "what
share of customers makes 80% of revenue".

Buying customers are ranked by revenue (completed orders in the window). A customer is in tier A when
the customers ranked strictly above them make less than ``a_share`` of revenue (so the customer who
crosses the line is in A), in tier B when they make less than ``b_share``, else in tier C. Customers
with equal revenue share one rank, so they always land in the same tier. Tier A is therefore the
smallest group of top customers that makes at least ``a_share`` of revenue.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.plugins.segmentation import names
from crmlens.plugins.segmentation.common import (
    OrderWindow,
    Window,
    drop_temporary,
    resolve_window,
    save_scheme,
    text_sql,
)

TEMP = "_segmentation_value"
CURVE_POINTS = (0.01, 0.05, 0.1, 0.2, 0.5)


class ValueParams(OrderWindow):
    a_share: float = Field(0.8, gt=0, lt=1, description="Share of revenue made by tier A (the Pareto line).")
    b_share: float = Field(0.95, gt=0, lt=1, description="Share of revenue made by tiers A and B together.")
    save: bool = Field(True, description="Save the tiers (table segments, scheme 'value') as a query dimension.")

    @model_validator(mode="after")
    def _ordered(self) -> ValueParams:
        if self.b_share <= self.a_share:
            raise ValueError(f"b_share ({self.b_share}) must be larger than a_share ({self.a_share})")
        return self


def _decimal(share: float) -> str:
    return f"CAST({Decimal(str(share))} AS DECIMAL(10, 6))"


def tiers_sql(window: Window, params: ValueParams) -> str:
    """Per buying customer: revenue, rank position, revenue of the customers ranked above, and tier."""
    return f"""
WITH base AS (
    SELECT customer_id, sum(amount) AS revenue FROM orders WHERE {window.order_filter()} GROUP BY customer_id
), levels AS (
    SELECT revenue, sum(revenue) AS level_revenue FROM base GROUP BY revenue
), above AS (
    SELECT revenue, sum(level_revenue) OVER (ORDER BY revenue DESC) - level_revenue AS revenue_above FROM levels
), total AS (SELECT sum(revenue) AS revenue FROM base)
SELECT b.customer_id, b.revenue, a.revenue_above,
       row_number() OVER (ORDER BY b.revenue DESC, b.customer_id) AS position,
       CASE WHEN a.revenue_above < {_decimal(params.a_share)} * t.revenue THEN {text_sql(names.TIER_A)}
            WHEN a.revenue_above < {_decimal(params.b_share)} * t.revenue THEN {text_sql(names.TIER_B)}
            ELSE {text_sql(names.TIER_C)} END AS segment
FROM base AS b JOIN above AS a USING (revenue), total AS t"""


def _summary_sql() -> str:
    order = ", ".join(f"({i}, {text_sql(s.name)})" for i, s in enumerate(names.VALUE_TIERS, 1))
    return f"""
WITH tier_names(ord, segment) AS (VALUES {order}),
totals AS (SELECT count(*) AS customers, sum(revenue) AS revenue FROM {TEMP}),
per_tier AS (
    SELECT segment, count(*) AS customers, sum(revenue) AS revenue, min(revenue) AS min_revenue,
           max(revenue) AS max_revenue
    FROM {TEMP} GROUP BY segment
)
SELECT n.segment AS tier, coalesce(p.customers, 0) AS customers,
       coalesce(p.customers, 0) / t.customers AS share,
       CAST(coalesce(p.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
       CAST(coalesce(p.revenue, 0) / nullif(t.revenue, 0) AS DOUBLE) AS revenue_share,
       sum(coalesce(p.customers, 0)) OVER (ORDER BY n.ord) / t.customers AS cumulative_share,
       CAST(sum(coalesce(p.revenue, 0)) OVER (ORDER BY n.ord) / nullif(t.revenue, 0) AS DOUBLE)
           AS cumulative_revenue_share,
       CAST(p.min_revenue AS DECIMAL(18, 2)) AS min_customer_revenue,
       CAST(p.max_revenue AS DECIMAL(18, 2)) AS max_customer_revenue
FROM tier_names AS n LEFT JOIN per_tier AS p USING (segment), totals AS t
ORDER BY n.ord"""


def _point(share: float) -> str:
    return f"top_{round(share * 100):02d}"


def _curve_sql() -> str:
    points = ", ".join(
        f"CAST(sum(revenue) FILTER (WHERE position <= ceil({p} * n)) / nullif(sum(revenue), 0) AS DOUBLE) "
        f"AS {_point(p)}"
        for p in CURVE_POINTS
    )
    gini = "1 - 2 * sum(CAST(revenue AS DOUBLE) * (position - 0.5)) / nullif(n * sum(CAST(revenue AS DOUBLE)), 0)"
    return (
        f"SELECT {points}, {gini} AS gini FROM (SELECT revenue, position, count(*) OVER () AS n FROM {TEMP}) GROUP BY n"
    )


def run(ctx: AnalysisContext, params: ValueParams) -> Result:
    window = resolve_window(ctx, params)
    ctx.progress(0.1, "ranking customers by revenue")
    ctx.execute(f"CREATE OR REPLACE TEMP TABLE {TEMP} AS {tiers_sql(window, params)}")
    try:
        return _report(ctx, params, window)
    finally:
        drop_temporary(ctx, TEMP)


def _report(ctx: AnalysisContext, params: ValueParams, window: Window) -> Result:
    buyers = int(ctx.scalar(f"SELECT count(*) FROM {TEMP}") or 0)
    if buyers == 0:
        raise MissingDataError(
            f"No customer has a completed order {window.text()}: there is nothing to rank.",
            hint="Check the start, end or window_days, or load orders with status 'completed'.",
        )
    table = ctx.query(_summary_sql())
    by_name = names.TIERS_BY_NAME
    table.insert(1, "tier_zh", [by_name[t].name_zh for t in table["tier"]])
    table["action"] = [by_name[t].action for t in table["tier"]]
    curve_row = ctx.query(_curve_sql()).iloc[0].to_dict()
    all_customers = None
    if ctx.table_exists("customers"):
        all_customers = int(ctx.scalar("SELECT count(*) FROM customers") or 0)
    saved = save_scheme(ctx, scheme="value", as_of=window.end, source=TEMP) if params.save else 0

    tier_a = table.iloc[0]
    total_revenue = float(table["revenue"].astype(float).sum())
    a_count = int(tier_a["customers"])
    if total_revenue <= 0:
        summary = f"The {buyers:,} buying customers made no revenue {window.text()}: every customer is in tier C."
    else:
        summary = (
            f"{a_count / buyers:.1%} of buying customers ({a_count:,} of {buyers:,}) make "
            f"{float(tier_a['revenue_share']):.1%} of revenue, the first {params.a_share:.0%} (tier A)"
        )
        if all_customers:
            summary += f"; that is {a_count / all_customers:.1%} of all {all_customers:,} customers"
        summary += (
            f". Tier B, the next {float(table.iloc[1]['share']):.1%} of buyers, brings revenue to "
            f"{float(table.iloc[1]['cumulative_revenue_share']):.1%}; the other {float(table.iloc[2]['share']):.1%} "
            f"(tier C) make {float(table.iloc[2]['revenue_share']):.1%}. The top 10% of buyers make "
            f"{float(curve_row['top_10'] or 0):.1%} of revenue (Gini {float(curve_row['gini'] or 0):.2f})."
        )
    if saved:
        summary += f" Tiers saved for {saved:,} customers."
    details: dict[str, Any] = {
        "buying_customers": buyers,
        "all_customers": all_customers,
        "share_of_buyers_making_a_share": a_count / buyers,
        "customers_making_a_share": a_count,
        "a_share": params.a_share,
        "b_share": params.b_share,
        "window": {"start": window.start, "end": window.end},
        "revenue_share_of_top_customers": {f"top {p:.0%}": curve_row[_point(p)] for p in CURVE_POINTS},
        "gini": curve_row["gini"],
        "tie_rule": "customers with equal revenue share one rank and land in the same tier",
        "saved_rows": saved,
        "tiers": [
            {"tier": s.name, "tier_zh": s.name_zh, "meaning": s.meaning, "action": s.action, "action_zh": s.action_zh}
            for s in names.VALUE_TIERS
        ],
    }
    return Result(
        title=f"Customer value tiers (Pareto/ABC, {window.text()})",
        table=table,
        columns=[
            Column(name="tier", type="VARCHAR", format="text"),
            Column(name="tier_zh", type="VARCHAR", format="text"),
            Column(name="customers", type="BIGINT", format="count"),
            Column(name="share", type="DOUBLE", format="percent"),
            Column(name="revenue", type="DECIMAL(18,2)", format="money"),
            Column(name="revenue_share", type="DOUBLE", format="percent"),
            Column(name="cumulative_share", type="DOUBLE", format="percent"),
            Column(name="cumulative_revenue_share", type="DOUBLE", format="percent"),
            Column(name="min_customer_revenue", type="DECIMAL(18,2)", format="money"),
            Column(name="max_customer_revenue", type="DECIMAL(18,2)", format="money"),
            Column(name="action", type="VARCHAR", format="text"),
        ],
        chart=ChartSpec(kind="bar", x="tier", y=["share", "revenue_share"]),
        summary=summary,
        details=details,
    )


ANALYSIS = Analysis(
    name="segmentation.value",
    title="Customer value tiers (Pareto / ABC)",
    description="Tiers A, B and C by contribution to revenue, and what share of customers makes 80% of revenue.",
    params=ValueParams,
    requires={"orders": ["customer_id", "order_date", "amount", "status"]},
    run=run,
    examples=[
        "what share of customers makes 80% of revenue",
        "客户价值分层",
        "crmlens run segmentation.value a_share=0.7 b_share=0.9",
    ],
)
