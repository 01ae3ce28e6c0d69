"""Behavioural features and churn labels of customers at several cutoff dates, in one DuckDB query.

A customer is *current* at a cutoff when they placed a completed order in the ``window`` days up to it
(the same rule as the ``churn_rate`` metric with the default window of 180 days), and *churned* when they
then place no completed order in the ``window`` days after it. Every feature uses only data dated on or
before the cutoff; the label only data after it.

Features come from the tables that hold data: orders always (recency, frequency, spend, tenure, the
trend of the last 90 days against the 90 before, returns and cancellations), and when loaded, tickets
(recent, urgent and unresolved ones), feedback (latest NPS, average CSAT), events (recent sessions, days
since the last event), campaign responses (recent opens and clicks) and the customer type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crmlens.engine import AnalysisContext
from crmlens.engine.capabilities import DataInventory

ORDER_FEATURES = [
    "recency_days",
    "orders",
    "revenue",
    "average_order_value",
    "tenure_days",
    "orders_last_90d",
    "orders_prior_90d",
    "order_trend",
    "revenue_last_180d",
    "mean_days_between_orders",
    "recency_vs_usual_gap",
    "return_share",
    "cancel_share",
    "channels_used",
]


@dataclass
class FeatureQuery:
    sql: str
    features: list[str]
    sources: list[str] = field(default_factory=list)


def feature_query(ctx: AnalysisContext, window: int) -> FeatureQuery:
    """The query of features and labels for the cutoffs in ``$cutoffs`` (a DATE list parameter)."""
    have = DataInventory(ctx.con)
    features = list(ORDER_FEATURES)
    sources = ["orders"]
    ctes = [
        f"""cutoffs AS (SELECT unnest($cutoffs::DATE[]) AS cutoff),
completed AS (
    SELECT customer_id, order_date, amount FROM orders
    WHERE status = 'completed' AND customer_id IS NOT NULL AND order_date <= $as_of
),
population AS (
    SELECT c.cutoff, o.customer_id
    FROM completed AS o JOIN cutoffs AS c
      ON o.order_date > c.cutoff - INTERVAL {window} DAY AND o.order_date <= c.cutoff
    GROUP BY c.cutoff, o.customer_id
),
order_features AS (
    SELECT p.cutoff, p.customer_id,
           date_diff('day', max(o.order_date), p.cutoff) AS recency_days,
           count(*) AS orders,
           CAST(sum(o.amount) AS DOUBLE) AS revenue,
           CAST(sum(o.amount) / count(*) AS DOUBLE) AS average_order_value,
           date_diff('day', min(o.order_date), p.cutoff) AS tenure_days,
           count(*) FILTER (WHERE o.order_date > p.cutoff - INTERVAL 90 DAY) AS orders_last_90d,
           count(*) FILTER (WHERE o.order_date <= p.cutoff - INTERVAL 90 DAY
                             AND o.order_date > p.cutoff - INTERVAL 180 DAY) AS orders_prior_90d,
           CAST(coalesce(sum(o.amount) FILTER (WHERE o.order_date > p.cutoff - INTERVAL 180 DAY), 0) AS DOUBLE)
               AS revenue_last_180d,
           date_diff('day', min(o.order_date), max(o.order_date)) / nullif(count(*) - 1, 0)
               AS mean_days_between_orders
    FROM population AS p JOIN completed AS o ON o.customer_id = p.customer_id AND o.order_date <= p.cutoff
    GROUP BY p.cutoff, p.customer_id
),
order_status AS (
    SELECT p.cutoff, p.customer_id,
           avg(CASE WHEN o.status = 'returned' THEN 1.0 ELSE 0.0 END) AS return_share,
           avg(CASE WHEN o.status = 'cancelled' THEN 1.0 ELSE 0.0 END) AS cancel_share,
           count(DISTINCT o.channel) AS channels_used
    FROM population AS p JOIN orders AS o ON o.customer_id = p.customer_id AND o.order_date <= p.cutoff
    GROUP BY p.cutoff, p.customer_id
),
labels AS (
    SELECT p.cutoff, p.customer_id, count(o.customer_id) AS orders_next_window
    FROM population AS p LEFT JOIN completed AS o
      ON o.customer_id = p.customer_id AND o.order_date > p.cutoff
     AND o.order_date <= p.cutoff + INTERVAL {window} DAY
    GROUP BY p.cutoff, p.customer_id
)"""
    ]
    select = [
        "p.cutoff",
        "p.customer_id",
        "f.recency_days",
        "f.orders",
        "f.revenue",
        "f.average_order_value",
        "f.tenure_days",
        "f.orders_last_90d",
        "f.orders_prior_90d",
        "f.orders_last_90d - f.orders_prior_90d AS order_trend",
        "f.revenue_last_180d",
        "f.mean_days_between_orders",
        "f.recency_days / nullif(f.mean_days_between_orders, 0) AS recency_vs_usual_gap",
        "s.return_share",
        "s.cancel_share",
        "s.channels_used",
    ]
    joins = [
        "JOIN order_features AS f USING (cutoff, customer_id)",
        "JOIN order_status AS s USING (cutoff, customer_id)",
        "JOIN labels AS l USING (cutoff, customer_id)",
    ]
    if not have.missing({"tickets": ["customer_id", "opened_at"]}):
        sources.append("tickets")
        resolved = "t.resolved_at" if not have.missing({"tickets": ["resolved_at"]}) else "NULL"
        priority = "t.priority IN ('high', 'urgent')" if not have.missing({"tickets": ["priority"]}) else "FALSE"
        ctes.append(
            f"""ticket_features AS (
    SELECT p.cutoff, p.customer_id,
           count(*) FILTER (WHERE t.opened_at > p.cutoff - INTERVAL 180 DAY) AS tickets_last_180d,
           count(*) FILTER (WHERE t.opened_at > p.cutoff - INTERVAL 180 DAY AND {priority}) AS urgent_tickets_last_180d,
           count(*) FILTER (WHERE {resolved} IS NULL OR {resolved} > p.cutoff + INTERVAL 1 DAY) AS unresolved_tickets
    FROM population AS p JOIN tickets AS t
      ON t.customer_id = p.customer_id AND t.opened_at < p.cutoff + INTERVAL 1 DAY
    GROUP BY p.cutoff, p.customer_id
)"""
        )
        names = ["tickets_last_180d", "urgent_tickets_last_180d", "unresolved_tickets"]
        select += [f"coalesce(t.{n}, 0) AS {n}" for n in names]
        joins.append("LEFT JOIN ticket_features AS t USING (cutoff, customer_id)")
        features += names
    if not have.missing({"feedback": ["customer_id", "submitted_at"]}):
        sources.append("feedback")
        nps = "arg_max(fb.nps_score, fb.submitted_at) FILTER (WHERE fb.nps_score IS NOT NULL)"
        csat = "avg(fb.csat_score)"
        if have.missing({"feedback": ["nps_score"]}):
            nps = "NULL"
        if have.missing({"feedback": ["csat_score"]}):
            csat = "NULL"
        ctes.append(
            f"""feedback_features AS (
    SELECT p.cutoff, p.customer_id, {nps} AS last_nps, {csat} AS average_csat, count(*) AS surveys_answered
    FROM population AS p JOIN feedback AS fb
      ON fb.customer_id = p.customer_id AND fb.submitted_at < p.cutoff + INTERVAL 1 DAY
    GROUP BY p.cutoff, p.customer_id
)"""
        )
        select += ["fb.last_nps", "fb.average_csat", "coalesce(fb.surveys_answered, 0) AS surveys_answered"]
        joins.append("LEFT JOIN feedback_features AS fb USING (cutoff, customer_id)")
        features += ["last_nps", "average_csat", "surveys_answered"]
    if not have.missing({"events": ["customer_id", "event_time"]}):
        sources.append("events")
        sessions = (
            "count(DISTINCT e.session_id) FILTER (WHERE e.event_time >= p.cutoff - INTERVAL 29 DAY)"
            if not have.missing({"events": ["session_id"]})
            else "count(*) FILTER (WHERE e.event_time >= p.cutoff - INTERVAL 29 DAY)"
        )
        ctes.append(
            f"""event_features AS (
    SELECT p.cutoff, p.customer_id,
           {sessions} AS sessions_last_30d,
           count(*) FILTER (WHERE e.event_time >= p.cutoff - INTERVAL 89 DAY) AS events_last_90d,
           date_diff('day', CAST(max(e.event_time) AS DATE), p.cutoff) AS days_since_last_event
    FROM population AS p JOIN events AS e
      ON e.customer_id = p.customer_id AND e.event_time < p.cutoff + INTERVAL 1 DAY
    GROUP BY p.cutoff, p.customer_id
)"""
        )
        select += [
            "coalesce(e.sessions_last_30d, 0) AS sessions_last_30d",
            "coalesce(e.events_last_90d, 0) AS events_last_90d",
            "e.days_since_last_event",
        ]
        joins.append("LEFT JOIN event_features AS e USING (cutoff, customer_id)")
        features += ["sessions_last_30d", "events_last_90d", "days_since_last_event"]
    if not have.missing({"campaign_responses": ["customer_id", "sent_at"]}):
        sources.append("campaign_responses")
        ctes.append(
            """campaign_features AS (
    SELECT p.cutoff, p.customer_id,
           count(*) FILTER (WHERE r.sent_at > p.cutoff - INTERVAL 180 DAY) AS campaigns_received_180d,
           count(r.opened_at) FILTER (WHERE r.sent_at > p.cutoff - INTERVAL 180 DAY
                                      AND r.opened_at < p.cutoff + INTERVAL 1 DAY) AS campaigns_opened_180d
    FROM population AS p JOIN campaign_responses AS r
      ON r.customer_id = p.customer_id AND r.sent_at < p.cutoff + INTERVAL 1 DAY
    GROUP BY p.cutoff, p.customer_id
)"""
        )
        names = ["campaigns_received_180d", "campaigns_opened_180d"]
        select += [f"coalesce(cr.{n}, 0) AS {n}" for n in names]
        joins.append("LEFT JOIN campaign_features AS cr USING (cutoff, customer_id)")
        features += names
    if not have.missing({"customers": ["customer_id", "customer_type"]}):
        sources.append("customers")
        select.append("CASE WHEN cu.customer_type = 'business' THEN 1 ELSE 0 END AS is_business")
        joins.append("LEFT JOIN customers AS cu ON cu.customer_id = p.customer_id")
        features.append("is_business")
    select.append("l.orders_next_window")
    sql = (
        "WITH "
        + ",\n".join(ctes)
        + "\nSELECT "
        + ",\n       ".join(select)
        + "\nFROM population AS p\n"
        + "\n".join(joins)
        + "\nORDER BY p.cutoff, p.customer_id"
    )
    return FeatureQuery(sql, features, sources)


def cutoffs(as_of: dt.date, window: int, first_order: dt.date, snapshots: int) -> tuple[list[dt.date], dt.date]:
    """(training cutoffs, validation cutoff). The validation cutoff is ``window`` days before as-of, so its
    labels are complete; training cutoffs end ``window`` days before that, so no training label overlaps the
    validation window; each has at least ``window`` days of history before it."""
    validation = as_of - dt.timedelta(days=window)
    latest = validation - dt.timedelta(days=window)
    step = dt.timedelta(days=max(30, window // 2))
    training = [latest - k * step for k in range(snapshots)]
    return sorted(c for c in training if c - dt.timedelta(days=window) >= first_order), validation
