"""Demo data (``crmlens demo``): complete, valid, reproducible, atomic, and carrying the signal the
analyses look for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import pytest

from crmlens.engine.database import get_meta, quote_ident, table_exists
from crmlens.engine.demo import COMPETITOR_NAMES, DEMO_END, DEMO_START, OUR_BRAND, DemoReport, generate_demo
from crmlens.engine.demo import generate as generate_module
from crmlens.engine.demo.text import COMPLAINT_WORDS
from crmlens.engine.errors import UsageError
from crmlens.engine.schema import TABLES, TABLES_BY_NAME, relationships

CUSTOMERS = 5_000
SEED = 7
STAGING = "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_crmlens_demo%'"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[duckdb.DuckDBPyConnection, DemoReport]]:
    con = duckdb.connect()
    report = generate_demo(con, customers=CUSTOMERS, seed=SEED)
    yield con, report
    con.close()


@pytest.fixture(scope="module")
def con(demo: tuple[duckdb.DuckDBPyConnection, DemoReport]) -> duckdb.DuckDBPyConnection:
    return demo[0]


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The single value ``sql`` returns."""
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def pairs(con: duckdb.DuckDBPyConnection, sql: str) -> dict[Any, Any]:
    """``sql``'s two-column result as a dict."""
    return dict(con.execute(sql).fetchall())


def digest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Any, ...]]:
    """Per table: row count, a hash of the content and a hash that also depends on the row order."""
    out = {}
    for spec in TABLES:
        sql = f"SELECT count(*), sum(hash(t)), sum(hash(t, rowid)) FROM {quote_ident(spec.name)} t"
        out[spec.name] = tuple(con.execute(sql).fetchall()[0])
    return out


def complaint_share(con: duckdb.DuckDBPyConnection, table: str, column: str, where: str) -> float:
    """Share of the non-empty texts of ``table`` matching ``where`` that use a complaint word."""
    pattern = "|".join(COMPLAINT_WORDS["en"] + COMPLAINT_WORDS["zh"])
    sql = f"""SELECT avg(CASE WHEN regexp_matches(lower({column}), '{pattern}') THEN 1.0 ELSE 0.0 END)
              FROM {table} WHERE {column} IS NOT NULL AND {where}"""
    return float(one(con, sql))


# --- Completeness and validity ------------------------------------------------------------------


def test_every_canonical_table_is_filled_and_reported(demo: tuple[duckdb.DuckDBPyConnection, DemoReport]) -> None:
    con, report = demo
    assert report.customers == CUSTOMERS and report.seed == SEED and report.seconds > 0
    assert set(report.rows) == set(TABLES_BY_NAME)
    for spec in TABLES:
        count = one(con, f"SELECT count(*) FROM {quote_ident(spec.name)}")
        assert count > 0, spec.name
        assert report.rows[spec.name] == count
    assert report.rows["customers"] == CUSTOMERS
    assert report.total_rows == sum(report.rows.values())
    assert one(con, STAGING) == 0, "staging tables left behind"


def test_meta_records_as_of_seed_and_size(con: duckdb.DuckDBPyConnection) -> None:
    assert get_meta(con, "as_of") == "2025-12-31" == DEMO_END.isoformat()
    assert get_meta(con, "demo_seed") == str(SEED)
    assert get_meta(con, "demo_customers") == str(CUSTOMERS)


def test_columns_have_the_canonical_types(con: duckdb.DuckDBPyConnection) -> None:
    for spec in TABLES:
        sql = (
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_name = '{spec.name}' ORDER BY ordinal_position"
        )
        got = pairs(con, sql)
        assert list(got) == spec.column_names
        for col in spec.columns:
            assert got[col.name] == col.type, (spec.name, col.name)


def test_keys_are_unique(con: duckdb.DuckDBPyConnection) -> None:
    for spec in TABLES:
        key = ", ".join(quote_ident(k) for k in spec.key)
        assert one(con, f"SELECT count(*) - count(DISTINCT ({key})) FROM {quote_ident(spec.name)}") == 0, spec.name


def test_references_resolve(con: duckdb.DuckDBPyConnection) -> None:
    for rel in relationships():
        col, ref = quote_ident(rel.column), quote_ident(rel.ref_column)
        sql = f"""SELECT count(*) FROM {quote_ident(rel.table)} t WHERE t.{col} IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM {quote_ident(rel.ref_table)} r WHERE r.{ref} = t.{col})"""
        assert one(con, sql) == 0, rel


def test_allowed_and_documented_values(con: duckdb.DuckDBPyConnection) -> None:
    for spec in TABLES:
        for col in spec.columns:
            if col.allowed:
                sql = f"SELECT DISTINCT {quote_ident(col.name)} FROM {quote_ident(spec.name)}"
                values = {v for (v,) in con.execute(sql).fetchall()} - {None}
                assert values <= set(col.allowed), (spec.name, col.name, values - set(col.allowed))
    documented = {
        ("orders", "channel"): {"web", "app", "store", "tmall", "jd", "wechat"},
        ("events", "event_type"): {"visit", "view_product", "add_to_cart", "checkout", "purchase", "signup", "search"},
        ("events", "source"): {"organic", "paid_search", "social", "email", "direct", "referral"},
        ("reviews", "source"): {"tmall", "jd", "amazon", "app_store", "website", "weibo"},
        ("tickets", "category"): {"delivery", "refund", "product_quality", "billing", "account", "other"},
        ("opportunities", "stage"): {"lead", "qualified", "proposal", "negotiation", "closed"},
        ("campaign_responses", "variant"): {"A", "B", "control"},
    }
    for (table, column), allowed in documented.items():
        values = {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
        assert values == allowed, (table, column, values ^ allowed)
    scores = "SELECT count(*) FROM feedback WHERE nps_score NOT BETWEEN 0 AND 10 OR csat_score NOT BETWEEN 1 AND 5"
    assert one(con, scores) == 0
    assert one(con, "SELECT count(*) FROM reviews WHERE rating NOT BETWEEN 1 AND 5") == 0


def test_all_dates_are_inside_the_window(con: duckdb.DuckDBPyConnection) -> None:
    for spec in TABLES:
        for col in spec.columns:
            if col.type in ("DATE", "TIMESTAMP") and col.name != "birth_date":
                name = quote_ident(col.name)
                sql = f"SELECT min({name})::DATE, max({name})::DATE FROM {quote_ident(spec.name)}"
                lo, hi = con.execute(sql).fetchall()[0]
                assert lo >= DEMO_START and hi <= DEMO_END, (spec.name, col.name, lo, hi)
    age = "date_diff('day', birth_date, DATE '2025-12-31') / 365.25"
    youngest, oldest = con.execute(f"SELECT min({age}), max({age}) FROM customers").fetchall()[0]
    assert youngest >= 18 and oldest <= 75


def test_customer_activity_starts_at_signup(con: duckdb.DuckDBPyConnection) -> None:
    started = {
        "orders": "order_date",
        "events": "event_time",
        "feedback": "submitted_at",
        "reviews": "posted_at",
        "tickets": "opened_at",
        "campaign_responses": "sent_at",
        "opportunities": "created_at",
    }
    for table, column in started.items():
        sql = f"""SELECT count(*) FROM {table} t JOIN customers c USING (customer_id)
                  WHERE t.{column}::DATE < c.signup_date"""
        assert one(con, sql) == 0, table


def test_customers_look_real(con: duckdb.DuckDBPyConnection) -> None:
    # Chinese names in China, Latin letters elsewhere; about one customer in ten is a business.
    chinese = "regexp_matches(name, '^[\\x{4e00}-\\x{9fff}]+$')"
    sql = f"SELECT avg({chinese}::INT) FROM customers WHERE country = 'China' AND customer_type = 'individual'"
    assert one(con, sql) > 0.99
    assert one(con, "SELECT avg(regexp_matches(name, '^[A-Za-z]')::INT) FROM customers WHERE country <> 'China'") > 0.99
    assert 0.07 < one(con, "SELECT avg((customer_type = 'business')::INT) FROM customers") < 0.13
    assert one(con, "SELECT count(DISTINCT region) FROM customers") >= 8
    assert one(con, "SELECT count(DISTINCT country) FROM customers") >= 8
    assert one(con, "SELECT count(*) FROM customers WHERE email NOT LIKE '%@%.%'") == 0
    # A few re-registered people: the same e-mail (up to case and spaces) under another id.
    sql = """SELECT count(*) FROM (SELECT lower(trim(email)) FROM customers WHERE email IS NOT NULL
             GROUP BY 1 HAVING count(*) > 1)"""
    assert 1 <= one(con, sql) <= 0.01 * CUSTOMERS


# --- Orders ---------------------------------------------------------------------------------------


def test_amount_is_lines_minus_discount(con: duckdb.DuckDBPyConnection) -> None:
    sql = """SELECT count(*) FROM orders o JOIN (
                 SELECT order_id, sum(quantity * unit_price) AS lines, count(*) AS n FROM order_items GROUP BY 1
             ) i USING (order_id)
             WHERE o.amount <> i.lines - o.discount OR i.n NOT BETWEEN 1 AND 5 OR o.discount < 0 OR o.amount <= 0"""
    assert one(con, sql) == 0
    assert one(con, "SELECT count(*) FROM orders WHERE order_id NOT IN (SELECT order_id FROM order_items)") == 0


def test_order_counts_are_heavy_tailed(con: duckdb.DuckDBPyConnection) -> None:
    sql = """SELECT CASE WHEN n = 0 THEN 'none' WHEN n = 1 THEN 'one' WHEN n <= 20 THEN 'some' ELSE 'many' END,
                    count(*)
             FROM (SELECT c.customer_id, count(o.order_id) AS n
                   FROM customers c LEFT JOIN orders o USING (customer_id) GROUP BY 1)
             GROUP BY 1"""
    per = pairs(con, sql)
    assert per["none"] > 0.05 * CUSTOMERS  # prospects
    assert per["one"] > 0.2 * CUSTOMERS  # one-time buyers
    assert per["many"] > 0.03 * CUSTOMERS  # frequent buyers
    assert 8 <= one(con, "SELECT count(*) FROM orders") / CUSTOMERS <= 12


def test_status_mix_and_returns_by_category(con: duckdb.DuckDBPyConnection) -> None:
    mix = pairs(con, "SELECT status, count(*) / sum(count(*)) OVER () FROM orders GROUP BY 1")
    assert 0.84 < mix["completed"] < 0.92
    assert 0.03 < mix["cancelled"] < 0.07
    assert 0.04 < mix["returned"] < 0.10
    sql = """SELECT p.category, avg((o.status = 'returned')::INT)
             FROM orders o JOIN order_items i USING (order_id) JOIN products p USING (product_id) GROUP BY 1"""
    rate = pairs(con, sql)
    assert rate["Apparel"] > 1.5 * rate["Food"]


def test_channels_differ_by_market(con: duckdb.DuckDBPyConnection) -> None:
    sql = """SELECT count(*) FROM orders JOIN customers USING (customer_id)
             WHERE country <> 'China' AND channel IN ('tmall', 'jd', 'wechat')"""
    assert one(con, sql) == 0
    sql = """SELECT avg((channel IN ('tmall', 'jd'))::INT) FROM orders JOIN customers USING (customer_id)
             WHERE country = 'China'"""
    assert one(con, sql) > 0.3


def test_trend_and_seasonality(con: duckdb.DuckDBPyConnection) -> None:
    by_year = pairs(con, "SELECT year(order_date), sum(amount)::DOUBLE FROM orders GROUP BY 1")
    assert by_year[2025] > 1.5 * by_year[2023]
    daily = one(con, "SELECT count(*) / 365.0 FROM orders WHERE year(order_date) = 2025")
    assert one(con, "SELECT count(*) FROM orders WHERE order_date = DATE '2025-11-11'") > 2.5 * daily
    assert one(con, "SELECT count(*) FROM orders WHERE order_date = DATE '2025-06-18'") > 1.8 * daily
    sql = """SELECT avg(n) FILTER (WHERE dow IN (0, 6)), avg(n) FILTER (WHERE dow IN (1, 2))
             FROM (SELECT order_date, dayofweek(order_date) AS dow, count(*) AS n FROM orders
                   WHERE year(order_date) = 2025 GROUP BY 1, 2)"""
    weekend, weekday = con.execute(sql).fetchall()[0]
    assert weekend > weekday


def test_regions_differ_in_size_and_spend(con: duckdb.DuckDBPyConnection) -> None:
    size = pairs(con, "SELECT region, count(*) FROM customers GROUP BY 1")
    assert size["East China"] > 3 * size["Asia Pacific"]
    sql = """SELECT region, avg(amount) FROM orders JOIN customers USING (customer_id)
             WHERE customer_type = 'individual' GROUP BY 1"""
    aov = pairs(con, sql)
    assert aov["North America"] > aov["West China"]
    by_type = pairs(con, "SELECT customer_type, avg(amount) FROM orders JOIN customers USING (customer_id) GROUP BY 1")
    assert by_type["business"] > 3 * by_type["individual"]


def test_churned_customers_are_unhappier(con: duckdb.DuckDBPyConnection) -> None:
    last = "(SELECT customer_id, max(order_date) AS last_order FROM orders GROUP BY 1)"
    sql = f"""SELECT avg(f.nps_score) FILTER (WHERE last_order < DATE '2025-06-30'),
                     avg(f.nps_score) FILTER (WHERE last_order >= DATE '2025-10-01')
              FROM {last} JOIN feedback f USING (customer_id)"""
    churned, active = con.execute(sql).fetchall()[0]
    assert churned < active - 0.3
    share = one(con, f"SELECT avg((last_order < DATE '2025-06-30')::INT) FROM {last}")
    assert 0.3 < share < 0.8  # many customers stopped buying, many still buy


# --- Events ---------------------------------------------------------------------------------------


def test_funnel_narrows_and_depends_on_device_and_source(con: duckdb.DuckDBPyConnection) -> None:
    steps = ["visit", "view_product", "add_to_cart", "checkout", "purchase"]
    counts = pairs(con, "SELECT event_type, count(DISTINCT session_id) FROM events GROUP BY 1")
    assert [counts[s] for s in steps] == sorted((counts[s] for s in steps), reverse=True)
    assert counts["visit"] > counts["purchase"] * 4
    conversion = """SELECT {0}, count(DISTINCT session_id) FILTER (WHERE event_type = 'purchase')
                                / count(DISTINCT session_id) FROM events GROUP BY 1"""
    by_device = pairs(con, conversion.format("device"))
    assert by_device["app"] > 2 * by_device["mobile"]
    by_source = pairs(con, conversion.format("source"))
    assert by_source["email"] > 1.5 * by_source["social"]


def test_sessions_are_ordered_and_some_are_anonymous(con: duckdb.DuckDBPyConnection) -> None:
    sql = """SELECT count(*) FROM (
                 SELECT event_time, lag(event_time) OVER w AS before, first_value(event_type) OVER w AS first
                 FROM events WINDOW w AS (PARTITION BY session_id ORDER BY event_id))
             WHERE before >= event_time OR first <> 'visit'"""
    assert one(con, sql) == 0
    assert 0.05 < one(con, "SELECT avg((customer_id IS NULL)::INT) FROM events") < 0.5
    assert one(con, "SELECT count(DISTINCT customer_id) FROM events") > 0.8 * CUSTOMERS
    assert 8 <= one(con, "SELECT count(*) FROM events") / CUSTOMERS <= 25


# --- Voice of the customer ------------------------------------------------------------------------


def test_feedback_words_follow_the_score(con: duckdb.DuckDBPyConnection) -> None:
    assert complaint_share(con, "feedback", "comment", "nps_score <= 6") > 0.8
    assert complaint_share(con, "feedback", "comment", "nps_score >= 9") < 0.02
    for theme in ("deliver|物流|快递", "price|价", "quality|质量", "service|客服"):
        assert complaint_share(con, "feedback", "comment", f"nps_score <= 6 AND regexp_matches(comment, '{theme}')")
    sql = """SELECT c.country = 'China', avg(regexp_matches(f.comment, '[\\x{4e00}-\\x{9fff}]')::INT)
             FROM feedback f JOIN customers c USING (customer_id) WHERE comment IS NOT NULL GROUP BY 1"""
    chinese = pairs(con, sql)
    assert chinese[True] > 0.9 and chinese[False] < 0.1


def test_nps_varies_by_time_region_and_channel(con: duckdb.DuckDBPyConnection) -> None:
    quarter = pairs(con, "SELECT date_trunc('quarter', submitted_at)::DATE, avg(nps_score) FROM feedback GROUP BY 1")
    # The courier crisis of 2024 Q3: a dip in NPS, and detractors talk about delivery.
    q2, q3, q4 = date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)
    assert quarter[q3] < (quarter[q2] + quarter[q4]) / 2 - 0.4
    delivery = "deliver|parcel|courier|shipping|物流|快递|包裹|发货|送到"
    sql = f"""SELECT date_trunc('quarter', submitted_at)::DATE, avg(regexp_matches(comment, '{delivery}')::INT)
              FROM feedback WHERE nps_score <= 6 AND comment IS NOT NULL GROUP BY 1"""
    share = pairs(con, sql)
    assert share[q3] > (share[q2] + share[q4]) / 2 + 0.15
    region = pairs(con, "SELECT region, avg(nps_score) FROM feedback JOIN customers USING (customer_id) GROUP BY 1")
    assert region["East China"] > region["West China"]
    channel = pairs(con, "SELECT channel, avg(nps_score) FROM feedback GROUP BY 1")
    assert channel["store"] > channel["phone"]
    assert one(con, "SELECT corr(nps_score, csat_score) FROM feedback") > 0.6


def test_reviews_cover_brands_languages_and_sentiment(con: duckdb.DuckDBPyConnection) -> None:
    brands = {b for (b,) in con.execute("SELECT DISTINCT brand FROM reviews").fetchall()}
    assert set(COMPETITOR_NAMES) <= brands and any(b.startswith(OUR_BRAND) for b in brands)
    ours = "brand LIKE 'Lumina%'"
    assert one(con, f"SELECT count(*) FROM reviews WHERE {ours} AND product_id IS NULL") == 0
    sql = f"SELECT count(*) FROM reviews WHERE NOT {ours} AND (product_id IS NOT NULL OR customer_id IS NOT NULL)"
    assert one(con, sql) == 0
    assert {lang for (lang,) in con.execute("SELECT DISTINCT language FROM reviews").fetchall()} == {"en", "zh"}
    assert one(con, "SELECT count(*) FROM reviews WHERE language = 'en' AND source IN ('tmall', 'jd', 'weibo')") == 0
    assert complaint_share(con, "reviews", "text", "rating <= 2") > 0.7
    assert complaint_share(con, "reviews", "text", "rating >= 4") < 0.05
    rivals = "|".join(COMPETITOR_NAMES)
    assert one(con, f"SELECT count(*) FROM reviews WHERE {ours} AND regexp_matches(text, '{rivals}')") > 0
    ratings = pairs(con, "SELECT brand, avg(rating) FROM reviews GROUP BY 1")
    assert ratings["Novaline"] > ratings["Brightway"]
    assert one(con, "SELECT count(DISTINCT text) / count(*) FROM reviews") > 0.5  # varied wording


def test_tickets_resolve_by_priority_and_hurt_csat(con: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT priority, median(date_diff('minute', opened_at, resolved_at)) FROM tickets GROUP BY 1"
    minutes = pairs(con, sql)
    assert minutes["urgent"] < minutes["high"] < minutes["medium"] < minutes["low"]
    assert one(con, "SELECT count(*) FROM tickets WHERE resolved_at < opened_at") == 0
    sql = "SELECT count(*) FROM tickets WHERE (resolved_at IS NULL) <> (status IN ('open', 'pending'))"
    assert one(con, sql) == 0
    with_ticket = "customer_id IN (SELECT customer_id FROM tickets)"
    sql = f"SELECT {with_ticket}, avg(csat_score) FROM feedback GROUP BY 1"
    csat = pairs(con, sql)
    worse, better = csat[True], csat[False]
    assert worse < better - 0.2


# --- Campaigns, pipeline, competitors -------------------------------------------------------------


def test_campaign_responses_are_ordered_and_linked(con: duckdb.DuckDBPyConnection) -> None:
    assert 30 <= one(con, "SELECT count(*) FROM campaigns") <= 60
    assert one(con, "SELECT count(*) FROM campaigns WHERE end_date < start_date OR spend <= 0") == 0
    sql = """SELECT count(*) FROM campaign_responses WHERE
                 opened_at < sent_at OR clicked_at < opened_at OR converted_at < coalesce(clicked_at, sent_at)
                 OR (clicked_at IS NOT NULL AND opened_at IS NULL) OR (order_id IS NOT NULL AND converted_at IS NULL)
                 OR (variant = 'control' AND opened_at IS NOT NULL)"""
    assert one(con, sql) == 0
    sql = """SELECT count(*) FROM campaign_responses r JOIN orders o USING (order_id)
             WHERE o.customer_id <> r.customer_id OR o.order_date < r.sent_at::DATE"""
    assert one(con, sql) == 0
    assert one(con, "SELECT count(*) FROM campaign_responses WHERE order_id IS NOT NULL") > 0
    sql = """SELECT variant = 'control', avg((converted_at IS NOT NULL)::INT) FROM campaign_responses GROUP BY 1"""
    converted = pairs(con, sql)
    assert converted[False] > converted[True]


def test_pipeline_history_and_owners(con: duckdb.DuckDBPyConnection) -> None:
    rank = "list_position(['lead', 'qualified', 'proposal', 'negotiation', 'closed'], stage)"
    sql = f"""SELECT count(*) FROM (
                  SELECT {rank} AS k, entered_at, lag(entered_at) OVER w AS before, lag({rank}) OVER w AS k_before
                  FROM opportunity_stages WINDOW w AS (PARTITION BY opportunity_id ORDER BY {rank}))
              WHERE before >= entered_at OR (k_before <> k - 1 AND k <> 5)"""
    assert one(con, sql) == 0  # stages entered in order, one after the other (closing may come at any stage)
    has = "EXISTS (SELECT 1 FROM opportunity_stages s WHERE s.opportunity_id = o.opportunity_id AND {})"
    sql = f"""SELECT count(*) FROM opportunities o WHERE
                  (status = 'open') <> (closed_at IS NULL) OR (status <> 'open') <> (stage = 'closed')
                  OR NOT {has.format("s.stage = 'lead' AND s.entered_at = o.created_at")}
                  OR (status <> 'open' AND NOT {has.format("s.stage = 'closed' AND s.entered_at = o.closed_at")})"""
    assert one(con, sql) == 0
    assert 8 <= one(con, "SELECT count(DISTINCT owner) FROM opportunities") <= 12
    assert 0.03 < one(con, "SELECT count(DISTINCT customer_id) FROM opportunities") / CUSTOMERS < 0.08
    sql = "SELECT count(*) FROM opportunities JOIN customers USING (customer_id) WHERE customer_type <> 'business'"
    assert one(con, sql) == 0


def test_competitor_prices_bracket_ours(con: duckdb.DuckDBPyConnection) -> None:
    sql = """SELECT competitor, avg(c.price / p.unit_price) FROM competitor_prices c
             JOIN products p USING (product_id) GROUP BY 1"""
    ratio = pairs(con, sql)
    assert set(ratio) == set(COMPETITOR_NAMES)
    assert min(ratio.values()) < 0.95 and max(ratio.values()) > 1.02
    assert one(con, "SELECT count(DISTINCT date_trunc('month', observed_at)) FROM competitor_prices") == 36
    assert 200 <= one(con, "SELECT count(*) FROM products") <= 500


# --- Reproducibility and atomicity ----------------------------------------------------------------


def test_same_seed_gives_identical_data_whatever_the_threads(con: duckdb.DuckDBPyConnection) -> None:
    twin = duckdb.connect()
    twin.execute("SET threads = 1")
    generate_demo(twin, customers=CUSTOMERS, seed=SEED)
    assert digest(twin) == digest(con)
    sample = "SELECT * FROM orders ORDER BY order_id LIMIT 50"
    assert twin.execute(sample).fetchall() == con.execute(sample).fetchall()


def test_different_seed_gives_different_data(con: duckdb.DuckDBPyConnection) -> None:
    other = duckdb.connect()
    generate_demo(other, customers=CUSTOMERS, seed=SEED + 1)
    mine, theirs = digest(con), digest(other)
    assert all(mine[t] != theirs[t] for t in mine)


def test_regenerating_replaces_previous_data() -> None:
    con = duckdb.connect()
    generate_demo(con, customers=300, seed=1)
    con.execute("CREATE VIEW tickets_view AS SELECT * FROM tickets")
    report = generate_demo(con, customers=200, seed=2)
    assert one(con, "SELECT count(*) FROM customers") == 200 == report.rows["customers"]
    assert get_meta(con, "demo_customers") == "200"


@pytest.mark.parametrize("failing", ["build_events", "set_meta"])
def test_failure_leaves_the_database_as_it_was(monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    con = duckdb.connect()
    con.execute(TABLES_BY_NAME["customers"].ddl())
    con.execute("INSERT INTO customers (customer_id, name) VALUES ('K1', 'Kept')")
    con.execute('CREATE TABLE "_crmlens_meta" ("key" VARCHAR, "value" VARCHAR)')
    con.execute("INSERT INTO _crmlens_meta VALUES ('as_of', '2020-01-01')")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(generate_module, failing, boom)  # mid-way through the blocks, or in the final swap
    with pytest.raises(RuntimeError, match="simulated failure"):
        generate_demo(con, customers=500, seed=1)
    kept = [("K1", "Kept", *[None] * 10)]
    assert con.execute("SELECT * FROM customers").fetchall() == kept
    assert get_meta(con, "as_of") == "2020-01-01"
    assert not table_exists(con, "orders")
    assert one(con, STAGING) == 0


@pytest.mark.parametrize("customers", [0, -5, 5_000_001, 2.5, True, "100"])
def test_bad_customer_counts_are_usage_errors(customers: Any) -> None:
    con = duckdb.connect()
    with pytest.raises(UsageError):
        generate_demo(con, customers=customers)
    assert one(con, "SELECT count(*) FROM duckdb_tables()") == 0


def test_negative_seed_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        generate_demo(duckdb.connect(), customers=10, seed=-1)


@pytest.mark.parametrize(("customers", "seed"), [(1, 14), (3, 5), (57, 5)])  # (1, 14): a lone prospect, no orders
def test_tiny_sizes_work(customers: int, seed: int) -> None:
    con = duckdb.connect()
    report = generate_demo(con, customers=customers, seed=seed)
    assert report.rows["customers"] == customers
    assert report.rows["products"] > 0 and report.rows["campaigns"] > 0
