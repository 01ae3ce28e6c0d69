"""``funnel.campaigns``: sent → opened → clicked → converted per campaign and A/B variant.

Counts are aggregated in SQL (one row per campaign and variant); the variants of each campaign are
then compared on that small table: each variant against the campaign's reference variant (``control``
when there is one, else ``A``, else the first by name), with the two-proportion test and Newcombe's
confidence interval of the difference (see :mod:`crmlens.plugins.funnel.proportions`), and Holm's
adjustment over all the comparisons made.

Each step counts the recipients with that timestamp up to the as-of date, as e-mail platforms report
them; a conversion without a recorded click still counts as a conversion (a warning says how many).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, Result, UsageError
from crmlens.engine.lazy import lazy_module
from crmlens.plugins.funnel import dimensions
from crmlens.plugins.funnel.dimensions import DimensionFilter
from crmlens.plugins.funnel.proportions import compare, holm
from crmlens.plugins.funnel.summaries import plural, top_row

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

Step = Literal["opened", "clicked", "converted"]
_RATE = {"opened": "open_rate", "clicked": "click_rate", "converted": "conversion_rate"}


class CampaignFunnelParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign: str | None = Field(None, description="One campaign, by id or name (default: every campaign).")
    channel: str | None = Field(None, description="Only campaigns of this channel (email, sms, wechat, ...).")
    test_step: Step = Field("converted", description="The step the variants are compared on, as a share of sent.")
    confidence: float = Field(0.95, ge=0.5, le=0.999, description="Confidence level of the intervals and tests.")
    start: dt.date | None = Field(None, description="First day messages were sent (default: all the data).")
    end: dt.date | None = Field(None, description="Last day messages were sent (default: the as-of date).")
    filters: list[DimensionFilter] = Field(default_factory=list, description="Keep only matching recipients.")

    @model_validator(mode="after")
    def _period(self) -> CampaignFunnelParams:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


_SQL = """
SELECT campaign_responses.campaign_id, {name} AS campaign, {channel} AS channel, campaign_responses.variant,
       count(*) AS sent,
       count(*) FILTER (WHERE campaign_responses.opened_at < $as_of_excl) AS opened,
       count(*) FILTER (WHERE campaign_responses.clicked_at < $as_of_excl) AS clicked,
       count(*) FILTER (WHERE campaign_responses.converted_at < $as_of_excl) AS converted,
       count(*) FILTER (WHERE campaign_responses.clicked_at < $as_of_excl AND campaign_responses.opened_at IS NULL)
           AS clicked_unopened,
       count(*) FILTER (WHERE campaign_responses.converted_at < $as_of_excl AND campaign_responses.clicked_at IS NULL)
           AS converted_unclicked,
       min(campaign_responses.sent_at) AS first_sent
FROM campaign_responses {joins}
WHERE (campaign_responses.sent_at IS NULL OR campaign_responses.sent_at < $as_of_excl){where}
GROUP BY ALL
ORDER BY first_sent NULLS LAST, campaign_responses.campaign_id, campaign_responses.variant NULLS LAST
"""


def _reference(variants: list[str]) -> str:
    lower = {v.lower(): v for v in variants}
    for preferred in ("control", "a"):
        if preferred in lower:
            return lower[preferred]
    return sorted(variants)[0]


def _tests(df: pd.DataFrame, step: str, confidence: float) -> pd.DataFrame:
    """Each variant against its campaign's reference variant (on the small per-variant table)."""
    out = df.assign(
        reference_variant=pd.Series([None] * len(df), dtype=object),
        difference=float("nan"),
        ci_low=float("nan"),
        ci_high=float("nan"),
        p_value=float("nan"),
        test=pd.Series([None] * len(df), dtype=object),
    )
    for _, rows in out[out["variant"].notna()].groupby("campaign_id", sort=False):
        if len(rows) < 2:
            continue
        ref_name = _reference([str(v) for v in rows["variant"]])
        ref = rows[rows["variant"] == ref_name].iloc[0]
        for idx, row in rows.iterrows():
            if row["variant"] == ref_name:
                continue
            result = compare(int(ref[step]), int(ref["sent"]), int(row[step]), int(row["sent"]), confidence=confidence)
            if result is None:
                continue
            out.loc[idx, ["difference", "ci_low", "ci_high", "p_value"]] = [
                result.difference,
                result.ci_low,
                result.ci_high,
                result.p_value,
            ]
            out.loc[idx, "reference_variant"] = ref_name
            out.loc[idx, "test"] = result.test
    tested = out["p_value"].notna()
    out["p_value_holm"] = float("nan")
    if tested.any():
        out.loc[tested, "p_value_holm"] = holm([float(p) for p in out.loc[tested, "p_value"]])
    alpha = 1 - confidence
    out["significant"] = pd.Series([None] * len(out), dtype=object)
    out.loc[tested, "significant"] = [bool(p < alpha) for p in out.loc[tested, "p_value"]]
    return out


def run(ctx: AnalysisContext, params: CampaignFunnelParams) -> Result:
    as_of_excl = dt.datetime.combine(ctx.as_of + dt.timedelta(days=1), dt.time())
    end = min(params.end or ctx.as_of, ctx.as_of)
    sql_params: dict[str, Any] = {"as_of_excl": as_of_excl}
    where: list[str] = []
    has_campaigns = ctx.table_exists("campaigns") and bool(ctx.scalar("SELECT EXISTS (SELECT 1 FROM campaigns)"))
    joins = ["LEFT JOIN campaigns ON campaigns.campaign_id = campaign_responses.campaign_id"] if has_campaigns else []
    if params.start is not None:
        sql_params["since"] = dt.datetime.combine(params.start, dt.time())
        where.append("campaign_responses.sent_at >= $since")
    if params.end is not None:
        sql_params["end_excl"] = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
        where.append("campaign_responses.sent_at < $end_excl")
    if params.campaign is not None:
        where.append(_campaign_filter(ctx, params.campaign, has_campaigns, sql_params))
    if params.channel is not None:
        if not has_campaigns:
            raise UsageError("Filtering by channel needs the campaigns table, which holds no data.")
        known = [
            str(c)
            for c in ctx.query("SELECT DISTINCT channel FROM campaigns WHERE channel IS NOT NULL ORDER BY 1")["channel"]
        ]
        match = next((c for c in known if c.lower() == params.channel.strip().lower()), None)
        if match is None:
            raise UsageError(
                f"No campaign has the channel {params.channel!r}.",
                hint=f"Channels in the data: {', '.join(known) or 'none'}.",
            )
        sql_params["channel"] = match
        where.append("campaigns.channel = $channel")
    resolved = []
    base = ("campaign_responses", "campaigns") if has_campaigns else ("campaign_responses",)
    for i, flt in enumerate(dimensions.pick_filters(params.filters, base)):
        r = dimensions.resolve(
            ctx, flt.dimension, base=base, customer_key="campaign_responses.customer_id", what="A campaign funnel"
        )
        resolved.append(r)
        where.append(dimensions.filter_condition(r, flt, f"f{i}", sql_params))
    join_sql = " ".join(dict.fromkeys([*joins, dimensions.joins(resolved)])).strip()
    sql = _SQL.format(
        name="campaigns.name" if has_campaigns else "CAST(NULL AS VARCHAR)",
        channel="campaigns.channel" if has_campaigns else "CAST(NULL AS VARCHAR)",
        joins=join_sql,
        where="".join(f" AND {w}" for w in where),
    )
    df = ctx.query(sql, dimensions.used_params(sql, sql_params))
    unopened, unclicked = int(df["clicked_unopened"].sum()), int(df["converted_unclicked"].sum())
    if unopened:
        ctx.warn(f"{unopened:,} recipients clicked without a recorded open; they count as clicked.")
    if unclicked:
        ctx.warn(f"{unclicked:,} recipients converted without a recorded click; they count as converted.")
    df["campaign_start"] = df.groupby("campaign_id")["first_sent"].transform("min")
    df = df.sort_values(["campaign_start", "campaign_id", "variant"], na_position="last", kind="stable")
    df = df.drop(columns=["clicked_unopened", "converted_unclicked", "first_sent", "campaign_start"])
    df = df.reset_index(drop=True)
    sent = df["sent"].astype(float).where(df["sent"] > 0)
    df["open_rate"] = df["opened"] / sent
    df["click_to_open_rate"] = df["clicked"] / df["opened"].astype(float).where(df["opened"] > 0)
    df["conversion_from_click"] = df["converted"] / df["clicked"].astype(float).where(df["clicked"] > 0)
    df["click_rate"] = df["clicked"] / sent
    df["conversion_rate"] = df["converted"] / sent
    table = _tests(df, params.test_step, params.confidence)
    summary = _summary(table, params)
    return Result(
        title="Campaign funnel: sent → opened → clicked → converted, by variant"
        + (f" ({params.channel})" if params.channel else ""),
        table=table,
        columns=_columns(),
        chart=ChartSpec(kind="bar", x="campaign_id", y=["conversion_rate"], series="variant"),
        summary=summary,
        details={
            "test_step": params.test_step,
            "confidence": params.confidence,
            "test": "pooled two-proportion z-test (Fisher's exact test when a cell is under 5); Newcombe hybrid "
            "score interval for the difference; Holm adjustment over all comparisons",
            "totals": {c: int(table[c].sum()) for c in ("sent", "opened", "clicked", "converted")},
            "as_of": ctx.as_of.isoformat(),
        },
    )


def _campaign_filter(ctx: AnalysisContext, wanted: str, has_campaigns: bool, sql_params: dict[str, Any]) -> str:
    names = (
        "SELECT campaign_id, name FROM campaigns"
        if has_campaigns
        else ("SELECT DISTINCT campaign_id, CAST(NULL AS VARCHAR) AS name FROM campaign_responses")
    )
    known = ctx.query(names + " ORDER BY campaign_id")
    text = wanted.strip().lower()
    hits = known[(known["campaign_id"].str.lower() == text) | (known["name"].fillna("").str.lower() == text)]
    if hits.empty:
        hits = known[known["name"].fillna("").str.lower().str.contains(text, regex=False)]
    if hits.empty:
        sample = ", ".join(f"{r.campaign_id} ({r.name})" for r in known.head(10).itertuples())
        raise UsageError(f"No campaign is called {wanted!r}.", hint=f"Campaigns include: {sample or 'none'}.")
    sql_params["campaign_ids"] = [str(c) for c in hits["campaign_id"]]
    return "list_contains($campaign_ids, campaign_responses.campaign_id)"


def _pct(value: float) -> str:
    return f"{value * 100:+.1f} points"


def _summary(table: pd.DataFrame, params: CampaignFunnelParams) -> str:
    if table.empty or int(table["sent"].sum()) == 0:
        return "No campaign message was sent in the period."
    totals = {c: int(table[c].sum()) for c in ("sent", "opened", "clicked", "converted")}
    n_campaigns = table["campaign_id"].nunique()
    text = (
        f"{plural(n_campaigns, 'campaign')}, {plural(totals['sent'], 'recipient')}: "
        f"{totals['opened'] / totals['sent']:.1%} opened, {totals['clicked'] / totals['sent']:.1%} clicked, "
        f"{totals['converted'] / totals['sent']:.1%} converted."
    )
    tests = table[table["p_value"].notna()]
    if tests.empty:
        return text + " No campaign split its recipients between variants, so there is no A/B comparison."
    level = f"{params.confidence:.0%}"
    significant = tests[tests["p_value"] < 1 - params.confidence]
    holm_significant = tests[tests["p_value_holm"] < 1 - params.confidence]
    campaigns_tested = tests["campaign_id"].nunique()
    step = params.test_step
    text += (
        f" {plural(campaigns_tested, 'campaign')} tested variants on the {step} rate: "
        f"{len(significant):,} of {plural(len(tests), 'comparison')} differ significantly at {level} "
        f"({len(holm_significant):,} after Holm's adjustment for {plural(len(tests), 'test')})."
    )
    if len(significant):
        top = top_row(significant.assign(gap=significant["difference"].abs()), "gap")
        rate = top[_RATE[step]]
        ref_rate = float(rate) - float(top["difference"])
        better, worse = (
            (top["variant"], top["reference_variant"])
            if top["difference"] > 0
            else (top["reference_variant"], top["variant"])
        )
        text += (
            f" Largest gap: {top['campaign_id']} ({top['campaign']}), variant {top['variant']} {float(rate):.1%} vs "
            f"{top['reference_variant']} {ref_rate:.1%} ({_pct(float(top['difference']))}, {level} CI "
            f"{_pct(float(top['ci_low']))} to {_pct(float(top['ci_high']))}, p = {float(top['p_value']):.2g}): "
            f"{better} did better than {worse}."
        )
    wins = tests.groupby("variant")["difference"].apply(lambda d: int((d > 0).sum()))
    counts = tests.groupby("variant")["difference"].size()
    if len(counts) == 1:
        v = counts.index[0]
        ref = tests["reference_variant"].mode().iloc[0]
        text += f" Variant {v} beat {ref} in {int(wins[v]):,} of {plural(int(counts[v]), 'campaign')}."
    return text


def _columns() -> list[Column]:
    return [
        Column(name="campaign_id", type="VARCHAR", format="text"),
        Column(name="campaign", type="VARCHAR", format="text"),
        Column(name="channel", type="VARCHAR", format="text"),
        Column(name="variant", type="VARCHAR", format="text"),
        Column(name="sent", type="BIGINT", format="count"),
        Column(name="opened", type="BIGINT", format="count"),
        Column(name="clicked", type="BIGINT", format="count"),
        Column(name="converted", type="BIGINT", format="count"),
        Column(name="open_rate", type="DOUBLE", format="percent"),
        Column(name="click_to_open_rate", type="DOUBLE", format="percent"),
        Column(name="conversion_from_click", type="DOUBLE", format="percent"),
        Column(name="click_rate", type="DOUBLE", format="percent"),
        Column(name="conversion_rate", type="DOUBLE", format="percent"),
        Column(name="reference_variant", type="VARCHAR", format="text"),
        Column(name="difference", type="DOUBLE", format="percent"),
        Column(name="ci_low", type="DOUBLE", format="percent"),
        Column(name="ci_high", type="DOUBLE", format="percent"),
        Column(name="p_value", type="DOUBLE", format="number"),
        Column(name="test", type="VARCHAR", format="text"),
        Column(name="p_value_holm", type="DOUBLE", format="number"),
        Column(name="significant", type="BOOLEAN", format="text"),
    ]


ANALYSIS = Analysis(
    name="funnel.campaigns",
    title="Campaign funnel and A/B test",
    description="Sent → opened → clicked → converted per campaign and variant, with the difference between "
    "variants, its confidence interval and p-value (two-proportion test).",
    params=CampaignFunnelParams,
    requires={"campaign_responses": ["campaign_id", "customer_id"]},
    run=run,
    examples=["which email variant converted better", "campaign funnel", "crmlens run funnel.campaigns channel=email"],
)
