"""The Engine API: opening, catalog, read-only SQL, running analyses, capabilities, as-of."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from crmlens.engine import Engine, MissingDataError, ReadOnlyError, Result, UsageError
from crmlens.engine.database import ensure_canonical_tables, set_meta


def test_tables_lists_loaded_tables_with_row_counts(tiny_engine: Engine) -> None:
    infos = {t.name: t for t in tiny_engine.tables()}
    assert infos["customers"].rows == 3
    assert infos["orders"].rows == 5
    assert infos["orders"].kind == "canonical"
    assert "events" not in infos


def test_schema_reports_duckdb_types(tiny_engine: Engine) -> None:
    schema = tiny_engine.schema()
    types = {c.name: c.type for c in schema["orders"]}
    assert types["amount"] == "DECIMAL(18,2)"
    assert types["order_date"] == "DATE"


def test_sql_returns_result_with_types_and_sql(tiny_engine: Engine) -> None:
    result = tiny_engine.sql(
        "SELECT channel, sum(amount) AS revenue FROM orders WHERE status = 'completed' "
        "GROUP BY channel ORDER BY channel"
    )
    assert isinstance(result, Result)
    assert result.table["channel"].tolist() == ["app", "web"]
    assert [float(v) for v in result.table["revenue"]] == [50.5, 120.0]
    assert {c.name: c.type for c in result.columns}["revenue"] == "DECIMAL(38,2)"
    assert result.sql and result.sql[0].startswith("SELECT channel")


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE orders",
        "DELETE FROM orders",
        "INSERT INTO orders (order_id) VALUES ('x')",
        "UPDATE orders SET amount = 0",
        "CREATE TABLE t AS SELECT 1",
        "SELECT 1; DROP TABLE orders",
        "COPY orders TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT getenv('HOME')",
        "SET threads = 1",
        "PRAGMA version",
        "INSTALL sqlite",
    ],
)
def test_sql_refuses_anything_but_reading(tiny_engine: Engine, statement: str) -> None:
    with pytest.raises(UsageError):
        tiny_engine.sql(statement)
    assert tiny_engine.sql("SELECT count(*) AS n FROM orders").table["n"].iloc[0] == 5


def test_sql_refusal_is_a_readonly_error_with_a_clear_message(tiny_engine: Engine) -> None:
    with pytest.raises(ReadOnlyError, match="read-only"):
        tiny_engine.sql("DELETE FROM orders")


def test_sql_unknown_table_names_the_loaded_ones(tiny_engine: Engine) -> None:
    with pytest.raises(UsageError, match=r"Unknown table 'nope'.*customers, orders"):
        tiny_engine.sql("SELECT * FROM nope")


def test_sql_with_cte_and_system_information(tiny_engine: Engine) -> None:
    result = tiny_engine.sql("WITH c AS (SELECT customer_id FROM orders) SELECT count(DISTINCT customer_id) n FROM c")
    assert int(result.table["n"].iloc[0]) == 3


def test_run_core_overview_matches_hand_computed_numbers(tiny_engine: Engine) -> None:
    result = tiny_engine.run("core.overview", grain="month", periods=3)
    table = result.table
    assert table["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert [float(v) for v in table["revenue"]] == [100.0, 50.5, 20.0]
    assert table["orders"].tolist() == [1, 1, 1]
    assert result.chart is not None and result.chart.kind == "line"
    assert result.sql, "every figure is traceable to its SQL"
    assert result.elapsed_ms > 0


def test_run_validates_params_before_running(tiny_engine: Engine) -> None:
    with pytest.raises(UsageError, match="grain") as info:
        tiny_engine.run("core.overview", grain="fortnight")
    assert "Parameters it takes: grain, periods" in str(info.value)
    with pytest.raises(UsageError, match="colour"):
        tiny_engine.run("core.overview", colour="red")


def test_run_unknown_analysis_suggests_close_names(tiny_engine: Engine) -> None:
    with pytest.raises(UsageError, match=r"Did you mean core\.overview"):
        tiny_engine.run("core.overveiw")


def test_capabilities_name_missing_tables_and_empty_columns() -> None:
    engine = Engine.memory()
    caps = {c.analysis: c for c in engine.capabilities()}
    assert caps["core.overview"].missing == {"orders": []}
    assert caps["core.data_quality"].available
    ensure_canonical_tables(engine.con, ["orders"])
    engine.con.execute("INSERT INTO orders (order_id, order_date, amount) VALUES ('o', DATE '2025-01-01', 1)")
    caps = {c.analysis: c for c in engine.capabilities()}
    assert caps["core.overview"].missing == {"orders": ["status"]}
    assert "orders.status (no data)" in caps["core.overview"].explain()
    with pytest.raises(MissingDataError, match=r"orders\.status"):
        engine.run("core.overview")


def test_as_of_precedence(tmp_path: Path) -> None:
    engine = Engine.open(tmp_path / "a.duckdb")
    assert engine.as_of == dt.date.today()
    set_meta(engine.con, "as_of", "2025-12-31")
    assert engine.as_of == dt.date(2025, 12, 31)
    engine.as_of = "2024-06-30"
    assert engine.as_of == dt.date(2024, 6, 30)
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        engine.as_of = "yesterday-ish"
    engine.close()


def test_open_read_only_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="No database"):
        Engine.open(tmp_path / "missing.duckdb", read_only=True)


def test_read_only_engine_refuses_to_load(tmp_path: Path) -> None:
    Engine.open(tmp_path / "r.duckdb").close()
    with Engine.open(tmp_path / "r.duckdb", read_only=True) as engine, pytest.raises(UsageError, match="read-only"):
        engine.load(tmp_path / "whatever.csv")


def test_context_manager_closes(tmp_path: Path) -> None:
    with Engine.open(tmp_path / "c.duckdb") as engine:
        pass
    with pytest.raises(UsageError, match="closed"):
        engine.tables()


def test_result_json_contract_dates_and_decimals(tiny_engine: Engine) -> None:
    result = tiny_engine.sql(
        "SELECT order_date, amount, TIMESTAMP '2025-01-02 03:04:05' AS ts FROM orders ORDER BY order_id LIMIT 1"
    )
    payload = result.to_json_dict(question="q")
    assert set(payload) >= {
        "title",
        "question",
        "interpretation",
        "sql",
        "columns",
        "rows",
        "chart",
        "summary",
        "details",
        "warnings",
    }
    assert payload["rows"] == [["2025-01-10", 100.0, "2025-01-02T03:04:05"]]
    assert payload["question"] == "q"


def test_result_rejects_chart_on_unknown_column() -> None:
    with pytest.raises(ValueError, match="not in the table"):
        Result(title="x", table=pd.DataFrame({"a": [1]}), chart={"kind": "bar", "x": "a", "y": "b"})


def test_data_quality_finds_duplicate_customers_by_email(tiny_engine: Engine) -> None:
    result = tiny_engine.run("core.data_quality")
    assert result.details["duplicate_customers"]["email"] == {"groups": 1, "customers": 2}
    assert set(result.table["table"]) == {"customers", "orders"}
