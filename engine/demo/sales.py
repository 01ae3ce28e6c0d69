"""The B2B pipeline: opportunities with business customers and their stage history.

A deal starts as a lead and moves through qualified, proposal and negotiation to closed (won or
lost); it may be lost at any stage. Each sales rep has their own win rate and pace, so win rates and
cycle lengths differ by owner. Deals still moving at the end of the window are open at their current stage.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from crmlens.engine.demo.columns import ints, labels, money, timestamps
from crmlens.engine.demo.geography import REGION_SPEND
from crmlens.engine.demo.names import SALES_TEAM
from crmlens.engine.demo.people import Customers
from crmlens.engine.demo.rng import categorical
from crmlens.engine.demo.timeline import DAY_US, END_US, N_DAYS, time_of_day_us

STAGES = ("lead", "qualified", "proposal", "negotiation", "closed")
OPPORTUNITY_STATUSES = ("open", "won", "lost")
OPEN, WON, LOST = range(3)
_STAGE_DAYS = np.array([6.0, 12.0, 16.0, 11.0])  # mean days spent in lead .. negotiation
_STAGE_HARDNESS = np.array([1.6, 1.2, 0.9, 0.6])  # share of the losses at each stage (relative)


def build_opportunities(
    rng: np.random.Generator, customers: Customers
) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    """The ``opportunities`` and ``opportunity_stages`` tables."""
    c = customers
    accounts = np.flatnonzero(c.business)
    per = categorical(rng, np.array([0.55, 0.33, 0.10, 0.02]), len(accounts))
    cust = np.repeat(accounts, per)
    n = len(cust)
    created_day = c.signup[cust] + (rng.random(n) * (N_DAYS - c.signup[cust])).astype(np.int64)
    created = created_day * DAY_US + time_of_day_us(rng, n, "office")

    china_reps = np.array([i for i, r in enumerate(SALES_TEAM) if r.china])
    intl_reps = np.array([i for i, r in enumerate(SALES_TEAM) if not r.china])
    owner = np.where(
        c.china[cust], china_reps[rng.integers(0, len(china_reps), n)], intl_reps[rng.integers(0, len(intl_reps), n)]
    )
    win_rate = np.array([r.win_rate for r in SALES_TEAM])[owner]
    pace = np.array([r.pace for r in SALES_TEAM])[owner]
    amount = np.exp(np.log(30_000.0) + 0.9 * rng.standard_normal(n)) * REGION_SPEND[c.region[cust]]
    amount_cents = (np.maximum(np.round(amount / 100.0), 5) * 100 * 100).astype(np.int64)  # whole hundreds
    size = np.clip(np.log(amount / 30_000.0), -1.0, 1.5)  # bigger deals move slower

    # Chance to pass each of the four stages so that passing all four happens with the owner's win rate.
    loss_share = _STAGE_HARDNESS / _STAGE_HARDNESS.sum()
    survive = np.exp(np.log(win_rate)[:, None] * loss_share[None, :])
    passes = rng.random((n, 4)) < survive
    days_in = rng.exponential(1.0, (n, 4)) * _STAGE_DAYS * pace[:, None] * np.exp(0.25 * size)[:, None]
    leave = created[:, None] + np.cumsum((days_in * DAY_US).astype(np.int64), axis=1)  # leaving each stage
    entered = np.concatenate([created[:, None], leave], axis=1)  # entering stage 0..4
    reached_by_end = entered <= END_US
    alive = np.concatenate([np.ones((n, 1), dtype=bool), np.cumprod(passes, axis=1).astype(bool)], axis=1)
    # The last stage entered before the end; losing ends the deal when leaving the stage it failed in.
    failed_at = np.where(passes.all(axis=1), 4, np.argmin(passes, axis=1))
    lost_at = leave[np.arange(n), np.minimum(failed_at, 3)]
    won = passes.all(axis=1) & (entered[:, 4] <= END_US)
    lost = ~passes.all(axis=1) & (lost_at <= END_US)
    status = np.select([won, lost], [WON, LOST], OPEN)
    closed_at = np.where(won, entered[:, 4], lost_at)
    in_history = alive & reached_by_end
    in_history[:, 4] = won | lost
    stage_time = entered.copy()
    stage_time[:, 4] = closed_at
    current = np.where(status == OPEN, in_history[:, :4].sum(axis=1) - 1, 4)

    opportunities = {
        "opportunity_id": ints(np.arange(n)),
        "customer_id": ints(cust),
        "owner": labels(owner, [r.name for r in SALES_TEAM]),
        "created_at": timestamps(created),
        "closed_at": timestamps(closed_at, missing=status == OPEN),
        "stage": labels(current, STAGES),
        "status": labels(status, OPPORTUNITY_STATUSES),
        "amount": money(amount_cents),
    }
    flat = in_history.ravel()
    stages = {
        "opportunity_id": ints(np.repeat(np.arange(n), len(STAGES))[flat]),
        "stage": labels(np.tile(np.arange(len(STAGES)), n)[flat], STAGES),
        "entered_at": timestamps(stage_time.ravel()[flat]),
    }
    return opportunities, stages
