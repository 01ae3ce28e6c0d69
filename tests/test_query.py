"""The query layer beyond the corpus: safety under random text, the LLM hook, explanations, charts,
the command line, and compiler details checked against hand-written SQL."""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlens.cli import main
from crmlens.engine import Engine, MissingDataError, NotUnderstoodError, PluginError, UsageError, hookimpl
from crmlens.engine.plugins import Plugins
from crmlens.query.answer import Answer, parser_for
from crmlens.query.catalog import Catalog
from crmlens.query.compiler import Compiler
from crmlens.query.interpretation import Filter, Interpretation, Period

SMALL = 3_000


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query") / "demo.duckdb"
    with Engine.open(path) as engine:
        engine.generate_demo(customers=SMALL, seed=7)
    return path


@pytest.fixture(scope="module")
def engine(demo_db: Path) -> Iterator[Engine]:
    with Engine.open(demo_db, read_only=True) as e:
        yield e


def scalar(engine: Engine, sql: str) -> Any:
    row = engine.con.execute(sql).fetchone()
    assert row is not None
    return row[0]


# -- answers checked against hand-written SQL -----------------------------------------------------------
def test_revenue_by_region_last_quarter(engine: Engine) -> None:
    answer = engine.ask("revenue by region last quarter")
    expected = dict(engine.con.execute(
        "SELECT c.region, sum(o.amount) FROM orders o JOIN customers c USING (customer_id) "
        "WHERE o.status = 'completed' AND o.order_date BETWEEN DATE '2025-07-01' AND DATE '2025-09-30' GROUP BY 1"
    ).fetchall())
    got = dict(zip(answer.table["region"], answer.table["revenue"], strict=True))
    assert got.keys() == expected.keys()
    for region, value in expected.items():
        assert float(got[region]) == pytest.approx(float(value))
    assert answer.table["revenue"].is_monotonic_decreasing
    assert answer.explanation.startswith("Revenue (sum of completed order amounts) by region") or \
        "by region, 2025-Q3" in answer.explanation
    assert answer.chart is not None and answer.chart.kind == "bar"
    assert answer.sql and "orders" in answer.sql[0]


def test_chinese_question_explained_in_chinese(engine: Engine) -> None:
    answer = engine.ask("按渠道统计平均客单价")
    assert "客单价" in answer.explanation and "按销售渠道" in answer.explanation
    expected = dict(engine.con.execute(
        "SELECT channel, sum(amount) / count(*) FROM orders WHERE status = 'completed' GROUP BY 1").fetchall())
    got = dict(zip(answer.table["order_channel"], answer.table["average_order_value"], strict=True))
    assert {k: pytest.approx(float(v)) for k, v in expected.items()} == {k: float(v) for k, v in got.items()}


def test_mixed_language_question(engine: Engine) -> None:
    answer = engine.ask("2025年 revenue by 渠道")
    assert answer.interpretation is not None
    assert answer.interpretation.dimensions == ["order_channel"]
    assert answer.interpretation.period == Period(start="2025-01-01", end="2025-12-31", label="2025")  # type: ignore[arg-type]


def test_time_series_gets_a_line_chart_and_ordered_periods(engine: Engine) -> None:
    answer = engine.ask("monthly orders in 2025")
    assert answer.chart is not None and answer.chart.kind == "line" and answer.chart.x == "month"
    assert list(answer.table["month"].dt.month) == list(range(1, 13))
    total = scalar(engine, "SELECT count(*) FROM orders WHERE status = 'completed' AND year(order_date) = 2025")
    assert int(answer.table["orders"].sum()) == total


def test_growth_and_share(engine: Engine) -> None:
    answer = engine.ask("revenue by channel this year with share")
    assert answer.table["revenue_share"].sum() == pytest.approx(1.0)
    growth = engine.ask("revenue year over year")
    row = growth.table.iloc[0]
    assert row["revenue_growth"] == pytest.approx(row["revenue"] / row["revenue_previous"] - 1)


def test_list_and_count_of_customers(engine: Engine) -> None:
    count = engine.ask("how many customers have more than 5 orders")
    expected = scalar(engine, "SELECT count(*) FROM (SELECT customer_id FROM orders WHERE status = 'completed' "
                              "GROUP BY 1 HAVING count(*) > 5)")
    assert int(count.table["customers"].iloc[0]) == expected
    listing = engine.ask("list customers in Shanghai who have not ordered for 180 days")
    assert set(listing.table["city"]) <= {"Shanghai"}
    assert (listing.table["days_since_last_order"] >= 180).all()
    assert len(listing.table) <= 100


def test_default_filter_is_lifted_when_grouping_by_its_column(engine: Engine) -> None:
    answer = engine.ask("revenue by order status")
    assert set(answer.table["order_status"]) == {"completed", "cancelled", "returned"}
    assert "default filter lifted" in answer.explanation


def test_value_groups_become_labelled_rows(engine: Engine) -> None:
    answer = engine.ask("online vs store revenue")
    assert set(answer.table["order_channel"]) == {"online", "store"}
    online = scalar(engine, "SELECT sum(amount) FROM orders WHERE status = 'completed' AND channel <> 'store'")
    got = dict(zip(answer.table["order_channel"], answer.table["revenue"], strict=True))
    assert float(got["online"]) == pytest.approx(float(online))


def test_generic_dimension_word_follows_the_metric(engine: Engine) -> None:
    assert engine.ask("CSAT by channel").interpretation.dimensions == ["feedback_channel"]  # type: ignore[union-attr]
    assert engine.ask("tickets by channel").interpretation.dimensions == ["ticket_channel"]  # type: ignore[union-attr]
    assert engine.ask("revenue by channel").interpretation.dimensions == ["order_channel"]  # type: ignore[union-attr]


def test_typos_are_read_and_said(engine: Engine) -> None:
    answer = engine.ask("reveneu by regoin")
    assert "read 'reveneu' as 'revenue'" in answer.explanation
    assert answer.interpretation is not None and answer.interpretation.dimensions == ["region"]


def test_sql_question_is_checked_read_only(engine: Engine) -> None:
    assert int(engine.ask("SELECT count(*) AS n FROM orders").table["n"].iloc[0]) > 0
    assert int(engine.ask("/sql select count(*) as n from customers").table["n"].iloc[0]) == SMALL
    with pytest.raises(UsageError):
        engine.ask("WITH x AS (SELECT 1) DELETE FROM orders")


# -- not understood -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "word"),
    [("what's the weather in Paris", "weather"), ("frobnicate the zorblax", "frobnicate"), ("天气怎么样", "天气")],
)
def test_not_understood_names_words_and_suggests(engine: Engine, question: str, word: str) -> None:
    with pytest.raises(NotUnderstoodError) as info:
        engine.ask(question)
    assert any(word in w for w in info.value.unknown_words)
    assert 1 <= len(info.value.suggestions) <= 3
    for suggestion in info.value.suggestions:
        assert isinstance(engine.ask(suggestion), Answer), suggestion


def test_destructive_request_is_refused(engine: Engine) -> None:
    with pytest.raises(NotUnderstoodError, match="only reads data"):
        engine.ask("delete all customers in Beijing")
    with pytest.raises(NotUnderstoodError, match="SQL syntax"):
        engine.ask("orders in Shanghai' OR '1'='1")


def test_question_about_missing_data_names_it(tmp_path: Path) -> None:
    with Engine.open(tmp_path / "only_customers.duckdb") as e:
        e.con.execute("CREATE TABLE customers AS SELECT 'C1' AS customer_id, 'Shanghai' AS city")
        with pytest.raises(MissingDataError, match="orders"):
            e.ask("revenue by city")


# -- safety under random and adversarial text -------------------------------------------------------------


ADVERSARIAL = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["'; DROP TABLE orders; --", "revenue' OR 1=1 --", "\" OR \"\"=\"", "revenue by region; DELETE",
                     "🙂🙃🔥 revenue 🚀", "客户' ; drop table customers", "revenue by " * 40, "x" * 1500,
                     "SELECT * FROM orders; DROP TABLE orders", "/sql DROP TABLE orders", "top -1 customers",
                     "top 99999999999999 customers", "revenue in 0000", "近-30天销售额", "前零名客户"]),
    st.lists(st.sampled_from(["revenue", "by", "region", "top", "10", "last", "month", "客户", "销售额", "按",
                              "渠道", "'", ";", "--", "DROP", "同比", "vs", "2024", "🙂", "nps", "share"]),
             max_size=12).map(" ".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ADVERSARIAL)
def test_random_text_never_crashes_or_writes(demo_db: Path, text: str) -> None:
    with Engine.open(demo_db, read_only=True) as e:
        before = e.con.execute("SELECT count(*) FROM orders").fetchone()
        tables_before = persistent_tables(e)
        executed: list[str] = []
        real = e.con

        class Spy:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            def cursor(self) -> Any:
                cur = real.cursor()
                outer = self

                class SpyCursor:
                    def __getattr__(self, name: str) -> Any:
                        return getattr(cur, name)

                    def execute(self, sql: str, *args: Any) -> Any:
                        executed.append(sql)
                        return cur.execute(sql, *args)

                del outer
                return SpyCursor()

        e._con = Spy()  # type: ignore[assignment]
        try:
            e.ask(text)
        except (NotUnderstoodError, UsageError, MissingDataError):
            pass
        finally:
            e._con = real
        for sql in executed:
            first = sql.strip().split(None, 1)[0].upper()
            # Analyses reached by a question may keep scratch results in the connection's temporary
            # catalog (in memory, gone with the connection): never a write to the database.
            scratch = re.match(r"\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+TABLE|DROP\s+TABLE\s+IF\s+EXISTS)"
                               r"\s+_\w+", sql, re.IGNORECASE)
            assert first in {"SELECT", "WITH", "BEGIN", "ROLLBACK", "FROM", "("} or scratch, sql
        assert e.con.execute("SELECT count(*) FROM orders").fetchone() == before
        assert persistent_tables(e) == tables_before


@settings(max_examples=200, deadline=None)
@given(value=st.text(min_size=1, max_size=50))
def test_filter_values_only_ever_become_literals(value: str) -> None:
    catalog = _tiny_catalog()
    it = Interpretation(kind="metric", metrics=["revenue"], filters=[Filter(dimension="city", values=[value])])
    sql = Compiler(catalog).compile(it).sql
    con = duckdb.connect()
    con.execute("CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date DATE, channel VARCHAR, "
                "status VARCHAR, amount DECIMAL(18,2), discount DECIMAL(18,2))")
    con.execute("CREATE TABLE customers (customer_id VARCHAR, city VARCHAR)")
    con.execute("INSERT INTO customers VALUES ('c', ?)", [value])
    con.execute("INSERT INTO orders VALUES ('o', 'c', DATE '2025-01-01', 'web', 'completed', 5, 0)")
    rows = con.execute(sql).fetchall()
    assert rows == [(5,)], (value, sql)


def persistent_tables(e: Engine) -> list[tuple[str, int]]:
    """Every table of the database file with its size (temporary tables excluded)."""
    return [(str(n), int(r)) for n, r in e.con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]


def _tiny_catalog() -> Catalog:
    with Engine.memory() as e:
        return Catalog(metrics=e.metrics, dimensions=e.dimensions, relations=e.relations, phrases=[], analyses=[],
                       tables={"orders": 1, "customers": 1}, values={}, as_of=e.as_of)


# -- the LLM hook ----------------------------------------------------------------------------------------
def _llm_plugin(answer: Any) -> types.ModuleType:
    module = types.ModuleType("fixed_llm")

    def interpret_question(question: str, catalog: dict[str, Any]) -> Any:
        assert "revenue" in catalog["metrics"] and "region" in catalog["dimensions"]
        return answer

    module.interpret_question = hookimpl(interpret_question)  # type: ignore[attr-defined]
    return module


def test_interpret_question_hook_is_validated_and_compiled(demo_db: Path) -> None:
    plugins = Plugins(entry_points=False)
    plugins.add(_llm_plugin({"kind": "metric", "metrics": ["orders"], "dimensions": ["region"]}), name="fixed_llm")
    with Engine.open(demo_db, read_only=True, plugins=plugins) as e:
        answer = e.ask("anything at all, the plugin decides")
        assert list(answer.table.columns) == ["region", "orders"]
        assert int(answer.table["orders"].sum()) == scalar(e, "SELECT count(*) FROM orders WHERE status = 'completed'")
        assert "interpreted by plugin fixed_llm" in answer.explanation


def test_interpret_question_hook_output_must_be_valid(demo_db: Path) -> None:
    plugins = Plugins(entry_points=False)
    plugins.add(_llm_plugin({"kind": "metric", "metrics": []}), name="bad_llm")
    with Engine.open(demo_db, read_only=True, plugins=plugins) as e, pytest.raises(PluginError, match="bad_llm"):
        e.ask("revenue")
    plugins = Plugins(entry_points=False)
    plugins.add(_llm_plugin({"kind": "sql", "sql": "DELETE FROM orders"}), name="sneaky_llm")
    with Engine.open(demo_db, read_only=True, plugins=plugins) as e, pytest.raises(UsageError, match="read-only"):
        e.ask("revenue")


# -- command line ----------------------------------------------------------------------------------------
def test_cli_ask_json_contract(demo_db: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(demo_db), "--format", "json", "ask", "top 3 cities by revenue"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["question"] == "top 3 cities by revenue"
    assert payload["interpretation"]["kind"] == "metric"
    assert payload["interpretation"]["explanation"].startswith("Revenue")
    assert [c["name"] for c in payload["columns"]] == ["city", "revenue"]
    assert len(payload["rows"]) == 3 and payload["chart"]["kind"] == "bar"


def test_cli_ask_not_understood_exits_2_with_suggestions(demo_db: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(demo_db), "ask", "blorp the glorp"])
    assert result.exit_code == 2
    assert "did not understand" in result.stderr and "Did you mean" in result.stderr
    assert result.stderr.count("\n") == 1
    as_json = CliRunner().invoke(main, ["--db", str(demo_db), "--format", "json", "ask", "blorp the glorp"])
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["alternatives"]


def test_cli_ask_as_of_moves_relative_dates(demo_db: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(demo_db), "--as-of", "2024-12-31", "--format", "json", "ask",
                                       "revenue this year"])
    payload = json.loads(result.stdout)
    assert payload["interpretation"]["period"]["start"] == "2024-01-01"


def test_parser_is_reused_per_catalog(engine: Engine) -> None:
    assert parser_for(engine) is parser_for(engine)


def test_missing_saved_results_name_the_analysis_that_saves_them(engine: Engine) -> None:
    with pytest.raises(MissingDataError, match=r"crmlens run segmentation\.rfm"):
        engine.ask("revenue by RFM segment")
