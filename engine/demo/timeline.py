"""The demo's three years: day numbering, the shopping calendar (trend, weekdays, holidays) and
sampling dates from it.

Days are counted from :data:`DEMO_START` (day 0) to :data:`DEMO_END` (day ``N_DAYS - 1``); times are
microseconds from the start of day 0. Chinese and international customers shop to different calendars:
Double 11, 618 and Chinese New Year in China; Black Friday, Cyber Monday and Christmas elsewhere.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np

DEMO_START = date(2023, 1, 1)
DEMO_END = date(2025, 12, 31)
N_DAYS = (DEMO_END - DEMO_START).days + 1
DAY_US = 86_400 * 1_000_000
#: Last representable instant of the window, in microseconds from the start.
END_US = N_DAYS * DAY_US - 1_000_000
#: Day 0 counted from 1970-01-01 (Arrow's date32 and timestamp epoch).
EPOCH_DAY = (DEMO_START - date(1970, 1, 1)).days
YEARS = (2023, 2024, 2025)

CHINESE_NEW_YEAR = {2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29)}
#: Quarter in which a courier partner failed in China: late parcels, a dip in NPS, delivery tickets.
DELIVERY_CRISIS = (date(2024, 7, 1), date(2024, 9, 30))


def day_of(d: date) -> int:
    return (d - DEMO_START).days


def crisis_days() -> tuple[int, int]:
    """First and last day (inclusive) of the delivery crisis."""
    return day_of(DELIVERY_CRISIS[0]), day_of(DELIVERY_CRISIS[1])


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def year_of_day(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    bounds = np.array([day_of(date(y, 1, 1)) for y in YEARS[1:]])
    return np.asarray(YEARS)[np.searchsorted(bounds, days, side="right")]


def weekday_of_day(days: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday."""
    return (np.asarray(days) + DEMO_START.weekday()) % 7


def _scale(w: np.ndarray, start: date, end: date, factor: float) -> None:
    lo, hi = max(day_of(start), 0), min(day_of(end), N_DAYS - 1)
    if lo <= hi:
        w[lo : hi + 1] *= factor


def _china_holidays(w: np.ndarray) -> None:
    for y in YEARS:
        cny = CHINESE_NEW_YEAR[y]
        _scale(w, cny - timedelta(days=21), cny - timedelta(days=8), 1.45)  # new-year shopping
        _scale(w, cny - timedelta(days=7), cny - timedelta(days=1), 0.85)
        _scale(w, cny, cny + timedelta(days=6), 0.45)  # couriers and shops close
        _scale(w, cny + timedelta(days=7), cny + timedelta(days=14), 0.8)
        _scale(w, date(y, 5, 20), date(y, 5, 20), 1.4)  # "520"
        _scale(w, date(y, 6, 1), date(y, 6, 17), 1.35)
        _scale(w, date(y, 6, 18), date(y, 6, 18), 3.6)  # 618
        _scale(w, date(y, 6, 19), date(y, 6, 20), 1.2)
        _scale(w, date(y, 10, 1), date(y, 10, 7), 0.85)  # Golden Week: travel, fewer online orders
        _scale(w, date(y, 10, 24), date(y, 10, 31), 1.25)  # Double 11 pre-sales
        _scale(w, date(y, 11, 1), date(y, 11, 10), 1.5)
        _scale(w, date(y, 11, 11), date(y, 11, 11), 5.0)  # Double 11
        _scale(w, date(y, 11, 12), date(y, 11, 13), 1.4)
        bf = black_friday(y)
        _scale(w, bf, bf, 1.15)
        _scale(w, date(y, 12, 1), date(y, 12, 31), 1.12)
        _scale(w, date(y, 12, 12), date(y, 12, 12), 2.0)  # Double 12


def _international_holidays(w: np.ndarray) -> None:
    for y in YEARS:
        _scale(w, date(y, 1, 2), date(y, 1, 8), 1.15)  # January sales
        _scale(w, date(y, 7, 10), date(y, 7, 12), 1.5)  # mid-July marketplace deals
        _scale(w, date(y, 11, 11), date(y, 11, 11), 1.4)
        bf = black_friday(y)
        _scale(w, bf - timedelta(days=4), bf - timedelta(days=1), 1.3)
        _scale(w, bf, bf, 3.5)  # Black Friday
        _scale(w, bf + timedelta(days=1), bf + timedelta(days=2), 1.7)
        _scale(w, bf + timedelta(days=3), bf + timedelta(days=3), 2.5)  # Cyber Monday
        _scale(w, date(y, 12, 1), date(y, 12, 20), 1.35)
        _scale(w, date(y, 12, 24), date(y, 12, 24), 0.7)
        _scale(w, date(y, 12, 25), date(y, 12, 25), 0.4)
        _scale(w, date(y, 12, 26), date(y, 12, 26), 1.6)  # Boxing Day


_WEEKDAY_CHINA = np.array([0.93, 0.95, 0.97, 0.99, 1.05, 1.17, 1.14])
_WEEKDAY_INTERNATIONAL = np.array([0.97, 0.95, 0.96, 0.98, 1.04, 1.12, 1.16])


@cache
def holiday_lift(china: bool) -> np.ndarray:
    """Multiplier of each day's sales from shopping festivals and holidays (1.0 on ordinary days)."""
    w = np.ones(N_DAYS)
    (_china_holidays if china else _international_holidays)(w)
    w.setflags(write=False)
    return w


@cache
def order_intensity(china: bool) -> np.ndarray:
    """Relative chance of a purchase on each day for an active customer (read-only)."""
    days = np.arange(N_DAYS)
    weekday = (_WEEKDAY_CHINA if china else _WEEKDAY_INTERNATIONAL)[weekday_of_day(days)]
    trend = 1.0 + 0.12 * days / N_DAYS  # active customers also buy a little more each year
    w = np.asarray(weekday * trend * holiday_lift(china), dtype=np.float64)
    w.setflags(write=False)
    return w


@cache
def signup_intensity() -> np.ndarray:
    """Relative number of sign-ups per day: growth over the years, promotion peaks, and the customers
    imported when the CRM started (first recorded in the first weeks of 2023)."""
    days = np.arange(N_DAYS, dtype=np.float64)
    promo = 0.8 * order_intensity(True) + 0.2 * order_intensity(False)
    w = (1.0 + 1.3 * days / N_DAYS) * (0.5 + 0.5 * promo)
    w += 8.0 * np.exp(-days / 20.0)
    w.setflags(write=False)
    return w


@cache
def cumulative(weights_key: str) -> np.ndarray:
    """Cumulative weights with a leading zero, for :func:`sample_days`."""
    if weights_key == "signup":
        w = signup_intensity()
    elif weights_key in ("china", "international"):
        w = order_intensity(weights_key == "china")
    else:
        raise ValueError(f"no calendar called {weights_key!r}")
    c = np.concatenate([[0.0], np.cumsum(w)])
    c.setflags(write=False)
    return c


def sample_days(rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One day per element in ``[lo, hi]`` (inclusive), drawn with the weights behind ``cum``."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    a, b = cum[lo], cum[hi + 1]
    u = a + rng.random(len(lo)) * (b - a)
    d = np.searchsorted(cum, u, side="right") - 1
    return np.asarray(np.clip(d, lo, hi), dtype=np.int64)


def sample_days_by_market(rng: np.random.Generator, china: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """:func:`sample_days` with the Chinese calendar where ``china`` is true, the international one elsewhere."""
    u = rng.random(len(lo))
    out = np.empty(len(lo), dtype=np.int64)
    for mask, key in ((china, "china"), (~china, "international")):
        cum = cumulative(key)
        l_, h_ = lo[mask].astype(np.int64), hi[mask].astype(np.int64)
        a, b = cum[l_], cum[h_ + 1]
        d = np.searchsorted(cum, a + u[mask] * (b - a), side="right") - 1
        out[mask] = np.clip(d, l_, h_)
    return out


def time_of_day_us(rng: np.random.Generator, size: int, profile: str = "shopping") -> np.ndarray:
    """Microseconds after midnight: evening-heavy for shopping, office hours for ``"office"``."""
    if profile == "office":
        hours = np.array([0, 0, 0, 0, 0, 0, 0, 1, 4, 9, 10, 9, 5, 8, 10, 9, 8, 6, 3, 1, 1, 0, 0, 0], float)
    else:
        hours = np.array(
            [2, 1, 0.6, 0.4, 0.3, 0.4, 1, 2, 3.5, 4.5, 5, 5.5, 6, 5.5, 5, 5, 5, 5.5, 6, 7, 8.5, 9, 7.5, 4.5]
        )
    cum = np.cumsum(hours)
    h = np.minimum(np.searchsorted(cum, rng.random(size) * cum[-1], side="right"), 23)
    return np.asarray((h * 3600 + rng.integers(0, 3600, size)) * 1_000_000, dtype=np.int64)
