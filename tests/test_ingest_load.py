"""The load pipeline: rejects with lines and reasons, duplicates, one transaction, dry runs, reports."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlens.engine.errors import IngestError, UsageError
from crmlens.engine.ingest import load
from crmlens.engine.ingest import load as pipeline_load
from crmlens.engine.ingest.resource_limits import LOAD_MEMORY_LIMIT, size_in_bytes

pipeline = sys.modules["crmlens.engine.ingest.load"]  # the module (the package exports the function as load)
assert pipeline.load is pipeline_load


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rejects(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = con.execute('SELECT "table_name", "source", "line", "column_name", "value", "reason", "raw_row" '
                         'FROM "_rejects" ORDER BY "line"')
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


MESSY = (
    "order_id,customer_id,order_date,status,amount,notes\n"  # line 1
    "O1,C1,2025-03-01,completed,10.00,ok\n"                  # 2
    "O2,C1,not a date,completed,10.00,\n"                    # 3 bad date
    "O3,C2,2025-03-02,lost,5,\n"                             # 4 bad status
    "O4,C2,2025-03-03,completed,5,extra,field\n"             # 5 too many fields
    "\n"                                                     # 6 empty line
    ",C3,2025-03-04,completed,5,\n"                          # 7 empty order_id
    "O5,C3,2025-03-05,completed,lots,\n"                     # 8 bad amount
    'O6,C3,2025-03-06,completed,"1,000.50","multi\n'         # 9 a quoted value over two lines
    'line note"\n'
    "O1,C9,2025-03-07,completed,99,\n"                       # 10 repeats O1 (line 2)
    "O1,C1,2025-03-01,completed,10.00,ok\n"                  # 11 exact duplicate of line 2
    "O7,C3\n"                                                # 12 too few fields
    "O8,C3,2025-03-08,Cancelled,7.5,\n"                      # 13
)


def test_rejects_name_line_column_value_and_reason(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", MESSY)
    report = load(con, [path])
    source = report.sources[0]
    assert (source.rows_read, source.loaded, source.rejected) == (11, 3, 8)
    assert (source.malformed, source.invalid, source.duplicate_keys, source.exact_duplicates) == (2, 4, 2, 1)
    assert con.execute("SELECT order_id, amount FROM orders ORDER BY 1").fetchall() == [
        ("O1", 10), ("O6", 1000.5), ("O8", 7.5)]
    got = [(r["line"], r["column_name"], r["value"], r["reason"]) for r in rejects(con)]
    assert got == [
        (3, "order_date", "not a date", "order_date: not a date"),
        (4, "status", "lost", "status: not one of completed, cancelled, returned"),
        (5, None, None, "malformed CSV line: too many columns (Expected Number of Columns: 6 Found: 7)"),
        (7, "order_id", None, "order_id is empty but required"),
        (8, "amount", "lots", "amount: not an amount"),
        (10, "order_id", "O1", "duplicate key order_id=O1: repeats line 2"),
        (11, "order_id", "O1", "duplicate key order_id=O1: exact duplicate of line 2"),
        (12, None, None, "malformed CSV line: missing columns (Expected Number of Columns: 6 Found: 2)"),
    ]
    assert all(r["source"] == str(path) and r["table_name"] == "orders" for r in rejects(con))
    raw = json.loads(next(r["raw_row"] for r in rejects(con) if r["line"] == 3))
    assert raw == {"order_id": "O2", "customer_id": "C1", "order_date": "not a date", "status": "completed",
                   "amount": "10.00", "notes": None}
    assert next(r["raw_row"] for r in rejects(con) if r["line"] == 5) == "O4,C2,2025-03-03,completed,5,extra,field"
    assert source.unmapped == ["notes"]


def test_every_row_read_is_loaded_or_rejected(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    report = load(con, [write(tmp_path / "orders.csv", MESSY)])
    assert report.rows_read == report.loaded + report.rejected == 11
    assert con.execute("SELECT count(*) FROM _rejects").fetchone() == (report.rejected,)


def test_line_numbers_in_a_large_file(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Rows are staged in parallel chunks; line numbers must still be exact far into the file."""
    bad_lines = {40_000: "bad date", 150_001: "bad amount", 299_999: "bad date"}
    lines = ["order_id,order_date,amount"]
    for line in range(2, 300_002):
        if line == 100_000:
            lines.append("")  # an empty line shifts every later line by one
        elif line == 200_000:
            lines.append("X,Y,Z,too,many")
        elif bad_lines.get(line) == "bad date":
            lines.append(f"O{line},someday,1")
        elif bad_lines.get(line) == "bad amount":
            lines.append(f"O{line},2025-01-01,lots")
        else:
            lines.append(f"O{line},2025-01-01,{line % 100}")
    path = write(tmp_path / "orders.csv", "\n".join(lines) + "\n")
    report = load(con, [path])
    assert report.rejected == 4
    found = con.execute('SELECT "line", "value" FROM "_rejects" ORDER BY 1').fetchall()
    assert found == [(40_000, "someday"), (150_001, "lots"), (200_000, None), (299_999, "someday")]


def test_day_first_is_decided_per_column(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "order_id,order_date,amount\nA,03/01/2025,1\nB,25/12/2024,1\n")
    report = load(con, [path])
    assert con.execute("SELECT order_id, CAST(order_date AS VARCHAR) FROM orders ORDER BY 1").fetchall() == [
        ("A", "2025-01-03"), ("B", "2024-12-25")]
    assert any("day/month/year" in n for n in report.sources[0].notes)


def test_ambiguous_dates_default_to_us_with_a_note(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "order_id,order_date,amount\nA,03/01/2025,1\n")
    report = load(con, [path])
    assert con.execute("SELECT CAST(order_date AS VARCHAR) FROM orders").fetchone() == ("2025-03-01",)
    assert any("month/day/year (US)" in n for n in report.sources[0].notes)
    load(con, [path], mapping={"day_first": True}, table="orders")  # a repeat, but the mapping still applies
    assert con.execute("SELECT count(*) FROM _rejects WHERE reason LIKE '%already in orders'").fetchone() == (1,)


def test_unknown_columns_are_named_not_loaded(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "customers.csv", "customer_id,name,favourite colour,shoe size\nC1,Ann,red,38\n")
    report = load(con, [path])
    assert report.sources[0].unmapped == ["favourite colour", "shoe size"]
    assert "not loaded: favourite colour, shoe size" in report.to_text()


def test_missing_required_column(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "Order No,Foo,Bar,Amount\n1,x,y,3\n")
    with pytest.raises(IngestError) as caught:
        load(con, [path], table="orders")
    assert str(caught.value) == ("orders needs order_date; none of the columns Foo, Bar matched it. "
                                 "Map one with --mapping or rename the header.")
    assert "orders" not in tables(con)


def test_mapping_file_fixes_it(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "Order No,Foo,Bar,Amount\n1,2025-03-01,y,3\n")
    mapping = write(tmp_path / "mapping.toml", 'table = "orders"\n[columns]\nFoo = "order_date"\nGhost = "status"\n')
    report = load(con, [path], mapping=mapping)
    assert report.loaded == 1
    assert any("'Ghost'" in w for w in report.warnings)


def test_empty_file_is_an_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"empty\.csv is empty: it has no header line and no rows"):
        load(con, [write(tmp_path / "empty.csv", "")])
    with pytest.raises(IngestError, match="is empty"):
        load(con, [write(tmp_path / "blank.csv", "\n\n  \n")])


def test_header_only_file_loads_nothing_with_a_warning(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    report = load(con, [write(tmp_path / "orders.csv", "order_id,order_date,amount\n")])
    assert report.loaded == 0 and report.rows_read == 0
    assert any("has a header but no rows" in w for w in report.warnings)


def test_unreadable_path(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        load(con, [tmp_path / "nope.csv"])
    with pytest.raises(IngestError, match="does not exist"):
        load(con, ["sqlite:///" + str(tmp_path / "nope.db")])


def test_unknown_table_lists_the_tables(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "a\n1\n")
    with pytest.raises(UsageError, match="Unknown table 'ordres'") as caught:
        load(con, [path], table="ordres")
    assert caught.value.hint is not None and "customers" in caught.value.hint and "orders" in caught.value.hint
    with pytest.raises(UsageError, match="Nothing to load"):
        load(con, [])


def test_second_path_broken_keeps_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    good = write(tmp_path / "customers.csv", "customer_id,name\nC1,Ann\n")
    broken = write(tmp_path / "orders.csv", "order_id,amount\n1,2\n")  # no order_date
    with pytest.raises(IngestError, match="order_date"):
        load(con, [good, broken])
    assert not tables(con) & {"customers", "orders", "_rejects", "_loads"}


def test_failure_inside_the_transaction_rolls_everything_back(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    load(con, [write(tmp_path / "c0.csv", "customer_id,name\nC0,Existing\n")])
    before = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in ("customers", "_loads")}
    calls = []
    real = pipeline._load_source

    def failing_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_load_source", failing_second)
    first = write(tmp_path / "c1.csv", "customer_id,name\nC1,Ann\nC1,dup\n")
    second = write(tmp_path / "orders.csv", "order_id,order_date,amount\n1,2025-01-01,2\n")
    with pytest.raises(RuntimeError, match="disk full"):
        load(con, [first, second])
    assert {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in ("customers", "_loads")} == before
    assert "orders" not in tables(con)
    assert con.execute("SELECT count(*) FROM _rejects").fetchone() == (0,)
    assert not [t for t in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()]


def test_dry_run_reports_and_writes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", MESSY)
    report = load(con, [path], dry_run=True)
    assert report.dry_run and report.loaded == 3 and report.rejected == 8
    assert "dry run: nothing was written" in report.to_text()
    assert not tables(con)


def test_duplicates_against_the_database_and_across_sources(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", "order_id,order_date,amount\n1,2025-01-01,10\n2,2025-01-02,20\n")
    load(con, [first])
    again = write(tmp_path / "b.csv", "order_id,order_date,amount\n2,2025-02-02,99\n3,2025-01-03,30\n")
    third = write(tmp_path / "c.csv", "order_id,order_date,amount\n3,2025-03-03,77\n4,2025-01-04,40\n")
    report = load(con, [again, third])
    assert report.table("orders").loaded == 2 and report.table("orders").duplicate_keys == 2
    assert report.table("orders").summary() == "orders: loaded 2, rejected 2, duplicates 2"
    # the existing row and the first one loaded are kept
    assert con.execute("SELECT order_id, amount FROM orders ORDER BY 1").fetchall() == [
        ("1", 10), ("2", 20), ("3", 30), ("4", 40)]
    assert [r["reason"] for r in rejects(con)] == ["duplicate key order_id=2: already in orders",
                                                   "duplicate key order_id=3: already in orders"]


def test_composite_keys(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "items.csv", "order_id,product_id,quantity\nO1,P1,1\nO1,P2,2\nO1,P1,3\n")
    report = load(con, [path])
    assert report.loaded == 2
    assert rejects(con)[0]["reason"] == "duplicate key (order_id, product_id)=(O1, P1): repeats line 2"
    assert rejects(con)[0]["value"] == "O1, P1"


def test_duplicate_customers_are_reported_not_dropped(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "customers.csv",
                 "customer_id,name,email,phone\n"
                 "C1,Ann,ann@example.com,+86 138-0000-0001\n"
                 "C2,Ann L.,  ANN@Example.com ,\n"
                 "C3,Annie,,8613800000001\n"
                 "C4,Bo,bo@example.com,138 0000 0001\n"
                 "C5,Cy,cy@example.com,12\n"
                 "C6,Di,,12\n")
    report = load(con, [path])
    assert report.loaded == 6
    assert report.duplicate_customers is not None and report.duplicate_customers.pairs == 2
    pairs = con.execute("SELECT customer_id, other_customer_id, matched_on FROM _duplicate_customers "
                        "ORDER BY ALL").fetchall()
    assert pairs == [("C1", "C2", "email"), ("C1", "C3", "phone")]
    assert "Duplicate customers: 2 pair(s)" in report.to_text()


def test_loads_table_and_report(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    customers = write(tmp_path / "customers.csv", "customer_id,name\nC1,Ann\nC2,Bo\n")
    orders = write(tmp_path / "orders.csv", MESSY)
    report = load(con, [customers, orders])
    rows = con.execute('SELECT "load_id", "source", "table_name", "loaded", "rejected", "duplicates" '
                       'FROM "_loads" ORDER BY "table_name"').fetchall()
    assert rows == [(report.load_id, str(customers), "customers", 2, 0, 0),
                    (report.load_id, str(orders), "orders", 3, 8, 2)]
    text = report.to_text()
    assert "orders: loaded 3, rejected 8, duplicates 2" in text
    assert "customers: loaded 2, rejected 0, duplicates 0" in text
    assert f"load_id = '{report.load_id}'" in text
    data = json.loads(report.to_json())
    assert data["tables"][1]["rejected"] == 8 and data["sources"][1]["mapping"][0]["column"] == "order_id"
    assert report.to_json_dict()["load_id"] == report.load_id


def test_settings_are_restored(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    settings_sql = "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    seen: list[tuple[Any, ...]] = []
    real = pipeline._load_all

    def spy(con: duckdb.DuckDBPyConnection, *args: Any) -> Any:
        seen.append(con.execute(settings_sql).fetchall()[0])
        return real(con, *args)

    monkeypatch.setattr(pipeline, "_load_all", spy)
    con.execute("SET preserve_insertion_order = true")
    before = con.execute(settings_sql).fetchall()
    load(con, [write(tmp_path / "customers.csv", "customer_id\nC1\n")])
    assert size_in_bytes(str(seen[0][0])) == size_in_bytes(LOAD_MEMORY_LIMIT) and seen[0][1] is False
    assert con.execute(settings_sql).fetchall() == before
    con.execute("SET memory_limit = '3GB'")  # a limit the user chose is used as it is
    before = con.execute(settings_sql).fetchall()
    load(con, [write(tmp_path / "customers2.csv", "customer_id\nC2\n")])
    assert seen[1][0] == before[0][0]
    assert con.execute(settings_sql).fetchall() == before


def test_file_database_persists(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    with duckdb.connect(str(db)) as con:
        load(con, [write(tmp_path / "customers.csv", "customer_id,name\nC1,Ann\n")])
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT customer_id, name FROM customers").fetchall() == [("C1", "Ann")]


# -- property: random delimited text never crashes and accounts for every row ---------------------------

_FIELD = st.one_of(
    st.sampled_from(["O1", "O2", "2025-03-01", "3/1/2025", "$1,234.50", "completed", "已完成", "", " ", "x"]),
    st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=8),
)
_ROW = st.lists(_FIELD, min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, max_size=15), separator=st.sampled_from([",", ";"]))
def test_random_csv_content(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], separator: str) -> None:
    path = tmp_path_factory.mktemp("random") / "orders.csv"
    header = separator.join(["order_id", "order_date", "amount", "status"])
    path.write_text(header + "\n" + "".join(separator.join(r) + "\n" for r in rows), encoding="utf-8")
    with duckdb.connect() as con:
        report = load(con, [path], table="orders")
        assert report.rows_read == report.loaded + report.rejected
        assert con.execute("SELECT count(*) FROM orders").fetchone() == (report.loaded,)
        assert con.execute("SELECT count(*) FROM _rejects").fetchone() == (report.rejected,)
        assert con.execute("SELECT count(*) FROM _rejects WHERE line IS NULL OR reason IS NULL").fetchone() == (0,)
