"""Snapshot tests of the terminal UI (pytest-textual-snapshot) at 80×24 and 120×40: the main screen, an
answer with a chart, and the help screen. Only the core plugin is loaded, so analyses added by other
plugins do not change the pictures. Update after a deliberate change with ``pytest --snapshot-update``
and look at the report of what changed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from crmlens.engine import Engine
from crmlens.engine.plugins import Plugins
from crmlens.tui.answer_card import AnswerCard
from crmlens.tui.app import CrmlensApp
from crmlens.tui.chart import ResultChart

pytestmark = pytest.mark.slow  # about 3 s each: the app, a question, a picture

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SnapCompare = Callable[..., bool]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("tui-snap") / "crm.duckdb"
    plugins = Plugins(builtins=("crmlens.plugins.core",), entry_points=False)
    with Engine.open(path, plugins=plugins) as e:
        e.generate_demo(customers=3000, seed=7)
    engine = Engine.open(path, plugins=plugins)
    yield engine
    engine.close()


def make_app(engine: Engine) -> CrmlensApp:
    return CrmlensApp(engine=engine, history_path=None, show_timing=False)


async def settle(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, CrmlensApp)
    app.prompt.cursor_blink = False
    deadline = time.monotonic() + 30
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.busy:
            break
        assert time.monotonic() < deadline
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: SnapCompare, engine: Engine, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(engine), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_answer_with_chart(snap_compare: SnapCompare, engine: Engine, size: tuple[int, int]) -> None:
    async def ask(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, CrmlensApp)
        app.prompt.set_text("revenue by month")
        await pilot.press("enter")
        await settle(pilot)
        card = app.query_one(AnswerCard)
        assert card.chart_data is not None and card.chart_data.kind == "line"
        app.conversation.scroll_to_widget(card.query_one(ResultChart), animate=False, top=size[1] < 30)
        await pilot.pause()

    assert snap_compare(make_app(engine), terminal_size=size, run_before=ask)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: SnapCompare, engine: Engine, size: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(engine), terminal_size=size, run_before=open_help)
