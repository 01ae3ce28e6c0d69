"""Public product reviews: of our products by our buyers, and of competitors' brands.

Our reviews follow a purchase: the rating reflects the product's quality, the buyer's satisfaction, a
return or a late parcel; the platform follows the order channel (Tmall, JD, Weibo and Chinese text in
China; Amazon and English elsewhere). Some mention a competitor ("better than Brightway"). Competitor
reviews have no customer or product of ours; each competitor is praised and criticised for its own
themes (Brightway is cheap but breaks, Novaline is good but dear, ...).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmlens.engine.demo import text
from crmlens.engine.demo.catalog import COMPETITORS, OUR_BRAND, Catalog
from crmlens.engine.demo.columns import ints, labels, timestamps
from crmlens.engine.demo.feedback import item_names, pick_theme
from crmlens.engine.demo.geography import APP, JD, STORE, TMALL, WEB, WECHAT
from crmlens.engine.demo.orders import CANCELLED, RETURNED, OrderChunk
from crmlens.engine.demo.people import Customers
from crmlens.engine.demo.rng import categorical
from crmlens.engine.demo.timeline import DAY_US, END_US, N_DAYS, sample_days_by_market, time_of_day_us

REVIEW_SOURCES = ("tmall", "jd", "amazon", "app_store", "website", "weibo")
S_TMALL, S_JD, S_AMAZON, S_APP_STORE, S_WEBSITE, S_WEIBO = range(6)
#: Competitor reviews per customer (ours come to about a quarter of a review per customer).
COMPETITOR_REVIEWS_PER_CUSTOMER = 0.1
_COMPETITOR_WEIGHT = np.array([0.3, 0.3, 0.2, 0.2])
#: Whom our reviewers compare us with: Novaline when they praise or blame quality, Brightway on price.
_COMPARED_WITH = np.array([0.35, 0.35, 0.15, 0.15])


def _review_text(
    rng: np.random.Generator,
    language: np.ndarray,
    sentiment: np.ndarray,
    theme: np.ndarray,
    item: pa.Array,
    competitor: pa.Array,
    compare: np.ndarray,
) -> pa.Array:
    group = text.REVIEW_OPENING_POOL.group(language, sentiment)
    return text.compose(
        [
            (text.REVIEW_OPENING_POOL, text.REVIEW_OPENING_POOL.pick(rng, group), None),
            (text.THEME_POOL, text.THEME_POOL.pick(rng, text.THEME_POOL.group(language, sentiment, theme)), None),
            (text.REVIEW_COMPARISON_POOL, text.REVIEW_COMPARISON_POOL.pick(rng, group), compare),
            (text.REVIEW_CLOSING_POOL, text.REVIEW_CLOSING_POOL.pick(rng, group), None),
        ],
        {"item": item, "competitor": competitor},
    )


def build_reviews(
    rng: np.random.Generator, customers: Customers, o: OrderChunk, catalog: Catalog
) -> dict[str, pa.Array]:
    """Reviews of our products by the buyers of a chunk of orders (``review_id`` is added by the caller)."""
    c = customers
    status = o.status[o.line_order]
    p = np.where(status == CANCELLED, 0.0, np.where(status == RETURNED, 0.03, 0.01))
    lines = np.flatnonzero(rng.random(len(o.line_order)) < p)
    order = o.line_order[lines]
    n = len(lines)
    posted = (o.day[order] + 2 + rng.exponential(6.0, n).astype(np.int64)) * DAY_US + time_of_day_us(rng, n)
    keep = posted <= END_US
    lines, order, posted = lines[keep], order[keep], posted[keep]
    n = len(lines)
    cust = o.customer[order]
    product = o.line_product[lines]
    ret, late = o.status[order] == RETURNED, o.delivery_problem[order]
    raw = (
        4.0 + 0.45 * c.z[cust] + 0.5 * catalog.quality[product] - 2.0 * ret - 1.3 * late + 0.9 * rng.standard_normal(n)
    )
    rating = np.clip(np.round(raw), 1, 5).astype(np.int64)

    china = c.china[cust]
    channel = o.channel[order]
    u = rng.random(n)
    source = np.select(
        [
            channel == TMALL,
            channel == JD,
            channel == WECHAT,
            channel == APP,
            (channel == WEB) & ~china,
            (channel == STORE) & china,
        ],
        [
            S_TMALL,
            S_JD,
            np.where(u < 0.6, S_WEIBO, S_WEBSITE),
            S_APP_STORE,
            np.where(u < 0.5, S_AMAZON, S_WEBSITE),
            np.where(u < 0.5, S_WEIBO, S_WEBSITE),
        ],
        np.where(china, S_WEBSITE, np.where(u < 0.6, S_AMAZON, S_WEBSITE)),
    )
    language = china.astype(np.int64)  # Chinese buyers write Chinese, everyone else English
    sentiment = text.sentiment_of_rating(rating)
    theme = pick_theme(rng, sentiment, late, ret, np.zeros(n, dtype=bool))
    compare = rng.random(n) < 0.1
    competitor = categorical(rng, _COMPARED_WITH, n)
    body = _review_text(
        rng,
        language,
        sentiment,
        theme,
        item_names(catalog, product, language),
        labels(competitor, [k[0] for k in COMPETITORS]).cast(pa.string()),
        compare,
    )
    order_by = np.argsort(posted, kind="stable")
    take = pa.array(order_by)
    brands = sorted(set(catalog.brand))
    brand_code = np.searchsorted(np.array(brands), np.array(catalog.brand))[product]
    return {
        "customer_id": ints(cust[order_by]),
        "product_id": labels(product[order_by], catalog.product_id),
        "brand": labels(brand_code[order_by], brands),
        "source": labels(source[order_by], REVIEW_SOURCES),
        "posted_at": timestamps(posted[order_by]),
        "rating": pa.array(rating[order_by].astype(np.int32)),
        "text": pc.take(body, take),
        "language": labels(language[order_by], text.LANGUAGES),
    }


def build_competitor_reviews(rng: np.random.Generator, count: int, catalog: Catalog) -> dict[str, pa.Array]:
    """Reviews of competitors' products found on the same platforms."""
    n = count
    brand = categorical(rng, _COMPETITOR_WEIGHT, n)
    typical = np.array([k[2] for k in COMPETITORS])
    praised = np.array([text.THEMES.index(k[3]) for k in COMPETITORS])
    blamed = np.array([text.THEMES.index(k[4]) for k in COMPETITORS])
    rating = np.clip(np.round(typical[brand] + 1.0 * rng.standard_normal(n)), 1, 5).astype(np.int64)
    sentiment = text.sentiment_of_rating(rating)
    theme = rng.integers(0, len(text.THEMES), n)
    strong = rng.random(n) < 0.6
    theme = np.where(strong & (sentiment == text.POSITIVE), praised[brand], theme)
    theme = np.where(strong & (sentiment != text.POSITIVE), blamed[brand], theme)
    language = (rng.random(n) < 0.65).astype(np.int64)
    china = language == text.ZH
    source = np.where(
        china,
        np.array([S_TMALL, S_JD, S_WEIBO, S_APP_STORE])[categorical(rng, np.array([0.4, 0.3, 0.2, 0.1]), n)],
        np.array([S_AMAZON, S_WEBSITE, S_APP_STORE])[categorical(rng, np.array([0.6, 0.25, 0.15]), n)],
    )
    day = sample_days_by_market(rng, china, np.zeros(n, np.int64), np.full(n, N_DAYS - 1))
    posted = day * DAY_US + time_of_day_us(rng, n)
    product = rng.integers(0, catalog.size, n)  # the kind of item reviewed (not our product)
    compare = rng.random(n) < 0.06
    body = _review_text(
        rng,
        language,
        sentiment,
        theme,
        item_names(catalog, product, language),
        pc.cast(labels(np.zeros(n, np.int64), [OUR_BRAND]), pa.string()),
        compare,
    )
    order_by = np.argsort(posted, kind="stable")
    return {
        "customer_id": pa.nulls(n, pa.int64()),
        "product_id": pa.nulls(n, pa.string()),
        "brand": labels(brand[order_by], [k[0] for k in COMPETITORS]),
        "source": labels(source[order_by], REVIEW_SOURCES),
        "posted_at": timestamps(posted[order_by]),
        "rating": pa.array(rating[order_by].astype(np.int32)),
        "text": pc.take(body, pa.array(order_by)),
        "language": labels(language[order_by], text.LANGUAGES),
    }
