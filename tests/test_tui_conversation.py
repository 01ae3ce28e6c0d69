"""Pilot tests of the conversation features of the terminal UI: drilling into a row, saving the words of a
question that was not understood to the glossary (so it is understood next time), and the glossary screen.

The glossary is kept in the database, so the tests that write it work on their own copy of a demo database.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from crmlens.engine import Engine
from crmlens.engine.errors import NotUnderstoodError
from crmlens.engine.plugins import Plugins
from crmlens.query.glossary import load_entries
from crmlens.tui.answer_card import AnswerCard
from crmlens.tui.app import CrmlensApp
from crmlens.tui.completion_list import CompletionList
from crmlens.tui.glossary_screen import GlossaryScreen
from crmlens.tui.notice_card import NoticeCard
from crmlens.tui.suggestion_card import SuggestionCard

UNKNOWN = "xyzzy"  # a word nothing in crmlens means


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui-conversation") / "demo.duckdb"
    with Engine.open(path) as e:
        e.generate_demo(customers=3000, seed=7)
    return path


@pytest.fixture
def engine(demo_db: Path, tmp_path: Path) -> Iterator[Engine]:
    """A writable copy of the demo database, with the built-in plugins only."""
    path = tmp_path / "crm.duckdb"
    shutil.copyfile(demo_db, path)
    engine = Engine.open(path, plugins=Plugins(entry_points=False))
    yield engine
    engine.close()


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> CrmlensApp:
    return CrmlensApp(engine=engine, history_path=tmp_path / "history.jsonl", cwd=tmp_path)


async def settle(pilot: Pilot[Any], timeout: float = 30.0) -> None:
    """Wait until every queued job has finished and what it shows is on screen."""
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


async def ask(pilot: Pilot[Any], text: str) -> None:
    app = pilot.app
    assert isinstance(app, CrmlensApp)
    app.prompt.focus()
    await pilot.press(*["space" if ch == " " else ch for ch in text])
    await pilot.press("enter")
    await settle(pilot)


def last(app: CrmlensApp, kind: type[Any]) -> Any:
    found = list(app.query(kind))
    assert found, f"no {kind.__name__} on screen"
    return found[-1]


def user_terms(engine: Engine) -> dict[str, tuple[str, str, str | None]]:
    return {e.term: (e.kind, e.target, e.value) for e in load_entries(engine) if e.plugin is None}


@run_async
async def test_drill_into_a_region_shows_its_cities(app: CrmlensApp, engine: Engine) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "revenue by region")
        regions = last(app, AnswerCard).table.visible_rows()
        chosen = regions[1][0]  # the second row: the cursor moves before drilling
        await pilot.press("f2", "down", "d")
        await settle(pilot)
        drilled = last(app, AnswerCard)
        assert drilled.question == f"drill into region={chosen}"
        assert list(drilled.result.table.columns) == ["city", "revenue"]
        cities = engine.con.execute(
            """SELECT c.city, sum(o.amount) FROM orders o LEFT JOIN customers c ON o.customer_id = c.customer_id
               WHERE o.status = 'completed' AND c.region = ? GROUP BY c.city ORDER BY 2 DESC, 1""",
            [chosen],
        ).fetchall()
        assert len(cities) > 1
        assert drilled.table.visible_rows() == [[city, f"{float(v):,.2f}"] for city, v in cities]
        # every city of the drill-down is in the region, and their revenue adds up to the region's row
        total = sum(float(v) for _, v in cities)
        assert f"{total:,.2f}" == regions[1][1]


@run_async
async def test_saving_the_words_not_understood_makes_the_question_work(app: CrmlensApp, engine: Engine) -> None:
    with pytest.raises(NotUnderstoodError) as caught:
        engine.ask(UNKNOWN)
    assert caught.value.unknown_words == [UNKNOWN]
    suggestions = caught.value.suggestions
    assert len(suggestions) >= 2
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, UNKNOWN)
        assert last(app, SuggestionCard).suggestions == suggestions
        assert app.glossary_offer is None
        completions = app.query_one(CompletionList)
        assert completions.showing and completions.mode == "did-you-mean"
        await pilot.press("down", "down", "enter")  # the second suggestion
        await settle(pilot)
        chosen = suggestions[1]
        answer = last(app, AnswerCard)
        assert answer.question == chosen
        assert f"Ctrl+G saves “{UNKNOWN}” to the glossary" in answer.hint
        assert UNKNOWN not in user_terms(engine)

        await pilot.press("ctrl+g")
        await settle(pilot)
        notice = last(app, NoticeCard)
        assert notice.title_text == f"Saved to the glossary: “{UNKNOWN}” means “{chosen}”."
        assert user_terms(engine)[UNKNOWN] == ("question", chosen, None)
        assert app.glossary_offer is None  # one save per choice

        cards_before = len(app.query(SuggestionCard))
        await ask(pilot, UNKNOWN)  # asked again: answered as the chosen question, no suggestions
        assert len(app.query(SuggestionCard)) == cards_before
        again = last(app, AnswerCard)
        assert again.question == UNKNOWN
        assert f"glossary: '{UNKNOWN}' = '{chosen}'" in again.explanation
        expected = engine.ask(chosen)
        assert again.result.title == expected.title
        pd.testing.assert_frame_equal(again.result.table, expected.table)
        assert not app.query_one(CompletionList).showing


@run_async
async def test_a_question_asked_normally_offers_no_glossary_save(app: CrmlensApp, engine: Engine) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, UNKNOWN)
        await ask(pilot, "revenue by region")  # not one of the suggestions
        assert app.glossary_offer is None and last(app, AnswerCard).hint == ""
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert not [n for n in app.query(NoticeCard) if n.title_text.startswith("Saved to the glossary")]
        assert UNKNOWN not in user_terms(engine)


@run_async
async def test_glossary_screen_adds_and_removes_entries(app: CrmlensApp, engine: Engine) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "/glossary")
        screen = app.screen
        assert isinstance(screen, GlossaryScreen)
        await settle(pilot)
        assert screen.loaded
        table = screen.query_one("#glossary-table", DataTable)
        before = load_entries(engine)
        assert table.row_count == len(before)

        # add: GMV means the metric revenue, typed into the form and Enter
        await pilot.press(*"GMV")
        screen.query_one("#glossary-kind", Select).value = "metric"
        screen.query_one("#glossary-target", Input).focus()
        await pilot.press(*"revenue", "enter")
        await settle(pilot)
        assert user_terms(engine)["GMV"] == ("metric", "revenue", None)
        assert table.row_count == len(before) + 1
        assert "Added “GMV”" in str(screen.query_one("#glossary-status").render())
        assert engine.ask("GMV by region").title == engine.ask("revenue by region").title

        # a value entry with the Add button
        screen.query_one("#glossary-term", Input).value = "webshop"
        screen.query_one("#glossary-kind", Select).value = "value"
        screen.query_one("#glossary-target", Input).value = "order_channel"
        screen.query_one("#glossary-value", Input).value = "web"
        await pilot.click("#glossary-add")
        await settle(pilot)
        assert user_terms(engine)["webshop"] == ("value", "order_channel", "web")

        # a wrong target is refused with the reason, nothing is written
        screen.query_one("#glossary-term", Input).value = "turnover"
        screen.query_one("#glossary-kind", Select).value = "metric"
        screen.query_one("#glossary-target", Input).value = "no_such_metric"
        await pilot.click("#glossary-add")
        await settle(pilot)
        assert "No metric 'no_such_metric'" in str(screen.query_one("#glossary-status").render())
        assert "turnover" not in user_terms(engine)

        # remove GMV: select its row, Delete
        row = next(i for i, e in enumerate(screen.entries) if e.term == "GMV")
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("delete")
        await settle(pilot)
        assert "GMV" not in user_terms(engine) and "webshop" in user_terms(engine)
        assert table.row_count == len(before) + 1

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, GlossaryScreen)
        await pilot.press("f3")  # the key opens it too
        await settle(pilot)
        assert isinstance(app.screen, GlossaryScreen)
