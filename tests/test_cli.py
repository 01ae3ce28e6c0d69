"""The command line: output formats, the JSON contract, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crmlens.cli import main
from crmlens.engine import Engine
from crmlens.engine.database import ensure_canonical_tables


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "small.duckdb"
    with Engine.open(path) as engine:
        ensure_canonical_tables(engine.con, ["orders"])
        engine.con.execute(
            "INSERT INTO orders VALUES ('O1','C1',DATE '2025-11-03','web','completed',10.50,0),"
            "('O2','C2',DATE '2025-12-01','app','completed',20.00,1),('O3','C2',DATE '2025-12-02','app','returned',5,0)"
        )
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_sql_json_contract(small_db: Path) -> None:
    code, out, _ = invoke("--db", str(small_db), "--format", "json", "sql",
                          "SELECT channel, sum(amount) AS revenue, max(order_date) AS last FROM orders "
                          "WHERE status = 'completed' GROUP BY channel ORDER BY channel")
    assert code == 0
    payload = json.loads(out)
    assert list(payload)[:10] == ["title", "question", "interpretation", "sql", "columns", "rows", "chart", "summary",
                                  "details", "warnings"]
    assert payload["columns"][1] == {"name": "revenue", "type": "DECIMAL(38,2)"}
    assert payload["rows"] == [["app", 20.0, "2025-12-01"], ["web", 10.5, "2025-11-03"]]


def test_global_options_work_after_the_command(small_db: Path) -> None:
    code, out, _ = invoke("sql", "SELECT count(*) AS n FROM orders", "--db", str(small_db), "--format", "csv")
    assert code == 0
    assert out == "n\n3\n"


def test_table_format_is_readable(small_db: Path) -> None:
    code, out, _ = invoke("--db", str(small_db), "run", "core.overview", "periods=2", "--as-of", "2025-12-31")
    assert code == 0
    assert "Business overview by month" in out
    assert "2025-11-01" in out and "10.50" in out and "20.00" in out


def test_run_json_carries_sql_and_chart(small_db: Path) -> None:
    code, out, _ = invoke("--db", str(small_db), "--format", "json", "--as-of", "2025-12-31", "run", "core.overview",
                          "grain=quarter", "periods=1")
    payload = json.loads(out)
    assert code == 0
    assert payload["rows"] == [["2025-10-01", 30.5, 2, 2, 15.25]]
    assert payload["chart"] == {"kind": "line", "x": "period", "y": ["revenue"]}
    assert payload["sql"] and "FROM orders" in payload["sql"][0]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["sql", "DELETE FROM orders"], 2, "Only read-only queries"),
        (["sql", "SELEKT 1"], 2, "could not be parsed"),
        (["run", "no.such"], 2, "Unknown analysis 'no.such'"),
        (["run", "core.overview", "grain=fortnight"], 2, "Bad parameters for core.overview"),
        (["run", "core.overview", "grain"], 2, "is not key=value"),
        (["--as-of", "soon", "tables"], 2, "--as-of 'soon' is not a date"),
        (["run", "core.data_quality", "--db", "/nonexistent/dir/x.duckdb"], 2, "No database at"),
    ],
)
def test_errors_are_one_line_with_exit_code(small_db: Path, args: list[str], code: int, message: str) -> None:
    full = ["--db", str(small_db), *args] if "--db" not in args else args
    exit_code, _, err = invoke(*full)
    assert exit_code == code
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_data_is_a_runtime_error(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    Engine.open(db).close()
    code, _, err = invoke("--db", str(db), "run", "core.overview")
    assert code == 1
    assert "needs table orders" in err


def test_load_without_db_refuses_to_touch_the_demo_database() -> None:
    code, _, err = invoke("load", "x.csv")
    assert code == 2
    assert "--db" in err


def test_tables_and_schema(small_db: Path) -> None:
    code, out, _ = invoke("--db", str(small_db), "--format", "json", "tables")
    assert code == 0
    assert json.loads(out)["rows"][0][:3] == ["orders", 3, "canonical"]
    code, out, _ = invoke("--db", str(small_db), "--format", "csv", "schema", "orders")
    assert "orders,amount,\"DECIMAL(18,2)\"" in out
    code, _, err = invoke("--db", str(small_db), "schema", "nope")
    assert code == 2 and "No table 'nope'" in err
    code, out, _ = invoke("schema", "--canonical", "reviews", "--format", "csv")
    assert code == 0 and "reviews,language,VARCHAR" in out


def test_run_list_shows_readiness(small_db: Path) -> None:
    code, out, _ = invoke("--db", str(small_db), "--format", "json", "run", "--list")
    rows = {r[0]: r for r in json.loads(out)["rows"]}
    assert code == 0
    assert rows["core.overview"][3] == "yes"


def test_debug_shows_traceback_and_module_entry_point(small_db: Path) -> None:
    command = [sys.executable, "-m", "crmlens", "--db", str(small_db), "--debug", "sql", "DROP TABLE orders"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr and "Only read-only queries" in proc.stderr
