"""Orders and their lines for a range of customers.

Each customer's first order falls on their first-purchase day, the others on days drawn from their
market's shopping calendar between that day and the day they churn. Lines lean toward the customer's
preferred category; big spenders pick pricier products; businesses buy larger quantities. Discounts
are deeper on festival days. Returns depend on the categories and the quality of what was bought,
and ``amount`` is always the sum of the lines minus the discount, to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crmlens.engine.demo.catalog import CATEGORY_RETURN_RATE, CATEGORY_SHARE, Catalog, price_factor_by_year
from crmlens.engine.demo.columns import dates, ints, labels, money
from crmlens.engine.demo.geography import APP, ORDER_CHANNELS, REGION_CHANNEL_MIX, STORE, WEB
from crmlens.engine.demo.people import Customers
from crmlens.engine.demo.rng import categorical, categorical_rows
from crmlens.engine.demo.timeline import N_DAYS, crisis_days, holiday_lift, sample_days_by_market, year_of_day

ORDER_STATUSES = ("completed", "cancelled", "returned")
COMPLETED, CANCELLED, RETURNED = range(3)

_LINES = np.array([0.36, 0.26, 0.19, 0.12, 0.07])  # 1..5 lines
_QUANTITY = np.array([0.78, 0.14, 0.05, 0.02, 0.01])  # 1..5 units
_CANCEL_BY_CHANNEL = np.array([0.065, 0.045, 0.012, 0.055, 0.055, 0.06])
_RETURN_CALIBRATION = 1.12


@dataclass
class OrderChunk:
    """Orders of customers ``lo .. hi-1`` (order ``k`` here is global order ``first + k``) and their lines."""

    first: int
    customer: np.ndarray  # global customer index
    local: np.ndarray  # customer index within the chunk
    day: np.ndarray
    channel: np.ndarray
    status: np.ndarray
    discount_cents: np.ndarray
    amount_cents: np.ndarray
    delivery_problem: np.ndarray  # the parcel was late or lost
    first_product: np.ndarray  # product of the first line
    line_order: np.ndarray  # local order index of each line
    line_product: np.ndarray
    line_quantity: np.ndarray
    line_price_cents: np.ndarray

    @property
    def count(self) -> int:
        return len(self.day)

    def order_columns(self) -> dict[str, pa.Array]:
        return {
            "order_id": ints(self.first + np.arange(self.count)),
            "customer_id": ints(self.customer),
            "order_date": dates(self.day),
            "channel": labels(self.channel, ORDER_CHANNELS),
            "status": labels(self.status, ORDER_STATUSES),
            "amount": money(self.amount_cents),
            "discount": money(self.discount_cents),
        }

    def item_columns(self, catalog: Catalog) -> dict[str, pa.Array]:
        return {
            "order_id": ints(self.first + self.line_order),
            "product_id": labels(self.line_product, catalog.product_id),
            "quantity": pa.array(self.line_quantity.astype(np.int32)),
            "unit_price": money(self.line_price_cents),
        }


def build_orders(
    rng: np.random.Generator, customers: Customers, lo: int, hi: int, first: int, catalog: Catalog
) -> OrderChunk:
    c = customers
    per_customer = c.orders[lo:hi]
    m = int(per_customer.sum())
    local = np.repeat(np.arange(hi - lo), per_customer)
    cust = lo + local
    starts = np.cumsum(per_customer) - per_customer
    pos = np.arange(m) - np.repeat(starts, per_customer)
    china = c.china[cust]
    day = sample_days_by_market(rng, china, c.first[cust], c.last[cust])
    day[pos == 0] = c.first[cust][pos == 0]
    day = day[np.argsort(local * N_DAYS + day, kind="stable")]  # each customer's orders in date order

    channel = np.where(rng.random(m) < 0.7, c.channel[cust], categorical_rows(rng, REGION_CHANNEL_MIX, c.region[cust]))
    channel[(channel == WEB) & (rng.random(m) < 0.45 * day / (N_DAYS - 1))] = APP  # the app takes over from the web

    # Lines: 1-5 per order, more for big spenders, no product twice in one order.
    spend = c.spend[cust]
    n_lines = 1 + categorical(rng, _LINES, m)
    n_lines = np.minimum(n_lines + (rng.random(m) < np.clip((spend - 0.9) * 0.5, 0.0, 0.35)), 5)
    total = int(n_lines.sum())
    line_order = np.repeat(np.arange(m), n_lines)
    line_pos = np.arange(total) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    line_cust = cust[line_order]
    category = np.where(rng.random(total) < 0.45, c.category[line_cust], categorical(rng, CATEGORY_SHARE, total))
    product = catalog.pick(rng, category)
    alternative = catalog.pick(rng, category)
    upgrade = rng.random(total) < np.clip((spend[line_order] - 1.0) * 0.6, 0.0, 0.4)
    pricier = catalog.price_cents[alternative] > catalog.price_cents[product]
    product = np.where(upgrade & pricier, alternative, product)
    repeated = np.zeros(total, dtype=bool)
    for k in range(1, 5):
        repeated[k:] |= (product[k:] == product[:-k]) & (line_pos[k:] >= k)
    keep = ~repeated
    line_order, line_pos, product = line_order[keep], line_pos[keep], product[keep]
    business = c.business[line_cust[keep]]
    total = len(product)

    quantity = 1 + categorical(rng, _QUANTITY, total)
    bulk = np.clip(rng.lognormal(np.log(6.0), 0.8, total), 1, 200).astype(np.int64)
    quantity = np.where(business, bulk, quantity)
    year_factor = price_factor_by_year(year_of_day(day[line_order]))
    price = np.round(catalog.price_cents[product] * year_factor / 100.0).astype(np.int64) * 100
    line_start = np.flatnonzero(line_pos == 0)
    gross = np.add.reduceat(quantity * price, line_start)

    # Discounts: deep on festival days, frequent for businesses, whole currency units, at most half.
    lift = np.where(china, holiday_lift(True)[day], holiday_lift(False)[day])
    festival = lift >= 1.3
    business_order = c.business[cust]
    p_disc = np.where(business_order, 0.5, np.where(festival, 0.85, 0.3))
    rate = np.where(
        business_order,
        rng.uniform(0.05, 0.15, m),
        np.where(festival, rng.uniform(0.08, 0.25, m), rng.uniform(0.03, 0.12, m)),
    )
    discount = np.where(rng.random(m) < p_disc, np.round(gross * rate / 100.0).astype(np.int64) * 100, 0)
    discount = np.minimum(discount, gross // 200 * 100)
    amount = gross - discount

    # Late or lost parcels: a few always, many in China during the courier crisis.
    c0, c1 = crisis_days()
    in_crisis = china & (day >= c0) & (day <= c1)
    shipped = channel != STORE
    delivery_problem = shipped & (rng.random(m) < np.where(in_crisis, 0.45, 0.03))

    # Status: cancellations by channel; returns by category and product quality, fewer in stores.
    line_return = CATEGORY_RETURN_RATE[catalog.category[product]] * np.exp(-0.45 * catalog.quality[product])
    p_return = np.add.reduceat(line_return, line_start) / np.diff(np.append(line_start, total))
    p_return = p_return * np.exp(-0.25 * c.z[cust]) * np.where(channel == STORE, 0.5, 1.0)
    p_return = np.minimum(p_return * np.where(delivery_problem, 1.3, 1.0) * _RETURN_CALIBRATION, 0.6)
    p_cancel = _CANCEL_BY_CHANNEL[channel]
    u = rng.random(m)
    status = np.where(u < p_cancel, CANCELLED, np.where(u < p_cancel + p_return, RETURNED, COMPLETED))

    return OrderChunk(
        first=first,
        customer=cust,
        local=local,
        day=day,
        channel=channel,
        status=status,
        discount_cents=discount,
        amount_cents=amount,
        delivery_problem=delivery_problem,
        first_product=product[line_start],
        line_order=line_order,
        line_product=product,
        line_quantity=quantity,
        line_price_cents=price,
    )
