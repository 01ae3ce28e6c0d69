"""forecast.churn: the definition and the features equal hand computations; features never see data after
their cutoff; the model beats recency alone on a later period; scores are saved and questions can filter
and group by churn risk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from crmlens.engine import AnalysisContext, Engine, Result, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.forecast.churn import ChurnParams
from crmlens.plugins.forecast.churn_features import cutoffs, feature_query

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine.open(tmp_path_factory.mktemp("forecast-churn") / "demo.duckdb")
    engine.generate_demo(customers=3000, seed=7)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def churn(demo: Engine) -> Result:
    return demo.run("forecast.churn")


def current_customers(engine: Engine, cutoff: dt.date, window: int = 180) -> set[str]:
    rows = engine.con.execute(
        "SELECT DISTINCT customer_id FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL "
        "AND order_date > ? AND order_date <= ?",
        [cutoff - dt.timedelta(days=window), cutoff],
    ).fetchall()
    return {r[0] for r in rows}


def buyers_between(engine: Engine, start: dt.date, end: dt.date) -> set[str]:
    rows = engine.con.execute(
        "SELECT DISTINCT customer_id FROM orders WHERE status = 'completed' AND order_date > ? AND order_date <= ?",
        [start, end],
    ).fetchall()
    return {r[0] for r in rows}


# -- on the demo data ---------------------------------------------------------------------------------------
def test_model_beats_recency_alone_on_a_later_period(churn: Result) -> None:
    d = churn.details
    assert d["roc_auc"] > d["recency_baseline_auc"] + 0.01
    assert d["roc_auc"] > 0.75
    assert d["precision_at_k"]["precision"] > d["validation_churn_rate"]
    assert d["precision_top_decile"]["precision"] > d["validation_churn_rate"]
    assert {"orders", "tickets", "feedback", "events"} <= set(d["sources"])
    importances = [f["auc_drop"] for f in d["feature_importance"]]
    assert importances == sorted(importances, reverse=True) and len(importances) == len(d["features"])
    assert f"{d['roc_auc']:.3f}" in churn.summary and f"{d['recency_baseline_auc']:.3f}" in churn.summary


def test_validation_population_and_labels_equal_hand_sql(demo: Engine, churn: Result) -> None:
    d = churn.details
    validation = dt.date.fromisoformat(d["validation_cutoff"])
    assert validation == AS_OF - dt.timedelta(days=180)
    current = current_customers(demo, validation)
    assert d["validation_customers"] == len(current)
    stayed = current & buyers_between(demo, validation, validation + dt.timedelta(days=180))
    assert d["validation_churn_rate"] == pytest.approx(1 - len(stayed) / len(current))
    training = [dt.date.fromisoformat(c) for c in d["training_cutoffs"]]
    assert max(training) == validation - dt.timedelta(days=180)  # no training outcome overlaps validation
    assert d["training_customers"] == sum(len(current_customers(demo, c)) for c in training)


def test_scores_are_saved_for_every_current_customer(demo: Engine, churn: Result) -> None:
    rows = demo.con.execute("SELECT customer_id, score, risk_band, as_of FROM churn_scores").fetchall()
    assert {r[0] for r in rows} == current_customers(demo, AS_OF)
    assert len(rows) == churn.details["scored_customers"] and {r[3] for r in rows} == {AS_OF}
    for _, score, band, _ in rows:
        assert band == ("high" if score >= 0.5 else "medium" if score >= 0.25 else "low")
    assert churn.details["risk_bands"] == {b: sum(r[2] == b for r in rows) for b in ("high", "medium", "low")}
    listed = churn.table
    assert len(listed) == 100 and list(listed["churn_score"]) == sorted(listed["churn_score"], reverse=True)
    assert listed["churn_score"].iloc[0] == pytest.approx(max(r[1] for r in rows))


def test_questions_filter_and_group_by_churn_risk(demo: Engine, churn: Result) -> None:
    city = demo.con.execute(
        "SELECT c.city FROM churn_scores s JOIN customers c USING (customer_id) WHERE s.risk_band = 'high' "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]
    expected = {
        r[0]
        for r in demo.con.execute(
            "SELECT s.customer_id FROM churn_scores s JOIN customers c USING (customer_id) "
            "WHERE s.risk_band = 'high' AND c.city = ?",
            [city],
        ).fetchall()
    }
    listed = demo.ask(f"list customers in {city} with high churn risk")
    assert set(listed.table["customer_id"]) == expected
    counted = demo.ask(f"customers in {city} with high churn risk")
    assert int(counted.table.iloc[0, -1]) == len(expected)
    by_band = demo.ask("number of customers by churn risk")
    counts = {  # buying customers who are not current have no score (no band)
        band: n
        for band, n in zip(by_band.table["churn_risk"], by_band.table["customers"], strict=True)
        if isinstance(band, str)
    }
    assert counts == {b: n for b, n in churn.details["risk_bands"].items() if n}
    zh = demo.ask(f"列出{city}高流失风险的客户")
    assert set(zh.table["customer_id"]) == expected


def test_a_second_run_replaces_the_scores_of_its_date(demo: Engine, churn: Result) -> None:
    before = demo.con.execute("SELECT count(*) FROM churn_scores").fetchone()[0]
    again = demo.run("forecast.churn", top=5, snapshots=1)
    assert demo.con.execute("SELECT count(*) FROM churn_scores").fetchone()[0] == before
    assert len(again.table) == 5 and len(again.details["training_cutoffs"]) == 1


def test_segment_restricts_the_listing(demo: Engine, churn: Result) -> None:
    ids = sorted(current_customers(demo, AS_OF, window=120))[:7]
    demo.con.execute("CREATE TABLE segments (customer_id VARCHAR, scheme VARCHAR, segment VARCHAR, as_of DATE)")
    try:
        demo.con.executemany(
            "INSERT INTO segments VALUES (?, 'rfm', 'Champions', DATE '2025-12-31')", [[i] for i in ids]
        )
        before = demo.con.execute("SELECT count(*), max(score) FROM churn_scores").fetchone()
        result = demo.run("forecast.churn", segment="Champions", snapshots=1, save=False, window_days=120)
        assert sorted(result.table["customer_id"]) == ids
        assert result.details["saved"] is False
        assert demo.con.execute("SELECT count(*), max(score) FROM churn_scores").fetchone() == before
        assert "Champions" in result.summary and result.title == "Churn risk of Champions"
    finally:
        demo.con.execute("DROP TABLE segments")


# -- features and definition, by hand ----------------------------------------------------------------------
def test_features_at_a_cutoff_by_hand_and_blind_to_later_data() -> None:
    engine = Engine.memory(as_of=AS_OF)
    con = engine.con
    ensure_canonical_tables(con, ["customers", "orders", "tickets", "feedback"])
    con.execute("INSERT INTO customers (customer_id, customer_type) VALUES ('A', 'business'), ('B', 'individual')")
    con.execute(
        """INSERT INTO orders (order_id, customer_id, order_date, channel, status, amount) VALUES
        ('1', 'A', DATE '2025-01-10', 'web', 'completed', 100),
        ('2', 'A', DATE '2025-04-20', 'app', 'completed', 50),
        ('3', 'A', DATE '2025-06-10', 'web', 'returned', 70),
        ('4', 'A', DATE '2025-06-20', 'web', 'completed', 30),
        ('5', 'B', DATE '2024-12-01', 'store', 'completed', 10),
        ('6', 'B', DATE '2025-07-15', 'store', 'completed', 20)"""
    )
    con.execute(
        """INSERT INTO tickets (ticket_id, customer_id, opened_at, resolved_at, priority) VALUES
        ('T1', 'A', TIMESTAMP '2025-05-01 10:00', NULL, 'urgent'),
        ('T2', 'A', TIMESTAMP '2025-06-29 10:00', TIMESTAMP '2025-07-05 10:00', 'low')"""
    )
    con.execute(
        """INSERT INTO feedback (feedback_id, customer_id, submitted_at, nps_score, csat_score) VALUES
        ('F1', 'A', TIMESTAMP '2025-02-01 09:00', 9, 5), ('F2', 'A', TIMESTAMP '2025-06-01 09:00', 3, 2)"""
    )
    cutoff = dt.date(2025, 6, 30)

    def features() -> dict[str, dict[str, object]]:
        ctx = AnalysisContext(con, as_of=AS_OF)
        fq = feature_query(ctx, 90)
        df = ctx.query(fq.sql, {"cutoffs": [cutoff], "as_of": AS_OF})
        return {row["customer_id"]: row for row in df.to_dict("records")}

    got = features()
    assert set(got) == {"A"}  # B's last order before the cutoff is 211 days old: not current within 90 days
    a = got["A"]
    assert a["recency_days"] == 10 and a["orders"] == 3 and a["revenue"] == 180.0
    assert a["average_order_value"] == 60.0 and a["tenure_days"] == 171
    assert a["orders_last_90d"] == 2 and a["orders_prior_90d"] == 1 and a["order_trend"] == 1
    assert a["revenue_last_180d"] == 180.0 and a["mean_days_between_orders"] == pytest.approx(161 / 2)
    assert a["recency_vs_usual_gap"] == pytest.approx(10 / 80.5)
    assert a["return_share"] == pytest.approx(1 / 4) and a["cancel_share"] == 0 and a["channels_used"] == 2
    assert a["tickets_last_180d"] == 2 and a["urgent_tickets_last_180d"] == 1 and a["unresolved_tickets"] == 2
    assert a["last_nps"] == 3 and a["average_csat"] == 3.5 and a["surveys_answered"] == 2
    assert a["is_business"] == 1
    assert a["orders_next_window"] == 0  # churned: nothing from July to September
    # Data dated after the cutoff changes the label only.
    con.execute("INSERT INTO orders VALUES ('7', 'A', DATE '2025-08-01', 'web', 'completed', 999, 0)")
    con.execute("INSERT INTO tickets (ticket_id, customer_id, opened_at) VALUES ('T3', 'A', TIMESTAMP '2025-07-01')")
    con.execute(
        "INSERT INTO feedback (feedback_id, customer_id, submitted_at, nps_score) VALUES "
        "('F3', 'A', TIMESTAMP '2025-07-02', 10)"
    )
    after = features()["A"]
    assert after["orders_next_window"] == 1
    assert {k: v for k, v in after.items() if k != "orders_next_window"} == {
        k: v for k, v in a.items() if k != "orders_next_window"
    }
    engine.close()


def test_cutoffs_and_window_from_a_horizon() -> None:
    training, validation = cutoffs(AS_OF, 180, dt.date(2023, 1, 1), 3)
    assert validation == dt.date(2025, 7, 4)
    assert training == [dt.date(2024, 7, 9), dt.date(2024, 10, 7), dt.date(2025, 1, 5)]
    # A cutoff needs a full window of history before it.
    assert cutoffs(AS_OF, 180, dt.date(2024, 6, 1), 3)[0] == [dt.date(2025, 1, 5)]
    assert ChurnParams.model_validate({"horizon": 3, "grain": "month"}).window_days == 91
    with pytest.raises(ValueError, match="medium_threshold"):
        ChurnParams.model_validate({"high_threshold": 0.3, "medium_threshold": 0.4})


def test_too_little_history_is_refused() -> None:
    engine = Engine.memory(as_of=AS_OF)
    ensure_canonical_tables(engine.con, ["orders"])
    engine.con.execute(
        "INSERT INTO orders (order_id, customer_id, order_date, status, amount) "
        "SELECT CAST(i AS VARCHAR), 'C' || CAST(i % 50 AS VARCHAR), DATE '2025-06-01' + CAST(i % 200 AS INTEGER), "
        "'completed', 10 FROM range(500) t(i)"
    )
    with pytest.raises(UsageError, match=r"needs at least 540 days of order history"):
        engine.run("forecast.churn")
    with pytest.raises(UsageError, match="Too few current customers"):
        engine.run("forecast.churn", window_days=30)
    engine.close()
