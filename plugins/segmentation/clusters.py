"""``segmentation.clusters``: k-means clusters of buying customers on standardized, log-transformed
behavioural features (see :mod:`.features`), each described in words by what sets it apart.

k is chosen by the silhouette score over ``k_min..k_max`` unless given: candidate models are fitted on
a random sample of ``sample_size`` customers and scored on at most :data:`SILHOUETTE_SAMPLE` of them.
The final model is KMeans (k-means++ starts: 4 up to :data:`MANY_CUSTOMERS` customers, 1 above,
at most 100 iterations) on every customer, always with ``seed``, so the same data and seed give the
same clusters. scikit-learn runs on one thread: its OpenMP threads spin while waiting, and on a busy
shared machine two threads were ten times slower than one (a million customers: 3 s against 30 s).
Clusters are numbered by mean spend (Cluster 1 spends most). The features are computed and the
clusters profiled in DuckDB; only the standardized feature matrix comes to numpy.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result, UsageError
from crmlens.plugins.segmentation.common import OrderWindow, drop_temporary, resolve_window, save_scheme
from crmlens.plugins.segmentation.describe import describe_cluster
from crmlens.plugins.segmentation.features import (
    DEFAULT_FEATURES,
    Feature,
    FeaturePlan,
    features_sql,
    matrix_sql,
    plan_features,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

FEATURES = "_segmentation_features"
LABELS = "_segmentation_clusters"
SILHOUETTE_SAMPLE = 2_500
MANY_CUSTOMERS = 100_000


class ClusterParams(OrderWindow):
    k: int | None = Field(None, ge=2, le=30, description="Number of clusters (default: chosen by silhouette).")
    k_min: int = Field(2, ge=2, le=30, description="Smallest k tried when k is not given.")
    k_max: int = Field(8, ge=2, le=30, description="Largest k tried when k is not given.")
    features: list[Feature] = Field(
        default_factory=lambda: list(DEFAULT_FEATURES),
        min_length=1,
        description="Behavioural features: recency, frequency, monetary, tenure, aov, channel_mix, category_mix.",
    )
    seed: int = Field(42, ge=0, le=2**31 - 1, description="Random seed: the same seed gives the same clusters.")
    sample_size: int = Field(
        20_000, ge=1_000, le=1_000_000, description="Customers sampled to choose k (all when fewer)."
    )
    save: bool = Field(True, description="Save the clusters (table segments, scheme 'cluster') as a query dimension.")

    @field_validator("features", mode="before")
    @classmethod
    def _one_feature(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value  # "features=recency" on the command line

    @model_validator(mode="after")
    def _range(self) -> ClusterParams:
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) is smaller than k_min ({self.k_min})")
        if len(set(self.features)) != len(self.features):
            raise ValueError("features lists a feature twice")
        return self


def run(ctx: AnalysisContext, params: ClusterParams) -> Result:
    window = resolve_window(ctx, params)
    plan = plan_features(ctx, window, list(params.features))
    for reason in plan.skipped:
        ctx.warn(f"Left out {reason}.")
    if not plan.model_columns:
        raise MissingDataError("None of the requested features can be computed from the loaded data.")
    ctx.progress(0.05, "computing features")
    ctx.execute(f"CREATE OR REPLACE TEMP TABLE {FEATURES} AS {features_sql(window, plan)}")
    try:
        return _cluster(ctx, params, plan, window.text(), window.end)
    finally:
        drop_temporary(ctx, FEATURES, LABELS)


def _cluster(ctx: AnalysisContext, params: ClusterParams, plan: FeaturePlan, period: str, end: dt.date) -> Result:
    import numpy as np

    n = int(ctx.scalar(f"SELECT count(*) FROM {FEATURES}") or 0)
    if n < 2:
        raise MissingDataError(
            f"Clustering needs at least two buying customers {period}; found {n}.",
            hint="Check the start, end or window_days, or load more orders.",
        )
    if params.k is not None and params.k > n:
        raise UsageError(f"k={params.k} is more than the {n} buying customers {period}.", hint="Choose a smaller k.")
    ctx.progress(0.25, "loading the feature matrix")
    x = ctx.query(matrix_sql(FEATURES, plan)).to_numpy(dtype=np.float32)
    rng = np.random.default_rng(params.seed)
    sample = np.sort(rng.choice(n, size=min(n, params.sample_size), replace=False))
    distinct = len(np.unique(x[sample], axis=0))
    silhouettes: dict[int, float] = {}
    if distinct < 2:
        ctx.warn("All customers have the same features: they form one cluster.")
        labels = np.zeros(n, dtype=np.int64)
        k = 1
    else:
        if params.k is not None:
            k = min(params.k, distinct)
            if k < params.k:
                ctx.warn(f"Only {distinct} distinct customer profiles: using k={k} instead of {params.k}.")
        else:
            ctx.progress(0.35, "choosing k by silhouette")
            silhouettes = _choose_k(x[sample], params, distinct)
            k = max(silhouettes, key=lambda kk: (silhouettes[kk], -kk))
        ctx.progress(0.6, f"fitting {k} clusters")
        labels = _fit(x, k, params.seed)
    ctx.progress(0.8, "profiling clusters")
    labels = _number_by_spend(ctx, labels)
    profile = _profile(ctx, plan)
    centroids = _centroids(x, labels, plan)
    words = [
        describe_cluster(
            {str(c): float(v) for c, v in centroids.loc[row["cluster"]].items()},
            {str(c): float(row[c]) for c, _, _ in plan.mix_columns},
            plan,
        )
        for _, row in profile.iterrows()
    ]
    profile = profile.drop(columns=[c for c, _, _ in plan.mix_columns])
    profile.insert(1, "description", [en for en, _ in words])
    profile.insert(2, "description_zh", [zh for _, zh in words])
    saved = save_scheme(ctx, scheme="cluster", as_of=end, source=LABELS) if params.save else 0

    summary = _summary_text(profile, n, k, silhouettes, period, saved)
    details: dict[str, Any] = {
        "k": k,
        "silhouette_by_k": silhouettes,
        "algorithm": f"KMeans, {_starts(n)} k-means++ start(s), one thread",
        "seed": params.seed,
        "customers": n,
        "sample_for_k": len(sample) if silhouettes else None,
        "features": plan.model_columns,
        "channels": plan.channels,
        "categories": plan.categories,
        "transform": "ln(1+x) and standardization for numeric features; mixes standardized and weighted 1/√columns",
        "centroids_standardized": centroids.reset_index().to_dict(orient="records"),
        "saved_rows": saved,
    }
    return Result(
        title=f"Customer clusters (k={k}, {period})",
        table=profile,
        columns=_columns(profile),
        chart=ChartSpec(kind="bar", x="cluster", y=["share", "revenue_share"]),
        summary=summary,
        details=details,
    )


def _summary_text(profile: pd.DataFrame, n: int, k: int, silhouettes: dict[int, float], period: str, saved: int) -> str:
    rows = profile.to_dict(orient="records")
    top = max(rows, key=lambda r: float(r["revenue_share"] or 0))
    text = f"{n:,} buying customers ({period}) fall into {k} cluster{'s' if k != 1 else ''}"
    if silhouettes:
        text += f" (k chosen by silhouette {silhouettes[k]:.2f} among k = {min(silhouettes)}–{max(silhouettes)})"
    text += (
        f". {top['cluster']} — {top['description']} — is {float(top['share']):.1%} of customers and makes "
        f"{float(top['revenue_share'] or 0):.1%} of revenue"
    )
    others = [f"{r['cluster']}: {r['description']} ({float(r['share']):.0%})" for r in rows if r is not top]
    text += ("; " + "; ".join(others) if others else "") + "."
    if saved:
        text += f" Clusters saved for {saved:,} customers."
    return text


def _choose_k(xs: npt.NDArray[np.float32], params: ClusterParams, distinct: int) -> dict[int, float]:
    """Silhouette of KMeans with each candidate k, fitted on the sample and scored on part of it."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    scores: dict[int, float] = {}
    upper = min(params.k_max, distinct - 1 if distinct > 2 else 2, len(xs) - 1)
    scored = np.random.default_rng(params.seed).choice(len(xs), size=min(len(xs), SILHOUETTE_SAMPLE), replace=False)
    with threadpool_limits(limits=1):
        for k in range(params.k_min, max(params.k_min, upper) + 1):
            labels = KMeans(n_clusters=k, n_init=2, random_state=params.seed).fit_predict(xs)
            if len(set(labels[scored].tolist())) < 2:
                continue
            scores[k] = float(silhouette_score(xs[scored].astype(np.float64), labels[scored]))
    return scores or {params.k_min: 0.0}


def _starts(n: int) -> int:
    return 4 if n <= MANY_CUSTOMERS else 1


def _fit(x: npt.NDArray[np.float32], k: int, seed: int) -> npt.NDArray[np.int64]:
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        model = KMeans(n_clusters=k, n_init=_starts(len(x)), max_iter=100, random_state=seed)
        result: npt.NDArray[np.int64] = model.fit_predict(x).astype("int64")
    return result


def _number_by_spend(ctx: AnalysisContext, labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Write the labels next to the features (by rid) and renumber clusters by mean spend, highest first."""
    import pandas as pd

    frame = pd.DataFrame({"rid": range(1, len(labels) + 1), "label": labels})
    ctx.con.register("_segmentation_label_frame", frame)
    try:
        ctx.execute(
            f"CREATE OR REPLACE TEMP TABLE {LABELS} AS WITH ranked AS (SELECT l.label, "
            "row_number() OVER (ORDER BY avg(f.monetary) DESC, l.label) AS number FROM _segmentation_label_frame AS l "
            f"JOIN {FEATURES} AS f USING (rid) GROUP BY l.label) "
            f"SELECT f.rid, f.customer_id, 'Cluster ' || r.number AS segment, r.number FROM {FEATURES} AS f "
            "JOIN _segmentation_label_frame AS l USING (rid) JOIN ranked AS r USING (label)"
        )
    finally:
        ctx.con.unregister("_segmentation_label_frame")
    numbers = ctx.query(f"SELECT number FROM {LABELS} ORDER BY rid")["number"].to_numpy()
    renumbered: npt.NDArray[np.int64] = numbers.astype("int64")
    return renumbered


def _profile(ctx: AnalysisContext, plan: FeaturePlan) -> pd.DataFrame:
    mix_means = ", ".join(f"avg(f.{c}) AS {c}" for c, _, _ in plan.mix_columns)
    sql = f"""
WITH totals AS (SELECT count(*) AS customers, sum(monetary) AS revenue FROM {FEATURES})
SELECT c.segment AS cluster, c.number, count(*) AS customers, count(*) / any_value(t.customers) AS share,
       CAST(sum(f.monetary) AS DECIMAL(18, 2)) AS revenue,
       CAST(sum(f.monetary) / nullif(any_value(t.revenue), 0) AS DOUBLE) AS revenue_share,
       avg(f.recency_days) AS mean_recency_days, avg(f.frequency) AS mean_frequency,
       CAST(avg(f.monetary) AS DOUBLE) AS mean_monetary, CAST(sum(f.monetary) / sum(f.frequency) AS DOUBLE) AS aov,
       avg(f.tenure_days) AS mean_tenure_days{", " + mix_means if mix_means else ""}
FROM {FEATURES} AS f JOIN {LABELS} AS c USING (rid), totals AS t
GROUP BY c.segment, c.number ORDER BY c.number"""
    df = ctx.query(sql)
    for block, prefix, values in (("top_channel", "ch_", plan.channels), ("top_category", "cat_", plan.categories)):
        if values:
            cols = [f"{prefix}{i}" for i in range(len(values))]
            best = df[cols].to_numpy().argmax(axis=1)
            df[block] = [f"{values[j]} ({df.iloc[r][cols[j]]:.0%})" for r, j in enumerate(best)]
    return df.drop(columns=["number"])


def _centroids(x: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], plan: FeaturePlan) -> pd.DataFrame:
    """Mean standardized feature of each cluster (mix columns without their block weight), by cluster name."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(x, columns=plan.model_columns)
    for block, values in (("ch_", plan.channels), ("cat_", plan.categories)):
        if values:
            cols = [c for c in plan.model_columns if c.startswith(block)]
            frame[cols] = frame[cols] * np.sqrt(len(values))
    frame["cluster"] = [f"Cluster {n}" for n in labels]
    return frame.groupby("cluster").mean()


def _columns(df: pd.DataFrame) -> list[Column]:
    formats: dict[str, Any] = {
        "customers": "count",
        "share": "percent",
        "revenue": "money",
        "revenue_share": "percent",
        "mean_recency_days": "days",
        "mean_frequency": "number",
        "mean_monetary": "money",
        "aov": "money",
        "mean_tenure_days": "days",
    }
    types = df.attrs.get("duckdb_types", {})
    return [
        Column(name=str(c), type=str(types.get(c, "VARCHAR")), format=formats.get(str(c), "text")) for c in df.columns
    ]


ANALYSIS = Analysis(
    name="segmentation.clusters",
    title="Customer clusters (k-means)",
    description="k-means clusters of buying customers on standardized log behaviour (RFM, tenure, basket, channel "
    "and category mix), k chosen by silhouette, each cluster described in words; saved as a query dimension.",
    params=ClusterParams,
    requires={"orders": ["customer_id", "order_date", "amount", "status"]},
    run=run,
    examples=[
        "cluster customers into 5 groups",
        "客户聚类",
        "crmlens run segmentation.clusters k=4 features=recency,frequency,monetary",
    ],
)
