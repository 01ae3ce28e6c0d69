"""Sampling error of NPS and of shares, and the test of a change between two periods.

NPS = 100 (p₊ − p₋) with p₊, p₋ the shares of promoters and detractors among n answers. Each answer
scores +1, 0 or −1, so the variance of one answer is p₊ + p₋ − (p₊ − p₋)² and the standard error of
NPS is 100 √((p₊ + p₋ − (p₊ − p₋)²) / n). A change between two independent periods is tested with
z = ΔNPS / √(se₁² + se₂²), two-sided. Shares (CSAT) use the Wilson score interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


def z_value(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def nps_standard_error(promoters: int, detractors: int, n: int) -> float:
    """Standard error of NPS (in points) from the counts of one period."""
    if n <= 0:
        return math.nan
    p, d = promoters / n, detractors / n
    return 100.0 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)


def nps(promoters: int, detractors: int, n: int) -> float:
    return 100.0 * (promoters - detractors) / n if n > 0 else math.nan


@dataclass(frozen=True)
class Change:
    difference: float
    z: float
    p_value: float

    def significant_drop(self, alpha: float) -> bool:
        return self.difference < 0 and self.p_value < alpha

    def significant_rise(self, alpha: float) -> bool:
        return self.difference > 0 and self.p_value < alpha


def change(value: float, se: float, previous: float, previous_se: float) -> Change:
    """Two-sided z-test of ``value - previous`` for two independent estimates with standard errors."""
    diff = value - previous
    spread = math.sqrt(se**2 + previous_se**2)
    if not math.isfinite(diff) or not math.isfinite(spread):
        return Change(diff, math.nan, math.nan)
    if spread == 0:
        return Change(diff, math.nan, 1.0 if diff == 0 else 0.0)
    z = diff / spread
    return Change(diff, z, math.erfc(abs(z) / math.sqrt(2)))


def wilson(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval of a share."""
    if n <= 0:
        return math.nan, math.nan
    z = z_value(confidence)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def share_standard_error(successes: int, n: int) -> float:
    if n <= 0:
        return math.nan
    p = successes / n
    return math.sqrt(p * (1 - p) / n)
