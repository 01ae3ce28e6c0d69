"""Every kind of source loads: delimited text (any delimiter, UTF-8 with or without BOM, GBK), Parquet,
JSON and NDJSON, Excel workbooks, directories and SQLite databases."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from crmlens.engine.errors import IngestError
from crmlens.engine.ingest import load, suggest_mapping
from crmlens.engine.ingest.encoding import detect_encoding

ORDERS_HEADER = ["Order No", "Customer ID", "Order Date", "Status", "Amount"]
ORDERS_ROWS = [
    ["A1", "C1", "2025-03-01", "Completed", "$1,234.50"],
    ["A2", "C2", "2025/3/2", "已完成", "¥99"],
    ["A3", "C1", "20250303", "cancelled", "(12.00)"],
]
EXPECTED_ORDERS = [
    ("A1", "C1", dt.date(2025, 3, 1), "completed", Decimal("1234.50")),
    ("A2", "C2", dt.date(2025, 3, 2), "completed", Decimal("99.00")),
    ("A3", "C1", dt.date(2025, 3, 3), "cancelled", Decimal("-12.00")),
]


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def orders(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT order_id, customer_id, order_date, status, amount FROM orders ORDER BY order_id").fetchall()


def delimited(rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value or '"' in value else value
    return "".join(delimiter.join(cell(v) for v in row) + "\n" for row in rows)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimited_text_any_delimiter(con: duckdb.DuckDBPyConnection, tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(delimited([ORDERS_HEADER, *ORDERS_ROWS], delimiter), encoding="utf-8")
    report = load(con, [path])
    assert report.table("orders").loaded == 3 and report.rejected == 0
    assert orders(con) == EXPECTED_ORDERS


def test_tsv_suffix_and_semicolon_with_decimal_commas(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    path.write_text("order_id;order_date;amount\nB1;01.03.2025;1.234,50\nB2;02.03.2025;12,5\n", encoding="utf-8")
    load(con, [path])
    assert con.execute("SELECT order_id, order_date, amount FROM orders ORDER BY 1").fetchall() == [
        ("B1", dt.date(2025, 3, 1), Decimal("1234.50")), ("B2", dt.date(2025, 3, 2), Decimal("12.50"))]


def test_utf8_bom(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\xef\xbb\xbf" + delimited([ORDERS_HEADER, *ORDERS_ROWS], ",").encode("utf-8"))
    report = load(con, [path])
    assert report.sources[0].mapping[0].source_column == "Order No"
    assert orders(con) == EXPECTED_ORDERS


def test_gbk_with_chinese_headers(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "订单.csv"
    text = ("订单号,客户ID,下单时间,金额,城市,订单状态\n"
            "D1,客户甲,2025年3月1日 10:15,\"￥1,280\",上海,已完成\n"
            "D2,客户乙,2025/3/2,99元,北京,已取消\n")
    path.write_bytes(text.encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    report = load(con, [path])
    source = report.sources[0]
    assert source.table == "orders" and source.loaded == 2
    assert source.unmapped == ["城市"]
    loaded = con.execute("SELECT order_id, customer_id, order_date, amount, status FROM orders ORDER BY 1")
    assert loaded.fetchall() == [
        ("D1", "客户甲", dt.date(2025, 3, 1), Decimal("1280.00"), "completed"),
        ("D2", "客户乙", dt.date(2025, 3, 2), Decimal("99.00"), "cancelled")]


def test_gbk_detected_beyond_the_first_megabytes(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    ascii_rows = "".join(f"C{i},Customer {i}\n" for i in range(300_000))
    path.write_bytes(("customer_id,name\n" + ascii_rows + "C-last,张三\n").encode("gbk"))
    load(con, [path])
    assert con.execute("SELECT name FROM customers WHERE customer_id = 'C-last'").fetchone() == ("张三",)


def test_latin1_and_explicit_encoding(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("customer_id,name\nC1,Zoë Müller\n".encode("latin-1"))
    load(con, [path], mapping={"encoding": "latin-1"})
    assert con.execute("SELECT name FROM customers").fetchone() == ("Zoë Müller",)


def test_parquet(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    con.execute(
        "COPY (SELECT * FROM (VALUES ('P1', 7, DATE '2025-03-01', 12.5::DECIMAL(10,2)), "
        "('P2', 8, DATE '2025-03-02', 3::DECIMAL(10,2))) t(order_id, customer_id, order_date, amount)) "
        f"TO '{path}' (FORMAT parquet)")
    report = load(con, [path])
    assert report.table("orders").loaded == 2
    assert con.execute("SELECT order_id, customer_id, order_date, amount FROM orders ORDER BY 1").fetchall() == [
        ("P1", "7", dt.date(2025, 3, 1), Decimal("12.50")), ("P2", "8", dt.date(2025, 3, 2), Decimal("3.00"))]


def test_json_array_and_ndjson(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records: list[dict[str, Any]] = [
        {"event_id": "E1", "event_time": "2025-03-01 10:00:00", "event_type": "visit", "device": "PC",
         "extra": {"utm": "x"}},
        {"event_id": "E2", "event_time": "1740823200", "event_type": "purchase", "device": "手机"}]
    array = tmp_path / "events.json"
    array.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    lines = tmp_path / "more_events.ndjson"
    lines.write_text("\n".join(json.dumps({**r, "event_id": r["event_id"] + "b"}) for r in records) + "\n",
                     encoding="utf-8")
    report = load(con, [array, lines])
    assert [s.loaded for s in report.sources] == [2, 2]
    assert report.sources[0].unmapped == ["extra"]
    assert con.execute("SELECT event_id, event_time, device FROM events ORDER BY 1").fetchall() == [
        ("E1", dt.datetime(2025, 3, 1, 10), "desktop"), ("E1b", dt.datetime(2025, 3, 1, 10), "desktop"),
        ("E2", dt.datetime(2025, 3, 1, 10), "mobile"), ("E2b", dt.datetime(2025, 3, 1, 10), "mobile")]


def test_malformed_json_is_an_ingest_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_text('[{"order_id": "1", ', encoding="utf-8")
    with pytest.raises(IngestError, match=r"orders\.json is not readable JSON"):
        load(con, [path])


def write_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "订单"
    sheet.append([])  # the header may start lower down
    sheet.append(["订单号", "客户ID", "下单时间", "金额", "备注"])
    sheet.append(["X1", 1001, dt.datetime(2025, 3, 1, 9, 30), 12.5, "first"])
    sheet.append([])  # an empty row in the middle
    sheet.append(["X2", 1002, dt.date(2025, 3, 2), "not money", None])
    sheet.append(["X3", 1003, "2025/3/3", 7, None])
    customers = workbook.create_sheet("Customers")
    customers.append(["customer_id", "name", "gender"])
    customers.append(["1001", "Ann", "女"])
    workbook.create_sheet("Empty")
    workbook.save(path)


def test_excel_each_sheet_is_a_source(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_workbook(path)
    report = load(con, [path])
    assert [(s.source, s.table, s.loaded, s.rejected) for s in report.sources] == [
        (f"{path}#订单", "orders", 2, 1), (f"{path}#Customers", "customers", 1, 0)]
    assert any("'Empty'" in w for w in report.warnings)
    assert con.execute("SELECT order_id, customer_id, order_date, amount FROM orders ORDER BY 1").fetchall() == [
        ("X1", "1001", dt.date(2025, 3, 1), Decimal("12.50")), ("X3", "1003", dt.date(2025, 3, 3), Decimal("7.00"))]
    assert con.execute("SELECT gender FROM customers").fetchone() == ("female",)
    # the reject names the spreadsheet row a user sees in Excel
    assert con.execute("SELECT line, column_name, value FROM _rejects").fetchall() == [(5, "amount", "not money")]


def test_directory_of_files(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "customers.csv").write_text("customer_id,name,email\nC1,Ann,ann@x.com\nC2,Bo,bo@x.com\n",
                                          encoding="utf-8")
    con.execute(f"COPY (SELECT 'O1' AS order_id, 'C1' AS customer_id, DATE '2025-03-01' AS order_date, "
                f"10 AS amount) TO '{folder / 'orders.parquet'}' (FORMAT parquet)")
    (folder / "README.md").write_text("not data", encoding="utf-8")
    (folder / ".hidden.csv").write_text("junk", encoding="utf-8")
    report = load(con, [folder])
    assert sorted((t.table, t.loaded) for t in report.tables) == [("customers", 2), ("orders", 1)]
    assert any("README.md" in w for w in report.warnings)


def test_empty_directory_is_an_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    (tmp_path / "notes.txt.bak").write_text("x", encoding="utf-8")
    with pytest.raises(IngestError, match="holds no data files"):
        load(con, [tmp_path])


def make_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE clients (client_id TEXT, full_name TEXT, mobile TEXT)")
        db.executemany("INSERT INTO clients VALUES (?, ?, ?)", [("K1", "Ann", "138-0000-0001"), ("K2", "Bo", None)])
        db.execute("CREATE TABLE orders (order_id INTEGER, customer_id TEXT, order_date TEXT, amount REAL)")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                       [(1, "K1", "2025-03-01", 10.5), (2, "K2", "bad date", 3.0), (3, "K1", "2025-03-03", 4.0)])


@pytest.mark.parametrize("as_url", [False, True])
def test_sqlite_tables(con: duckdb.DuckDBPyConnection, tmp_path: Path, as_url: bool) -> None:
    path = tmp_path / "shop.db"
    make_sqlite(path)
    report = load(con, [f"sqlite:///{path}" if as_url else path],
                  mapping={"sources": [{"match": "*#clients", "table": "customers",
                                        "columns": {"client_id": "customer_id"}}]})
    assert [(s.source.rsplit("#", 1)[1], s.table, s.loaded, s.rejected) for s in report.sources] == [
        ("clients", "customers", 2, 0), ("orders", "orders", 2, 1)]
    assert con.execute("SELECT customer_id, name, phone FROM customers ORDER BY 1").fetchall() == [
        ("K1", "Ann", "138-0000-0001"), ("K2", "Bo", None)]
    assert con.execute("SELECT order_id, amount FROM orders ORDER BY 1").fetchall() == [
        ("1", Decimal("10.50")), ("3", Decimal("4.00"))]
    assert con.execute("SELECT line, value FROM _rejects").fetchall() == [(2, "bad date")]


def test_not_a_sqlite_file(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    path.write_bytes(b"definitely not sqlite")
    with pytest.raises(IngestError, match="not a SQLite database"):
        load(con, [path])


def test_corrupt_workbook(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(IngestError, match="not a readable spreadsheet"):
        load(con, [path])


def test_unknown_suffix_is_sniffed(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "orders.export"
    path.write_text(delimited([ORDERS_HEADER, *ORDERS_ROWS], "|"), encoding="utf-8")
    load(con, [path])
    assert orders(con) == EXPECTED_ORDERS


def test_suggest_mapping_reads_headers_only(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_workbook(path)
    suggestions = suggest_mapping(con, path)
    assert [(s.source.rsplit("#", 1)[1], s.table) for s in suggestions] == [("订单", "orders"),
                                                                           ("Customers", "customers")]
    assert suggestions[0].unmapped == ["备注"]
    assert "orders" not in [r[0] for r in con.execute("SHOW TABLES").fetchall()]
