"""``reputation.topics``: what customers complain about and praise, from review and comment text.

Per language, a TF-IDF matrix of the texts' words (English words and word pairs; Chinese words cut by
the query layer's jieba segmenter; no stop words, brand or product-name words) is factorised by NMF
(scikit-learn) into ``k`` topics, fitted on at most ``sample`` texts (a seeded, hash-ordered sample)
and applied to every text, which joins its strongest topic. Each topic has its top terms and a label
made of the first of them, its share of the texts, average sentiment, share of negative texts, average
star rating and NPS of the people who wrote them, its trend (share in the last three months against the
three before, with a test), two or three representative quotes (the texts most strongly in the topic),
and its impact: how many NPS points / rating stars the whole base would gain if those answers were not
there (``nps_impact`` = NPS of everyone − NPS without them; negative = it drags the score down).
Complaint topics (``polarity="negative"``) are ranked by that drag. The same seed gives the same topics.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, MissingDataError, Result
from crmlens.plugins.reputation import breakdowns, periods, stats, store, topic_terms

if TYPE_CHECKING:
    import pandas as pd

MIN_DOCS = 20
#: Words in more than this share of the texts (e.g. "disappointed" among complaints) are not topic words.
MAX_DF = 0.5
BATCH = 50_000
RECENT_MONTHS = 3
_BRANDS = {
    "ours": "r.brand IN (SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)",
    "competitors": "r.brand NOT IN (SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)",
    "all": "TRUE",
}


class TopicsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    polarity: Literal["negative", "positive", "all"] = Field(
        "all", description="Texts to read: negative (complaints), positive (praise) or all, by their sentiment."
    )
    source: Literal["all", "reviews", "feedback"] = Field("all", description="Reviews, survey comments or both.")
    brands: Literal["ours", "competitors", "all"] = Field("ours", description="Whose reviews.")
    language: Literal["all", "en", "zh"] = Field("all", description="Texts of one language, or each language.")
    k: int = Field(6, ge=2, le=20, description="Topics per language.")
    start: dt.date | None = Field(None, description="First day of texts read (default: the first).")
    end: dt.date | None = Field(None, description="Last day of texts read (default: the as-of date).")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed of the fitting sample and of NMF.")
    sample: int = Field(50_000, ge=100, le=1_000_000, description="At most this many texts per language fit NMF.")
    quotes: int = Field(3, ge=1, le=10, description="Representative quotes per topic.")


@dataclass(frozen=True)
class Docs:
    """The texts read, as a SELECT (source, id, ts, text, score, label, language, rating, nps_score) and its
    named parameters; every query of the analysis reads it as a subquery."""

    sql: str
    params: dict[str, Any]

    def query(self, ctx: AnalysisContext, sql: str, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run ``sql`` (which names the texts ``docs``) with the texts' parameters and ``extra``."""
        full = sql.replace("{docs}", f"({self.sql})")
        return ctx.query(full, breakdowns.used_params(full, {**self.params, **(extra or {})}))


def _docs(ctx: AnalysisContext, params: TopicsParams, w: periods.Window) -> Docs:
    names: list[store.SourceName] = ["reviews", "feedback"] if params.source == "all" else [params.source]
    names = [n for n in names if store.has_text(ctx, store.SOURCES[n])]
    if not names:
        raise MissingDataError(
            "There is no review text or survey comment to find topics in.",
            missing={"reviews": ["text"], "feedback": ["comment"]},
            hint="Load reviews or feedback with text, or try `crmlens demo`.",
        )
    scored = {n: store.ensure_scores(ctx, n) for n in names}
    label = {"negative": "s.label = 'negative'", "positive": "s.label = 'positive'", "all": "TRUE"}[params.polarity]
    lang = "CASE WHEN s.language = 'mixed' THEN 'zh' ELSE s.language END"
    since = "" if w.start is None else " AND {ts} >= $start"
    parts = []
    if "reviews" in scored:
        parts.append(
            f"SELECT 'reviews' AS source, r.review_id AS id, r.posted_at AS ts, r.text AS text, s.score, s.label, "
            f"{lang} AS language, r.rating AS rating, CAST(NULL AS INTEGER) AS nps_score "
            f"FROM reviews AS r JOIN {scored['reviews'].name} AS s ON s.review_id = r.review_id "
            f"WHERE s.score IS NOT NULL AND s.language IN ('en', 'zh', 'mixed') AND r.posted_at < $until"
            f"{since.format(ts='r.posted_at')} AND {_BRANDS[params.brands]} AND {label}"
        )
    if "feedback" in scored:
        parts.append(
            f"SELECT 'feedback' AS source, f.feedback_id AS id, f.submitted_at AS ts, f.comment AS text, s.score, "
            f"s.label, {lang} AS language, CAST(NULL AS INTEGER) AS rating, f.nps_score AS nps_score "
            f"FROM feedback AS f JOIN {scored['feedback'].name} AS s ON s.feedback_id = f.feedback_id "
            f"WHERE s.score IS NOT NULL AND s.language IN ('en', 'zh', 'mixed') AND f.submitted_at < $until"
            f"{since.format(ts='f.submitted_at')} AND {label}"
        )
    where_lang = "" if params.language == "all" else " WHERE language = $language"
    bind: dict[str, Any] = {"until": w.until}
    if w.start is not None:
        bind["start"] = w.start
    if params.language != "all":
        bind["language"] = params.language
    return Docs(f"SELECT * FROM ({' UNION ALL '.join(parts)}){where_lang}", bind)


def _texts(frame: pd.DataFrame) -> list[str]:
    import pandas as pd

    return [
        "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
        for v in frame["text"].astype(object)
    ]


def _label(terms: list[str], language: str) -> str:
    chosen: list[str] = []
    for term in terms:
        if any(term in c.split() or c in term.split() for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == 3:
            break
    return ("、" if language == "zh" else " / ").join(chosen)


def _fit_language(
    ctx: AnalysisContext,
    docs: Docs,
    language: str,
    n: int,
    params: TopicsParams,
    excluded: frozenset[str],
    assigned: dict[str, list[Any]],
) -> list[dict[str, Any]] | None:
    """Fit NMF on a sample of one language's texts and give every text its strongest topic (appended to
    ``assigned``); return the topics' terms (None when there are too few texts or words)."""
    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = topic_terms.chinese_analyzer(excluded) if language == "zh" else topic_terms.english_analyzer(excluded)
    sample = docs.query(
        ctx,
        "SELECT text FROM {docs} WHERE language = $lang ORDER BY hash(source, id, $seed), source, id LIMIT $n",
        {"lang": language, "seed": params.seed, "n": params.sample},
    )
    texts = _texts(sample)
    min_df = max(2, int(0.001 * len(texts)))
    vectorizer = TfidfVectorizer(analyzer=analyzer, min_df=min_df, max_df=MAX_DF, max_features=5000, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no word left after stop words and frequency limits
        return None
    k = min(params.k, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if k < 2:
        return None
    nmf = NMF(n_components=k, init="nndsvda", random_state=params.seed, max_iter=500)
    nmf.fit(matrix)
    vocabulary = np.array(vectorizer.get_feature_names_out())
    topics = []
    for t, row in enumerate(nmf.components_):
        order = np.lexsort((vocabulary, -row))
        terms = [str(vocabulary[i]) for i in order[:10] if row[i] > 0]
        topics.append({"language": language, "topic": t, "terms": terms, "label": _label(terms, language)})
    sql = f"SELECT source, id, text FROM ({docs.sql}) WHERE language = $lang ORDER BY source, id"
    done = 0
    for batch in store.stream(ctx, sql, breakdowns.used_params(sql, {**docs.params, "lang": language}), BATCH):
        ctx.progress(0.3 + 0.6 * done / max(n, 1), f"assigning {language} texts to topics ({done:,} of {n:,})")
        batch_texts = ["" if t is None else str(t) for t in batch.column("text").to_pylist()]
        weights = nmf.transform(vectorizer.transform(batch_texts))
        best = weights.argmax(axis=1)
        strength = weights[np.arange(len(best)), best]
        keep = np.flatnonzero(strength > 0)  # a text with none of the topic words joins no topic
        sources, ids = batch.column("source").to_pylist(), batch.column("id").to_pylist()
        assigned["language"] += [language] * len(keep)
        assigned["source"] += [sources[i] for i in keep]
        assigned["id"] += [str(ids[i]) for i in keep]
        assigned["topic"] += best[keep].astype(int).tolist()
        assigned["strength"] += strength[keep].astype(float).tolist()
        done += batch.num_rows
    return topics


def _excluded_names(ctx: AnalysisContext) -> frozenset[str]:
    names: list[str] = []
    if ctx.table_exists("products"):
        names += [
            str(v)
            for v in ctx.query(
                "SELECT DISTINCT name FROM products WHERE name IS NOT NULL "
                "UNION SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL"
            ).iloc[:, 0]
        ]
    if ctx.table_exists("reviews"):
        names += [str(v) for v in ctx.query("SELECT DISTINCT brand FROM reviews WHERE brand IS NOT NULL").iloc[:, 0]]
    if ctx.table_exists("competitor_prices"):
        names += [str(v) for v in ctx.query("SELECT DISTINCT competitor FROM competitor_prices").iloc[:, 0]]
    return topic_terms.excluded_words(names)


def run(ctx: AnalysisContext, params: TopicsParams) -> Result:
    import pyarrow as pa

    w = periods.window(params.start, params.end, ctx.as_of)
    docs = _docs(ctx, params, w)
    counts = docs.query(ctx, "SELECT language, count(*) AS n FROM {docs} GROUP BY ALL ORDER BY language")
    total = int(counts["n"].sum())
    excluded = _excluded_names(ctx)
    topics: list[dict[str, Any]] = []
    assigned: dict[str, list[Any]] = {"language": [], "source": [], "id": [], "topic": [], "strength": []}
    for language, n in counts.itertuples(index=False, name=None):
        if n < MIN_DOCS:
            ctx.warn(f"Only {n} {language} texts: too few for topics (at least {MIN_DOCS}).")
            continue
        found = _fit_language(ctx, docs, str(language), int(n), params, excluded, assigned)
        if found is None:
            ctx.warn(f"The {language} texts have too few distinct words for topics.")
            continue
        topics += found
    what = {"negative": "negative ", "positive": "positive ", "all": ""}[params.polarity]
    if not topics:
        raise MissingDataError(
            f"Too few {what}texts for topics ({total:,} found {w.text()}; at least {MIN_DOCS} per language).",
            missing={},
            hint="Widen the period, read all polarities, or load more reviews and comments.",
        )
    ctx.con.register(
        "_reputation_topic_docs",
        pa.table(
            {
                "language": pa.array(assigned["language"], pa.string()),
                "source": pa.array(assigned["source"], pa.string()),
                "id": pa.array(assigned["id"], pa.string()),
                "topic": pa.array(assigned["topic"], pa.int32()),
                "strength": pa.array(assigned["strength"], pa.float64()),
            }
        ),
    )
    table = _aggregate(ctx, docs, params, w, topics)
    return _result(params, w, table, total)


def _aggregate(
    ctx: AnalysisContext, docs: Docs, params: TopicsParams, w: periods.Window, topics: list[dict[str, Any]]
) -> pd.DataFrame:
    import pandas as pd

    # The last three months: the month of the window's end and the two before; then the three before those.
    recent_from = _months_back(w.end.replace(day=1), RECENT_MONTHS - 1)
    previous_from = _months_back(recent_from, RECENT_MONTHS)
    bind = {"recent": recent_from, "previous": previous_from}
    frame = docs.query(
        ctx,
        """
        WITH d AS (
            SELECT d.*, t.topic, t.strength FROM {docs} AS d
            JOIN _reputation_topic_docs AS t ON t.language = d.language AND t.source = d.source AND t.id = d.id
        )
        SELECT language, topic, count(*) AS texts, avg(score) AS average_sentiment,
               count(*) FILTER (WHERE label = 'negative') / count(*) AS negative_share,
               avg(rating) AS average_rating, count(rating) AS ratings, sum(rating) AS rating_sum,
               count(nps_score) AS nps_answers, count(*) FILTER (WHERE nps_score >= 9) AS promoters,
               count(*) FILTER (WHERE nps_score <= 6) AS detractors,
               count(*) FILTER (WHERE ts >= $recent) AS recent_texts,
               count(*) FILTER (WHERE ts >= $previous AND ts < $recent) AS previous_texts
        FROM d GROUP BY ALL ORDER BY ALL
        """,
        bind,
    )
    totals = docs.query(
        ctx,
        "SELECT language, count(*) AS all_texts, count(*) FILTER (WHERE ts >= $recent) AS all_recent, "
        "count(*) FILTER (WHERE ts >= $previous AND ts < $recent) AS all_previous FROM {docs} GROUP BY ALL",
        bind,
    )
    base = _baselines(ctx, params, w)
    meta = pd.DataFrame(topics)
    frame = meta.merge(frame, on=["language", "topic"], how="left").fillna(
        {
            "texts": 0,
            "ratings": 0,
            "rating_sum": 0,
            "nps_answers": 0,
            "promoters": 0,
            "detractors": 0,
            "recent_texts": 0,
            "previous_texts": 0,
        }
    )  # a topic no text joined keeps its row with zero counts
    frame = frame.merge(totals, on="language", how="left")
    frame["share"] = frame["texts"] / frame["all_texts"]
    frame["nps"] = [
        stats.nps(int(p), int(d), int(n)) if n else math.nan
        for p, d, n in zip(frame["promoters"], frame["detractors"], frame["nps_answers"], strict=True)
    ]
    frame["nps_impact"] = [
        _nps_impact(base, int(n), int(p), int(d))
        for n, p, d in zip(frame["nps_answers"], frame["promoters"], frame["detractors"], strict=True)
    ]
    frame["rating_impact"] = [
        _rating_impact(base, int(c), float(s)) for c, s in zip(frame["ratings"], frame["rating_sum"], strict=True)
    ]
    trends = [
        _trend(int(a), int(b), int(c), int(d))
        for a, b, c, d in zip(
            frame["recent_texts"],
            frame["all_recent"].fillna(0),
            frame["previous_texts"],
            frame["all_previous"].fillna(0),
            strict=True,
        )
    ]
    frame["recent_share"] = [t[0] for t in trends]
    frame["previous_share"] = [t[1] for t in trends]
    frame["trend"] = [t[2] for t in trends]
    frame["trend_p_value"] = [t[3] for t in trends]
    frame["trend_direction"] = [t[4] for t in trends]
    quotes = docs.query(
        ctx,
        """
        WITH d AS (
            SELECT t.language, t.topic, d.text, t.strength, d.source, d.id FROM {docs} AS d
            JOIN _reputation_topic_docs AS t ON t.language = d.language AND t.source = d.source AND t.id = d.id
        ), distinct_texts AS (
            SELECT language, topic, text, max(strength) AS strength, min(source || ':' || id) AS first_id
            FROM d GROUP BY ALL
        )
        SELECT language, topic, text FROM (
            SELECT *, row_number() OVER (PARTITION BY language, topic
                                         ORDER BY strength DESC, abs(length(text) - 80), first_id) AS rn
            FROM distinct_texts)
        WHERE rn <= $quotes ORDER BY language, topic, rn
        """,
        {"quotes": params.quotes},
    )
    grouped: dict[tuple[str, int], list[str]] = {}
    for language, topic, text in quotes.itertuples(index=False, name=None):
        grouped.setdefault((str(language), int(topic)), []).append(str(text))
    frame["quotes"] = [
        grouped.get((str(la), int(t)), []) for la, t in zip(frame["language"], frame["topic"], strict=True)
    ]
    frame.attrs["baselines"] = base
    return frame


def _months_back(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 - months, 12)
    return dt.date(day.year + y, m + 1, 1)


def _baselines(ctx: AnalysisContext, params: TopicsParams, w: periods.Window) -> dict[str, float]:
    """NPS counts of every answer and the rating sum of every review in the window (all polarities)."""
    out: dict[str, float] = {}
    bind: dict[str, Any] = {"until": w.until}
    since = ""
    if w.start is not None:
        bind["start"] = w.start
        since = " AND {ts} >= $start"
    if params.source in ("all", "feedback") and ctx.table_exists("feedback"):
        n, p, d = ctx.row(
            "SELECT count(nps_score), count(*) FILTER (WHERE nps_score >= 9), count(*) FILTER (WHERE nps_score <= 6) "
            "FROM feedback AS f WHERE f.submitted_at < $until" + since.format(ts="f.submitted_at"),
            bind,
        )
        out.update(nps_n=float(n or 0), nps_p=float(p or 0), nps_d=float(d or 0))
    if params.source in ("all", "reviews") and ctx.table_exists("reviews"):
        c, s = ctx.row(
            "SELECT count(rating), sum(rating) FROM reviews AS r WHERE r.posted_at < $until AND "
            + _BRANDS[params.brands]
            + since.format(ts="r.posted_at"),
            bind,
        )
        out.update(rating_n=float(c or 0), rating_sum=float(s or 0))
    return out


def _nps_impact(base: dict[str, float], n: int, p: int, d: int) -> float:
    total = base.get("nps_n", 0.0)
    if not n or total - n <= 0:
        return math.nan
    everyone = 100.0 * (base["nps_p"] - base["nps_d"]) / total
    without = 100.0 * ((base["nps_p"] - p) - (base["nps_d"] - d)) / (total - n)
    return everyone - without


def _rating_impact(base: dict[str, float], count: int, total: float) -> float:
    n = base.get("rating_n", 0.0)
    if not count or n - count <= 0:
        return math.nan
    return base["rating_sum"] / n - (base["rating_sum"] - total) / (n - count)


def _trend(recent: int, all_recent: int, previous: int, all_previous: int) -> tuple[float, float, float, float, str]:
    if not all_recent or not all_previous:
        return math.nan, math.nan, math.nan, math.nan, "n/a"
    a, b = recent / all_recent, previous / all_previous
    test = stats.change(
        a, stats.share_standard_error(recent, all_recent), b, stats.share_standard_error(previous, all_previous)
    )
    direction = "steady"
    if test.p_value < 0.05:
        direction = "rising" if a > b else "falling"
    return a, b, a - b, test.p_value, direction


def _result(params: TopicsParams, w: periods.Window, frame: pd.DataFrame, total: int) -> Result:
    import pandas as pd

    has_nps = frame["nps_answers"].sum() > 0
    if params.polarity == "negative":
        key = ["nps_impact", "rating_impact"] if has_nps else ["rating_impact", "nps_impact"]
        frame = frame.sort_values(key, ascending=True, na_position="last", kind="stable")
    else:
        frame = frame.sort_values(["share", "texts"], ascending=False, kind="stable")
    frame = frame.reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    table = pd.DataFrame(
        {
            "rank": frame["rank"],
            "language": frame["language"],
            "topic": frame["label"],
            "top_terms": [", ".join(t) for t in frame["terms"]],
            "texts": frame["texts"].astype(int),
            "share": frame["share"],
            "average_sentiment": frame["average_sentiment"],
            "negative_share": frame["negative_share"],
            "ratings": frame["ratings"].astype(int),
            "average_rating": frame["average_rating"],
            "rating_impact": frame["rating_impact"],
            "nps_answers": frame["nps_answers"].astype(int),
            "nps": frame["nps"],
            "nps_impact": frame["nps_impact"],
            "recent_share": frame["recent_share"],
            "previous_share": frame["previous_share"],
            "trend": frame["trend"],
            "trend_direction": frame["trend_direction"],
            "quotes": [" ‖ ".join(q) for q in frame["quotes"]],
        }
    )
    what = {"negative": "complaint", "positive": "praise", "all": ""}[params.polarity]
    lead = []
    for _, row in table.head(3).iterrows():
        impact = ""
        if math.isfinite(row["nps_impact"]):
            impact = f", NPS impact {row['nps_impact']:+.1f}"
        elif math.isfinite(row["rating_impact"]):
            impact = f", rating impact {row['rating_impact']:+.2f}"
        lead.append(f"'{row['topic']}' ({row['language']}, {row['share']:.0%} of its texts{impact})")
    summary = (
        f"{len(table)} {what + ' ' if what else ''}topics in {total:,} texts ({w.text()}). "
        + ("Top: " if params.polarity != "negative" else "Dragging most: ")
        + "; ".join(lead)
        + "."
    )
    rising = table[table["trend_direction"] == "rising"]
    if len(rising):
        summary += " Rising in the last three months: " + ", ".join(f"'{t}'" for t in rising["topic"]) + "."
    columns = [
        Column(name="rank", type="BIGINT", format="count"),
        Column(name="language", type="VARCHAR"),
        Column(name="topic", type="VARCHAR"),
        Column(name="top_terms", type="VARCHAR"),
        Column(name="texts", type="BIGINT", format="count"),
        Column(name="share", type="DOUBLE", format="percent"),
        Column(name="average_sentiment", type="DOUBLE", format="score"),
        Column(name="negative_share", type="DOUBLE", format="percent"),
        Column(name="ratings", type="BIGINT", format="count"),
        Column(name="average_rating", type="DOUBLE", format="score"),
        Column(name="rating_impact", type="DOUBLE", format="score"),
        Column(name="nps_answers", type="BIGINT", format="count"),
        Column(name="nps", type="DOUBLE", format="score"),
        Column(name="nps_impact", type="DOUBLE", format="score"),
        Column(name="recent_share", type="DOUBLE", format="percent"),
        Column(name="previous_share", type="DOUBLE", format="percent"),
        Column(name="trend", type="DOUBLE", format="percent"),
        Column(name="trend_direction", type="VARCHAR"),
        Column(name="quotes", type="VARCHAR"),
    ]
    return Result(
        title=(
            "Complaint topics"
            if params.polarity == "negative"
            else "Praise topics"
            if params.polarity == "positive"
            else "Topics"
        )
        + " in reviews and comments",
        table=table,
        columns=columns,
        chart=ChartSpec(kind="bar", x="topic", y=["share"], series="language"),
        summary=summary,
        details={
            "topics": [
                {"language": la, "label": lb, "terms": list(tm), "quotes": list(q)}
                for la, lb, tm, q in zip(
                    frame["language"], frame["label"], frame["terms"], frame["quotes"], strict=True
                )
            ],
            "baselines": frame.attrs.get("baselines", {}),
            "window": {"start": w.start, "end": w.end},
            "seed": params.seed,
            "ranking": "negative topics by nps_impact (then rating_impact); others by share",
        },
    )


ANALYSIS = Analysis(
    name="reputation.topics",
    title="Complaint and praise topics",
    description="Topics of review and comment text (TF-IDF + NMF per language, Chinese cut by jieba): top terms, a "
    "label made of them, share, sentiment, rating and NPS, trend, representative quotes, and how much each drags "
    "NPS or the average rating. Stable under a seed.",
    params=TopicsParams,
    run=run,
    examples=[
        "what are customers complaining about",
        "差评主要集中在哪些方面",
        "what do customers praise",
        "crmlens run reputation.topics polarity=negative k=8",
    ],
)
