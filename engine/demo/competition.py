"""Competitors' prices for our products, observed once a month.

About half of our products are watched; each at two to four competitors. Novaline sells dearer,
Brightway cheaper; each competitor prices each product a little differently, follows our yearly price
rises, and cuts prices around 618 and Double 11.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from crmlens.engine.demo.catalog import COMPETITORS, Catalog, price_factor_by_year
from crmlens.engine.demo.columns import dates, labels, money
from crmlens.engine.demo.rng import Stream, stream
from crmlens.engine.demo.timeline import DEMO_START, YEARS, day_of

WATCHED_SHARE = 0.5


def build_competitor_prices(seed: int, catalog: Catalog) -> dict[str, pa.Array]:
    rng = stream(seed, Stream.COMPETITOR_PRICES)
    k = len(COMPETITORS)
    watched = np.flatnonzero(rng.random(catalog.size) < WATCHED_SHARE)
    # Which competitors sell each watched product (at least two), and at what level against us.
    sells = rng.random((len(watched), k)) < 0.7
    sells[np.arange(len(watched)), rng.integers(0, k, len(watched))] = True
    sells[np.arange(len(watched)), rng.integers(0, k, len(watched))] = True
    level = np.array([c[1] for c in COMPETITORS])[None, :] * rng.normal(1.0, 0.06, (len(watched), k))

    months = [(y, m) for y in YEARS for m in range(1, 13)]
    month_start = np.array([day_of(DEMO_START.replace(year=y, month=m)) for y, m in months])
    month_no = np.array([m for _, m in months])
    month_year = np.array([y for y, _ in months])
    pairs = np.argwhere(sells)  # (watched row, competitor)
    n = len(pairs) * len(months)
    row = np.repeat(pairs[:, 0], len(months))
    comp = np.repeat(pairs[:, 1], len(months))
    month = np.tile(np.arange(len(months)), len(pairs))
    product = watched[row]
    ours = catalog.price_cents[product] * price_factor_by_year(month_year[month])
    promo = np.isin(month_no[month], (6, 11)) & (rng.random(n) < 0.6)
    price = ours * level[row, comp] * rng.normal(1.0, 0.02, n) * np.where(promo, 0.88, 1.0)
    price_cents = np.maximum(np.round(price / 100.0) * 100 - 1, 99).astype(np.int64)  # e.g. 288.99
    observed = month_start[month] + rng.integers(0, 28, n)
    return {
        "product_id": labels(product, catalog.product_id),
        "competitor": labels(comp, [c[0] for c in COMPETITORS]),
        "price": money(price_cents),
        "observed_at": dates(observed),
    }
