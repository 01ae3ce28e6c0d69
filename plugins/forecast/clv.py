"""``forecast.clv``: customer lifetime value with the BG/NBD and Gamma-Gamma models.

1. One DuckDB query summarises every buying customer from completed orders up to the as-of date:
   purchase *days* (several orders on one day count as one purchase of their summed amount), the first
   and last purchase day, the average value of the repeat purchases, for the calibration period
   (up to ``calibration_end``) and for the whole history, and the purchases after the calibration period.
2. BG/NBD (purchases and drop-out) and Gamma-Gamma (spend per purchase) are fitted by maximum
   likelihood on the calibration period; their parameters are in ``details``.
3. Holdout check: the purchases each calibration customer is expected to make after the calibration
   period, against what they did (total, by number of calibration purchases, and in value).
4. With ``refit`` (the default) both models are fitted again on the whole history; every customer then
   gets P(alive), expected purchases and expected spend per purchase over the horizon, and the CLV: the
   expected spend of each future month, discounted at the annual ``discount_rate`` and multiplied by
   ``margin``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result, UsageError
from crmlens.engine.lazy import lazy_module
from crmlens.plugins.forecast.bgnbd import Array, BgNbd, FitError
from crmlens.plugins.forecast.gamma_gamma import GammaGamma, frequency_spend_correlation
from crmlens.plugins.forecast.horizon import DAYS_PER, HorizonGrain, describe, horizon_days
from crmlens.plugins.forecast.segment_filter import segment_condition
from crmlens.plugins.forecast.threads import modest_threads

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
MAX_CLV_STEPS = 24  # CLV is summed over at most this many discounting steps (monthly, or longer for long horizons)


class ClvParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    horizon: int = Field(12, ge=1, le=3650, description="How far ahead to predict purchases and value, in `grain`s.")
    grain: HorizonGrain = Field("month", description="Unit of the horizon: day, week, month, quarter or year.")
    discount_rate: float = Field(0.10, ge=0.0, le=1.0, description="Annual discount rate of future spend in the CLV.")
    margin: float = Field(
        1.0, gt=0.0, le=1.0, description="Share of spend that is profit; 1 gives the CLV in revenue terms."
    )
    holdout_days: int = Field(
        180,
        ge=0,
        le=3650,
        description="Days before the as-of date kept out of the fit to check its predictions (0: no check).",
    )
    calibration_end: dt.date | None = Field(
        None, description="Last day of the calibration period (overrides holdout_days; must be before as-of)."
    )
    time_unit: Literal["day", "week", "month"] = Field(
        "week", description="Time unit of the fitted parameters (alpha depends on it; predictions do not)."
    )
    refit: bool = Field(
        True, description="After the holdout check, fit again on the whole history before scoring customers."
    )
    top: int = Field(100, ge=1, le=100_000, description="How many customers to list, highest first.")
    sort_by: Literal["clv", "expected_purchases", "p_alive", "expected_order_value"] = Field(
        "clv", description="Which figure ranks the customers listed."
    )
    segment: str | None = Field(None, description="Only list customers of this saved segment (e.g. Champions).")

    @model_validator(mode="after")
    def _horizon_not_absurd(self) -> ClvParams:
        if horizon_days(self.horizon, self.grain) > 3650.0 * 3:
            raise ValueError("the horizon is longer than 30 years; ask for at most 30 years")
        return self


_SUMMARY_SQL = """
WITH purchase_days AS (
    SELECT customer_id, order_date AS day, sum(amount) AS amount
    FROM orders
    WHERE status = 'completed' AND customer_id IS NOT NULL AND order_date <= $as_of
    GROUP BY customer_id, order_date
), per_customer AS (
    SELECT customer_id,
           min(day) AS first_day,
           max(day) AS last_day,
           arg_min(amount, day) AS first_amount,
           count(*) AS days_all,
           sum(amount) AS amount_all,
           count(*) FILTER (WHERE day <= $calibration_end) AS days_cal,
           max(day) FILTER (WHERE day <= $calibration_end) AS last_day_cal,
           sum(amount) FILTER (WHERE day <= $calibration_end) AS amount_cal,
           count(*) FILTER (WHERE day > $calibration_end) AS holdout_purchases,
           coalesce(sum(amount) FILTER (WHERE day > $calibration_end), 0) AS holdout_amount
    FROM purchase_days
    GROUP BY customer_id
)
SELECT customer_id,
       first_day,
       last_day,
       days_all - 1 AS frequency,
       date_diff('day', first_day, last_day) AS recency_days,
       date_diff('day', first_day, $as_of) AS age_days,
       CAST((amount_all - first_amount) / nullif(days_all - 1, 0) AS DOUBLE) AS monetary,
       first_day <= $calibration_end AS in_calibration,
       days_cal - 1 AS frequency_cal,
       date_diff('day', first_day, last_day_cal) AS recency_cal_days,
       date_diff('day', first_day, $calibration_end) AS age_cal_days,
       CAST((amount_cal - first_amount) / nullif(days_cal - 1, 0) AS DOUBLE) AS monetary_cal,
       holdout_purchases,
       CAST(holdout_amount AS DOUBLE) AS holdout_amount,
       {segment} AS in_segment
FROM per_customer
ORDER BY customer_id
"""


def customer_summary(ctx: AnalysisContext, calibration_end: dt.date, segment: str | None = None) -> pd.DataFrame:
    """The per-customer RFM summary of completed orders (one row per buying customer), computed in DuckDB."""
    params: dict[str, Any] = {"as_of": ctx.as_of, "calibration_end": calibration_end}
    condition = "TRUE"
    if segment:
        condition, seg_params = segment_condition(ctx, segment)
        params.update(seg_params)
    return ctx.query(_SUMMARY_SQL.format(segment=condition), params)


def fit_models(
    x: Array, recency: Array, age: Array, monetary: Array, start: tuple[BgNbd, GammaGamma] | None = None
) -> tuple[BgNbd, GammaGamma]:
    """BG/NBD on (x, t_x, T) grouped into distinct rows (weighted by their counts), Gamma-Gamma on the repeat
    buyers."""
    grouped = pd.DataFrame({"x": x, "t_x": recency, "T": age}).value_counts(sort=False).reset_index()
    bgnbd = BgNbd.fit(
        grouped["x"].to_numpy(np.float64),
        grouped["t_x"].to_numpy(np.float64),
        grouped["T"].to_numpy(np.float64),
        grouped["count"].to_numpy(np.float64),
        start=start[0] if start else None,
    )
    spend = GammaGamma.fit(x, monetary, start=start[1] if start else None)
    return bgnbd, spend


def discounted_value(
    model: BgNbd,
    spend: Array,
    x: Array,
    t_x: Array,
    T: Array,
    horizon_units: float,
    unit_days: float,
    discount_rate: float,
) -> tuple[Array, Array]:
    """(expected purchases over the horizon, discounted expected spend over the horizon) per customer.

    Spend is summed over monthly steps (longer ones beyond 24 months), each step's expected purchases times
    the expected spend per purchase, discounted to the as-of date at the annual ``discount_rate``."""
    month = DAYS_PER["month"] / unit_days
    step = max(month, horizon_units / MAX_CLV_STEPS)
    bounds = [*np.arange(step, horizon_units, step).tolist(), horizon_units]
    value = np.zeros_like(x)
    previous = np.zeros_like(x)
    for end in bounds:
        cumulative = model.expected_purchases(end, x, t_x, T)
        years = end * unit_days / 365.25
        value += (cumulative - previous) * spend / (1.0 + discount_rate) ** years
        previous = cumulative
    return previous, value


@modest_threads("scipy.optimize", "scipy.special")
def run(ctx: AnalysisContext, params: ClvParams) -> Result:
    unit = UNIT_DAYS[params.time_unit]
    cal_end = params.calibration_end or (ctx.as_of - dt.timedelta(days=params.holdout_days))
    if cal_end > ctx.as_of:
        raise UsageError(
            f"calibration_end {cal_end} is after the as-of date {ctx.as_of}.",
            hint="Give a date before the as-of date, or leave it out to use holdout_days.",
        )
    has_holdout = cal_end < ctx.as_of
    ctx.progress(0.05, "summarising customers")
    df = customer_summary(ctx, cal_end, params.segment)
    if df.empty:
        raise MissingDataError(
            "No completed orders with a customer up to the as-of date: there is nobody to value.",
            missing={"orders": ["customer_id"]},
            hint="Check orders.status ('completed') and orders.customer_id.",
        )
    cal = df[df["in_calibration"]]
    if cal.empty:
        raise UsageError(
            f"No customer bought on or before the end of the calibration period ({cal_end}).",
            hint="Use a later calibration_end or fewer holdout_days.",
        )
    details: dict[str, Any] = {
        "time_unit": params.time_unit,
        "as_of": ctx.as_of.isoformat(),
        "calibration": {
            "end": cal_end.isoformat(),
            "customers": len(cal),
            "repeat_buyers": int((cal["frequency_cal"] > 0).sum()),
            "repeat_purchases": int(cal["frequency_cal"].sum()),
        },
    }
    x_c = cal["frequency_cal"].to_numpy(np.float64)
    tx_c = cal["recency_cal_days"].to_numpy(np.float64) / unit
    T_c = cal["age_cal_days"].to_numpy(np.float64) / unit
    m_c = cal["monetary_cal"].to_numpy(np.float64)
    ctx.progress(0.2, "fitting BG/NBD and Gamma-Gamma")
    try:
        bgnbd, spend = fit_models(x_c, tx_c, T_c, m_c)
    except FitError as exc:
        raise UsageError(
            f"The CLV models cannot be fitted on this data: {exc}",
            hint="CLV needs customers who bought on at least two different days.",
        ) from None
    _warn_about_fit(ctx, bgnbd, spend, m_c, x_c)
    details["bgnbd"] = _floats(bgnbd.as_dict())
    details["gamma_gamma"] = _floats(
        {**spend.as_dict(), "frequency_spend_correlation": frequency_spend_correlation(x_c, m_c)}
    )
    if has_holdout:
        ctx.progress(0.45, "checking the holdout period")
        details["holdout"] = _holdout_check(cal, bgnbd, spend, x_c, tx_c, T_c, m_c, cal_end, ctx.as_of, unit)
    scoring_bgnbd, scoring_spend = bgnbd, spend
    x = df["frequency"].to_numpy(np.float64)
    t_x = df["recency_days"].to_numpy(np.float64) / unit
    T = df["age_days"].to_numpy(np.float64) / unit
    m = df["monetary"].to_numpy(np.float64)
    if has_holdout and params.refit:
        ctx.progress(0.6, "refitting on the whole history")
        try:
            scoring_bgnbd, scoring_spend = fit_models(x, t_x, T, m, start=(bgnbd, spend))
        except FitError as exc:
            raise UsageError(f"The CLV models cannot be fitted on the whole history: {exc}") from None
        details["scoring_model"] = {
            "fitted_on": f"whole history to {ctx.as_of}",
            "bgnbd": _floats(scoring_bgnbd.as_dict()),
            "gamma_gamma": _floats(scoring_spend.as_dict()),
        }
    else:
        details["scoring_model"] = {"fitted_on": f"calibration period to {cal_end}"}
    ctx.progress(0.75, "scoring customers")
    h_units = horizon_days(params.horizon, params.grain) / unit
    try:
        order_value = scoring_spend.expected_average_value(x, m)
    except FitError as exc:
        raise UsageError(f"CLV cannot be computed: {exc}") from None
    expected, value = discounted_value(scoring_bgnbd, order_value, x, t_x, T, h_units, unit, params.discount_rate)
    scored = pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "purchases": df["frequency"] + 1,
            "first_purchase": df["first_day"],
            "last_purchase": df["last_day"],
            "p_alive": scoring_bgnbd.p_alive(x, t_x, T),
            "expected_purchases": expected,
            "expected_order_value": order_value,
            "clv": value * params.margin,
        }
    )
    scored = scored[df["in_segment"].to_numpy(bool)]
    details["horizon"] = {
        "periods": params.horizon,
        "grain": params.grain,
        "days": horizon_days(params.horizon, params.grain),
    }
    details["discount_rate"] = params.discount_rate
    details["margin"] = params.margin
    details["customers_scored"] = len(scored)
    details["total_clv"] = float(scored["clv"].sum())
    details["total_expected_purchases"] = float(scored["expected_purchases"].sum())
    if params.segment:
        details["segment"] = params.segment
    leaders = scored.nlargest(params.top, params.sort_by, keep="all")  # ties at the cut stay until sorted by id
    table = leaders.sort_values([params.sort_by, "customer_id"], ascending=[False, True]).head(params.top)
    table = _with_names(ctx, table)
    summary = _summary(params, scored, table, details, has_holdout)
    return Result(
        title="Customer lifetime value (BG/NBD + Gamma-Gamma)",
        table=table.reset_index(drop=True),
        columns=[
            Column(name="customer_id", type="VARCHAR"),
            Column(name="purchases", type="BIGINT", format="count"),
            Column(name="first_purchase", type="DATE", format="date"),
            Column(name="last_purchase", type="DATE", format="date"),
            Column(name="p_alive", type="DOUBLE", format="percent"),
            Column(name="expected_purchases", type="DOUBLE", format="number"),
            Column(name="expected_order_value", type="DOUBLE", format="money"),
            Column(name="clv", type="DOUBLE", format="money"),
        ],
        chart=ChartSpec(kind="bar", x="customer_id", y=[params.sort_by]),
        summary=summary,
        details=details,
    )


def _holdout_check(
    cal: pd.DataFrame,
    bgnbd: BgNbd,
    spend: GammaGamma,
    x: Array,
    t_x: Array,
    T: Array,
    m: Array,
    cal_end: dt.date,
    as_of: dt.date,
    unit: float,
) -> dict[str, Any]:
    """Predicted against actual purchases (and spend) after the calibration period, for the customers of
    the calibration period."""
    t = (as_of - cal_end).days / unit
    predicted = bgnbd.expected_purchases(t, x, t_x, T)
    actual = cal["holdout_purchases"].to_numpy(np.float64)
    value = predicted * spend.expected_average_value(x, m)
    actual_value = cal["holdout_amount"].to_numpy(np.float64)
    buckets = np.minimum(x, 7).astype(int)
    by_frequency = []
    for k in range(8):
        sel = buckets == k
        if sel.any():
            by_frequency.append(
                {
                    "calibration_repeat_purchases": f"{k}+" if k == 7 else str(k),
                    "customers": int(sel.sum()),
                    "actual_mean": float(actual[sel].mean()),
                    "predicted_mean": float(predicted[sel].mean()),
                }
            )
    total_pred, total_actual = float(predicted.sum()), float(actual.sum())
    return {
        "start": (cal_end + dt.timedelta(days=1)).isoformat(),
        "end": as_of.isoformat(),
        "length": t,
        "customers": len(cal),
        "predicted_purchases": total_pred,
        "actual_purchases": total_actual,
        "purchases_error": (total_pred / total_actual - 1.0) if total_actual else None,
        "mean_absolute_error_per_customer": float(np.abs(predicted - actual).mean()),
        "predicted_spend": float(value.sum()),
        "actual_spend": float(actual_value.sum()),
        "spend_error": (float(value.sum()) / float(actual_value.sum()) - 1.0) if actual_value.sum() else None,
        "by_calibration_frequency": by_frequency,
    }


def _warn_about_fit(ctx: AnalysisContext, bgnbd: BgNbd, spend: GammaGamma, m: Array, x: Array) -> None:
    if not (bgnbd.converged and spend.converged):
        ctx.warn("The optimiser did not report convergence; treat the parameters with care.")
    dropped = int(((x > 0) & ~(np.isfinite(m) & (m > 0))).sum())
    if dropped:
        ctx.warn(f"{dropped} repeat buyers with a zero or negative average repeat spend are not in the spend model.")
    corr = frequency_spend_correlation(x, m)
    if np.isfinite(corr) and abs(corr) > 0.3:
        ctx.warn(
            f"Purchase frequency and spend per purchase are correlated (r = {corr:.2f}); the Gamma-Gamma model "
            "assumes they are not, so expected spend is less reliable."
        )
    if spend.customers < 30:
        ctx.warn(f"Only {spend.customers} repeat buyers: the spend model rests on little data.")


def _with_names(ctx: AnalysisContext, table: pd.DataFrame) -> pd.DataFrame:
    if table.empty or not ctx.table_exists("customers"):
        return table
    names = ctx.query(
        "SELECT customer_id, name FROM customers WHERE customer_id IN (SELECT unnest($ids))",
        {"ids": [str(c) for c in table["customer_id"]]},
    ).rename(columns={"name": "customer_name"})
    if names["customer_name"].isna().all():
        return table
    out = table.merge(names.drop_duplicates("customer_id"), on="customer_id", how="left")
    order = ["customer_id", "customer_name", *[c for c in table.columns if c != "customer_id"]]
    return out[order]


def _summary(
    params: ClvParams, scored: pd.DataFrame, table: pd.DataFrame, details: dict[str, Any], has_holdout: bool
) -> str:
    horizon = describe(params.horizon, params.grain)
    who = f"the {len(scored):,} customers" + (f" of segment {params.segment}" if params.segment else "")
    total = float(scored["clv"].sum())
    text = (
        f"Over {horizon}, {who} are expected to make {scored['expected_purchases'].sum():,.0f} purchases worth "
        f"{total:,.2f} (discounted at {params.discount_rate:.0%} a year"
        + (f", margin {params.margin:.0%}" if params.margin < 1 else "")
        + ")."
    )
    if len(table) and total > 0:
        share = float(table["clv"].sum()) / total
        text += f" The {len(table):,} listed hold {share:.1%} of it."
    if has_holdout and "holdout" in details:
        h = details["holdout"]
        if h["actual_purchases"]:
            text += (
                f" Holdout check ({h['start']} to {h['end']}): predicted {h['predicted_purchases']:,.0f} repeat "
                f"purchases against {h['actual_purchases']:,.0f} actual ({h['purchases_error']:+.1%})."
            )
    return text


def _floats(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if isinstance(v, float | np.floating) else v) for k, v in values.items()}


ANALYSIS = Analysis(
    name="forecast.clv",
    title="Customer lifetime value",
    description="BG/NBD + Gamma-Gamma: P(alive), expected purchases, expected order value and discounted CLV per "
    "customer, with a holdout check of the predicted purchases.",
    params=ClvParams,
    requires={"orders": ["customer_id", "order_date", "amount", "status"]},
    run=run,
    examples=[
        "customer lifetime value of top 100 customers",
        "expected purchases in the next 90 days",
        "crmlens run forecast.clv horizon=12 grain=month discount_rate=0.1",
        "客户终身价值",
    ],
)
