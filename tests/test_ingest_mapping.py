"""Column mapping: header normalisation, automatic matching (English and Chinese), table inference,
and the mapping file (engine/ingest/headers.py, mapping.py, mapping_file.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmlens.engine.errors import UsageError
from crmlens.engine.ingest import LoadMapping, MappingSuggestion, read_mapping
from crmlens.engine.ingest.headers import compact, normalise_header, without_brackets
from crmlens.engine.ingest.mapping import suggest
from crmlens.engine.ingest.mapping_file import SourceMapping


def auto(label: str, headers: list[str], table: str | None = None, **settings: object) -> MappingSuggestion:
    return suggest(label, headers, table=table, settings=SourceMapping.model_validate(settings))


@pytest.mark.parametrize(("header", "expected"), [
    ("Order No.", "order no"),
    ("order_no", "order no"),
    ("OrderNo", "order no"),
    ("customerID", "customer id"),
    ("ＯＲＤＥＲ　ＮＯ", "order no"),
    ("客户ID", "客户id"),
    ("\ufeffE-Mail", "e mail"),
    ("  Amount (USD) ", "amount usd"),
])
def test_normalise_header(header: str, expected: str) -> None:
    assert normalise_header(header) == expected


def test_compact_and_brackets() -> None:
    assert compact(normalise_header("Order No")) == "orderno"
    assert without_brackets("金额（元）") == "金额"
    assert without_brackets("Amount [USD]") == "amount"


def test_english_headers_map_to_orders() -> None:
    s = auto("export.csv", ["Order No", "Customer ID", "Order Date", "Status", "Total", "Notes"])
    assert s.table == "orders" and s.problem is None
    assert s.mapping == {"order_id": "Order No", "customer_id": "Customer ID", "order_date": "Order Date",
                         "status": "Status", "amount": "Total"}
    assert s.unmapped == ["Notes"]
    notes = next(m for m in s.columns if m.source_column == "Notes")
    assert notes.column is None and "no similar column" in notes.reason


def test_chinese_headers_map_to_orders() -> None:
    s = auto("导出.csv", ["订单号", "客户ID", "下单时间", "金额", "城市"])
    assert s.table == "orders" and s.problem is None
    assert s.mapping == {"order_id": "订单号", "customer_id": "客户ID", "order_date": "下单时间", "amount": "金额"}
    assert s.unmapped == ["城市"]  # the city belongs to customers, not orders
    assert all(m.confidence >= 0.9 for m in s.columns if m.column)


def test_chinese_headers_with_units_and_prefixes() -> None:
    s = auto("x.csv", ["订单编号", "下单日期", "实付金额（元）", "订单状态"], table="orders")
    assert s.mapping["amount"] == "实付金额（元）"
    amount = next(m for m in s.columns if m.column == "amount")
    assert amount.confidence == 0.9 and "bracketed" in amount.reason
    s = auto("x.csv", ["订单编号", "下单日期", "应收金额"], table="orders")
    paid = next(m for m in s.columns if m.source_column == "应收金额")
    assert paid.column == "amount" and 0.6 <= paid.confidence < 0.9 and "金额" in paid.reason


def test_fuzzy_english_match() -> None:
    s = auto("x.csv", ["order_id", "order_date", "ammount"], table="orders")
    match = next(m for m in s.columns if m.source_column == "ammount")
    assert match.column == "amount" and match.confidence < 0.9 and "similar" in match.reason


def test_customers_with_chinese_headers() -> None:
    s = auto("客户.xlsx#Sheet1", ["客户编号", "姓名", "手机号", "邮箱", "性别", "城市", "注册日期"])
    assert s.table == "customers"
    assert s.mapping == {"customer_id": "客户编号", "name": "姓名", "phone": "手机号", "email": "邮箱",
                         "gender": "性别", "city": "城市", "signup_date": "注册日期"}


@pytest.mark.parametrize(("headers", "table"), [
    (["sku", "name", "category", "price"], "products"),
    (["OrderID", "ProductID", "Qty", "Unit Price"], "order_items"),
    (["event id", "session", "user id", "timestamp", "event", "device type"], "events"),
    (["campaign_id", "customer_id", "variant", "sent_at"], "campaign_responses"),
    (["ticket id", "customer", "opened", "priority", "状态"], "tickets"),
    (["review_id", "rating", "text", "lang"], "reviews"),
])
def test_table_inference(headers: list[str], table: str) -> None:
    s = auto("data.csv", headers)
    assert s.problem is None, s.problem
    assert s.table == table
    assert s.candidates[0].table == table


def test_source_name_breaks_ties() -> None:
    # customer_id + name fits customers; a file called campaigns... still needs campaign_id, so customers
    assert auto("clients.csv", ["customer_id", "name"]).table == "customers"
    with_hint = auto("shop.db#customers", ["customer_id", "name"])
    assert "fits" in with_hint.table_reason


def test_ambiguous_table_asks_for_table() -> None:
    s = auto("mixed.csv", ["opportunity_id", "stage", "owner", "event_id", "event_time", "event_type"])
    assert s.problem is not None and "--table" in s.problem and "Cannot tell" in s.problem


def test_missing_required_column_names_it() -> None:
    s = auto("orders.csv", ["Order No", "Foo", "Bar", "Amount"], table="orders")
    assert s.problem == ("orders needs order_date; none of the columns Foo, Bar matched it. "
                         "Map one with --mapping or rename the header.")
    assert s.missing_required == ["order_date"]


def test_missing_required_when_inferred_points_at_closest_table() -> None:
    s = auto("x.csv", ["order_id", "customer", "total (USD)"])
    assert s.problem is not None
    assert s.problem.startswith("x.csv looks most like orders")
    assert "orders needs order_date" in s.problem and "--table" in s.problem


def test_nothing_matches() -> None:
    s = auto("x.csv", ["foo", "bar"])
    assert s.table is None and s.problem is not None and "None of the columns" in s.problem


def test_mapping_file_columns_override_and_skip() -> None:
    s = auto("x.csv", ["No", "Placed", "Total", "Notes"], table="orders",
             columns={"No": "order_id", "placed": "order_date", "Total": ""})
    assert s.mapping == {"order_id": "No", "order_date": "Placed"}
    assert s.problem is not None and "amount" in s.problem  # Total was explicitly left out
    skipped = next(m for m in s.columns if m.source_column == "Total")
    assert skipped.reason == "left out by the mapping file"


def test_mapping_file_without_auto() -> None:
    s = auto("x.csv", ["order_id", "order_date", "amount", "status"], table="orders", auto=False,
             columns={"order_id": "order_id", "order_date": "order_date", "amount": "amount"})
    assert "status" not in s.mapping
    assert next(m for m in s.columns if m.source_column == "status").reason == "not named in the mapping file"


def test_mapping_file_target_the_table_lacks() -> None:
    s = auto("x.csv", ["a", "order_date", "amount"], table="orders", columns={"a": "nonsense"})
    assert s.problem is not None and "'nonsense'" in s.problem and "orders has the columns" in s.problem


def test_suggestion_renders(tmp_path: Path) -> None:
    s = auto("x.csv", ["订单号", "下单时间", "金额", "备注"])
    text = s.to_text()
    assert "x.csv -> orders" in text and "订单号" in text and "(not loaded)" in text
    data = json.loads(s.to_json())
    assert data["table"] == "orders" and data["columns"][0]["column"] == "order_id"
    assert s.to_json_dict()["source"] == "x.csv"


def test_read_mapping_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "m.toml"
    toml.write_text(
        'table = "orders"\nday_first = true\n[columns]\n"Order No" = "order_id"\n'
        '[[sources]]\nmatch = "cust*.csv"\ntable = "customers"\ndelimiter = "tab"\n'
        '[sources.columns]\n"Client" = "customer_id"\n', encoding="utf-8")
    m = read_mapping(toml)
    assert m.table == "orders" and m.columns == {"Order No": "order_id"} and m.day_first is True
    entry = m.for_source("data/customers_2024.csv")
    assert entry.table == "customers" and entry.delimiter == "\t"
    assert entry.columns == {"Order No": "order_id", "Client": "customer_id"}
    assert entry.day_first is True
    assert m.for_source("orders.csv").table == "orders"
    as_json = tmp_path / "m.json"
    as_json.write_text(json.dumps({"table": "orders", "columns": {"A": "order_id"}}), encoding="utf-8")
    assert read_mapping(as_json).columns == {"A": "order_id"}
    assert read_mapping({"table": "products"}).table == "products"
    assert read_mapping(None) == LoadMapping()


@pytest.mark.parametrize(("content", "message"), [
    ('table = "nope"', "Unknown table 'nope'"),
    ('colums = {}', "colums"),
    ('delimiter = ";;"', "delimiter must be one character"),
    ('encoding = "klingon"', "unknown encoding"),
    ("table = ", "not valid TOML"),
])
def test_bad_mapping_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        read_mapping(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Cannot read the mapping file"):
        read_mapping(tmp_path / "absent.toml")
