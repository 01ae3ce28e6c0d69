"""The terminal UI's parts that need no screen: history, completion, slash commands, export, chart data,
the catalog, and how errors become cards."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from crmlens.engine import ChartSpec, Column, Engine, Result
from crmlens.engine.errors import DatabaseError, MissingDataError, PluginError, UsageError
from crmlens.tui.answer_card import sql_text
from crmlens.tui.catalog_data import _as_prompt, build_catalog
from crmlens.tui.chart import date_label, spread
from crmlens.tui.chart_data import MAX_BARS, MAX_POINTS, MAX_SERIES, compact, nice_ticks, prepare_chart
from crmlens.tui.completion import inline_completion, matches, unique
from crmlens.tui.error_card import error_card
from crmlens.tui.export import default_name, export_path, export_result
from crmlens.tui.history import History
from crmlens.tui.result_table import cell_text, sort_positions
from crmlens.tui.slash import COMMANDS_BY_NAME, SLASH_COMMANDS, parse_slash

# -- history -----------------------------------------------------------------------------------------


def test_history_walks_and_keeps_a_draft(tmp_path: Path) -> None:
    h = History(tmp_path / "h.jsonl")
    for text in ["revenue by month", "按渠道统计平均客单价", 'say "hi"', "revenue by month"]:
        h.add(text)
    assert h.entries == ["按渠道统计平均客单价", 'say "hi"', "revenue by month"]  # a repeat moves to the end
    assert h.previous("half typed") == "revenue by month"
    assert h.previous("") == 'say "hi"'
    assert h.previous("") == "按渠道统计平均客单价"
    assert h.previous("") is None
    assert h.next() == 'say "hi"'
    assert h.next() == "revenue by month"
    assert h.next() == "half typed"  # past the newest: the draft comes back
    assert h.next() is None
    again = History(tmp_path / "h.jsonl")
    assert again.entries == h.entries
    lines = (tmp_path / "h.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == h.entries


def test_history_limit_blank_entries_and_damaged_lines(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('"ok"\nnot json\n42\n"  "\n"fine"\n', encoding="utf-8")
    h = History(path, limit=3)
    assert h.entries == ["ok", "fine"]
    h.add("   ")
    for i in range(5):
        h.add(f"q{i}")
    assert h.entries == ["q2", "q3", "q4"]
    assert History(path, limit=3).entries == ["q2", "q3", "q4"]
    memory = History(None)
    memory.add("x")
    assert memory.entries == ["x"]


def test_history_survives_an_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    h = History(blocker / "sub" / "h.jsonl")  # its folder cannot be created
    h.add("still remembered")
    assert h.entries == ["still remembered"]


# -- completion ----------------------------------------------------------------------------------------


def test_matches_prefix_then_word_then_inside() -> None:
    candidates = ["revenue by region", "line-item revenue by month", "orders by region", "revenue", "按地区统计销售额"]
    assert matches("revenue", candidates) == ["revenue by region", "line-item revenue by month"]
    assert matches("by reg", candidates) == ["revenue by region", "orders by region"]
    assert matches("region", candidates) == ["revenue by region", "orders by region"]
    assert matches("地区", candidates) == ["按地区统计销售额"]
    assert matches("r", candidates) == []
    assert matches("REVENUE  BY", candidates) == ["revenue by region", "line-item revenue by month"]
    assert len(matches("re", [f"revenue {i}" for i in range(20)], limit=5)) == 5
    assert inline_completion("Revenue b", candidates) == "Revenue by region"
    assert inline_completion("revenue by region", candidates) is None
    assert unique(["A ", "a", " b", "/export ", "/export "]) == ["A ", " b", "/export "]


# -- slash commands ------------------------------------------------------------------------------------


def test_parse_slash() -> None:
    call = parse_slash("/export csv 'my file.csv'")
    assert (call.name, call.args) == ("export", ("csv", "my file.csv"))
    sql = parse_slash("/SQL   SELECT 'a b' AS x, 1")
    assert sql.name == "sql" and sql.args == ("SELECT 'a b' AS x, 1",) and sql.rest == "SELECT 'a b' AS x, 1"
    assert parse_slash("/help").args == ()
    with pytest.raises(UsageError, match="Unknown command /exprt") as caught:
        parse_slash("/exprt csv")
    assert caught.value.hint == "Did you mean /export?"
    with pytest.raises(UsageError, match="Could not read the arguments"):
        parse_slash("/db 'unclosed")
    names = [c.name for c in SLASH_COMMANDS]
    assert names == ["help", "sql", "run", "export", "plugins", "tables", "db", "asof", "glossary", "clear", "quit"]
    assert COMMANDS_BY_NAME["export"].usage == "/export csv|parquet|xlsx [PATH]"


# -- export --------------------------------------------------------------------------------------------


def _result() -> Result:
    table = pd.DataFrame(
        {
            "day": pd.to_datetime(["2025-01-31", None, "2024-02-29"]),
            "city": ["上海", "London, UK", None],
            "revenue": [1234.5, 0.1, float("nan")],
            "orders": [3, 0, 7],
        }
    )
    return Result(
        title="Revenue / day: 上海",
        table=table,
        columns=[
            Column(name="day", type="DATE", format="date"),
            Column(name="city", type="VARCHAR"),
            Column(name="revenue", type="DOUBLE", format="money"),
            Column(name="orders", type="BIGINT", format="count"),
        ],
    )


def test_export_csv_parquet_xlsx_hold_the_rows(tmp_path: Path) -> None:
    result = _result()
    assert export_result(result, "csv", tmp_path / "a.csv") == 3
    with (tmp_path / "a.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["day", "city", "revenue", "orders"],
        ["2025-01-31", "上海", "1234.5", "3"],
        ["", "London, UK", "0.1", "0"],
        ["2024-02-29", "", "", "7"],
    ]
    export_result(result, "parquet", tmp_path / "a.parquet")
    back = pd.read_parquet(tmp_path / "a.parquet")
    assert list(back["day"]) == [dt.date(2025, 1, 31), None, dt.date(2024, 2, 29)]
    assert list(back["city"][:2]) == ["上海", "London, UK"] and pd.isna(back["city"].iloc[2])
    assert back["revenue"].iloc[0] == 1234.5 and pd.isna(back["revenue"].iloc[2])
    assert list(back["orders"]) == [3, 0, 7]
    export_result(result, "xlsx", tmp_path / "a.xlsx")
    sheet = pd.read_excel(tmp_path / "a.xlsx", engine="openpyxl", sheet_name=None)
    assert list(sheet) == ["Revenue   day  上海"]  # '/' is not allowed in a sheet name
    frame = next(iter(sheet.values()))
    assert frame["day"].iloc[0].date() == dt.date(2025, 1, 31) and pd.isna(frame["day"].iloc[1])
    assert list(frame["orders"]) == [3, 0, 7]
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    result = _result()
    with pytest.raises(UsageError, match="Cannot export as 'json'"):
        export_result(result, "json", tmp_path / "a.json")
    with pytest.raises(UsageError, match="does not exist"):
        export_result(result, "csv", tmp_path / "no" / "a.csv")
    with pytest.raises(UsageError, match="no table"):
        export_result(Result(title="nothing"), "csv", tmp_path / "a.csv")
    taken = tmp_path / "taken.csv"  # a non-empty folder where the file should go: the rename fails
    taken.mkdir()
    (taken / "inside").write_text("keep", encoding="utf-8")
    with pytest.raises(UsageError, match="Could not write"):
        export_result(result, "csv", taken)
    assert (taken / "inside").read_text(encoding="utf-8") == "keep"
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_paths(tmp_path: Path) -> None:
    result = _result()
    assert default_name(result, "csv") == "revenue-day-上海.csv"
    assert default_name(Result(title="!!!"), "xlsx") == "answer.xlsx"
    assert export_path(result, "csv", None, tmp_path) == tmp_path / "revenue-day-上海.csv"
    assert export_path(result, "parquet", "out", tmp_path) == tmp_path / "out.parquet"
    assert export_path(result, "csv", "out.txt", tmp_path) == tmp_path / "out.txt"
    assert export_path(result, "csv", str(tmp_path), Path("/elsewhere")) == tmp_path / "revenue-day-上海.csv"


# -- chart data ----------------------------------------------------------------------------------------


def test_line_chart_pivots_series_and_keeps_the_largest() -> None:
    rows = []
    for month in ["2025-01-01", "2025-02-01", "2025-03-01"]:
        for i, channel in enumerate(["web", "app", "store", "jd", "tmall", "wechat", "fax", "mail"]):
            if channel == "fax" and month == "2025-02-01":
                continue  # a missing point stays missing
            rows.append({"channel": channel, "month": pd.Timestamp(month), "orders": 10 * (8 - i)})
    result = Result(
        title="Orders",
        table=pd.DataFrame(rows),
        columns=[
            Column(name="channel", type="VARCHAR"),
            Column(name="month", type="DATE", format="date"),
            Column(name="orders", type="BIGINT", format="count"),
        ],
        chart=ChartSpec(kind="line", x="month", y=["orders"], series="channel"),
    )
    data = prepare_chart(result)
    assert data is not None and data.kind == "line"
    assert data.labels == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert [s.name for s in data.series] == ["web", "app", "store", "jd", "tmall", "wechat"][:MAX_SERIES]
    assert data.series[0].values == [80.0, 80.0, 80.0]
    assert "6 largest of 8 channel values" in data.note


def test_bar_pie_scatter_and_heatmap() -> None:
    cats = pd.DataFrame({"city": [f"c{i}" for i in range(30)], "n": list(range(30, 0, -1))})
    bar = prepare_chart(Result(title="t", table=cats, chart=ChartSpec(kind="bar", x="city", y=["n"])))
    assert bar is not None and len(bar.labels) == MAX_BARS and bar.series[0].values[0] == 30.0
    assert bar.note == f"the first {MAX_BARS} of 30 bars"
    shares = pd.DataFrame({"k": ["a", "b", "c"], "v": [1.0, 1.0, 2.0]})
    pie = prepare_chart(Result(title="t", table=shares, chart=ChartSpec(kind="pie", x="k", y=["v"])))
    assert pie is not None and pie.kind == "bar" and pie.series[0].values == [0.25, 0.25, 0.5]
    assert pie.y_format == "percent"
    points = pd.DataFrame({"x": range(5000), "y": [i * 2 for i in range(5000)]})
    points.loc[3, "y"] = None
    scatter = prepare_chart(Result(title="t", table=points, chart=ChartSpec(kind="scatter", x="x", y=["y"])))
    assert scatter is not None and len(scatter.x_values) == MAX_POINTS
    assert all(y == 2 * x for x, y in zip(scatter.x_values, scatter.series[0].values, strict=True))
    heat = prepare_chart(Result(title="t", table=shares, chart=ChartSpec(kind="heatmap", x="k", y=["v"])))
    assert heat is None
    assert prepare_chart(Result(title="t", table=shares.iloc[0:0], chart=ChartSpec(kind="bar", x="k", y=["v"]))) is None
    funnel = prepare_chart(Result(title="t", table=shares, chart=ChartSpec(kind="funnel", x="k", y=["v"])))
    assert funnel is not None and funnel.kind == "funnel" and funnel.labels == ["a", "b", "c"]


def test_axis_helpers() -> None:
    assert nice_ticks(2_900_000, 26_000_000) == [5e6, 10e6, 15e6, 20e6, 25e6]
    assert nice_ticks(0, 1) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(3, 3) == [3]
    assert [compact(v) for v in (25_771_696, 1234.5, 950, 0.25, 0, 2e9)] == ["25.8M", "1.2k", "950", "0.25", "0", "2B"]
    assert compact(0.253, "percent") == "25%" and compact(0.004, "percent") == "0.4%"
    assert spread(36, 6) == [0, 7, 14, 21, 28, 35] and spread(3, 6) == [0, 1, 2]
    assert date_label("2023-01-01") == "2023-01" and date_label("2023-01-15") == "2023-01-15"


# -- table cells ---------------------------------------------------------------------------------------


def test_cells_and_sorting() -> None:
    assert cell_text(1234.5, Column(name="r", type="DOUBLE", format="money")).plain == "1,234.50"
    assert cell_text(0.125, Column(name="r", type="DOUBLE", format="percent")).plain == "12.5%"
    money = cell_text(3, Column(name="n", type="BIGINT"))
    assert money.plain == "3" and money.justify == "right"
    markup = cell_text("[bold]x[/bold]", Column(name="t", type="VARCHAR"))
    assert markup.plain == "[bold]x[/bold]" and markup.justify == "left"  # data is never markup
    assert len(cell_text("x" * 500, Column(name="t", type="VARCHAR")).plain) == 60
    frame = pd.DataFrame({"a": [3.0, None, 1.0, 2.0], "b": ["x", 1, None, "y"]})
    assert sort_positions(frame, 0, descending=False) == [2, 3, 0, 1]
    assert sort_positions(frame, 0, descending=True) == [0, 3, 2, 1]
    assert sort_positions(frame, 1, descending=False) == [1, 0, 3, 2]  # mixed types: compared as text


def test_sql_text_joins_statements() -> None:
    assert sql_text(["SELECT 1", "SELECT 2;\n"]) == "SELECT 1;\n\nSELECT 2;"


# -- errors --------------------------------------------------------------------------------------------


def test_error_cards_say_what_to_do() -> None:
    card = error_card(PluginError("The analysis x.y failed: boom", plugin="x", hint="Report it."), "q")
    assert (card.title_text, card.message, card.hint, card.question) == (
        "The plugin 'x' failed",
        "The analysis x.y failed: boom",
        "Report it.",
        "q",
    )
    assert error_card(MissingDataError("needs events")).title_text == "The data for this is not loaded"
    assert error_card(DatabaseError("bad")).title_text == "The database reported an error"
    odd = error_card(ZeroDivisionError("division by zero"))
    assert odd.message == "ZeroDivisionError: division by zero" and "keeps working" in odd.hint


# -- the catalog ---------------------------------------------------------------------------------------


def test_catalog_examples_work_on_the_data(tiny_engine: Engine) -> None:
    data = build_catalog(tiny_engine)
    assert {t.name: t.detail for t in data.tables} == {"customers": "3", "orders": "5"}
    assert data.as_of == "2025-03-31"
    metrics = {m.name: m for m in data.metrics}
    assert metrics["revenue"].example == "revenue by month" and metrics["revenue"].available
    assert not metrics["nps"].available and "Needs data in feedback" in metrics["nps"].description
    region = next(d for d in data.dimensions if d.name == "region")
    answer = tiny_engine.ask(region.example)
    assert "region" in answer.table.columns
    assert region.example in data.completions and "/export csv" in data.completions
    overview = next(a for a in data.analyses if a.name == "core.overview")
    assert overview.example.startswith("/run core.overview")
    assert _as_prompt("crmlens run x.y k=v") == "/run x.y k=v"
    assert _as_prompt('crmlens ask "revenue by month"') == "revenue by month"
    assert _as_prompt("segment my customers") == "segment my customers"


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine.open(tmp_path_factory.mktemp("tui-parts") / "crm.duckdb")
    engine.generate_demo(customers=3000, seed=7)
    yield engine
    engine.close()


def test_every_catalog_example_compiles_on_the_demo_data(demo_engine: Engine) -> None:
    from crmlens.query.answer import parser_for
    from crmlens.query.compiler import Compiler

    data = build_catalog(demo_engine)
    parser = parser_for(demo_engine)
    compiler = Compiler(parser.catalog)
    checked = 0
    without = [e.name for e in [*data.metrics, *data.dimensions] if e.available and not e.example]
    assert len(without) <= 2, without  # (days_since_last_order: the parser reads it only in set phrases)
    for entry in [*data.metrics, *data.dimensions]:
        if not entry.available or not entry.example:
            continue
        question = entry.example + ("100" if entry.example.endswith(" ") else "")  # a condition to finish
        it = parser.parse(question)
        assert f'"{entry.name}"' in it.model_dump_json(), question  # as metric, dimension, filter or condition
        if it.kind == "metric":
            compiler.compile(it)
        checked += 1
    assert checked >= 60
    assert data.examples and all(parser.parse(q) for q in data.examples)
