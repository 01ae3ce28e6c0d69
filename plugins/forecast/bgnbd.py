"""The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").

While alive, a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
probability p ~ Beta(a, b). A customer is summarised by ``x`` (repeat purchases: purchase days after the
first), ``t_x`` (time of the last purchase since the first) and ``T`` (time from the first purchase to the
end of observation), all in one time unit. Parameters are estimated by maximum likelihood with the
analytic gradient (scipy, imported when a model is fitted or used).

Formulas (numbers refer to the paper and to Fader, Hardie & Lee's note "Computing P(alive) using the
BG/NBD model"): the likelihood (eq. 6), P(alive | x, t_x, T), the expected number of purchases of a new
customer in (0, t] (eq. 7) and the conditional expectation of purchases in (T, T + t] (eq. 10). The Gauss
hypergeometric function of eq. 10 is evaluated after Euler's transformation,
``(1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``, whose series
stays well-behaved for customers with hundreds of purchases.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from crmlens.engine.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]
else:
    np = lazy_module("numpy")
    Array = Any  # only used in annotations; numpy is imported when a model is fitted



class FitError(ValueError):
    """The data cannot identify the model (e.g. nobody bought twice); the message says why."""


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters (time unit of the data they were fitted on) and the log-likelihood."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    customers: int = 0
    converged: bool = True

    # -- fitting -------------------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        x: Array,
        t_x: Array,
        T: Array,
        weights: Array | None = None,
        start: BgNbd | None = None,
    ) -> BgNbd:
        """Maximum-likelihood estimates from per-customer (or grouped, with ``weights``) summaries."""
        from scipy.optimize import minimize

        x, t_x, T = _as_float(x), _as_float(t_x), _as_float(T)
        w = np.ones_like(x) if weights is None else _as_float(weights)
        _check_summary(x, t_x, T)
        if not np.any(x > 0):
            raise FitError(
                "No customer bought more than once in the calibration period, so the BG/NBD model cannot tell "
                "how often customers buy or drop out."
            )
        data = _Summary.of(x, t_x, T, w)
        starts = [np.log([start.r, start.alpha, start.a, start.b])] if start is not None else []
        scale = float(np.average(T, weights=w)) or 1.0
        starts += [np.log([1.0, scale / 10.0, 1.0, 1.0]), np.log([0.5, scale / 4.0, 0.7, 2.5])]
        best = None
        for x0 in starts:
            res = minimize(
                _negative_log_likelihood,
                x0,
                args=(data,),
                jac=True,
                method="L-BFGS-B",
                bounds=[(-12.0, 12.0)] * 4,
                options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
            )
            if best is None or res.fun < best.fun:
                best = res
            if res.success:  # the other starting points are fallbacks
                break
        assert best is not None
        r, alpha, a, b = (float(v) for v in np.exp(best.x))
        return cls(r, alpha, a, b, -float(best.fun), int(w.sum()), bool(best.success))

    def log_likelihood_of(self, x: Array, t_x: Array, T: Array) -> Array:
        """Per-customer log-likelihood at these parameters."""
        data = _Summary.of(_as_float(x), _as_float(t_x), _as_float(T))
        ll, _ = _log_likelihood(np.log([self.r, self.alpha, self.a, self.b]), data, grad=False)
        return ll

    # -- predictions ---------------------------------------------------------------------------------
    def p_alive(self, x: Array, t_x: Array, T: Array) -> Array:
        """Probability that a customer with history (x, t_x, T) is still alive at T."""
        from scipy.special import expit

        x, t_x, T = _as_float(x), _as_float(t_x), _as_float(T)
        return np.asarray(expit(-self._log_odds_dead(x, t_x, T)), dtype=np.float64)

    def expected_purchases(self, t: float | Array, x: Array, t_x: Array, T: Array) -> Array:
        """Expected purchases in (T, T + t] of a customer with history (x, t_x, T) (eq. 10)."""
        from scipy.special import hyp2f1

        x, t_x, T = _as_float(x), _as_float(t_x), _as_float(T)
        t = np.broadcast_to(_as_float(t), x.shape)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T + t)
        one_minus_z = (alpha + T) / (alpha + T + t)
        c = a + b + x - 1.0
        if abs(a - 1.0) < 1e-9:  # the expression is 0/0 at a = 1; its limit is reached by nudging a
            a = 1.0 + 1e-9
        term = one_minus_z ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        numerator = (a + b + x - 1.0) / (a - 1.0) * (1.0 - term)
        return np.asarray(numerator * self.p_alive(x, t_x, T), dtype=np.float64)

    def expected_purchases_new(self, t: float | Array) -> Array:
        """Expected purchases in (0, t] of a customer who has just made their first purchase (eq. 7)."""
        t = _as_float(t)
        zeros = np.zeros_like(t)
        return self.expected_purchases(t, zeros, zeros, zeros)

    def _log_odds_dead(self, x: Array, t_x: Array, T: Array) -> Array:
        """log of [a / (b + x - 1)] ((α + T) / (α + t_x))^(r + x) for x > 0, -inf for x = 0."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        safe = np.maximum(b + x - 1.0, 1e-300)
        out = np.log(a) - np.log(safe) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(x > 0, out, -np.inf)

    def in_unit(self, factor: float) -> BgNbd:
        """The same model with time measured in a unit ``factor`` times longer (only α changes)."""
        return BgNbd(self.r, self.alpha / factor, self.a, self.b, float("nan"), self.customers, self.converged)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _as_float(v: Any) -> Array:
    return np.asarray(v, dtype=np.float64)


def _check_summary(x: Array, t_x: Array, T: Array) -> None:
    if not (x.shape == t_x.shape == T.shape) or x.ndim != 1 or len(x) == 0:
        raise FitError("The customer summary is empty or its columns differ in length.")
    bad = (x < 0) | (t_x < 0) | (t_x > T) | ((x == 0) & (t_x != 0)) | ((x > 0) & (t_x <= 0))
    if np.any(bad):
        raise FitError(f"{int(bad.sum())} customer summaries are inconsistent (need 0 <= t_x <= T, t_x = 0 iff x = 0).")


@dataclass(frozen=True)
class _Summary:
    """Customer summaries with the distinct values of x: terms depending on x alone (gamma and beta
    functions, digammas) are computed once per distinct x, not once per customer."""

    x: Array
    t_x: Array
    T: Array
    weights: Array
    distinct_x: Array
    index: NDArray[np.intp]

    @classmethod
    def of(cls, x: Array, t_x: Array, T: Array, weights: Array | None = None) -> _Summary:
        distinct, index = np.unique(x, return_inverse=True)
        w = np.ones_like(x) if weights is None else weights
        return cls(x, t_x, T, w, distinct, index)


def _log_likelihood(log_params: Array, data: _Summary, *, grad: bool) -> tuple[Array, Array | None]:
    """Per-customer log-likelihood (eq. 6) and, with ``grad``, its gradient in the log-parameters."""
    from scipy.special import betaln, digamma, gammaln

    r, alpha, a, b = np.exp(log_params)
    x, t_x, T, u, k = data.x, data.t_x, data.T, data.distinct_x, data.index
    repeat = x > 0
    um1 = np.maximum(u - 1.0, 0.0)
    beta_ab = betaln(a, b)
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    a1 = (gammaln(r + u) - gammaln(r))[k] + r * np.log(alpha)
    a2 = (betaln(a, b + u) - beta_ab)[k] - (r + x) * log_at
    a3 = np.where(repeat, (betaln(a + 1.0, b + um1) - beta_ab)[k] - (r + x) * log_atx, -np.inf)
    mix = np.logaddexp(a2, a3)
    ll = a1 + mix
    if not grad:
        return ll, None
    w2 = np.exp(a2 - mix)
    w3 = np.where(repeat, np.exp(a3 - mix), 0.0)
    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + u)
    d_a_2 = (psi_ab - psi_abx)[k]
    d_a_3 = (digamma(a + 1.0) - digamma(a) + psi_ab - psi_abx)[k]
    d_b_2 = (digamma(b + u) - digamma(b) + psi_ab - psi_abx)[k]
    d_b_3 = (digamma(b + um1) - digamma(b) + psi_ab - psi_abx)[k]
    d_r = (digamma(r + u) - digamma(r))[k] + np.log(alpha) - w2 * log_at - w3 * log_atx
    d_alpha = r / alpha - (r + x) * (w2 / (alpha + T) + w3 / (alpha + t_x))
    g = np.vstack([d_r * r, d_alpha * alpha, (w2 * d_a_2 + w3 * d_a_3) * a, (w2 * d_b_2 + w3 * d_b_3) * b])
    return ll, g


def _negative_log_likelihood(log_params: Array, data: _Summary) -> tuple[float, Array]:
    ll, g = _log_likelihood(log_params, data, grad=True)
    assert g is not None
    value = -float(np.dot(data.weights, ll))
    if not np.isfinite(value):
        return 1e300, np.zeros(4)
    return value, -(g @ data.weights)
