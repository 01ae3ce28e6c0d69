"""``core.overview``: the monthly KPIs of the business in one table."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, Result


class OverviewParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grain: Literal["month", "quarter", "year"] = Field("month", description="Period of each row.")
    periods: int = Field(12, ge=1, le=240, description="How many periods, ending with the as-of date's period.")


_SQL = """
WITH bounds AS (
    SELECT date_trunc($grain, $as_of::DATE) AS last_period,
           date_trunc($grain, $as_of::DATE) - to_months($months * ($periods - 1)) AS first_period
), completed AS (
    SELECT date_trunc($grain, o.order_date) AS period, o.customer_id, o.amount
    FROM orders AS o, bounds AS b
    WHERE o.status = 'completed'
      AND o.order_date >= b.first_period AND o.order_date <= $as_of::DATE
), per_period AS (
    SELECT period, sum(amount) AS revenue, count(*) AS orders, count(DISTINCT customer_id) AS customers
    FROM completed GROUP BY period
)
SELECT CAST(p.period AS DATE) AS period,
       CAST(coalesce(x.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
       coalesce(x.orders, 0) AS orders,
       coalesce(x.customers, 0) AS customers,
       CAST(x.revenue / nullif(x.orders, 0) AS DECIMAL(18, 2)) AS average_order_value
FROM (SELECT unnest(generate_series(b.first_period, b.last_period, to_months($months))) AS period FROM bounds AS b) AS p
LEFT JOIN per_period AS x USING (period)
ORDER BY period
"""

_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def run(ctx: AnalysisContext, params: OverviewParams) -> Result:
    df = ctx.query(
        _SQL, {"grain": params.grain, "as_of": ctx.as_of, "months": _MONTHS[params.grain], "periods": params.periods}
    )
    summary = "No completed orders in the period."
    if len(df) and df["orders"].sum() > 0:
        total = float(df["revenue"].sum())
        last, first = df.iloc[-1], df.iloc[0]
        summary = f"Revenue {total:,.2f} over {len(df)} {params.grain}s; "
        summary += f"the last {params.grain} ({last['period']:%Y-%m-%d}) brought {float(last['revenue']):,.2f}"
        if float(first["revenue"]) > 0:
            change = float(last["revenue"]) / float(first["revenue"]) - 1
            summary += f", {change:+.1%} against the first."
        else:
            summary += "."
        if ctx.as_of.day != 1 and params.grain == "month":
            ctx.warn(f"The last month is partial: data up to {ctx.as_of:%Y-%m-%d}.")
    return Result(
        title=f"Business overview by {params.grain}",
        table=df,
        columns=[
            Column(name="period", type="DATE", format="date"),
            Column(name="revenue", type="DECIMAL(18,2)", format="money"),
            Column(name="orders", type="BIGINT", format="count"),
            Column(name="customers", type="BIGINT", format="count"),
            Column(name="average_order_value", type="DECIMAL(18,2)", format="money"),
        ],
        chart=ChartSpec(kind="line", x="period", y=["revenue"]),
        summary=summary,
        details={"grain": params.grain, "periods": params.periods, "as_of": ctx.as_of.isoformat()},
    )


ANALYSIS = Analysis(
    name="core.overview",
    title="Business overview",
    description="Revenue, completed orders, buying customers and average order value per period.",
    params=OverviewParams,
    requires={"orders": ["order_date", "amount", "status"]},
    run=run,
    examples=["crmlens run core.overview grain=quarter periods=8", "business overview"],
)
