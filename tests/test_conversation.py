"""Conversations: follow-ups change only what they name, drill-down, "why" questions on data with a
known driver, the glossary, and the kept history."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crmlens.cli import main
from crmlens.engine import Engine, NotUnderstoodError, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.query.glossary import GlossaryEntry, add_entry, remove_entry
from crmlens.query.session import Session, read_history


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conv") / "demo.duckdb"
    with Engine.open(path) as engine:
        engine.generate_demo(customers=3_000, seed=11)
    return path


@pytest.fixture
def engine(demo: Path) -> Iterator[Engine]:
    with Engine.open(demo, read_only=True) as e:
        yield e


def revenue(e: Engine, where: str = "TRUE") -> float:
    row = e.con.execute(
        "SELECT sum(o.amount) FROM orders o LEFT JOIN customers c USING (customer_id) "
        f"WHERE o.status = 'completed' AND {where}"
    ).fetchone()
    return float(row[0] or 0) if row else 0.0


def test_follow_ups_change_only_what_they_name(engine: Engine, tmp_path: Path) -> None:
    s = Session(engine, history=tmp_path / "h.jsonl")
    first = s.ask("revenue by region in 2025")
    assert first.interpretation is not None and first.interpretation.dimensions == ["region"]
    by_month = s.ask("and by month?")
    assert by_month.interpretation is not None
    assert by_month.interpretation.dimensions == ["region"] and by_month.interpretation.grain == "month"
    assert by_month.interpretation.period == first.interpretation.period
    assert by_month.explanation.startswith("Follow-up: by month")
    online = s.ask("only online")
    got = sum(float(v) for v in online.table["revenue"])
    assert got == pytest.approx(revenue(engine, "o.channel <> 'store' AND year(o.order_date) = 2025"))
    last_year = s.ask("what about last year?")
    assert last_year.interpretation is not None and last_year.interpretation.period is not None
    assert last_year.interpretation.period.start == dt.date(2024, 1, 1)
    assert last_year.interpretation.filters == online.interpretation.filters  # type: ignore[union-attr]
    cities = s.ask("by city instead")
    assert cities.interpretation.dimensions == ["city"]  # type: ignore[union-attr]
    top = s.ask("top 5 instead")
    assert top.row_count == 5
    orders = s.ask("and the order count?")
    assert orders.interpretation.metrics == ["orders"]  # type: ignore[union-attr]
    assert orders.interpretation.dimensions == ["city"]  # type: ignore[union-attr]


def test_chinese_follow_ups(engine: Engine, tmp_path: Path) -> None:
    s = Session(engine, history=tmp_path / "h.jsonl")
    s.ask("上个月各地区的销售额")
    monthly = s.ask("按月呢")
    assert monthly.explanation.startswith("追问，按月")
    only = s.ask("只看线上")
    assert only.interpretation is not None and only.interpretation.filters[0].dimension == "order_channel"
    aov = s.ask("客单价呢")
    assert aov.interpretation is not None and aov.interpretation.metrics == ["average_order_value"]
    assert aov.interpretation.dimensions == ["region"]


def test_follow_up_that_cannot_apply_keeps_the_previous_answer(engine: Engine, tmp_path: Path) -> None:
    s = Session(engine, history=tmp_path / "h.jsonl")
    s.ask("revenue by region")
    before = s.current
    with pytest.raises(NotUnderstoodError):
        s.ask("and the blorp?")
    assert s.current == before


def test_exclusion_narrows_without_lifting_the_default_filter(engine: Engine, tmp_path: Path) -> None:
    s = Session(engine, history=tmp_path / "h.jsonl")
    s.ask("revenue by channel")
    without = s.ask("exclude tmall")
    assert "tmall" not in set(without.table["order_channel"])
    assert float(without.table["revenue"].sum()) == pytest.approx(revenue(engine, "o.channel <> 'tmall'"))


def test_drill_down_from_a_row(engine: Engine, tmp_path: Path) -> None:
    s = Session(engine, history=tmp_path / "h.jsonl")
    s.ask("revenue by region in 2025")
    drilled = s.drill({"region": "East China", "revenue": 1})
    assert drilled.interpretation is not None and drilled.interpretation.dimensions == ["city"]
    cities = set(drilled.table["city"])
    expected = {r[0] for r in engine.con.execute("SELECT DISTINCT city FROM customers WHERE region = 'East China'")
                .fetchall()}
    assert cities <= expected and cities
    s.ask("revenue by month in 2025")
    march = s.drill({"month": dt.date(2025, 3, 1)})
    assert march.interpretation is not None and march.interpretation.grain == "week"
    assert march.interpretation.period is not None and march.interpretation.period.end == dt.date(2025, 3, 31)


def _known_driver_db(path: Path) -> Path:
    """Four regions selling the same every month, except that East's March sales are cut by 60%."""
    with Engine.open(path) as e:
        ensure_canonical_tables(e.con, ["customers", "orders"])
        regions = ["North", "South", "East", "West"]
        e.con.execute(
            "INSERT INTO customers (customer_id, region, city) SELECT 'C' || i, ?[1 + i % 4], 'X' FROM range(400) t(i)",
            [regions],
        )
        e.con.execute(
            """INSERT INTO orders (order_id, customer_id, order_date, channel, status, amount)
            SELECT 'O' || m || '-' || i, 'C' || i, make_date(2025, m, 1 + i % 28), CASE WHEN i % 2 = 0 THEN 'web'
                   ELSE 'store' END, 'completed',
                   CASE WHEN m = 3 AND i % 4 = 2 THEN 40 ELSE 100 END
            FROM range(400) t(i), range(1, 5) s(m)"""
        )
    return path


def test_why_finds_the_known_driver(tmp_path: Path) -> None:
    with Engine.open(_known_driver_db(tmp_path / "why.duckdb"), as_of="2025-04-30") as e:
        answer = e.ask("why did revenue drop in March 2025?")
        assert answer.interpretation is not None and answer.interpretation.kind == "why"
        first = answer.table.iloc[0]
        assert (first["dimension"], first["value"]) == ("region", "East")
        assert first["contribution"] == pytest.approx(-100 * 60)  # 100 East customers, 60 less each
        assert answer.details["change"] == pytest.approx(-6000)
        assert "fell 15.0%" in answer.summary and "region East" in answer.summary
        regions = answer.table[answer.table["dimension"] == "region"]
        assert regions["contribution"].sum() == pytest.approx(answer.details["change"])
        zh = e.ask("为什么2025年3月销售额下降")
        assert zh.table.iloc[0]["value"] == "East" and "下降" in zh.summary


def test_why_splits_ratio_changes_into_mix_and_rate(tmp_path: Path) -> None:
    with Engine.open(_known_driver_db(tmp_path / "why2.duckdb"), as_of="2025-04-30") as e:
        answer = e.ask("why did average order value change in March 2025")
        table = answer.table
        assert {"mix_effect", "rate_effect"} <= set(table.columns)
        for _, rows in table.groupby("dimension"):
            assert (rows["mix_effect"] + rows["rate_effect"]).sum() == pytest.approx(answer.details["change"])


def test_glossary_terms_are_understood_and_travel_with_the_data(demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "g.duckdb"
    copy.write_bytes(demo.read_bytes())
    with Engine.open(copy) as e:
        add_entry(e, GlossaryEntry(term="流水", kind="metric", target="revenue"))
        add_entry(e, GlossaryEntry(term="淘宝", kind="value", target="order_channel", value="tmall"))
        add_entry(e, GlossaryEntry(term="top sellers", kind="question", target="top 10 products by units sold"))
        with pytest.raises(UsageError, match="No metric"):
            add_entry(e, GlossaryEntry(term="x", kind="metric", target="nonsense"))
    with Engine.open(copy, read_only=True) as e:  # reopened: the glossary is in the database
        assert e.ask("按地区的流水").interpretation.metrics == ["revenue"]  # type: ignore[union-attr]
        tb = e.ask("淘宝的流水")
        assert float(tb.table["revenue"].iloc[0]) == pytest.approx(revenue(e, "o.channel = 'tmall'"))
        sellers = e.ask("top sellers")
        assert sellers.row_count == 10 and "glossary" in sellers.explanation
    with Engine.open(copy) as e:
        assert remove_entry(e, "流水") and not remove_entry(e, "流水")
    with Engine.open(copy, read_only=True) as e, pytest.raises(NotUnderstoodError):
        e.ask("按地区的流水")


def test_history_keeps_every_turn_and_replay_reports_changes(demo: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMLENS_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(demo), "ask", "revenue by region"]).exit_code == 0
    assert runner.invoke(main, ["--db", str(demo), "ask", "-f", "by month"]).exit_code == 0
    assert runner.invoke(main, ["--db", str(demo), "ask", "blorp"]).exit_code == 2
    turns = read_history(tmp_path / "home" / "history.jsonl")
    assert [t.question for t in turns] == ["revenue by region", "by month", "blorp"]
    assert turns[0].session == turns[1].session and turns[1].interpretation["grain"] == "month"  # type: ignore[index]
    assert turns[0].sql and turns[0].row_count > 0 and turns[2].error
    listing = runner.invoke(main, ["--format", "json", "history"])
    assert [r[2] for r in json.loads(listing.stdout)["rows"]] == ["revenue by region", "by month", "blorp"]
    replayed = runner.invoke(main, ["--db", str(demo), "replay", turns[0].session])
    assert replayed.exit_code == 0, replayed.stderr
    assert replayed.stdout.count("[unchanged]") == 2


def test_cli_glossary_commands(demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "c.duckdb"
    copy.write_bytes(demo.read_bytes())
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(copy), "glossary", "add", "复购", "--metric",
                                "repeat_purchase_rate"]).exit_code == 0
    out = runner.invoke(main, ["--db", str(copy), "--format", "csv", "glossary", "list"]).stdout
    assert "复购,metric,repeat_purchase_rate" in out
    bad = runner.invoke(main, ["--db", str(copy), "glossary", "add", "x", "--value", "nonsense"])
    assert bad.exit_code == 2 and "DIMENSION=VALUE" in bad.stderr
