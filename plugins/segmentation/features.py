"""Behavioural features of every buying customer for clustering, computed in DuckDB.

Numeric features (log-transformed with ln(1 + x), then standardized to mean 0 and standard deviation 1):

* ``recency``: days from the last completed order to the end date;
* ``frequency``: completed orders; ``monetary``: their amount;
* ``tenure``: days from the first completed order (in the window) to the end date;
* ``aov``: average order value, monetary / frequency.

Mix features (shares between 0 and 1, standardized, then divided by √(number of columns) so that a
whole mix weighs as much as one numeric feature):

* ``channel_mix``: share of the customer's orders per order channel;
* ``category_mix``: share of the customer's line-item revenue per product category.

At most :data:`MAX_MIX_COLUMNS` channels or categories get a column (the most frequent); the rest are
left out of the mix (their shares are implied by the others).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from crmlens.engine import AnalysisContext
from crmlens.engine.database import table_columns
from crmlens.plugins.segmentation.common import Window, date_sql, text_sql

Feature = Literal["recency", "frequency", "monetary", "tenure", "aov", "channel_mix", "category_mix"]
NUMERIC: tuple[Feature, ...] = ("recency", "frequency", "monetary", "tenure", "aov")
DEFAULT_FEATURES: list[Feature] = ["recency", "frequency", "monetary", "tenure", "aov", "channel_mix", "category_mix"]
MAX_MIX_COLUMNS = 8

RAW_COLUMNS = {
    "recency": "recency_days",
    "frequency": "frequency",
    "monetary": "monetary",
    "tenure": "tenure_days",
    "aov": "aov",
}


@dataclass(frozen=True)
class FeaturePlan:
    """Which columns the feature table holds and how each enters the model."""

    numeric: list[str]  # raw column names of numeric features (log + standardize)
    channels: list[str]  # channel values with a share column ch_<i>
    categories: list[str]  # category values with a share column cat_<i>
    skipped: list[str]  # requested features that could not be computed, with the reason

    @property
    def mix_columns(self) -> list[tuple[str, str, str]]:
        """(column, block, value) of every mix column."""
        return [(f"ch_{i}", "channel", v) for i, v in enumerate(self.channels)] + [
            (f"cat_{i}", "category", v) for i, v in enumerate(self.categories)
        ]

    @property
    def model_columns(self) -> list[str]:
        return [*self.numeric, *(c for c, _, _ in self.mix_columns)]


def plan_features(ctx: AnalysisContext, window: Window, features: list[Feature]) -> FeaturePlan:
    """Decide the columns: which channels and categories exist, which mixes the data allows."""
    skipped: list[str] = []
    channels: list[str] = []
    categories: list[str] = []
    if "channel_mix" in features:
        if "channel" in {c for c, _ in table_columns(ctx.con, "orders")}:
            rows = ctx.query(
                f"SELECT channel FROM orders WHERE {window.order_filter()} AND channel IS NOT NULL "
                f"GROUP BY channel ORDER BY count(*) DESC, channel LIMIT {MAX_MIX_COLUMNS}"
            )
            channels = [str(v) for v in rows["channel"]]
        if len(channels) < 2:
            skipped.append("channel_mix (fewer than two order channels)")
            channels = []
    if "category_mix" in features:
        ready = ctx.table_exists("order_items") and ctx.table_exists("products")
        if ready and {"quantity", "unit_price"} <= {c for c, _ in table_columns(ctx.con, "order_items")}:
            rows = ctx.query(
                "SELECT category FROM products WHERE category IS NOT NULL GROUP BY category "
                f"ORDER BY count(*) DESC, category LIMIT {MAX_MIX_COLUMNS}"
            )
            categories = [str(v) for v in rows["category"]]
        if len(categories) < 2:
            skipped.append("category_mix (needs order_items and products with two or more categories)")
            categories = []
    numeric = [RAW_COLUMNS[f] for f in NUMERIC if f in features]
    return FeaturePlan(numeric=numeric, channels=channels, categories=categories, skipped=skipped)


def features_sql(window: Window, plan: FeaturePlan) -> str:
    """Raw features per buying customer, numbered by customer_id (``rid``) for a stable row order."""
    end = date_sql(window.end)
    channel_cols = "".join(
        f", count(*) FILTER (WHERE channel = {text_sql(v)}) / count(*) AS ch_{i}" for i, v in enumerate(plan.channels)
    )
    sql = (
        "WITH base AS (SELECT customer_id, "
        f"CAST(date_diff('day', max(order_date), {end}) AS INTEGER) AS recency_days, count(*) AS frequency, "
        f"sum(amount) AS monetary, CAST(date_diff('day', min(order_date), {end}) AS INTEGER) "
        f"AS tenure_days, CAST(sum(amount) AS DOUBLE) / count(*) AS aov{channel_cols} "
        f"FROM orders WHERE {window.order_filter()} GROUP BY customer_id)"
    )
    select = "SELECT row_number() OVER (ORDER BY b.customer_id) AS rid, b.*"
    joins = ""
    if plan.categories:
        line = "i.quantity * i.unit_price"
        cats = ", ".join(
            f"coalesce(sum({line}) FILTER (WHERE p.category = {text_sql(v)}) / nullif(sum({line}), 0), 0) AS cat_{i}"
            for i, v in enumerate(plan.categories)
        )
        sql += (
            f", mix AS (SELECT o.customer_id, {cats} FROM order_items AS i JOIN orders AS o USING (order_id) "
            f"JOIN products AS p USING (product_id) WHERE {window.order_filter('o')} GROUP BY o.customer_id)"
        )
        select += ", " + ", ".join(f"coalesce(m.cat_{i}, 0) AS cat_{i}" for i in range(len(plan.categories)))
        joins = " LEFT JOIN mix AS m USING (customer_id)"
    return f"{sql} {select} FROM base AS b{joins}"


def matrix_sql(table: str, plan: FeaturePlan) -> str:
    """The model matrix, ordered by rid: ln(1 + x) of numeric features and raw mix shares, standardized
    over all customers; mix columns divided by √(columns in their mix)."""
    parts = []
    for col in plan.numeric:
        x = f"ln(1 + greatest({col}, 0))"
        parts.append(f"coalesce(({x} - avg({x}) OVER ()) / nullif(stddev_pop({x}) OVER (), 0), 0) AS {col}")
    for block, values in (("ch", plan.channels), ("cat", plan.categories)):
        weight = 1 / math.sqrt(len(values)) if values else 1.0
        for i in range(len(values)):
            col = f"{block}_{i}"
            parts.append(
                f"coalesce(({col} - avg({col}) OVER ()) / nullif(stddev_pop({col}) OVER (), 0), 0) * {weight:.6f} "
                f"AS {col}"
            )
    return f"SELECT {', '.join(parts)} FROM {table} ORDER BY rid"
