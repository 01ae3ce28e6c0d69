"""Web and app behaviour: sessions that walk down the funnel
``visit -> view_product -> add_to_cart -> checkout -> purchase`` (with ``search`` and ``signup`` on the way).

How far a session gets depends on the device (the app converts best, mobile web worst: its checkout
loses many carts) and on the traffic source (e-mail and direct visitors convert, social traffic
bounces), and logged-in customers go further than anonymous visitors. Customers visit more the more
they buy; their first session is the one in which they signed up. Events of a session are in time order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crmlens.engine.demo.catalog import CATEGORY_SHARE, Catalog
from crmlens.engine.demo.columns import ints, labels, timestamps
from crmlens.engine.demo.people import ACQUISITION_CHANNELS, DEVICES, Customers
from crmlens.engine.demo.rng import categorical, categorical_rows
from crmlens.engine.demo.timeline import DAY_US, END_US, N_DAYS, sample_days_by_market, time_of_day_us

EVENT_TYPES = ("visit", "signup", "search", "view_product", "add_to_cart", "checkout", "purchase")
VISIT, SIGNUP, SEARCH, VIEW, CART, CHECKOUT, PURCHASE = range(7)
TRAFFIC_SOURCES = ("organic", "paid_search", "social", "email", "direct", "referral")
#: The event slots of a session, in order; a session uses a prefix of the funnel plus optional extras.
SLOTS = np.array([VISIT, SIGNUP, SEARCH, VIEW, VIEW, CART, CHECKOUT, PURCHASE])
_GAP_SECONDS = np.array([0.0, 40.0, 15.0, 45.0, 60.0, 30.0, 90.0, 60.0])

#: Chance of reaching view, cart, checkout and purchase from the step before.
_BASE_STEP = np.array([0.58, 0.30, 0.50, 0.68])
_DEVICE_STEP = np.array(
    [
        [1.05, 1.00, 1.10, 1.10],  # desktop
        [0.95, 0.80, 0.70, 0.80],  # mobile
        [1.00, 0.90, 0.90, 1.00],  # tablet
        [1.15, 1.30, 1.20, 1.15],  # app
    ]
)
_SOURCE_STEP = np.array(
    [
        [1.00, 1.00, 1.00, 1.00],  # organic
        [0.95, 0.90, 0.95, 0.95],  # paid_search
        [0.78, 0.70, 0.85, 0.90],  # social
        [1.10, 1.25, 1.10, 1.05],  # email
        [1.05, 1.15, 1.10, 1.05],  # direct
        [1.05, 1.10, 1.05, 1.00],  # referral
    ]
)
_KNOWN_STEP = np.array([[0.95, 0.80, 0.80, 0.90], [1.05, 1.15, 1.10, 1.05]])  # anonymous, logged in
_SOURCE_MIX = np.array(
    [
        [0.32, 0.25, 0.22, 0.02, 0.12, 0.07],  # anonymous visitors
        [0.25, 0.15, 0.13, 0.17, 0.22, 0.08],  # customers
    ]
)
_DEVICE_MIX = np.array([[0.42, 0.33, 0.10, 0.15], [0.22, 0.38, 0.06, 0.34]])  # international, China
#: Anonymous sessions per session of a known customer.
ANONYMOUS_SHARE = 0.35


@dataclass
class EventChunk:
    sessions: int
    session: np.ndarray  # local session index of each event
    customer: np.ndarray  # -1 for anonymous
    time_us: np.ndarray
    event_type: np.ndarray
    source: np.ndarray
    device: np.ndarray
    product: np.ndarray  # -1 when no product

    @property
    def count(self) -> int:
        return len(self.session)

    def columns(self, first_event: int, first_session: int, catalog: Catalog) -> dict[str, pa.Array]:
        anonymous = self.customer < 0
        return {
            "event_id": ints(first_event + np.arange(self.count)),
            "session_id": ints(first_session + self.session),
            "customer_id": ints(np.maximum(self.customer, 0), missing=anonymous),
            "event_time": timestamps(self.time_us),
            "event_type": labels(self.event_type, EVENT_TYPES),
            "source": labels(self.source, TRAFFIC_SOURCES),
            "device": labels(self.device, DEVICES),
            "product_id": labels(np.maximum(self.product, 0), catalog.product_id, missing=self.product < 0),
        }


def build_events(rng: np.random.Generator, customers: Customers, lo: int, hi: int, catalog: Catalog) -> EventChunk:
    c = customers
    k = hi - lo
    # Sessions of known customers: the sign-up session, then more the more they buy.
    per = 1 + rng.poisson(0.3 + 0.3 * c.orders[lo:hi])
    known = int(per.sum())
    local = np.repeat(np.arange(k), per)
    cust = lo + local
    nth = np.arange(known) - np.repeat(np.cumsum(per) - per, per)
    horizon = np.where(c.prospect[cust], c.signup[cust] + 120, c.last[cust] + 90)
    day = sample_days_by_market(rng, c.china[cust], c.signup[cust], np.minimum(horizon, N_DAYS - 1))
    day = np.where(nth == 0, c.signup[cust], day)
    signs_up = (nth == 0) & (c.acquisition[cust] != ACQUISITION_CHANNELS.index("offline_event"))
    device = np.where(
        rng.random(known) < 0.7, c.device[cust], categorical_rows(rng, _DEVICE_MIX, c.china[cust].astype(np.int64))
    )
    source = categorical(rng, _SOURCE_MIX[1], known)
    category = np.where(rng.random(known) < 0.5, c.category[cust], categorical(rng, CATEGORY_SHARE, known))

    # Anonymous sessions, four in five of them from China.
    anon = round(ANONYMOUS_SHARE * known)
    a_china = rng.random(anon) < 0.8
    a_day = sample_days_by_market(rng, a_china, np.zeros(anon, np.int64), np.full(anon, N_DAYS - 1))
    a_device = categorical_rows(rng, _DEVICE_MIX, a_china.astype(np.int64))
    a_source = categorical(rng, _SOURCE_MIX[0], anon)
    a_category = categorical(rng, CATEGORY_SHARE, anon)

    s_customer = np.concatenate([cust, np.full(anon, -1)])
    s_day = np.concatenate([day, a_day])
    s_device = np.concatenate([device, a_device])
    s_source = np.concatenate([source, a_source])
    s_category = np.concatenate([category, a_category])
    s_signup = np.concatenate([signs_up, np.zeros(anon, dtype=bool)])
    n = known + anon
    start = s_day * DAY_US + time_of_day_us(rng, n)
    start = np.minimum(start, END_US - 4 * 3600 * 1_000_000)
    order = np.argsort(start, kind="stable")
    s_customer, start, s_device, s_source = s_customer[order], start[order], s_device[order], s_source[order]
    s_category, s_signup = s_category[order], s_signup[order]

    # Walk each session down the funnel.
    logged_in = (s_customer >= 0).astype(np.int64)
    p = _BASE_STEP * _DEVICE_STEP[s_device] * _SOURCE_STEP[s_source] * _KNOWN_STEP[logged_in]
    passed = rng.random((n, 4)) < np.minimum(p, 0.97)
    reached = np.cumprod(passed, axis=1).astype(bool)  # view, cart, checkout, purchase
    present = np.zeros((n, len(SLOTS)), dtype=bool)
    present[:, 0] = True
    present[:, 1] = s_signup
    present[:, 2] = rng.random(n) < np.where(s_device == DEVICES.index("app"), 0.45, 0.35)
    present[:, 3] = reached[:, 0]
    present[:, 4] = reached[:, 0] & (rng.random(n) < 0.45)
    present[:, 5:] = reached[:, 1:]
    gaps = np.minimum(rng.exponential(1.0, (n, len(SLOTS))) * _GAP_SECONDS + 1.0, 1800.0)
    gaps[:, 0] = 0.0
    offsets = np.cumsum(np.where(present, (gaps * 1_000_000).astype(np.int64), 0), axis=1)
    viewed = catalog.pick(rng, s_category)
    second = catalog.pick(rng, s_category)
    products = np.full((n, len(SLOTS)), -1, dtype=np.int64)
    products[:, 3] = viewed
    products[:, 4] = second
    products[:, 5] = viewed

    flat = present.ravel()
    session = np.repeat(np.arange(n), len(SLOTS))[flat]
    return EventChunk(
        sessions=n,
        session=session,
        customer=s_customer[session],
        time_us=(start[:, None] + offsets).ravel()[flat],
        event_type=np.tile(SLOTS, n)[flat],
        source=s_source[session],
        device=s_device[session],
        product=products.ravel()[flat],
    )
