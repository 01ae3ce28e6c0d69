"""``reputation.sentiment``: score every review and survey comment once and store the scores.

Writes ``review_sentiment`` and ``feedback_sentiment`` (see store.py): a score in [-1, 1], a label
(positive / neutral / negative) and the aspects mentioned, for each row, English and Chinese. Questions
can then filter and group by sentiment ("negative reviews by source", "NPS by comment sentiment").
Later runs score only new or changed texts. The result is how the labels split per source and language,
and how often the text's polarity agrees with the stars or the NPS score given with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.plugins.reputation import store

if TYPE_CHECKING:
    import pandas as pd


class SentimentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["all", "reviews", "feedback"] = Field("all", description="Which texts to score.")
    recompute: bool = Field(False, description="Score every text again, even those already stored.")


# Agreement of the text's polarity (score sign) with what the writer scored: stars 4-5 vs 1-2 for
# reviews, promoters vs detractors for survey answers. Middle scores are left out.
_AGREEMENT = {
    "reviews": ("rating", "r.rating >= 4", "r.rating <= 2"),
    "feedback": ("nps_score", "r.nps_score >= 9", "r.nps_score <= 6"),
}


def run(ctx: AnalysisContext, params: SentimentParams) -> Result:
    import pandas as pd

    names: list[store.SourceName] = ["reviews", "feedback"] if params.source == "all" else [params.source]
    available = [n for n in names if store.has_text(ctx, store.SOURCES[n])]
    if not available:
        raise MissingDataError(
            "There is no review text or survey comment to score.",
            missing={"reviews": ["text"], "feedback": ["comment"]},
            hint="Load reviews or feedback with text, or try `crmlens demo`.",
        )
    frames: list[pd.DataFrame] = []
    details: dict[str, object] = {}
    for i, name in enumerate(available):
        ctx.progress(i / len(available), f"scoring {name}")
        scored = store.ensure_scores(ctx, name, persist=True, recompute=params.recompute)
        src = scored.source
        frame = ctx.query(
            f"SELECT ? AS source, s.language, coalesce(s.label, '(no text)') AS label, count(*) AS rows, "
            f"avg(s.score) AS average_score FROM {scored.name} AS s GROUP BY ALL ORDER BY ALL",
            [name],
        )
        frame["share"] = frame["rows"] / frame.groupby("language")["rows"].transform("sum")
        frames.append(frame)
        column, positive, negative = _AGREEMENT[name]
        agreement = ctx.query(
            f"SELECT s.language, count(*) AS compared, "
            f"count(*) FILTER (WHERE ({positive} AND s.score >= 0) OR ({negative} AND s.score < 0)) AS agree "
            f"FROM {scored.name} AS s JOIN {src.table} AS r ON r.{src.id} = s.{src.id} "
            f"WHERE s.score IS NOT NULL AND ({positive} OR {negative}) GROUP BY ALL ORDER BY ALL"
        )
        details[name] = {
            "table": src.store if scored.stored else None,
            "stored": scored.stored,
            "rows": scored.rows,
            "scored_now": scored.scored,
            "distinct_texts_scored_now": scored.distinct_texts,
            "agreement_with_" + column: {
                str(r["language"]): {
                    "compared": int(r["compared"]),
                    "agree": int(r["agree"]),
                    "rate": int(r["agree"]) / int(r["compared"]) if r["compared"] else None,
                }
                for r in agreement.to_dict("records")
            },
        }
    table = pd.concat(frames, ignore_index=True)
    table = table[["source", "language", "label", "rows", "share", "average_score"]]
    parts = []
    for name in available:
        d = details[name]
        assert isinstance(d, dict)
        sub = table[(table["source"] == name) & (table["label"] != "(no text)")]
        total = int(sub["rows"].sum())
        neg = int(sub.loc[sub["label"] == "negative", "rows"].sum())
        verb = "stored" if d["stored"] else "computed (read-only database, not stored)"
        line = (
            f"{name.capitalize()}: {d['scored_now']:,} rows scored now, {d['rows']:,} {verb}; "
            f"{neg / total:.1%} of {total:,} texts negative"
            if total
            else f"{name}: no text"
        )
        agree: dict[str, dict[str, Any]] = next(iter(v for k, v in d.items() if k.startswith("agreement_with_")), {})
        rates = [f"{lang} {a['rate']:.1%}" for lang, a in agree.items() if a["rate"] is not None and lang != "none"]
        if rates:
            line += f"; polarity agrees with {'the stars' if name == 'reviews' else 'the NPS score'} on " + ", ".join(
                rates
            )
        parts.append(line + ".")
    from crmlens.plugins.reputation.sentiment_model import NEUTRAL_BAND

    details["neutral_band"] = NEUTRAL_BAND
    return Result(
        title="Sentiment of reviews and comments",
        table=table,
        columns=[
            Column(name="source", type="VARCHAR"),
            Column(name="language", type="VARCHAR"),
            Column(name="label", type="VARCHAR"),
            Column(name="rows", type="BIGINT", format="count"),
            Column(name="share", type="DOUBLE", format="percent"),
            Column(name="average_score", type="DOUBLE", format="score"),
        ],
        chart=ChartSpec(kind="bar", x="label", y=["rows"], series="language"),
        summary=" ".join(parts),
        details=details,
    )


ANALYSIS = Analysis(
    name="reputation.sentiment",
    title="Review and comment sentiment",
    description="Scores every review and survey comment (English and Chinese, offline) from -1 to 1 with a "
    "positive/neutral/negative label and the aspects mentioned, and stores them in review_sentiment and "
    "feedback_sentiment so questions can filter and group by sentiment. Only new or changed texts are scored again.",
    params=SentimentParams,
    run=run,
    examples=["sentiment analysis of reviews", "评论情感分析", "crmlens run reputation.sentiment source=reviews"],
)
