"""Comparing two conversion rates: the two-proportion test and the confidence interval of the difference.

Standard library only (``math.erfc``, ``statistics.NormalDist``, ``math.lgamma``):

* p-value — the pooled two-proportion z-test, two-sided; when a cell of the 2×2 table holds fewer
  than 5 (successes or failures of either arm), Fisher's exact test instead (two-sided, summing the
  tables no more likely than the one observed);
* confidence interval of the difference — Newcombe's hybrid score interval (Newcombe 1998, method 10,
  from Wilson score intervals), which stays inside [-1, 1] and behaves at small counts and at 0% or 100%;
* Holm's step-down adjustment when many variants are tested at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

SMALL_CELL = 5


@dataclass(frozen=True)
class Comparison:
    """Rate of arm b minus rate of arm a, with its test."""

    rate_a: float
    rate_b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str  # "z" or "fisher"


def wilson(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval of x successes out of n."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(xa: int, na: int, xb: int, nb: int, confidence: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval of rate_b - rate_a."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    pa, pb = xa / na, xb / nb
    la, ua = wilson(xa, na, z)
    lb, ub = wilson(xb, nb, z)
    d = pb - pa
    return d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2), d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)


def z_test(xa: int, na: int, xb: int, nb: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    pooled = (xa + xb) / (na + nb)
    se = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    if se == 0:
        return 1.0  # both arms all successes or all failures: no difference to see
    z = (xb / nb - xa / na) / se
    return math.erfc(abs(z) / math.sqrt(2))


def fisher_exact(xa: int, na: int, xb: int, nb: int) -> float:
    """Two-sided p-value of Fisher's exact test on [[xa, na - xa], [xb, nb - xb]]."""
    successes, total = xa + xb, na + nb

    def log_p(k: int) -> float:  # hypergeometric: k successes in arm a
        return _log_comb(na, k) + _log_comb(nb, successes - k) - _log_comb(total, successes)

    lo, hi = max(0, successes - nb), min(na, successes)
    observed = log_p(xa)
    tolerance = 1e-7  # relative, as in R and SciPy: tables as likely as the observed one count
    p = sum(math.exp(lp) for k in range(lo, hi + 1) if (lp := log_p(k)) <= observed + tolerance)
    return min(1.0, p)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def compare(xa: int, na: int, xb: int, nb: int, *, confidence: float = 0.95) -> Comparison | None:
    """Compare xb/nb with xa/na; None when an arm is empty."""
    if na <= 0 or nb <= 0:
        return None
    small = min(xa, na - xa, xb, nb - xb) < SMALL_CELL
    p_value = fisher_exact(xa, na, xb, nb) if small else z_test(xa, na, xb, nb)
    low, high = newcombe_interval(xa, na, xb, nb, confidence)
    return Comparison(xa / na, xb / nb, xb / nb - xa / na, low, high, p_value, "fisher" if small else "z")


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
