"""``forecast.churn``: which current customers are likely to stop buying.

Definition: a customer is *current* at a date when they placed a completed order in the ``window_days``
days up to it, and *churns* when they place no completed order in the ``window_days`` days after it
(180 days by default, as the ``churn_rate`` metric). See :mod:`.churn_features` for the features.

Validation is by time: the model (scikit-learn ``HistGradientBoostingClassifier``) is trained on
customers current at cutoffs at least ``2 × window_days`` before the as-of date and evaluated on the
customers current ``window_days`` before the as-of date, whose outcome is known by the as-of date and
which no training label overlaps. Reported: ROC AUC, the AUC of recency alone (the baseline the model
must beat), precision among the top-k riskiest, and permutation importances. The model is then refitted on
every labelled cutoff and scores the customers current at the as-of date; the scores are saved to
``churn_scores(customer_id, score, risk_band, as_of)`` so questions can filter and group by churn risk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crmlens.engine import (
    Analysis,
    AnalysisContext,
    ChartSpec,
    Column,
    DatabaseError,
    MissingDataError,
    Result,
    UsageError,
)
from crmlens.engine.lazy import lazy_module
from crmlens.plugins.forecast.churn_features import cutoffs, feature_query
from crmlens.plugins.forecast.horizon import HorizonGrain, describe, horizon_days
from crmlens.plugins.forecast.segment_filter import segment_members
from crmlens.plugins.forecast.semantics import CHURN_SCORES
from crmlens.plugins.forecast.threads import modest_threads

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

MIN_LABELLED = 200  # fewest customers at the training cutoffs (and 50 at validation) to fit and check a model


class ChurnParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_days: int = Field(
        180, ge=14, le=730, description="W: a current customer churns with no completed order in the W days after."
    )
    horizon: int | None = Field(
        None, ge=1, le=730, description="W as a number of `grain`s ('in the next 3 months'); overrides window_days."
    )
    grain: HorizonGrain = Field("day", description="Unit of horizon.")
    snapshots: int = Field(3, ge=1, le=12, description="Training cutoffs (every W/2 days, the latest 2W before as-of).")
    top: int = Field(100, ge=1, le=100_000, description="How many of the riskiest customers to list (and precision@k).")
    high_threshold: float = Field(0.5, gt=0.0, lt=1.0, description="Churn probability from which risk is high.")
    medium_threshold: float = Field(0.25, gt=0.0, lt=1.0, description="Churn probability from which risk is medium.")
    segment: str | None = Field(None, description="Only list customers of this saved segment (e.g. Champions).")
    save: bool = Field(True, description="Save the scores to churn_scores for questions (churn risk dimension).")
    seed: int = Field(0, description="Random seed of the model and of the permutation importances.")

    @model_validator(mode="after")
    def _consistent(self) -> ChurnParams:
        if self.medium_threshold >= self.high_threshold:
            raise ValueError("medium_threshold must be below high_threshold")
        if self.horizon is not None:
            days = round(horizon_days(self.horizon, self.grain))
            if not 14 <= days <= 730:
                span = describe(self.horizon, self.grain)
                raise ValueError(f"the churn window must be 14 to 730 days; {span} is {days} days")
            self.window_days = days
        return self


@modest_threads("scipy.optimize", "scipy.special", "sklearn.ensemble", "sklearn.inspection")
def run(ctx: AnalysisContext, params: ChurnParams) -> Result:
    from sklearn.ensemble import HistGradientBoostingClassifier

    w = params.window_days
    first_order = ctx.scalar(
        "SELECT min(order_date) FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL "
        "AND order_date <= $as_of",
        {"as_of": ctx.as_of},
    )
    if first_order is None:
        raise MissingDataError(
            "No completed orders with a customer up to the as-of date.", missing={"orders": ["customer_id"]}
        )
    training_cutoffs, validation_cutoff = cutoffs(ctx.as_of, w, first_order, params.snapshots)
    if not training_cutoffs:
        need = 3 * w
        raise UsageError(
            f"Churn within {w} days needs at least {need} days of order history before the as-of date "
            f"(training period, its outcome window, and a validation window); the data starts on {first_order}.",
            hint=f"Use a shorter window_days (at most {max((ctx.as_of - first_order).days // 3, 0)}).",
        )
    ctx.progress(0.05, "computing features")
    fq = feature_query(ctx, w)
    all_cutoffs = [*training_cutoffs, validation_cutoff, ctx.as_of]
    data = ctx.query(fq.sql, {"cutoffs": all_cutoffs, "as_of": ctx.as_of})
    data["cutoff"] = pd.to_datetime(data["cutoff"]).dt.date
    data["churned"] = (data["orders_next_window"] == 0).astype(int)
    train = data[data["cutoff"].isin(training_cutoffs)]
    valid = data[data["cutoff"] == validation_cutoff]
    current = data[data["cutoff"] == ctx.as_of]
    _check_sizes(train, valid, current, w)
    X_train, y_train = _matrix(train, fq.features), train["churned"].to_numpy()
    X_valid, y_valid = _matrix(valid, fq.features), valid["churned"].to_numpy()

    def model() -> Any:
        return HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.05, max_leaf_nodes=31, l2_regularization=1.0, random_state=params.seed
        )

    ctx.progress(0.35, "training")
    clf = model().fit(X_train, y_train)
    p_valid = clf.predict_proba(X_valid)[:, 1]
    ctx.progress(0.55, "evaluating on the validation period")
    evaluation = _evaluate(y_valid, p_valid, valid["recency_days"].to_numpy(np.float64), params.top)
    importance = _importance(clf, X_valid, y_valid, fq.features, params.seed)
    ctx.progress(0.7, "scoring current customers")
    labelled = pd.concat([train, valid])
    final = model().fit(_matrix(labelled, fq.features), labelled["churned"].to_numpy())
    scores = final.predict_proba(_matrix(current, fq.features))[:, 1]
    band = np.where(
        scores >= params.high_threshold, "high", np.where(scores >= params.medium_threshold, "medium", "low")
    )
    scored = pd.DataFrame({"customer_id": current["customer_id"].to_numpy(), "score": scores, "risk_band": band})
    if params.save:
        _save(ctx, scored)
    listed = scored.merge(
        current[["customer_id", "recency_days", "orders", "revenue"]], on="customer_id", how="left"
    ).rename(columns={"score": "churn_score", "recency_days": "days_since_last_order"})
    if params.segment:
        listed = listed[listed["customer_id"].astype(str).isin(segment_members(ctx, params.segment))]
    table = _with_customer_columns(
        ctx, listed.sort_values(["churn_score", "customer_id"], ascending=[False, True]).head(params.top)
    )
    details = {
        "definition": (
            f"current customer: a completed order in the {w} days up to the cutoff; churned: no completed order "
            f"in the {w} days after it"
        ),
        "window_days": w,
        "training_cutoffs": [c.isoformat() for c in training_cutoffs],
        "validation_cutoff": validation_cutoff.isoformat(),
        "training_customers": len(train),
        "training_churn_rate": float(y_train.mean()),
        "validation_customers": len(valid),
        "validation_churn_rate": float(y_valid.mean()),
        **evaluation,
        "feature_importance": importance,
        "features": fq.features,
        "sources": fq.sources,
        "scored_customers": len(scored),
        "risk_bands": {b: int((band == b).sum()) for b in ("high", "medium", "low")},
        "thresholds": {"high": params.high_threshold, "medium": params.medium_threshold},
        "saved": bool(params.save),
    }
    if params.segment:
        details["segment"] = params.segment
        details["segment_customers_scored"] = len(listed)
    return Result(
        title="Churn risk" + (f" of {params.segment}" if params.segment else ""),
        table=table.reset_index(drop=True),
        columns=[
            Column(name="customer_id", type="VARCHAR"),
            Column(name="churn_score", type="DOUBLE", format="percent"),
            Column(name="risk_band", type="VARCHAR"),
            Column(name="days_since_last_order", type="BIGINT", format="days"),
            Column(name="orders", type="BIGINT", format="count"),
            Column(name="revenue", type="DOUBLE", format="money"),
        ],
        chart=ChartSpec(kind="bar", x="customer_id", y=["churn_score"]),
        summary=_summary(params, scored, listed, details),
        details=details,
    )


def _check_sizes(train: pd.DataFrame, valid: pd.DataFrame, current: pd.DataFrame, window: int) -> None:
    if len(train) < MIN_LABELLED or len(valid) < 50:
        raise UsageError(
            f"Too few current customers to learn churn: {len(train)} at the training cutoffs and {len(valid)} at "
            f"the validation cutoff (need {MIN_LABELLED} and 50).",
            hint="Load more order history, or use a shorter window_days.",
        )
    for name, part in (("training", train), ("validation", valid)):
        rate = part["churned"].mean()
        if rate in (0.0, 1.0):
            raise UsageError(
                f"Every current customer of the {name} period {'churned' if rate == 1 else 'stayed'} within "
                f"{window} days, so there is nothing to tell apart.",
                hint="Try another window_days.",
            )
    if current.empty:
        raise UsageError(f"No customer placed a completed order in the {window} days up to the as-of date.")


def _matrix(df: pd.DataFrame, features: list[str]) -> Any:
    return df[features].to_numpy(dtype=np.float64, na_value=np.nan)


def _evaluate(y: Any, p: Any, recency: Any, top: int) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    order = np.argsort(-p, kind="stable")
    k = min(top, len(y))
    decile = max(1, len(y) // 10)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "recency_baseline_auc": float(roc_auc_score(y, recency)),
        "precision_at_k": {"k": k, "precision": float(y[order[:k]].mean())},
        "precision_top_decile": {"k": decile, "precision": float(y[order[:decile]].mean())},
    }


def _importance(clf: Any, X: Any, y: Any, features: list[str], seed: int) -> list[dict[str, Any]]:
    """Permutation importance (drop in ROC AUC) on at most 2,000 validation customers, largest first."""
    from sklearn.inspection import permutation_importance

    rng = np.random.default_rng(seed)
    idx = rng.choice(len(y), size=min(2000, len(y)), replace=False)
    if len(set(y[idx])) < 2:
        return []
    res = permutation_importance(clf, X[idx], y[idx], scoring="roc_auc", n_repeats=3, random_state=seed)
    ranked = sorted(zip(features, res.importances_mean, strict=True), key=lambda fi: -fi[1])
    return [{"feature": f, "auc_drop": float(v)} for f, v in ranked]


def _save(ctx: AnalysisContext, scored: pd.DataFrame) -> None:
    frame = scored.assign(as_of=ctx.as_of)[["customer_id", "score", "risk_band", "as_of"]]
    view = "_crmlens_new_churn_scores"
    try:
        ctx.execute(CHURN_SCORES.ddl())
    except DatabaseError:
        ctx.warn("The scores were not saved (is the database open read-only?); churn risk questions use older scores.")
        return
    ctx.con.register(view, frame)
    try:
        ctx.execute("BEGIN TRANSACTION")
        ctx.execute(f"DELETE FROM {CHURN_SCORES.name} WHERE as_of = $as_of", {"as_of": ctx.as_of})
        ctx.execute(
            f"INSERT INTO {CHURN_SCORES.name} SELECT customer_id, score, risk_band, CAST(as_of AS DATE) FROM {view}"
        )
        ctx.execute("COMMIT")
    except Exception:
        ctx.execute("ROLLBACK")
        raise
    finally:
        ctx.con.unregister(view)
    ctx.data_changed()


def _with_customer_columns(ctx: AnalysisContext, table: pd.DataFrame) -> pd.DataFrame:
    if table.empty or not ctx.table_exists("customers"):
        return table
    extra = ctx.query(
        "SELECT customer_id, name AS customer_name, city FROM customers WHERE customer_id IN (SELECT unnest($ids))",
        {"ids": [str(c) for c in table["customer_id"]]},
    ).drop_duplicates("customer_id")
    out = table.merge(extra, on="customer_id", how="left")
    first = ["customer_id", "customer_name", "city"]
    return out[first + [c for c in out.columns if c not in first]]


def _summary(params: ChurnParams, scored: pd.DataFrame, listed: pd.DataFrame, details: dict[str, Any]) -> str:
    n = len(scored)
    high = details["risk_bands"]["high"]
    top_features = ", ".join(f["feature"].replace("_", " ") for f in details["feature_importance"][:3])
    text = (
        f"Of {n:,} current customers (a completed order in the last {params.window_days} days), {high:,} "
        f"({high / n:.1%}) are at high risk of placing no order in the next {params.window_days} days. "
        f"Checked on the customers of {details['validation_cutoff']}: ROC AUC {details['roc_auc']:.3f} against "
        f"{details['recency_baseline_auc']:.3f} for recency alone; "
        f"{details['precision_at_k']['precision']:.0%} of the {details['precision_at_k']['k']} riskiest did churn "
        f"(base rate {details['validation_churn_rate']:.0%})."
    )
    if top_features:
        text += f" Strongest signals: {top_features}."
    if params.segment:
        text += f" Listed: customers of {params.segment} ({len(listed):,} scored)."
    return text


ANALYSIS = Analysis(
    name="forecast.churn",
    title="Churn risk",
    description="Gradient boosting on behaviour (RFM, tenure, order trend, tickets, NPS, events) with a "
    "time-based validation: ROC AUC against a recency-only baseline, precision at top k, feature importances; "
    "scores every current customer and saves churn_scores for questions.",
    params=ChurnParams,
    requires={"orders": ["customer_id", "order_date", "status"]},
    run=run,
    examples=[
        "which customers are likely to churn",
        "churn risk of champions",
        "crmlens run forecast.churn window_days=90",
        "哪些客户可能流失",
    ],
)
