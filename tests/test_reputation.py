"""The reputation plugin: NPS, CSAT, sentiment storage, topics, competitors, service and routing, each checked
against hand-written SQL or hand-computed numbers on demo data (3,000 customers, seed 7) or small hand-made
tables. Sentiment accuracy on labelled data is in test_reputation_accuracy.py."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pandas as pd
import pytest

from crmlens.engine import Engine, MissingDataError, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.query.answer import parser_for

Z95 = NormalDist().inv_cdf(0.975)
NPS_SQL = ("100.0 * (count(*) FILTER (WHERE nps_score >= 9) - count(*) FILTER (WHERE nps_score <= 6)) "
           "/ count(nps_score)")


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRMLENS_HOME", str(tmp_path_factory.getbasetemp() / "crmlens-home"))
        path = tmp_path_factory.mktemp("reputation") / "demo.duckdb"
        engine = Engine.open(path)
        engine.generate_demo(customers=3000, seed=7)
        engine.close()
    return path


@pytest.fixture(scope="module")
def engine(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A writable copy of the demo database (its sentiment gets stored by the tests)."""
    copy = tmp_path_factory.mktemp("reputation-rw") / "demo.duckdb"
    shutil.copy(demo_path, copy)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRMLENS_HOME", str(tmp_path_factory.getbasetemp() / "crmlens-home"))
        e = Engine.open(copy)
        yield e
        e.close()


def q(engine: Engine, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    return engine.con.execute(sql, params or []).df()


# ── NPS ─────────────────────────────────────────────────────────────────────────────────────────────


def test_nps_overall_equals_sql(engine: Engine) -> None:
    result = engine.run("reputation.nps")
    row = result.table.iloc[0]
    want = q(engine, f"SELECT count(nps_score) AS n, count(*) FILTER (WHERE nps_score >= 9) AS p, "
                     f"count(*) FILTER (WHERE nps_score BETWEEN 7 AND 8) AS m, "
                     f"count(*) FILTER (WHERE nps_score <= 6) AS d, {NPS_SQL} AS nps FROM feedback").iloc[0]
    assert (row["answers"], row["promoters"], row["passives"], row["detractors"]) == (want.n, want.p, want.m, want.d)
    assert row["nps"] == pytest.approx(want.nps, abs=1e-9)
    # margin of error: the textbook variance of a difference of two shares of one multinomial sample
    p, d, n = want.p / want.n, want.d / want.n, want.n
    se = 100 * math.sqrt((p * (1 - p) + d * (1 - d) + 2 * p * d) / n)
    assert row["margin_of_error"] == pytest.approx(Z95 * se, rel=1e-9)
    assert row["nps_low"] == pytest.approx(want.nps - Z95 * se, rel=1e-9)
    assert f"{want.nps:+.1f}" in result.summary and f"{int(want.n):,} answers" in result.summary


def test_nps_by_month_equals_sql_and_first_month_compares_with_the_real_previous(engine: Engine) -> None:
    result = engine.run("reputation.nps", grain="month", start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))
    table = result.table
    want = q(engine, f"SELECT CAST(date_trunc('month', submitted_at) AS DATE) AS month, count(nps_score) AS n, "
                     f"{NPS_SQL} AS nps FROM feedback WHERE submitted_at >= DATE '2024-12-01' "
                     "AND submitted_at < DATE '2025-07-01' GROUP BY 1 ORDER BY 1")
    assert [d.isoformat() for d in table["month"]] == [f"2025-0{m}-01" for m in range(1, 7)]
    assert list(table["answers"]) == list(want["n"][1:])
    assert list(table["nps"]) == pytest.approx(list(want["nps"][1:]), abs=1e-9)
    assert list(table["previous_nps"]) == pytest.approx(list(want["nps"][:-1]), abs=1e-9)
    assert list(table["change"]) == pytest.approx(list(want["nps"].diff()[1:]), abs=1e-9)
    assert result.chart is not None and result.chart.x == "month"


def test_nps_by_channel_for_a_quarter_equals_sql_with_previous_quarter(engine: Engine) -> None:
    result = engine.run("reputation.nps", by="feedback_channel", start=dt.date(2025, 7, 1), end=dt.date(2025, 9, 30))
    got = result.table.set_index("feedback_channel")

    def per_channel(start: str, end: str) -> pd.DataFrame:
        return q(engine, f"SELECT channel, count(nps_score) AS n, {NPS_SQL} AS nps FROM feedback "
                         f"WHERE submitted_at >= DATE '{start}' AND submitted_at < DATE '{end}' GROUP BY 1").set_index(
            "channel")

    now, before = per_channel("2025-07-01", "2025-10-01"), per_channel("2025-04-01", "2025-07-01")
    assert sorted(got.index) == sorted(now.index)
    for channel in now.index:
        assert got.loc[channel, "answers"] == now.loc[channel, "n"]
        assert got.loc[channel, "nps"] == pytest.approx(now.loc[channel, "nps"], abs=1e-9)
        assert got.loc[channel, "previous_nps"] == pytest.approx(before.loc[channel, "nps"], abs=1e-9)
    assert result.details["previous_window"] == {"start": dt.date(2025, 4, 1), "end": dt.date(2025, 6, 30)}


def test_nps_by_region_and_city_filter_equal_sql(engine: Engine) -> None:
    city = q(engine, "SELECT city FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").iloc[0, 0]
    result = engine.run("reputation.nps", by="region", filters=[{"dimension": "city", "values": [city]}])
    want = q(engine, f"SELECT c.region, count(f.nps_score) AS n, {NPS_SQL.replace('nps_score', 'f.nps_score')} AS nps "
                     "FROM feedback f LEFT JOIN customers c ON c.customer_id = f.customer_id WHERE c.city = ? "
                     "GROUP BY 1", [city]).set_index("region")
    got = result.table.set_index("region")
    assert sorted(got.index) == sorted(want.index)
    for region in want.index:
        assert got.loc[region, "nps"] == pytest.approx(want.loc[region, "nps"], abs=1e-9)


def test_order_channel_is_read_as_the_survey_channel_and_bad_dimensions_are_named(engine: Engine) -> None:
    result = engine.run("reputation.nps", by="order_channel")
    assert "feedback_channel" in result.table.columns
    assert any("feedback channel" in w for w in result.warnings)
    with pytest.raises(UsageError, match="cannot be broken down") as err:
        engine.run("reputation.nps", by="device")
    assert "feedback_channel" in str(err.value)


@pytest.fixture
def survey_engine() -> Iterator[Engine]:
    """Three months of hand-made answers: NPS +40 (n=400), +10 (n=400), +8 (n=400)."""
    e = Engine.memory(as_of=dt.date(2025, 3, 31))
    ensure_canonical_tables(e.con, ["feedback"])
    rows = []
    for month, (promoters, detractors) in enumerate([(200, 40), (160, 120), (150, 118)], start=1):
        scores = [10] * promoters + [0] * detractors + [8] * (400 - promoters - detractors)
        rows += [(f"F{month}-{i}", None, dt.datetime(2025, month, 10), "web", s, 4, None)
                 for i, s in enumerate(scores)]
    e.con.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    yield e
    e.close()


def test_significant_drop_is_flagged_and_small_drop_is_not(survey_engine: Engine) -> None:
    result = survey_engine.run("reputation.nps", grain="month")
    table = result.table
    assert list(table["nps"]) == pytest.approx([40.0, 10.0, 8.0])

    def se(p: float, d: float, n: int) -> float:
        return 100 * math.sqrt((p * (1 - p) + d * (1 - d) + 2 * p * d) / n)

    z = (10.0 - 40.0) / math.hypot(se(0.5, 0.1, 400), se(0.4, 0.3, 400))
    assert table["p_value"].iloc[1] == pytest.approx(2 * (1 - NormalDist().cdf(abs(z))), rel=1e-6)
    assert list(table["significant_drop"]) == [False, True, False]
    assert "not significant" in result.summary  # the latest month: -2 points
    one = survey_engine.run("reputation.nps", start=dt.date(2025, 2, 1), end=dt.date(2025, 2, 28))
    assert bool(one.table["significant_drop"].iloc[0]) and "Significant drop" in one.summary


# ── CSAT and ratings ───────────────────────────────────────────────────────────────────────────────


def test_csat_by_quarter_equals_sql(engine: Engine) -> None:
    result = engine.run("reputation.csat", grain="quarter", start=dt.date(2025, 1, 1))
    want = q(engine, "SELECT CAST(date_trunc('quarter', submitted_at) AS DATE) AS quarter, count(csat_score) AS n, "
                     "count(*) FILTER (WHERE csat_score >= 4) / count(csat_score) AS csat, avg(csat_score) AS mean, "
                     "count(*) FILTER (WHERE csat_score = 1) AS s1, count(*) FILTER (WHERE csat_score = 5) AS s5 "
                     "FROM feedback WHERE submitted_at >= DATE '2025-01-01' GROUP BY 1 ORDER BY 1")
    got = result.table
    assert list(got["answers"]) == list(want["n"])
    assert list(got["csat"]) == pytest.approx(list(want["csat"]), abs=1e-12)
    assert list(got["average_score"]) == pytest.approx(list(want["mean"]), abs=1e-12)
    assert list(got["score_1"]) == list(want["s1"]) and list(got["score_5"]) == list(want["s5"])


def test_rating_of_our_brands_equals_the_average_rating_metric(engine: Engine) -> None:
    result = engine.run("reputation.csat", measure="rating")
    want = q(engine, "SELECT avg(rating) AS a, count(rating) AS n FROM reviews WHERE brand IN "
                     "(SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL)").iloc[0]
    assert result.table["answers"].iloc[0] == want.n
    assert result.table["average_score"].iloc[0] == pytest.approx(want.a, abs=1e-12)


# ── sentiment ──────────────────────────────────────────────────────────────────────────────────────


def test_sentiment_is_stored_once_and_rescored_only_when_text_changes(engine: Engine) -> None:
    first = engine.run("reputation.sentiment")
    reviews = q(engine, "SELECT count(*) FROM reviews").iloc[0, 0]
    stored = q(engine, "SELECT count(*), count(DISTINCT review_id) FROM review_sentiment").iloc[0]
    assert stored.iloc[0] == stored.iloc[1] == reviews
    assert first.details["reviews"]["stored"] is True
    again = engine.run("reputation.sentiment")
    assert again.details["reviews"]["scored_now"] == 0 and again.details["feedback"]["scored_now"] == 0
    rid = q(engine, "SELECT review_id FROM review_sentiment WHERE label = 'positive' ORDER BY review_id LIMIT 1")
    rid = rid.iloc[0, 0]
    engine.con.execute("UPDATE reviews SET text = 'Terrible. It broke after two days and support never replied.' "
                       "WHERE review_id = ?", [rid])
    third = engine.run("reputation.sentiment", source="reviews")
    assert third.details["reviews"]["scored_now"] == 1
    assert q(engine, "SELECT label FROM review_sentiment WHERE review_id = ?", [rid]).iloc[0, 0] == "negative"
    # comments left empty have a row but no score or label
    empty = q(engine, "SELECT count(*) FILTER (WHERE s.label IS NULL), count(*) FILTER (WHERE f.comment IS NULL) "
                      "FROM feedback f JOIN feedback_sentiment s USING (feedback_id)").iloc[0]
    assert empty.iloc[0] == empty.iloc[1] > 0


def test_sentiment_edge_cases() -> None:
    from crmlens.plugins.reputation.sentiment_model import model

    m = model()
    texts = [None, "", "   ", "!!! ...", "😡😡😡", "👍😍", "It stopped working after two days.",
             "Great quality, arrived early, works perfectly.", "这个产品太差了，用了两天就坏了，已退货。",
             "非常满意，质量很好，推荐购买！",
             "质量很好，物流也快 but customer service never replied and the box was damaged",
             "Good 😊", "很失望 😡"]
    scored = m.score(texts)
    assert scored.score[:4] == [None] * 4 and scored.label[:4] == [None] * 4
    assert scored.language[:4] == ["none"] * 4
    assert scored.label[4] == "negative" and scored.label[5] == "positive"
    assert scored.label[6] == "negative" and scored.label[7] == "positive"
    assert scored.label[8] == "negative" and scored.label[9] == "positive"
    assert scored.language[10] == "mixed" and scored.score[10] is not None and -1 <= scored.score[10] <= 1
    assert scored.label[11] == "positive" and scored.label[12] == "negative"
    long_text = "The parcel arrived late and the lid cracked. " * 4000  # 180,000 characters
    started = time.perf_counter()
    long_scored = m.score([long_text])
    assert time.perf_counter() - started < 10
    assert long_scored.label[0] == "negative"


def _statements(engine: Engine, action: Callable[[], object]) -> list[str]:
    """The SQL statements ``action`` runs on the engine's connection (every cursor of it)."""
    executed: list[str] = []
    real = engine.con

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def cursor(self) -> Any:
            cur = real.cursor()

            class SpyCursor:
                def __getattr__(self, name: str) -> Any:
                    return getattr(cur, name)

                def execute(self, sql: str, *args: Any) -> Any:
                    executed.append(sql)
                    return cur.execute(sql, *args)

            return SpyCursor()

    engine._con = Spy()  # type: ignore[assignment]
    try:
        action()
    finally:
        engine._con = real
    return executed


def test_questions_only_read_and_score_for_the_answer(demo_path: Path, tmp_path: Path) -> None:
    """A question never writes: on a read-only database, and on a writable one where only reputation.sentiment
    stores scores."""
    engine = Engine.open(demo_path, read_only=True)
    try:
        for question in ("show negative reviews about quality", "what are customers complaining about",
                         "how do we compare with competitors", "sentiment analysis of reviews"):
            executed = _statements(engine, lambda q=question: engine.ask(q))  # type: ignore[misc]
            assert executed and all(s.strip().split(None, 1)[0].upper() in {"SELECT", "WITH", "FROM", "("}
                                    for s in executed), question
        result = engine.run("reputation.reviews", sentiment="negative", aspect="quality", limit=5)
        assert len(result.table) == 5 and set(result.table["sentiment"]) == {"negative"}
        assert any("computed for this answer only" in w for w in result.warnings)
        stored = engine.run("reputation.sentiment", source="reviews")
        assert stored.details["reviews"]["stored"] is False and any("read-only" in w for w in stored.warnings)
        assert "review_sentiment" not in {t.name for t in engine.tables()}
    finally:
        engine.close()
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_path, copy)
    writable = Engine.open(copy)
    try:
        writable.run("reputation.topics", polarity="negative", k=3)
        assert "review_sentiment" not in {t.name for t in writable.tables()}
        writable.run("reputation.sentiment", source="reviews")
        assert "review_sentiment" in {t.name for t in writable.tables()}
    finally:
        writable.close()


def test_questions_in_one_session_score_each_text_once(demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before reputation.sentiment has stored anything, the second question reuses the first one's scores (exactly:
    a score depends only on the text and the model) instead of running the transformer again."""
    from crmlens.plugins.reputation import store
    from crmlens.plugins.reputation.sentiment_model import SentimentModel

    monkeypatch.setattr(store, "_recent", {})
    scored: list[int] = []
    real = SentimentModel.score

    def counting(self: SentimentModel, texts: Any) -> Any:
        scored.append(len(texts))
        return real(self, texts)

    monkeypatch.setattr(SentimentModel, "score", counting)
    engine = Engine.open(demo_path, read_only=True)
    try:
        first = engine.run("reputation.reviews", sentiment="negative", aspect="delivery", limit=20)
        assert sum(scored) > 100  # the distinct review texts of the demo
        scored.clear()
        again = engine.run("reputation.reviews", sentiment="negative", aspect="delivery", limit=20)
        assert sum(scored) == 0
        assert again.table.equals(first.table)
    finally:
        engine.close()


def test_stored_sentiment_becomes_a_dimension_and_metrics(engine: Engine) -> None:
    engine.run("reputation.sentiment")
    answer = engine.ask("review count by sentiment")
    want = q(engine, "SELECT s.label AS sentiment, count(*) AS n FROM reviews r JOIN review_sentiment s "
                     "USING (review_id) WHERE r.brand IN (SELECT DISTINCT brand FROM products) GROUP BY 1")
    got = dict(zip(answer.table["sentiment"], answer.table["review_count"], strict=True))
    assert got == dict(zip(want["sentiment"], want["n"], strict=True))
    share = engine.ask("negative sentiment share")
    expected = q(engine, "SELECT count(*) FILTER (WHERE s.label = 'negative') / count(s.label) FROM reviews r "
                         "JOIN review_sentiment s USING (review_id) "
                         "WHERE r.brand IN (SELECT DISTINCT brand FROM products)").iloc[0, 0]
    assert share.table.iloc[0, 0] == pytest.approx(expected, abs=1e-12)


def test_negative_reviews_about_delivery(engine: Engine) -> None:
    result = engine.run("reputation.reviews", sentiment="negative", aspect="delivery", limit=1000)
    want = q(engine, "SELECT count(*) FROM reviews r JOIN review_sentiment s USING (review_id) "
                     "WHERE s.label = 'negative' AND list_contains(s.aspects, 'delivery') "
                     "AND r.brand IN (SELECT DISTINCT brand FROM products)").iloc[0, 0]
    assert len(result.table) == want == result.details["matching"]
    assert set(result.table["sentiment"]) == {"negative"}
    assert all("delivery" in a for a in result.table["aspects"])
    assert list(result.table["score"]) == sorted(result.table["score"])  # most negative first
    # a question reading "delivery" as a ticket category gets the same list
    same = engine.run("reputation.reviews", sentiment="negative", limit=1000,
                      filters=[{"dimension": "ticket_category", "values": ["delivery"]}])
    assert list(same.table["review_id"]) == list(result.table["review_id"])


# ── topics ─────────────────────────────────────────────────────────────────────────────────────────


def test_topics_are_stable_under_a_seed_with_labels_from_their_terms(engine: Engine) -> None:
    a = engine.run("reputation.topics", polarity="negative", k=4, seed=3)
    b = engine.run("reputation.topics", polarity="negative", k=4, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert set(a.table["language"]) == {"en", "zh"}
    for _, row in a.table.iterrows():
        terms = row["top_terms"].split(", ")
        parts = row["topic"].split("、" if row["language"] == "zh" else " / ")
        assert parts and all(p in terms for p in parts)
        assert 0 < row["share"] <= 1 and row["average_sentiment"] < 0  # negative texts only
    assert a.table.groupby("language")["share"].sum().le(1 + 1e-9).all()
    negative = set(q(engine, "SELECT r.text FROM reviews r JOIN review_sentiment s USING (review_id) "
                             "WHERE s.label = 'negative' UNION SELECT f.comment FROM feedback f "
                             "JOIN feedback_sentiment s USING (feedback_id) WHERE s.label = 'negative'").iloc[:, 0])
    for topic in a.details["topics"]:
        assert 1 <= len(topic["quotes"]) <= 3 and set(topic["quotes"]) <= negative
    impacts = a.table["nps_impact"].dropna().tolist()
    assert impacts == sorted(impacts)  # complaint topics ranked by how much they drag NPS


def test_topic_impact_is_nps_of_everyone_minus_nps_without_the_topic(engine: Engine) -> None:
    result = engine.run("reputation.topics", polarity="negative", source="feedback", k=3)
    base = result.details["baselines"]
    want = q(engine, "SELECT count(nps_score) AS n, count(*) FILTER (WHERE nps_score >= 9) AS p, "
                     "count(*) FILTER (WHERE nps_score <= 6) AS d FROM feedback").iloc[0]
    assert (base["nps_n"], base["nps_p"], base["nps_d"]) == (want.n, want.p, want.d)
    everyone = 100 * (want.p - want.d) / want.n
    for _, row in result.table.iterrows():
        n, nps_t = row["nps_answers"], row["nps"]
        without = (everyone * want.n - nps_t * n) / (want.n - n)
        assert row["nps_impact"] == pytest.approx(everyone - without, abs=1e-9)


# ── competitors ─────────────────────────────────────────────────────────────────────────────────────


def test_share_of_voice_equals_sql(engine: Engine) -> None:
    result = engine.run("reputation.competitors")
    want = q(engine, "SELECT CASE WHEN brand IN (SELECT brand FROM products) THEN 'ours' ELSE brand END AS b, "
                     "count(*) AS n, avg(rating) AS r FROM reviews GROUP BY 1").set_index("b")
    got = result.table.set_index("brand")
    ours = got[got["ours"]]
    assert len(ours) == 1 and ours["reviews"].iloc[0] == want.loc["ours", "n"]
    for brand in want.index.drop("ours"):
        assert got.loc[brand, "reviews"] == want.loc[brand, "n"]
        assert got.loc[brand, "average_rating"] == pytest.approx(want.loc[brand, "r"], abs=1e-12)
    assert got["share_of_voice"].sum() == pytest.approx(1.0)
    assert got["share_of_voice"].iloc[0] == pytest.approx(want.loc["ours", "n"] / want["n"].sum())


def test_price_position_equals_sql(engine: Engine) -> None:
    result = engine.run("reputation.competitors", view="price", by="competitor", lookback_days=60)
    want = q(engine, """
        WITH ranked AS (
            SELECT product_id, competitor, price, row_number() OVER (PARTITION BY product_id, competitor
                   ORDER BY observed_at DESC, price DESC) AS rn
            FROM competitor_prices WHERE observed_at > DATE '2025-11-01' AND observed_at <= DATE '2025-12-31')
        SELECT r.competitor, count(*) AS n, sum(p.unit_price) / sum(r.price) AS idx,
               count(*) FILTER (WHERE p.unit_price < r.price) AS cheaper
        FROM ranked r JOIN products p USING (product_id) WHERE rn = 1 GROUP BY 1""").set_index("competitor")
    got = result.table.set_index("competitor")
    for c in want.index:
        assert got.loc[c, "comparisons"] == want.loc[c, "n"]
        assert got.loc[c, "cheaper"] == want.loc[c, "cheaper"]
        assert got.loc[c, "price_index"] == pytest.approx(float(want.loc[c, "idx"]), rel=1e-9)
    assert result.details["comparisons"] == want["n"].sum()


# ── service ─────────────────────────────────────────────────────────────────────────────────────────


def test_service_by_category_equals_sql(engine: Engine) -> None:
    result = engine.run("reputation.service")
    want = q(engine, "SELECT category, count(*) AS n, avg(date_diff('second', opened_at, resolved_at)) / 86400.0 "
                     "AS d, count(*) FILTER (WHERE resolved_at IS NULL) AS open FROM tickets GROUP BY 1")
    want = want.set_index("category")
    got = result.table.set_index("ticket_category")
    for c in want.index:
        assert got.loc[c, "tickets"] == want.loc[c, "n"]
        assert got.loc[c, "backlog"] == want.loc[c, "open"]
        assert got.loc[c, "average_resolution_days"] == pytest.approx(want.loc[c, "d"], rel=1e-9)
    backlog = engine.run("reputation.service", view="backlog", grain="month")
    assert backlog.table["backlog"].iloc[-1] == want["open"].sum()
    relation = engine.run("reputation.service", view="csat")
    assert relation.table["answers"].sum() > 0 and "rank correlation" in relation.summary


def test_missing_tables_are_named() -> None:
    e = Engine.memory(as_of=dt.date(2025, 3, 31))
    try:
        with pytest.raises(MissingDataError, match="tickets"):
            e.run("reputation.service")
        with pytest.raises(MissingDataError, match=r"review text|survey comment"):
            e.run("reputation.sentiment")
    finally:
        e.close()


# ── routing ─────────────────────────────────────────────────────────────────────────────────────────

ROUTES = [
    ("NPS by month", ("metric", "nps")),
    ("净推荐值趋势", ("metric", "nps")),
    ("average resolution time by category", ("metric", "average_resolution_days")),
    ("NPS by channel last quarter", ("analysis", "reputation.nps")),
    ("net promoter score per channel", ("analysis", "reputation.nps")),
    ("各渠道净推荐值", ("analysis", "reputation.nps")),
    ("what are customers complaining about", ("analysis", "reputation.topics")),
    ("what do customers complain about", ("analysis", "reputation.topics")),
    ("差评主要集中在哪些方面", ("analysis", "reputation.topics")),
    ("客户在抱怨什么", ("analysis", "reputation.topics")),
    ("show negative reviews about delivery", ("analysis", "reputation.reviews")),
    ("bad reviews mentioning shipping", ("analysis", "reputation.reviews")),
    ("关于物流的差评", ("analysis", "reputation.reviews")),
    ("how do we compare with competitors", ("analysis", "reputation.competitors")),
    ("竞品口碑对比", ("analysis", "reputation.competitors")),
    ("和竞品相比怎么样", ("analysis", "reputation.competitors")),
    ("are we cheaper than competitors", ("analysis", "reputation.competitors")),
    ("我们比竞品便宜吗", ("analysis", "reputation.competitors")),
    ("ticket backlog", ("analysis", "reputation.service")),
]


@pytest.mark.parametrize(("question", "target"), ROUTES)
def test_questions_route(demo_path: Path, question: str, target: tuple[str, str]) -> None:
    engine = Engine.open(demo_path, read_only=True)
    try:
        it = parser_for(engine).parse(question)
    finally:
        engine.close()
    kind, name = target
    assert it.kind == kind, (question, it)
    assert (it.analysis if kind == "analysis" else it.metrics[0]) == name


def test_route_parameters(demo_path: Path) -> None:
    engine = Engine.open(demo_path, read_only=True)
    try:
        parser = parser_for(engine)
        assert parser.parse("NPS by channel last quarter").params == {
            "by": "feedback_channel", "start": dt.date(2025, 7, 1), "end": dt.date(2025, 9, 30)}
        assert parser.parse("show negative reviews about delivery").params == {
            "sentiment": "negative", "aspect": "delivery"}
        assert parser.parse("are we cheaper than competitors").params == {"view": "price"}
        assert parser.parse("差评主要集中在哪些方面").params == {"polarity": "negative"}
    finally:
        engine.close()


def test_every_phrase_routes_to_its_own_analysis(demo_path: Path) -> None:
    """A phrase the parser cannot match as a whole (a time word inside, a longer phrase overlapping it) is dead."""
    engine = Engine.open(demo_path, read_only=True)
    try:
        parser = parser_for(engine)
        phrases = [p for p in engine.vocabulary if p.plugin == "reputation"]
        dead = []
        for p in phrases:
            it = parser.parse(p.text)
            if it.kind != "analysis" or it.analysis != p.analysis or any(it.params.get(k) != v
                                                                            for k, v in p.params.items()):
                dead.append(p.text)
    finally:
        engine.close()
    assert len(phrases) > 500 and not dead
