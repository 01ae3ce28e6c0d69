"""Pilot tests of the terminal UI: questions typed into the prompt, answers checked against hand-written
SQL, did-you-mean, /export, failing and slow analyses (registered by a test plugin), slash commands,
history, autocomplete, sorting and paging of large results."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import functools
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel, ConfigDict, Field
from textual.pilot import Pilot

from crmlens.engine import Analysis, AnalysisContext, Engine, Result, hookimpl
from crmlens.engine.errors import NotUnderstoodError
from crmlens.engine.plugins import Plugins
from crmlens.tui.answer_card import AnswerCard
from crmlens.tui.app import CrmlensApp
from crmlens.tui.catalog_panel import CatalogTree
from crmlens.tui.completion_list import CompletionList
from crmlens.tui.error_card import ErrorCard
from crmlens.tui.help_screen import HelpScreen
from crmlens.tui.notice_card import NoticeCard
from crmlens.tui.pending_card import PendingCard
from crmlens.tui.question_button import QuestionButton
from crmlens.tui.result_table import ResultTable
from crmlens.tui.suggestion_card import SuggestionCard

SLOW_STEPS = 600  # x 0.05 s: half a minute unless cancelled


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test in its own event loop (no pytest plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


class SlowParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: int = Field(SLOW_STEPS, ge=1, le=10_000, description="How many 50 ms steps.")


def _broken(ctx: AnalysisContext, params: BaseModel) -> Result:
    ctx.scalar("SELECT count(*) FROM orders")
    raise RuntimeError("the model file is corrupt")


def _slow(ctx: AnalysisContext, params: SlowParams) -> Result:
    for i in range(params.steps):
        ctx.progress(i / params.steps, f"step {i + 1} of {params.steps}")
        time.sleep(0.05)
    return Result(title="Slow", table=pd.DataFrame({"steps": [params.steps]}), summary="Done.")


class TuiTestPlugin:
    """A throwaway plugin: one analysis that always fails, one that takes long and reports progress."""

    @hookimpl
    def register_analyses(self) -> list[Analysis]:
        return [
            Analysis(
                name="tuitest.broken",
                title="Broken",
                description="Always fails.",
                requires={"orders": ["order_id"]},
                run=_broken,
            ),
            Analysis(name="tuitest.slow", title="Slow", description="Takes long.", params=SlowParams, run=_slow),
        ]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    plugins = Plugins(entry_points=False)
    plugins.add(TuiTestPlugin(), name="tuitest")
    path = tmp_path_factory.mktemp("tui") / "crm.duckdb"
    with Engine.open(path) as e:
        e.generate_demo(customers=3000, seed=7)
    engine = Engine.open(path, plugins=plugins)
    yield engine
    engine.close()


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> CrmlensApp:
    engine.as_of = None
    return CrmlensApp(engine=engine, history_path=tmp_path / "history.jsonl", cwd=tmp_path)


async def settle(pilot: Pilot[Any], timeout: float = 30.0) -> None:
    """Wait until every queued job has finished and its card is on screen."""
    app = pilot.app
    assert isinstance(app, CrmlensApp)
    deadline = time.monotonic() + timeout
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.busy and not app._queue:
            break
        assert time.monotonic() < deadline, "the app did not finish its work in time"
    await pilot.pause()


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def ask(pilot: Pilot[Any], text: str, *, typed: bool = False) -> None:
    """Enter ``text`` in the prompt (key by key when ``typed``, else pasted) and wait for the answer."""
    app = pilot.app
    assert isinstance(app, CrmlensApp)
    app.prompt.focus()
    if typed:
        await type_text(pilot, text)
    else:
        app.prompt.set_text(text)
    await pilot.press("enter")
    await settle(pilot)


def last(app: CrmlensApp, kind: type[Any]) -> Any:
    found = list(app.query(kind))
    assert found, f"no {kind.__name__} on screen"
    return found[-1]


def region_revenue(engine: Engine) -> list[tuple[str, float]]:
    rows = engine.con.execute(
        """SELECT c.region, sum(o.amount) FROM orders o LEFT JOIN customers c ON o.customer_id = c.customer_id
           WHERE o.status = 'completed' GROUP BY c.region ORDER BY 2 DESC, 1"""
    ).fetchall()
    return [(str(r), float(v)) for r, v in rows]


@run_async
async def test_a_typed_question_shows_its_table(app: CrmlensApp, engine: Engine) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "revenue by region", typed=True)
        card = last(app, AnswerCard)
        assert card.question == "revenue by region"
        assert "Revenue" in card.explanation and "region" in card.explanation
        expected = [[region, f"{revenue:,.2f}"] for region, revenue in region_revenue(engine)]
        assert card.table.visible_rows() == expected
        assert card.chart_data is not None and card.chart_data.kind == "bar"
        assert card.chart_data.labels == [r for r, _ in region_revenue(engine)]
        assert card.result.summary and card.result.sql
        assert app.prompt.value == ""


@run_async
async def test_not_understood_offers_suggestions_that_answer(app: CrmlensApp, engine: Engine) -> None:
    with pytest.raises(NotUnderstoodError) as caught:
        engine.ask("xyzzy")
    suggestions = caught.value.suggestions
    assert suggestions
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "xyzzy", typed=True)
        card = last(app, SuggestionCard)
        assert "xyzzy" in card.message
        buttons = list(card.query(QuestionButton))
        assert [b.question for b in buttons] == suggestions
        # the keyboard way: the suggestions are offered above the prompt; ↓ then Enter asks the first
        completions = app.query_one(CompletionList)
        assert completions.showing and completions.mode == "did-you-mean" and completions.items == suggestions
        await pilot.press("down", "enter")
        await settle(pilot)
        first = last(app, AnswerCard)
        assert first.question == suggestions[0]
        expected = engine.ask(suggestions[0])
        assert first.result.title == expected.title
        pd.testing.assert_frame_equal(first.result.table, expected.table)
        # the mouse way: clicking a suggestion asks it
        choice = buttons[-1]
        card.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click(choice)
        await settle(pilot)
        clicked = last(app, AnswerCard)
        assert clicked.question == suggestions[-1]
        pd.testing.assert_frame_equal(clicked.result.table, engine.ask(suggestions[-1]).table)


@run_async
async def test_export_writes_the_answer(app: CrmlensApp, engine: Engine, tmp_path: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "revenue by region")
        await ask(pilot, f"/export csv {tmp_path / 'regions.csv'}")
        with (tmp_path / "regions.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == ["region", "revenue"]
        assert [(r, float(v)) for r, v in rows[1:]] == pytest.approx(region_revenue(engine))
        assert "Saved 8 rows" in last(app, NoticeCard).title_text

        await ask(pilot, "revenue by month")
        answer = last(app, AnswerCard).result
        await ask(pilot, "/export parquet by-month")  # no suffix: added; relative to the working folder
        frame = pd.read_parquet(tmp_path / "by-month.parquet")
        monthly = engine.con.execute(
            """SELECT date_trunc('month', order_date)::DATE AS m, sum(amount) FROM orders
               WHERE status = 'completed' GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        assert list(frame["month"]) == [m for m, _ in monthly]  # DATE stays a date
        assert isinstance(frame["month"].iloc[0], dt.date)
        assert list(frame["revenue"]) == pytest.approx([float(v) for _, v in monthly])
        assert len(frame) == len(answer.table)

        await ask(pilot, f"/export xlsx {tmp_path}")  # a folder: the answer's title names the file
        sheet = pd.read_excel(tmp_path / "revenue-by-month.xlsx", engine="openpyxl")
        assert [d.date() for d in sheet["month"]] == [m for m, _ in monthly]
        assert list(sheet["revenue"]) == pytest.approx([float(v) for _, v in monthly])

        await ask(pilot, "/export json out.json")
        assert "Cannot export as 'json'" in last(app, ErrorCard).message
        await ask(pilot, f"/export csv {tmp_path / 'missing' / 'x.csv'}")
        assert "does not exist" in last(app, ErrorCard).message


@run_async
async def test_export_before_any_answer_says_what_to_do(app: CrmlensApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "/export csv")
        card = last(app, ErrorCard)
        assert "no answer to export" in card.message and "Ask a question first" in card.hint


@run_async
async def test_a_failing_analysis_shows_an_error_card_and_the_app_keeps_working(
    app: CrmlensApp, engine: Engine
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "/run tuitest.broken")
        card = last(app, ErrorCard)
        assert card.title_text == "The plugin 'tuitest' failed"
        assert "tuitest.broken" in card.message and "the model file is corrupt" in card.message
        assert "Other analyses still work" in card.hint
        await ask(pilot, "/sql SELECT no_such_column FROM orders")
        assert last(app, ErrorCard).title_text == "The database reported an error"
        await ask(pilot, "/sql DELETE FROM orders")
        assert "read" in last(app, ErrorCard).message.lower()
        await ask(pilot, "/run no.such_analysis")
        assert "Unknown analysis" in last(app, ErrorCard).message
        await ask(pilot, "/run tuitest.slow steps=-3")
        assert "steps" in last(app, ErrorCard).message
        await ask(pilot, "revenue by region")
        assert last(app, AnswerCard).table.visible_rows()[0][0] == region_revenue(engine)[0][0]
        assert engine.con.execute("SELECT count(*) FROM orders").fetchone()[0] > 0


@run_async
async def test_escape_cancels_a_long_analysis(app: CrmlensApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "/run tuitest.slow")
        started = time.monotonic()
        await pilot.press("enter")
        card = last(app, PendingCard)
        bar = card.query_one("ProgressBar")
        while not bar.progress:  # the analysis is running and reporting
            await pilot.pause(0.05)
            assert time.monotonic() - started < 15, "no progress was reported"
        assert "step" in card.status
        assert app.busy and "escape" in app.screen.active_bindings  # the footer offers Esc
        await pilot.press("escape")
        await settle(pilot, timeout=10)
        assert time.monotonic() - started < 10  # far less than the 30 s the analysis takes
        notice = last(app, NoticeCard)
        assert notice.title_text == "Cancelled." and notice.question == "/run tuitest.slow"
        assert not app.query(PendingCard)
        await ask(pilot, "/run tuitest.slow steps=2")  # the engine still runs analyses
        assert last(app, AnswerCard).result.table["steps"].tolist() == [2]


@pytest.mark.slow
@run_async
async def test_slash_commands(app: CrmlensApp, engine: Engine, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    with Engine.open(other) as e:
        e.generate_demo(customers=200, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "/tables")
        shown = {row[0]: row[1] for row in last(app, AnswerCard).table.visible_rows()}
        assert shown["orders"] == f"{engine.con.execute('SELECT count(*) FROM orders').fetchone()[0]:,}"
        await ask(pilot, "/plugins")
        plugins = last(app, AnswerCard).result.table
        assert {"core", "tuitest"} <= set(plugins["plugin"])
        await ask(pilot, "/run")
        listed = last(app, AnswerCard).result.table
        assert {"tuitest.slow", "core.overview"} <= set(listed["analysis"])
        await ask(pilot, "/asof 2024-06-30")
        assert engine.as_of == dt.date(2024, 6, 30) and "as of 2024-06-30" in app.sub_title
        await ask(pilot, "/asof 2024-13-45")
        assert "is not a date" in last(app, ErrorCard).message
        await ask(pilot, "/asof")
        assert last(app, NoticeCard).title_text == "As of 2024-06-30"
        await ask(pilot, "/frobnicate")
        assert "Unknown command /frobnicate" in last(app, ErrorCard).message
        await ask(pilot, "/sql")
        assert "/sql needs QUERY" in last(app, ErrorCard).message
        await ask(pilot, "/db nowhere.duckdb")
        assert "No database at" in last(app, ErrorCard).message and app.engine is engine
        await ask(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await ask(pilot, "/clear")
        assert not app.query(".card")
        await ask(pilot, f"/db {other}")
        assert app.engine is not engine and app.engine is not None and app.engine.path == other
        assert last(app, NoticeCard).title_text == f"Opened {other}"
        await ask(pilot, "/sql SELECT count(*) AS n FROM customers")
        assert last(app, AnswerCard).table.visible_rows() == [["200"]]
        opened = app.engine
        await ask(pilot, "/quit")
    assert app.return_code == 0
    app.close_engine()
    assert opened is not None and opened._closed and not engine._closed


@pytest.mark.slow
@run_async
async def test_history_is_kept_between_runs(engine: Engine, tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    first = CrmlensApp(engine=engine, history_path=history)
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "revenue by region")
        await ask(pilot, "/tables")
    second = CrmlensApp(engine=engine, history_path=history)
    async with second.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "orders")
        await pilot.press("escape", "ctrl+u")  # hide the suggestions, empty the prompt
        await pilot.press("up")
        assert second.prompt.value == "/tables"
        await pilot.press("up")
        assert second.prompt.value == "revenue by region"
        await pilot.press("up")  # the oldest entry stays
        assert second.prompt.value == "revenue by region"
        await pilot.press("down", "down")
        assert second.prompt.value == ""
    assert history.read_text(encoding="utf-8").splitlines() == ['"revenue by region"', '"/tables"']


@pytest.mark.slow
@run_async
async def test_autocomplete_from_the_catalog(app: CrmlensApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "revenue by reg")
        completions = app.query_one(CompletionList)
        assert completions.showing and completions.items[0] == "revenue by region"
        await pilot.press("tab")
        assert app.prompt.value == "revenue by region" and not completions.showing
        await pilot.press("ctrl+u")
        await type_text(pilot, "按地区")
        assert any(item.startswith("按地区统计") for item in completions.items)
        await pilot.press("down", "enter")  # the highlighted completion is asked at once
        await settle(pilot)
        card = last(app, AnswerCard)
        assert card.question.startswith("按地区统计") and card.result.row_count == 8
        await type_text(pilot, "/exp")
        assert completions.items[:3] == ["/export ", "/export csv", "/export parquet"]


@run_async
async def test_catalog_lists_tables_and_inserts_examples(app: CrmlensApp, engine: Engine) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(CatalogTree)
        sections = {str(node.label).split(" (")[0]: node for node in tree.root.children}
        assert list(sections) == ["Tables", "Metrics", "Dimensions", "Analyses"]
        tables = {n.data.name: n.data.detail for n in sections["Tables"].children if n.data}
        assert tables["orders"] == f"{engine.con.execute('SELECT count(*) FROM orders').fetchone()[0]:,}"
        analyses = {n.data.name: n.data for n in sections["Analyses"].children if n.data}
        assert analyses["tuitest.broken"].available and "Always fails." in analyses["tuitest.broken"].description
        revenue = next(n for n in sections["Metrics"].children if n.data and n.data.name == "revenue")
        tree.focus()
        sections["Metrics"].expand()
        await pilot.pause()
        tree.move_cursor(revenue)
        await pilot.pause()
        assert "sum of completed order amounts" in str(app.query_one("#catalog-details").render())
        await pilot.press("enter")
        assert app.prompt.value == "revenue by month" and app.prompt.has_focus


@pytest.mark.slow
@run_async
async def test_tables_sort_and_page(app: CrmlensApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "revenue by region")
        table = last(app, AnswerCard).table
        revenue = [row[1] for row in table.visible_rows()]
        table.focus()
        await pilot.press("right", "o")  # sort by the revenue column, ascending
        assert [row[1] for row in table.visible_rows()] == revenue[::-1]
        await pilot.press("o")  # again: descending
        assert [row[1] for row in table.visible_rows()] == revenue

        await ask(pilot, "/sql SELECT range AS n, range % 7 AS r FROM range(100000)")
        big = last(app, AnswerCard).table
        assert big.total == 100_000 and big.row_count == ResultTable.PAGE_SIZE
        big.focus()
        await pilot.press("ctrl+end")  # to the last loaded row: the next page loads
        await pilot.pause()
        assert big.row_count == 2 * ResultTable.PAGE_SIZE
        big.sort_by(0, descending=True)  # the whole result is sorted, not just the loaded rows
        await pilot.pause()
        assert big.visible_rows()[0] == ["99,999", str(99_999 % 7)] and big.row_count == ResultTable.PAGE_SIZE


@pytest.mark.slow
@run_async
async def test_copy_sql_and_theme_toggle(app: CrmlensApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "revenue by region")
        card = last(app, AnswerCard)
        await pilot.press("f2")  # from the prompt to the latest table
        assert app.focused is card.table
        await pilot.press("f")
        assert app.screen.maximized is card.table
        await pilot.press("escape")  # out of full screen
        assert app.screen.maximized is None and app.focused is card.table
        await pilot.press("escape")  # back to the prompt
        assert app.focused is app.prompt
        await pilot.press("f2")
        await pilot.press("y")
        assert app.clipboard == card.result.sql[0].rstrip(";") + ";"
        await pilot.press("s")
        assert not card.query_one("Collapsible").collapsed
        theme = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != theme and app.current_theme.dark != (theme == "textual-dark")


@run_async
async def test_narrow_terminal_hides_the_catalog_until_asked(app: CrmlensApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sidebar = app.query_one("#sidebar")
        assert not sidebar.display
        await pilot.press("ctrl+b")
        assert sidebar.display
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert sidebar.display


@run_async
async def test_opening_a_missing_database_shows_an_error(tmp_path: Path) -> None:
    app = CrmlensApp(db=tmp_path / "absent.duckdb", history_path=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "No database at" in last(app, ErrorCard).message
        assert app.engine is None and "no database open" in app.sub_title
        await ask(pilot, "revenue by region")
        assert last(app, ErrorCard).message == "No database is open."
    app.close_engine()


@pytest.mark.slow
@run_async
async def test_command_palette_offers_every_slash_command(app: CrmlensApp) -> None:
    from textual.command import CommandList, CommandPalette

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")  # the palette lists the commands when nothing is typed yet
        await pilot.pause(0.5)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        shown = "\n".join(str(option.prompt) for option in palette.query_one(CommandList).options)
        for name in ("/help", "/sql QUERY", "/run ANALYSIS key=value …", "/export csv|parquet|xlsx PATH", "/quit"):
            assert name in shown
        await type_text(pilot, "export csv")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        assert app.prompt.value == "/export " and app.prompt.has_focus
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await type_text(pilot, "/tables")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert last(app, AnswerCard).result.title.startswith("Tables in ")


@pytest.mark.slow
@run_async
async def test_follow_ups_and_drill_down(app: CrmlensApp, engine: Engine) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "revenue by region")
        await ask(pilot, "by month", typed=True)  # a follow-up: the previous question, now also by month
        card = last(app, AnswerCard)
        assert card.explanation.startswith("Follow-up: by month.")
        assert list(card.result.table.columns) == ["region", "month", "revenue"]
        monthly = engine.con.execute(
            """SELECT count(*) FROM (SELECT DISTINCT c.region, date_trunc('month', o.order_date) FROM orders o
               LEFT JOIN customers c ON o.customer_id = c.customer_id WHERE o.status = 'completed')"""
        ).fetchone()[0]
        assert card.result.row_count == monthly

        await ask(pilot, "revenue by region")
        table = last(app, AnswerCard).table
        top_region = table.visible_rows()[0][0]
        await pilot.press("f2", "d")  # drill into the first row: its cities
        await settle(pilot)
        drilled = last(app, AnswerCard)
        assert drilled.question == f"drill into region={top_region}"
        cities = engine.con.execute(
            """SELECT c.city, sum(o.amount) FROM orders o LEFT JOIN customers c ON o.customer_id = c.customer_id
               WHERE o.status = 'completed' AND c.region = ? GROUP BY c.city ORDER BY 2 DESC, 1""",
            [top_region],
        ).fetchall()
        assert drilled.table.visible_rows() == [[city, f"{float(v):,.2f}"] for city, v in cities]
        table.focus()  # an older answer: drilling there is refused with a note, nothing runs
        await pilot.press("d")
        await settle(pilot)
        assert last(app, AnswerCard) is drilled
        await ask(pilot, "/clear")
        await ask(pilot, "by month")  # after /clear there is nothing to follow up
        assert not app.query(AnswerCard) and last(app, SuggestionCard).question == "by month"
