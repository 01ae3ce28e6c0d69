"""Customer-service tickets.

Most tickets follow an order that went wrong: a late parcel (delivery), a return (refund, product
quality), a cancellation (refund, billing). Some are about accounts and bills, with no order behind
them. Urgent tickets are solved within hours, low-priority ones take days; refunds are slow, and the
courier crisis left a backlog of delivery tickets. Recent tickets may still be open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crmlens.engine.demo.columns import ints, labels, timestamps
from crmlens.engine.demo.geography import APP, STORE
from crmlens.engine.demo.orders import CANCELLED, RETURNED, OrderChunk
from crmlens.engine.demo.people import Customers
from crmlens.engine.demo.rng import categorical, categorical_rows
from crmlens.engine.demo.timeline import DAY_US, END_US, N_DAYS, crisis_days, time_of_day_us

TICKET_CATEGORIES = ("delivery", "refund", "product_quality", "billing", "account", "other")
DELIVERY, REFUND, PRODUCT_QUALITY, BILLING, ACCOUNT, OTHER = range(6)
PRIORITIES = ("low", "medium", "high", "urgent")
TICKET_STATUSES = ("open", "pending", "resolved", "closed")
OPEN, PENDING, RESOLVED, CLOSED = range(4)
TICKET_CHANNELS = ("phone", "email", "chat", "app", "store")

#: Category mix by cause: delivery problem, return, cancellation, anything else, no order.
_CATEGORY_BY_CAUSE = np.array(
    [
        [0.90, 0.02, 0.00, 0.00, 0.00, 0.08],
        [0.00, 0.55, 0.45, 0.00, 0.00, 0.00],
        [0.00, 0.50, 0.00, 0.30, 0.00, 0.20],
        [0.30, 0.05, 0.25, 0.15, 0.10, 0.15],
        [0.00, 0.00, 0.00, 0.30, 0.55, 0.15],
    ]
)
_DELAY_DAYS = np.array([4.0, 8.0, 10.0, 3.0, 5.0, 5.0])  # mean days from order to ticket, by category
_MEDIAN_HOURS = np.array([60.0, 28.0, 10.0, 3.0])  # by priority
_CATEGORY_SLOWNESS = np.array([1.3, 1.6, 1.4, 1.1, 0.6, 0.9])
_CHANNEL_MIX = np.array([0.25, 0.20, 0.30, 0.18, 0.07])


@dataclass
class TicketChunk:
    customer: np.ndarray
    opened_us: np.ndarray
    resolved_us: np.ndarray
    unresolved: np.ndarray
    category: np.ndarray
    priority: np.ndarray
    status: np.ndarray
    channel: np.ndarray
    order_has_ticket: np.ndarray  # per order of the chunk

    @property
    def count(self) -> int:
        return len(self.customer)

    def columns(self, first: int) -> dict[str, pa.Array]:
        return {
            "ticket_id": ints(first + np.arange(self.count)),
            "customer_id": ints(self.customer),
            "opened_at": timestamps(self.opened_us),
            "resolved_at": timestamps(self.resolved_us, missing=self.unresolved),
            "category": labels(self.category, TICKET_CATEGORIES),
            "priority": labels(self.priority, PRIORITIES),
            "status": labels(self.status, TICKET_STATUSES),
            "channel": labels(self.channel, TICKET_CHANNELS),
        }


def build_tickets(rng: np.random.Generator, customers: Customers, lo: int, hi: int, o: OrderChunk) -> TicketChunk:
    c = customers
    returned, cancelled = o.status == RETURNED, o.status == CANCELLED
    low_z = c.z[o.customer] < -1.0
    p = 0.012 + 0.30 * returned + 0.08 * cancelled + 0.35 * o.delivery_problem + 0.02 * low_z
    raised = np.flatnonzero(rng.random(o.count) < p)
    cause = np.select([o.delivery_problem[raised], returned[raised], cancelled[raised]], [0, 1, 2], 3)
    order_day = o.day[raised]
    # Tickets without an order: accounts and bills, businesses more often.
    k = hi - lo
    extra = rng.poisson(np.where(c.business[lo:hi], 0.06, 0.02))
    extra_cust = lo + np.repeat(np.arange(k), extra)
    start = c.signup[extra_cust]
    end = np.minimum(c.last[extra_cust] + 60, N_DAYS - 1)
    extra_day = start + (rng.random(len(extra_cust)) * (end - start + 1)).astype(np.int64)

    customer = np.concatenate([o.customer[raised], extra_cust])
    cause = np.concatenate([cause, np.full(len(extra_cust), 4)])
    category = categorical_rows(rng, _CATEGORY_BY_CAUSE, cause)
    delay = np.where(cause == 4, 0, rng.exponential(_DELAY_DAYS[category]).astype(np.int64))
    opened = (np.concatenate([order_day, extra_day]) + delay) * DAY_US + time_of_day_us(rng, len(customer), "office")

    priority = categorical(rng, np.array([0.30, 0.43, 0.20, 0.07]), len(customer))
    bump = (c.business[customer] | (category == REFUND)) & (rng.random(len(customer)) < 0.3)
    priority = np.minimum(priority + bump, 3)
    c0, c1 = crisis_days()
    backlog = (category == DELIVERY) & (opened >= c0 * DAY_US) & (opened < (c1 + 15) * DAY_US)
    hours = np.exp(
        np.log(_MEDIAN_HOURS[priority] * _CATEGORY_SLOWNESS[category]) + 0.8 * rng.standard_normal(len(customer))
    )
    hours = hours * np.where(backlog, 1.8, 1.0)
    resolved = opened + (hours * 3600e6).astype(np.int64)

    keep = opened <= END_US
    unresolved = (resolved > END_US) | (rng.random(len(customer)) < 0.005)
    recent = opened > END_US - 2 * DAY_US
    status = np.where(
        unresolved,
        np.where(recent | (rng.random(len(customer)) < 0.5), OPEN, PENDING),
        np.where((resolved < END_US - 7 * DAY_US) & (rng.random(len(customer)) < 0.7), CLOSED, RESOLVED),
    )
    channel = categorical(rng, _CHANNEL_MIX, len(customer))
    n_raised = len(raised)
    from_order_channel = np.concatenate([o.channel[raised], np.full(len(extra_cust), -1)])
    channel = np.where((from_order_channel == STORE) & (rng.random(len(customer)) < 0.5), 4, channel)
    channel = np.where((from_order_channel == APP) & (rng.random(len(customer)) < 0.4), 3, channel)

    has_ticket = np.zeros(o.count, dtype=bool)
    has_ticket[raised[keep[:n_raised]]] = True
    order = np.argsort(opened[keep], kind="stable")
    sel = np.flatnonzero(keep)[order]
    return TicketChunk(
        customer=customer[sel],
        opened_us=opened[sel],
        resolved_us=np.minimum(resolved[sel], END_US),
        unresolved=unresolved[sel],
        category=category[sel],
        priority=priority[sel],
        status=status[sel],
        channel=channel[sel],
        order_has_ticket=has_ticket,
    )
