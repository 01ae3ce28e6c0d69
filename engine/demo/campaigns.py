"""Marketing campaigns around the shopping calendar, and who responded to them.

About sixteen campaigns a year (Chinese New Year, 618, Double 11 and WeChat pushes for Chinese
customers; Black Friday and Christmas e-mails for international ones; win-back e-mails for lapsed
customers). Each is an A/B test, some with a control group that receives nothing; in many one variant
is genuinely better. ``sent -> opened -> clicked -> converted`` timestamps are in order, and a
conversion points to the customer's real order in the campaign window when there is one. Spend is
a set-up cost plus what the contacts cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from crmlens.engine.demo.columns import dates, ints, labels, money, timestamps
from crmlens.engine.demo.orders import OrderChunk
from crmlens.engine.demo.people import Customers
from crmlens.engine.demo.rng import Stream, categorical, stream
from crmlens.engine.demo.timeline import (
    CHINESE_NEW_YEAR,
    DAY_US,
    END_US,
    N_DAYS,
    YEARS,
    black_friday,
    day_of,
    time_of_day_us,
)

CAMPAIGN_CHANNELS = ("email", "sms", "social", "search", "display", "wechat")
VARIANTS = ("A", "B", "control")
A, B, CONTROL = range(3)
_OPEN = np.array([0.28, 0.40, 0.15, 0.12, 0.08, 0.50])  # by channel
_CLICK = np.array([0.25, 0.15, 0.35, 0.45, 0.30, 0.22])  # given opened
_TARGET = np.array([0.20, 0.12, 0.08, 0.06, 0.06, 0.15])  # share of eligible customers contacted
_COST_PER_CONTACT = np.array([0.08, 0.35, 1.8, 3.5, 2.2, 0.25])
_SETUP_COST = np.array([300.0, 500.0, 2000.0, 1500.0, 2500.0, 800.0])  # creative and set-up, per campaign
# Media bought beyond the customers contacted (ads reach prospects too), per customer of the whole base:
# email/sms cost next to nothing, paid search/social/display are where the budget goes. With these the
# demo spends a few percent of revenue on marketing, so CAC and ROI come out in a believable range.
_MEDIA_PER_CUSTOMER = np.array([0.0, 0.0, 14.0, 18.0, 10.0, 6.0])
_CONVERT = 0.6  # chance a click turns into the customer's next order in the window
_ATTRIBUTION_DAYS = 7
_NEVER = 10 * N_DAYS


@dataclass(frozen=True)
class Campaign:
    name: str
    channel: int
    start: int  # day
    end: int  # day
    market: str  # "china", "international" or "all"
    win_back: bool  # targets lapsed customers
    control: bool  # holds out a control group
    winner: int  # A, B or -1 when both variants perform alike
    lift: float  # how much better the winner clicks and converts


def _templates(y: int) -> list[tuple[str, str, date, date, str, bool]]:
    cny, bf = CHINESE_NEW_YEAR[y], black_friday(y)
    return [
        (
            f"Chinese New Year Gift Guide {y}",
            "wechat",
            cny - timedelta(days=25),
            cny - timedelta(days=6),
            "china",
            False,
        ),
        (f"Spring New Arrivals {y}", "email", date(y, 3, 1), date(y, 3, 15), "all", False),
        (f"Member Day {y}", "sms", date(y, 4, 18), date(y, 4, 22), "china", False),
        (f"We Miss You {y}", "email", date(y, 5, 5), date(y, 5, 25), "all", True),
        (f"520 Gifts for Two {y}", "social", date(y, 5, 13), date(y, 5, 20), "china", False),
        (f"618 Mid-Year Sale {y}", "wechat", date(y, 6, 1), date(y, 6, 18), "china", False),
        (f"618 Search Boost {y}", "search", date(y, 6, 1), date(y, 6, 20), "china", False),
        (f"Summer Outdoor {y}", "social", date(y, 7, 1), date(y, 7, 20), "all", False),
        (f"Back to School {y}", "email", date(y, 8, 20), date(y, 9, 5), "all", False),
        (f"Come Back Offer {y}", "email", date(y, 9, 10), date(y, 9, 30), "all", True),
        (f"Golden Week Getaway {y}", "display", date(y, 9, 22), date(y, 10, 7), "china", False),
        (f"Double 11 Warm-up {y}", "wechat", date(y, 10, 24), date(y, 11, 11), "china", False),
        (f"Double 11 Flash Sale SMS {y}", "sms", date(y, 11, 9), date(y, 11, 11), "china", False),
        (
            f"Black Friday Early Access {y}",
            "email",
            bf - timedelta(days=7),
            bf + timedelta(days=3),
            "international",
            False,
        ),
        (f"Double 12 Year-End Deals {y}", "sms", date(y, 12, 6), date(y, 12, 12), "china", False),
        (f"Christmas Gift Guide {y}", "email", date(y, 12, 5), date(y, 12, 24), "international", False),
    ]


def build_campaigns(seed: int) -> list[Campaign]:
    rng = stream(seed, Stream.CAMPAIGNS)
    out = []
    for y in YEARS:
        for name, channel, start, end, market, win_back in _templates(y):
            winner = int(categorical(rng, np.array([0.35, 0.25, 0.40]), 1)[0]) - 1  # none, A, B
            out.append(
                Campaign(
                    name=name,
                    channel=CAMPAIGN_CHANNELS.index(channel),
                    start=max(day_of(start), 0),
                    end=min(day_of(end), N_DAYS - 1),
                    market=market,
                    win_back=win_back,
                    control=bool(rng.random() < 0.35),
                    winner=winner,
                    lift=float(rng.uniform(1.3, 1.8)),
                )
            )
    return out


def campaign_columns(campaigns: list[Campaign], contacts: np.ndarray, seed: int, customers: int) -> dict[str, pa.Array]:
    """The ``campaigns`` table; ``contacts`` is how many customers each campaign reached, ``customers``
    the size of the whole customer base (media spend scales with it)."""
    rng = stream(seed, Stream.CAMPAIGNS, 1)
    channel = np.array([c.channel for c in campaigns])
    cost = _SETUP_COST[channel] + contacts * _COST_PER_CONTACT[channel] + customers * _MEDIA_PER_CUSTOMER[channel]
    spend = np.round(cost * rng.uniform(0.9, 1.25, len(campaigns)) * 100)
    return {
        "campaign_id": ints(np.arange(len(campaigns))),
        "name": pa.array([c.name for c in campaigns], type=pa.string()),
        "channel": labels(channel, CAMPAIGN_CHANNELS),
        "start_date": dates(np.array([c.start for c in campaigns])),
        "end_date": dates(np.array([c.end for c in campaigns])),
        "spend": money(spend.astype(np.int64)),
    }


def _next_order(o: OrderChunk, local: np.ndarray, since: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """Index (within the chunk) and day of each customer's first order on or after day ``since``;
    the day is ``_NEVER`` (and the index meaningless) when there is none."""
    if o.count == 0:
        return np.zeros(len(local), dtype=np.int64), np.full(len(local), _NEVER)
    at = np.searchsorted(o.local * N_DAYS + o.day, local * N_DAYS + since, side="left")
    safe = np.minimum(at, o.count - 1)
    found = (at < o.count) & (o.local[safe] == local)
    return safe, np.where(found, o.day[safe], _NEVER)


def _eligible(c: Customers, lo: int, hi: int, o: OrderChunk, campaign: Campaign) -> np.ndarray:
    idx = np.arange(lo, hi)
    ok = c.signup[idx] <= campaign.start
    if campaign.market != "all":
        ok &= c.china[idx] == (campaign.market == "china")
    prospect, last = c.prospect[idx], c.last[idx]
    if campaign.win_back:
        # Buyers with no order in the last 90 days, but not gone for more than a year and a half.
        _, next_day = _next_order(o, idx - lo, campaign.start - 90)
        quiet = next_day >= campaign.start
        ok &= ~prospect & (c.first[idx] < campaign.start - 90) & (last >= campaign.start - 540) & quiet
    else:
        ok &= np.where(prospect, c.signup[idx] >= campaign.start - 365, last + 120 >= campaign.start)
    return np.flatnonzero(ok)


def build_responses(
    rng: np.random.Generator, customers: Customers, lo: int, hi: int, o: OrderChunk, campaigns: list[Campaign]
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Responses of customers ``lo .. hi-1``, and the number contacted per campaign."""
    c = customers
    fields = "campaign customer variant sent opened clicked converted order no_open no_click no_convert no_order"
    parts: dict[str, list[np.ndarray]] = {k: [] for k in fields.split()}
    contacted = np.zeros(len(campaigns), dtype=np.int64)
    for ci, camp in enumerate(campaigns):
        pool = _eligible(c, lo, hi, o, camp)
        rate = 0.35 if camp.win_back else _TARGET[camp.channel]
        local = pool[rng.random(len(pool)) < rate]
        n = len(local)
        if n == 0:
            continue
        cust = lo + local
        u = rng.random(n)
        variant = np.where(camp.control & (u < 0.1), CONTROL, np.where(u < 0.55, A, B))
        treated = variant != CONTROL
        contacted[ci] = int(treated.sum())
        better = (variant == camp.winner).astype(np.float64) * (camp.lift - 1.0) + 1.0
        engaged = np.exp(0.3 * c.z[cust]) * np.where(c.orders[cust] > 3, 1.3, 0.9)
        sent = camp.start * DAY_US + (9 * 3600 + rng.integers(0, 9 * 3600, n)) * 1_000_000
        opened = treated & (rng.random(n) < np.minimum(_OPEN[camp.channel] * engaged, 0.9))
        clicked = opened & (rng.random(n) < np.minimum(_CLICK[camp.channel] * better, 0.9))
        open_at = np.minimum(sent + (rng.exponential(5 * 3600, n) * 1e6).astype(np.int64) + 1_000_000, END_US)
        click_at = np.minimum(open_at + ((10 + rng.exponential(180, n)) * 1e6).astype(np.int64), END_US)

        # The customer's next order from the click (or the send, for the control group) to a week after the end.
        since = np.where(clicked, click_at // DAY_US, camp.start)
        safe, order_day = _next_order(o, local, since)
        has_order = order_day <= camp.end + _ATTRIBUTION_DAYS
        p_treated = _OPEN[camp.channel] * _CLICK[camp.channel] * _CONVERT
        converted = np.where(
            treated,
            clicked & has_order & (rng.random(n) < np.minimum(_CONVERT * better, 0.95)),
            has_order & (rng.random(n) < 0.5 * p_treated),
        )
        lost = clicked & ~has_order & (rng.random(n) < 0.03)  # converted somewhere we cannot see
        same_day = order_day * DAY_US <= click_at
        order_at = np.where(
            same_day,
            np.minimum(
                click_at + ((60 + rng.exponential(1200, n)) * 1e6).astype(np.int64),
                (order_day + 1) * DAY_US - 1_000_000,
            ),
            order_day * DAY_US + time_of_day_us(rng, n),
        )
        convert_at = np.where(lost, click_at + ((60 + rng.exponential(1800, n)) * 1e6).astype(np.int64), order_at)
        parts["campaign"].append(np.full(n, ci))
        parts["customer"].append(cust)
        parts["variant"].append(variant)
        parts["sent"].append(sent)
        parts["opened"].append(open_at)
        parts["clicked"].append(click_at)
        parts["converted"].append(np.minimum(convert_at, END_US))
        parts["order"].append(o.first + safe)
        parts["no_open"].append(~opened)
        parts["no_click"].append(~clicked)
        parts["no_convert"].append(~(converted | lost))
        parts["no_order"].append(~converted)
    if not parts["campaign"]:
        return {}, contacted
    col = {k: np.concatenate(v) for k, v in parts.items()}
    return {
        "campaign_id": ints(col["campaign"]),
        "customer_id": ints(col["customer"]),
        "variant": labels(col["variant"], VARIANTS),
        "sent_at": timestamps(col["sent"]),
        "opened_at": timestamps(col["opened"], missing=col["no_open"]),
        "clicked_at": timestamps(col["clicked"], missing=col["no_click"]),
        "converted_at": timestamps(col["converted"], missing=col["no_convert"]),
        "order_id": ints(col["order"], missing=col["no_order"]),
    }, contacted
