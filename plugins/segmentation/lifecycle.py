"""``segmentation.lifecycle``: where every customer is in their lifecycle on a date, and how customers
moved between stages from an earlier date (a transition matrix).

Stages on date D, from completed orders up to D (thresholds are parameters; defaults in brackets):

* **Prospect**: a known customer (signed up by D, or with no sign-up date) with no completed order;
* **New buyer**: first completed order at most ``new_days`` [90] days before D;
* **Active buyer**: last completed order at most ``active_days`` [90] days before D (and not new);
* **Lapsing buyer** (the at-risk stage): last order more than ``active_days`` and at most
  ``churn_days`` [180] days before D;
* **Churned buyer**: last order more than ``churn_days`` days before D — the same rule as the query
  layer's churn rate, so the churned share of buyers equals ``churn rate`` at D.

Customers who only cancelled or returned orders are prospects. A customer known only from orders (no
row in ``customers``) counts from their first completed order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.engine.database import table_columns
from crmlens.plugins.segmentation import names
from crmlens.plugins.segmentation.common import date_sql, drop_temporary, save_scheme, text_sql
from crmlens.plugins.segmentation.rfm import customer_columns

TEMP = "_segmentation_lifecycle"
STAGE_ORDER = [s.name for s in names.LIFECYCLE_STAGES]


class LifecycleParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end: dt.date | None = Field(None, description="Date of the stages (default the as-of date).")
    start: dt.date | None = Field(
        None, description="Earlier date the transitions start from (default 90 days before end)."
    )
    new_days: int = Field(90, ge=1, le=3650, description="A first order at most this many days ago makes a new buyer.")
    active_days: int = Field(90, ge=1, le=3650, description="A last order at most this many days ago is active.")
    churn_days: int = Field(
        180, ge=2, le=3650, description="No order for more than this many days is churned (lapsing in between)."
    )
    view: Literal["stages", "transitions"] = Field(
        "stages", description="Main table: counts per stage, or the transition matrix from start to end."
    )
    stage: str | None = Field(None, description="List the customers of this stage (e.g. 'Lapsing buyer', 流失预警).")
    top: int = Field(20, ge=1, le=10_000, description="How many customers to list with stage (most valuable first).")
    save: bool = Field(True, description="Save the stages at end (table segments, scheme 'lifecycle').")

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, value: str | None) -> str | None:
        if value is None:
            return None
        found = names.lookup(names.LIFECYCLE_STAGES, value)
        if found is None:
            raise ValueError(f"unknown lifecycle stage {value!r}; the stages are {', '.join(STAGE_ORDER)}")
        return found.name

    @model_validator(mode="after")
    def _consistent(self) -> LifecycleParams:
        if self.churn_days <= self.active_days:
            raise ValueError(f"churn_days ({self.churn_days}) must be larger than active_days ({self.active_days})")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


def stages_sql(ctx: AnalysisContext, day: dt.date, params: LifecycleParams) -> str:
    """Per customer known on ``day``: first/last completed order, orders, revenue and stage."""
    d = date_sql(day)
    if ctx.table_exists("customers"):
        columns = {c for c, _ in table_columns(ctx.con, "customers")}
        signed_up = f"signup_date IS NULL OR signup_date <= {d}" if "signup_date" in columns else "true"
        known = f"SELECT customer_id FROM customers WHERE {signed_up}"
    else:
        known = "SELECT NULL::VARCHAR AS customer_id WHERE false"
    return f"""
WITH activity AS (
    SELECT customer_id, min(order_date) AS first_order_date, max(order_date) AS last_order_date,
           count(*) AS orders, sum(amount) AS revenue
    FROM orders
    WHERE status = 'completed' AND customer_id IS NOT NULL AND order_date <= {d}
    GROUP BY customer_id
), known AS ({known})
SELECT customer_id, a.first_order_date, a.last_order_date, coalesce(a.orders, 0) AS orders,
       coalesce(a.revenue, 0) AS revenue,
       CASE WHEN a.last_order_date IS NULL THEN {text_sql(names.PROSPECT)}
            WHEN date_diff('day', a.first_order_date, {d}) <= {params.new_days} THEN {text_sql(names.NEW_BUYER)}
            WHEN date_diff('day', a.last_order_date, {d}) <= {params.active_days} THEN {text_sql(names.ACTIVE_BUYER)}
            WHEN date_diff('day', a.last_order_date, {d}) <= {params.churn_days} THEN {text_sql(names.LAPSING_BUYER)}
            ELSE {text_sql(names.CHURNED_BUYER)} END AS segment
FROM known FULL OUTER JOIN activity AS a USING (customer_id)"""


def _stages_table_sql() -> str:
    order = ", ".join(f"({i}, {text_sql(s)})" for i, s in enumerate(STAGE_ORDER, 1))
    return f"""
WITH stage_names(ord, stage) AS (VALUES {order}),
now AS (SELECT segment AS stage, count(*) AS customers, sum(revenue) AS revenue FROM {TEMP} GROUP BY segment),
before AS (SELECT start_stage AS stage, count(*) AS customers FROM {TEMP} GROUP BY start_stage),
total AS (SELECT count(*) AS customers FROM {TEMP})
SELECT n.stage, coalesce(x.customers, 0) AS customers, coalesce(x.customers, 0) / t.customers AS share,
       coalesce(b.customers, 0) AS customers_at_start,
       coalesce(x.customers, 0) - coalesce(b.customers, 0) AS change,
       CAST(coalesce(x.revenue, 0) AS DECIMAL(18, 2)) AS lifetime_revenue
FROM stage_names AS n LEFT JOIN now AS x USING (stage) LEFT JOIN before AS b USING (stage), total AS t
ORDER BY n.ord"""


def _transitions_sql() -> str:
    origins = [names.NOT_YET, *STAGE_ORDER]
    order = ", ".join(f"({i}, {text_sql(s)})" for i, s in enumerate(origins))
    cells = ", ".join(
        f"count(t.customer_id) FILTER (WHERE t.segment = {text_sql(s)}) AS {_column(s)}" for s in STAGE_ORDER
    )
    return f"""
WITH origins(ord, from_stage) AS (VALUES {order})
SELECT o.from_stage, count(t.customer_id) AS customers_at_start, {cells},
       count(t.customer_id) FILTER (WHERE t.segment = o.from_stage) / nullif(count(t.customer_id), 0) AS stayed
FROM origins AS o LEFT JOIN {TEMP} AS t ON t.start_stage = o.from_stage
GROUP BY o.ord, o.from_stage ORDER BY o.ord"""


def _column(stage: str) -> str:
    return "to_" + stage.lower().replace(" ", "_")


def run(ctx: AnalysisContext, params: LifecycleParams) -> Result:
    end = params.end or ctx.as_of
    start = params.start or end - dt.timedelta(days=90)
    if start >= end:
        raise MissingDataError(f"The start date {start} is not before the end date {end}.")
    ctx.progress(0.1, "staging customers")
    ctx.execute(
        f"CREATE OR REPLACE TEMP TABLE {TEMP} AS SELECT e.*, coalesce(s.segment, {text_sql(names.NOT_YET)}) "
        f"AS start_stage FROM ({stages_sql(ctx, end, params)}) AS e "
        f"LEFT JOIN ({stages_sql(ctx, start, params)}) AS s USING (customer_id)"
    )
    try:
        return _report(ctx, params, start, end)
    finally:
        drop_temporary(ctx, TEMP)


def _report(ctx: AnalysisContext, params: LifecycleParams, start: dt.date, end: dt.date) -> Result:
    total = int(ctx.scalar(f"SELECT count(*) FROM {TEMP}") or 0)
    if total == 0:
        raise MissingDataError(
            f"No customer is known on {end}: no customers signed up and no completed orders by then.",
            hint="Load customers or orders, or choose a later end date.",
        )
    stages = ctx.query(_stages_table_sql())
    by_name = names.STAGES_BY_NAME
    stages.insert(1, "stage_zh", [by_name[s].name_zh for s in stages["stage"]])
    stages["definition"] = [_definition(s, params) for s in stages["stage"]]
    stages["action"] = [by_name[s].action for s in stages["stage"]]
    matrix = ctx.query(_transitions_sql())
    listing = None
    if params.stage is not None:
        listing = ctx.query(
            f"SELECT t.customer_id, t.segment AS stage, CAST(t.first_order_date AS DATE) AS first_order_date, "
            f"CAST(t.last_order_date AS DATE) AS last_order_date, "
            f"date_diff('day', t.last_order_date, {date_sql(end)}) AS days_since_last_order, t.orders AS frequency, "
            f"CAST(t.revenue AS DECIMAL(18, 2)) AS monetary FROM {TEMP} AS t "
            f"WHERE t.segment = {text_sql(params.stage)} ORDER BY t.revenue DESC, t.customer_id LIMIT {params.top}"
        )
    saved = save_scheme(ctx, scheme="lifecycle", as_of=end, source=TEMP) if params.save else 0

    counts = dict(zip(stages["stage"], stages["customers"].astype(int), strict=True))
    buyers = total - counts[names.PROSPECT]
    churned_rate = counts[names.CHURNED_BUYER] / buyers if buyers else 0.0
    summary = (
        f"On {end}: {total:,} customers — "
        + ", ".join(f"{counts[s]:,} {s.lower()}{'s' if not s.endswith('s') else ''}" for s in STAGE_ORDER)
        + f". {counts[names.LAPSING_BUYER]:,} lapsing buyers are about to churn (no order for "
        f"{params.active_days + 1}–{params.churn_days} days): act before they pass {params.churn_days} days. "
        f"{churned_rate:.1%} of buyers have churned."
    )
    lapsing = matrix[matrix["from_stage"] == names.ACTIVE_BUYER]
    if len(lapsing) and int(lapsing.iloc[0]["customers_at_start"]):
        row = lapsing.iloc[0]
        summary += (
            f" Since {start}, {float(row['stayed'] or 0):.1%} of active buyers stayed active and "
            f"{int(row[_column(names.LAPSING_BUYER)]) + int(row[_column(names.CHURNED_BUYER)]):,} slipped to "
            "lapsing or churned."
        )
    if saved:
        summary += f" Stages saved for {saved:,} customers."
    details: dict[str, Any] = {
        "end": end,
        "start": start,
        "thresholds": {"new_days": params.new_days, "active_days": params.active_days, "churn_days": params.churn_days},
        "transitions": matrix.to_dict(orient="records"),
        "stages": stages.to_dict(orient="records"),
        "saved_rows": saved,
    }
    if listing is not None:
        assert params.stage is not None
        stage = by_name[params.stage]
        details["stage_counts"] = details.pop("stages")
        return Result(
            title=f"Lifecycle stage {stage.name} on {end}",
            table=listing,
            columns=customer_columns(listing),
            summary=(
                f"{counts[stage.name]:,} customers are {stage.name.lower()}s ({stage.name_zh}: {stage.meaning}); "
                f"showing the {len(listing):,} most valuable. Recommended: {stage.action}"
            ),
            details=details,
        )
    if params.view == "transitions":
        return Result(
            title=f"Lifecycle transitions from {start} to {end}",
            table=matrix,
            columns=[
                Column(name="from_stage", type="VARCHAR", format="text"),
                Column(name="customers_at_start", type="BIGINT", format="count"),
                *[Column(name=_column(s), type="BIGINT", format="count") for s in STAGE_ORDER],
                Column(name="stayed", type="DOUBLE", format="percent"),
            ],
            chart=ChartSpec(kind="heatmap", x="from_stage", y=[_column(s) for s in STAGE_ORDER]),
            summary=summary,
            details=details,
        )
    return Result(
        title=f"Customer lifecycle stages on {end}",
        table=stages,
        columns=[
            Column(name="stage", type="VARCHAR", format="text"),
            Column(name="stage_zh", type="VARCHAR", format="text"),
            Column(name="customers", type="BIGINT", format="count"),
            Column(name="share", type="DOUBLE", format="percent"),
            Column(name="customers_at_start", type="BIGINT", format="count"),
            Column(name="change", type="BIGINT", format="count"),
            Column(name="lifetime_revenue", type="DECIMAL(18,2)", format="money"),
            Column(name="definition", type="VARCHAR", format="text"),
            Column(name="action", type="VARCHAR", format="text"),
        ],
        chart=ChartSpec(kind="bar", x="stage", y=["customers", "customers_at_start"]),
        summary=summary,
        details=details,
    )


def _definition(stage: str, p: LifecycleParams) -> str:
    return {
        names.PROSPECT: "no completed order yet",
        names.NEW_BUYER: f"first order ≤ {p.new_days} days ago",
        names.ACTIVE_BUYER: f"last order ≤ {p.active_days} days ago",
        names.LAPSING_BUYER: f"last order {p.active_days + 1}–{p.churn_days} days ago",
        names.CHURNED_BUYER: f"last order > {p.churn_days} days ago",
    }[stage]


ANALYSIS = Analysis(
    name="segmentation.lifecycle",
    title="Customer lifecycle stages",
    description="Prospect, new, active, lapsing (at risk) and churned customers on a date, with documented "
    "thresholds, and the transition matrix from an earlier date.",
    params=LifecycleParams,
    requires={"orders": ["customer_id", "order_date", "amount", "status"]},
    run=run,
    examples=[
        "哪些客户快要流失",
        "customer lifecycle",
        "lifecycle transitions",
        "crmlens run segmentation.lifecycle start=2025-06-30 view=transitions",
    ],
)
