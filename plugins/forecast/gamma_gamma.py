"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value
Curves for Customer Base Analysis"; Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value").

A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers. It is fitted on
repeat buyers only, each summarised by ``x`` (number of repeat transactions) and ``m`` (their average
value): ``m`` given x is Gamma(p x, ν x), which gives the likelihood below. The model assumes spend per
transaction does not depend on how often a customer buys; :func:`frequency_spend_correlation` is reported
so the user can check it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from crmlens.engine.lazy import lazy_module
from crmlens.plugins.forecast.bgnbd import Array, FitError, _as_float

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
else:
    np = lazy_module("numpy")


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters and the log-likelihood of the repeat buyers' average values."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")
    customers: int = 0
    converged: bool = True

    @classmethod
    def fit(cls, x: Array, m: Array, start: GammaGamma | None = None) -> GammaGamma:
        """Maximum-likelihood estimates from repeat buyers (x > 0) and their average repeat value m > 0."""
        from scipy.optimize import minimize

        x, m = _as_float(x), _as_float(m)
        keep = (x > 0) & np.isfinite(m) & (m > 0)
        x, m = x[keep], m[keep]
        if len(x) < 2:
            raise FitError(f"The spend model needs customers with repeat purchases of positive value; found {len(x)}.")
        if np.allclose(m, m[0]):
            raise FitError(
                "Every repeat buyer spent the same average amount, so the spread of spend between customers "
                "cannot be estimated."
            )
        data = _Spend.of(x, m)
        mean, var = float(m.mean()), float(m.var())
        starts = [np.log([start.p, start.q, start.gamma])] if start is not None else []
        starts += [np.log([1.0, 1.0, 1.0]), np.log([max(mean**2 / var, 0.1), 3.0, mean])]
        best = None
        for x0 in starts:
            res = minimize(
                _negative_log_likelihood,
                x0,
                args=(data,),
                jac=True,
                method="L-BFGS-B",
                bounds=[(-12.0, 15.0)] * 3,
                options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
            )
            if best is None or res.fun < best.fun:
                best = res
            if res.success:  # the other starting points are fallbacks
                break
        assert best is not None
        p, q, gamma = (float(v) for v in np.exp(best.x))
        return cls(p, q, gamma, -float(best.fun), len(x), bool(best.success))

    @property
    def population_mean(self) -> float:
        """Mean spend per transaction across customers, p γ / (q - 1) (infinite when q <= 1)."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("inf")

    def expected_average_value(self, x: Array, m: Array) -> Array:
        """E[spend per transaction | x, m]: a weighted mean of the population mean and the customer's own
        average; the population mean for customers with no repeat purchase (or no value)."""
        if self.q <= 1.0:
            raise FitError(
                f"The fitted spend model has q = {self.q:.3g} <= 1: the average spend per transaction has no "
                "finite mean, so expected values cannot be computed."
            )
        x, m = _as_float(x), _as_float(m)
        own = np.where((x > 0) & np.isfinite(m), m, 0.0)
        weighted = self.p * (self.gamma + x * own) / (self.p * x + self.q - 1.0)
        return np.where((x > 0) & np.isfinite(m), weighted, self.population_mean)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def frequency_spend_correlation(x: Array, m: Array) -> float:
    """Pearson correlation between repeat purchases and average repeat value among repeat buyers."""
    x, m = _as_float(x), _as_float(m)
    keep = (x > 0) & np.isfinite(m)
    if keep.sum() < 3 or np.std(x[keep]) == 0 or np.std(m[keep]) == 0:
        return float("nan")
    return float(np.corrcoef(x[keep], m[keep])[0, 1])


@dataclass(frozen=True)
class _Spend:
    """Repeat buyers' (x, m) with log m, log x, and the distinct values of x (gamma functions and digammas
    of p x are computed once per distinct x)."""

    x: Array
    m: Array
    log_m: Array
    log_x: Array
    distinct_x: Array
    index: NDArray[np.intp]

    @classmethod
    def of(cls, x: Array, m: Array) -> _Spend:
        distinct, index = np.unique(x, return_inverse=True)
        return cls(x, m, np.log(m), np.log(x), distinct, index)


def _negative_log_likelihood(log_params: Array, data: _Spend) -> tuple[float, Array]:
    from scipy.special import digamma, gammaln

    p, q, gamma = np.exp(log_params)
    x, m, u, k = data.x, data.m, data.distinct_x, data.index
    pu = p * u
    log_gm = np.log(gamma + x * m)
    px = p * x
    ll = (
        (gammaln(pu + q) - gammaln(pu))[k]
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * data.log_m
        + px * data.log_x
        - (px + q) * log_gm
    )
    psi_sum = digamma(pu + q)[k]
    d_p = x * (psi_sum - digamma(pu)[k] + data.log_m + data.log_x - log_gm)
    d_q = psi_sum - digamma(q) + np.log(gamma) - log_gm
    d_gamma = q / gamma - (px + q) / (gamma + x * m)
    value = -float(ll.sum())
    if not np.isfinite(value):
        return 1e300, np.zeros(3)
    grad = -np.array([d_p.sum() * p, d_q.sum() * q, d_gamma.sum() * gamma])
    return value, grad
