"""Survey answers (NPS and CSAT with comments) sent after some orders.

Scores follow the customer's latent satisfaction and what happened to the order: returns, tickets and
late parcels pull them down; the store and the app score higher than the phone line; East China is
happier than West China; service improves year by year except in the quarter of the courier crisis.
Comments match the score (promoters praise, detractors complain) and name the theme behind it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmlens.engine.demo import text
from crmlens.engine.demo.catalog import Catalog
from crmlens.engine.demo.columns import ints, labels, timestamps
from crmlens.engine.demo.geography import APP, REGION_NPS, STORE
from crmlens.engine.demo.orders import CANCELLED, RETURNED, OrderChunk
from crmlens.engine.demo.people import Customers
from crmlens.engine.demo.rng import categorical, categorical_rows
from crmlens.engine.demo.service import TicketChunk
from crmlens.engine.demo.timeline import DAY_US, END_US, time_of_day_us, year_of_day

SURVEY_CHANNELS = ("email", "app", "web", "phone", "store")
_CHANNEL_MIX = np.array([0.35, 0.25, 0.15, 0.10, 0.15])
_CHANNEL_NPS = np.array([-0.1, 0.3, 0.0, -0.6, 0.5])
#: Theme mixes (delivery, price, quality, service) by sentiment when nothing in particular went wrong.
_THEME_MIX = np.array([[0.25, 0.20, 0.35, 0.20], [0.25, 0.35, 0.25, 0.15], [0.30, 0.30, 0.25, 0.15]])
_COMMENT_RATE = np.array([0.55, 0.60, 0.85])


def pick_theme(
    rng: np.random.Generator,
    sentiment: np.ndarray,
    delivery_problem: np.ndarray,
    returned: np.ndarray,
    ticket: np.ndarray,
) -> np.ndarray:
    """The theme a text talks about: what went wrong, if anything did, else the usual mix."""
    theme = categorical_rows(rng, _THEME_MIX, sentiment)
    u = rng.random(len(sentiment))
    unhappy = sentiment != text.POSITIVE
    theme = np.where(unhappy & ticket & (u < 0.5), text.SERVICE, theme)
    theme = np.where(unhappy & returned & (u < 0.6), text.QUALITY, theme)
    theme = np.where(unhappy & delivery_problem & (u < 0.85), text.DELIVERY, theme)
    return theme


def item_names(catalog: Catalog, product: np.ndarray, language: np.ndarray) -> pa.Array:
    """The product's item name in the text's language (for ``{item}``)."""
    en = pc.take(pa.array(catalog.item), pa.array(product))
    zh = pc.take(pa.array(catalog.name_zh), pa.array(product))
    return pc.if_else(pa.array(language == text.ZH), zh, en)


def build_feedback(
    rng: np.random.Generator,
    customers: Customers,
    lo: int,
    hi: int,
    o: OrderChunk,
    tickets: TicketChunk,
    catalog: Catalog,
) -> dict[str, pa.Array]:
    c = customers
    returned = o.status == RETURNED
    p = np.where(o.status == CANCELLED, 0.015, 0.04) + 0.04 * returned + 0.06 * tickets.order_has_ticket
    sel = np.flatnonzero(rng.random(o.count) < p)
    n = len(sel)
    submitted = (o.day[sel] + 1 + rng.exponential(3.0, n).astype(np.int64)) * DAY_US + time_of_day_us(rng, n)
    keep = submitted <= END_US
    sel, submitted = sel[keep], submitted[keep]
    n = len(sel)
    cust = o.customer[sel]
    order_channel = o.channel[sel]
    channel = categorical(rng, _CHANNEL_MIX, n)
    channel = np.where((order_channel == STORE) & (rng.random(n) < 0.6), 4, channel)
    channel = np.where((order_channel == APP) & (rng.random(n) < 0.5), 1, channel)

    ret, late, ticket = returned[sel], o.delivery_problem[sel], tickets.order_has_ticket[sel]
    year = year_of_day(o.day[sel])
    had_tickets = np.bincount(tickets.customer - lo, minlength=hi - lo)[cust - lo] > 0
    lemon = catalog.quality[o.first_product[sel]] < -1.5
    raw = (
        7.3
        + 1.5 * c.z[cust]
        + REGION_NPS[c.region[cust]]
        + _CHANNEL_NPS[channel]
        + 0.3 * (year - 2023)
        - 2.5 * ret
        - 1.5 * ticket
        - 2.2 * late
        - 0.8 * lemon
        + 1.3 * rng.standard_normal(n)
    )
    nps = np.clip(np.round(raw), 0, 10).astype(np.int64)
    csat_raw = 1.3 + 0.35 * nps + 0.55 * rng.standard_normal(n) - 0.6 * ticket - 0.3 * had_tickets
    csat = np.clip(np.round(csat_raw), 1, 5).astype(np.int64)

    sentiment = text.sentiment_of_nps(nps)
    theme = pick_theme(rng, sentiment, late, ret, ticket)
    language = np.where(c.china[cust], rng.random(n) < 0.95, rng.random(n) < 0.02).astype(np.int64)
    has_comment = rng.random(n) < _COMMENT_RATE[sentiment]
    group = text.FEEDBACK_OPENING_POOL.group(language, sentiment)
    comment = text.compose(
        [
            (text.FEEDBACK_OPENING_POOL, text.FEEDBACK_OPENING_POOL.pick(rng, group), None),
            (text.THEME_POOL, text.THEME_POOL.pick(rng, text.THEME_POOL.group(language, sentiment, theme)), None),
            (text.FEEDBACK_DETAIL_POOL, text.FEEDBACK_DETAIL_POOL.pick(rng, group), None),
            (text.FEEDBACK_CLOSING_POOL, text.FEEDBACK_CLOSING_POOL.pick(rng, group), None),
        ],
        {"item": item_names(catalog, o.first_product[sel], language)},
    )
    comment = pc.if_else(pa.array(has_comment), comment, pa.scalar(None, pa.string()))
    order = np.argsort(submitted, kind="stable")
    return {
        "customer_id": ints(cust[order]),
        "submitted_at": timestamps(submitted[order]),
        "channel": labels(channel[order], SURVEY_CHANNELS),
        "nps_score": pa.array(nps[order].astype(np.int32)),
        "csat_score": pa.array(csat[order].astype(np.int32)),
        "comment": pc.take(comment, pa.array(order)),
    }
