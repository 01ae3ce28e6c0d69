"""Core metrics and dimensions of the query layer, over the canonical schema.

Metric expressions are aggregates over their base table (referred to by its own name); filters are
the metric's default conditions. Definitions are the documented meaning of each word: e.g. revenue
counts completed orders only.
"""

from __future__ import annotations

from crmlens.engine import Dimension, Metric

_COMPLETED = "orders.status = 'completed'"

CORE_METRICS: tuple[Metric, ...] = (
    Metric(
        name="revenue",
        title="Revenue",
        title_zh="销售额",
        table="orders",
        description="Sum of completed order amounts (after discount).",
        expression="sum(orders.amount)",
        filters=[_COMPLETED],
        time_column="order_date",
        format="money",
        synonyms=["sales", "turnover", "gmv", "income", "销售额", "营收", "收入", "营业额", "成交额"],
        requires={"orders": ["amount", "status", "order_date"]},
    ),
    Metric(
        name="orders",
        title="Orders",
        title_zh="订单数",
        table="orders",
        description="Number of completed orders.",
        expression="count(*)",
        filters=[_COMPLETED],
        time_column="order_date",
        format="count",
        synonyms=["order count", "number of orders", "purchases", "订单数", "订单量", "单量"],
        requires={"orders": ["status", "order_date"]},
    ),
    Metric(
        name="customers",
        title="Buying customers",
        title_zh="购买客户数",
        table="orders",
        description="Distinct customers with at least one completed order.",
        expression="count(DISTINCT orders.customer_id)",
        filters=[_COMPLETED],
        time_column="order_date",
        format="count",
        synonyms=["buyers", "buying customers", "active customers", "购买客户数", "客户数", "买家数"],
        requires={"orders": ["customer_id", "status", "order_date"]},
    ),
    Metric(
        name="average_order_value",
        title="Average order value",
        title_zh="客单价",
        table="orders",
        description="Revenue divided by the number of completed orders.",
        expression="sum(orders.amount) / nullif(count(*), 0)",
        filters=[_COMPLETED],
        time_column="order_date",
        format="money",
        additive=False,
        numerator="revenue",
        denominator="orders",
        synonyms=["aov", "avg order value", "basket size", "客单价", "平均订单金额", "平均客单价"],
        requires={"orders": ["amount", "status", "order_date"]},
    ),
)

CORE_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        name="region",
        title="Region",
        title_zh="地区",
        table="customers",
        expression="customers.region",
        description="Sales region of the customer.",
        synonyms=["area", "territory", "地区", "区域", "大区"],
    ),
    Dimension(
        name="city",
        title="City",
        title_zh="城市",
        table="customers",
        expression="customers.city",
        description="City of the customer.",
        synonyms=["town", "城市"],
    ),
    Dimension(
        name="country",
        title="Country",
        title_zh="国家",
        table="customers",
        expression="customers.country",
        description="Country of the customer.",
        synonyms=["nation", "国家"],
    ),
    Dimension(
        name="order_channel",
        title="Order channel",
        title_zh="销售渠道",
        table="orders",
        expression="orders.channel",
        description="Channel the order came through.",
        synonyms=["channel", "sales channel", "渠道", "销售渠道"],
    ),
)
