"""The crmlens terminal UI: a conversation of answer cards, a catalog sidebar and a prompt.

Everything that touches the database runs as a :class:`~crmlens.tui.jobs.Job` in a Textual thread
worker, one at a time (a DuckDB connection is not thread-safe), so the app stays responsive; Esc
cancels the running job. Failures become error cards, never tracebacks.

This module imports nothing heavy at import time: the engine (DuckDB, pandas) is imported by the
first job, after the prompt is already on screen.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.actions import SkipAction
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input

from crmlens.tui.catalog_panel import CatalogPanel
from crmlens.tui.completion_list import CompletionList
from crmlens.tui.conversation import Conversation
from crmlens.tui.jobs import Job, ProgressFn, run_job
from crmlens.tui.messages import Ask, Drill, InsertText, JobDone, JobProgress
from crmlens.tui.notice_card import NoticeCard
from crmlens.tui.pending_card import PendingCard
from crmlens.tui.prompt_input import PromptInput
from crmlens.tui.slash import SLASH_COMMANDS, SlashCall, is_slash, parse_slash

if TYPE_CHECKING:
    from crmlens.engine.core import Engine
    from crmlens.engine.result import Result
    from crmlens.query.session import Session
    from crmlens.tui.catalog_data import CatalogData
    from crmlens.tui.glossary_data import GlossaryOffer
    from crmlens.tui.history import History

F = TypeVar("F", bound=Callable[..., None])


def guarded(handler: F) -> F:
    """Run a message handler; if it raises, show an error card instead of ending the app."""

    @functools.wraps(handler)
    def wrapper(self: CrmlensApp, *args: Any) -> None:
        try:
            handler(self, *args)
        except Exception as exc:
            self.show_error(exc)

    return cast(F, wrapper)


R = TypeVar("R", bound="Result")


def in_thread(result: R) -> R:
    """Build the result's DataFrame here, in the worker (answers from DuckDB carry rows; turning
    100,000 of them into a frame on the UI thread would freeze it for a moment)."""
    _ = result.table
    return result


NARROW = 100  # below this many columns the catalog starts hidden (Ctrl+B shows it)
SHORT = 30  # below this many lines tables and charts in cards get shorter
DARK, LIGHT = "textual-dark", "textual-light"
_DEFAULT = object()


class CrmlensApp(App[None]):
    """The analyst workbench. Give it an open ``engine`` (tests, embedding), or a ``db`` path to open
    (None: the demo database, generated on first use)."""

    TITLE = "crmlens"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere find it too
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "focus_prompt", "Prompt", show=False),
        Binding("f2", "focus_answer", "Last table"),
        Binding("f3", "glossary", "Glossary", show=False),
        Binding("ctrl+g", "save_to_glossary", "Save words to glossary"),
        Binding("ctrl+b", "toggle_sidebar", "Catalog"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("ctrl+l", "clear", "Clear", show=False),
        Binding("pageup", "scroll_conversation(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_conversation(1)", "Scroll down", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        *,
        engine: Engine | None = None,
        db: str | Path | None = None,
        as_of: str | None = None,
        read_only: bool = False,
        history_path: Path | object | None = _DEFAULT,
        show_timing: bool = True,
        cwd: Path | None = None,
    ) -> None:
        super().__init__()
        self.engine: Engine | None = engine
        self._owns_engine = engine is None
        self.db = db
        self.as_of = as_of
        self.read_only = read_only
        self.history_path = history_path
        self.show_timing = show_timing
        self.cwd = cwd
        self.catalog: CatalogData | None = None
        self.session: Session | None = None  # follow-ups ("by month", "去年呢") apply to its last answer
        self.last_result: Result | None = None
        self._queue: deque[Job] = deque()
        self._current: Job | None = None
        self._cards: dict[int, PendingCard] = {}
        self._sidebar_choice: bool | None = None
        self._as_of_text = ""
        # a question not understood (question, unknown words, suggestions), then the offer to save its words
        # to the glossary as meaning the suggestion the analyst chose (Ctrl+G)
        self._not_understood: tuple[str, tuple[str, ...], list[str]] | None = None
        self.glossary_offer: GlossaryOffer | None = None
        self.theme = DARK

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        completions = CompletionList(id="completions")
        with Horizontal(id="main"):
            yield CatalogPanel(id="sidebar")
            with Vertical(id="chat"):
                yield Conversation(id="conversation")
                yield completions
                yield PromptInput(completions, placeholder="Ask a question (English or 中文), or /help …", id="prompt")
        yield Footer()

    @property
    def prompt(self) -> PromptInput:
        return self.query_one("#prompt", PromptInput)

    @property
    def conversation(self) -> Conversation:
        return self.query_one("#conversation", Conversation)

    def on_mount(self) -> None:
        self.sub_title = "opening the database…"
        self._apply_size(self.size.width, self.size.height)
        self.prompt.focus()
        self.conversation.add(
            NoticeCard(
                "Welcome to crmlens",
                "Ask about your customers in plain English or Chinese; type / for commands, F1 for help.",
                id="welcome",
            )
        )
        self._submit(Job("open", self._open_work, self._opened, cancellable=False, failed=self._open_failed))

    def on_resize(self, event: Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        show = self._sidebar_choice if self._sidebar_choice is not None else width >= NARROW
        self.query_one("#sidebar", CatalogPanel).display = show
        self.query_one("#chat", Vertical).set_class(height < SHORT, "-short")

    # -- opening the database and the catalog -------------------------------------------------------
    def _open_work(self, progress: ProgressFn) -> tuple[Engine, History, CatalogData, Exception | None]:
        from crmlens.engine.core import Engine
        from crmlens.engine.paths import data_dir, demo_database_path
        from crmlens.tui.history import HISTORY_FILE, History

        path = data_dir() / HISTORY_FILE if self.history_path is _DEFAULT else self.history_path
        history = History(path if isinstance(path, Path) else None)
        engine = self.engine
        if engine is None:
            if self.db is None and not demo_database_path().exists():
                progress(None, "Generating the demo database (first run, a few seconds)…")
            engine = Engine.open(self.db, as_of=self.as_of, read_only=self.read_only, create=False)
        try:
            return engine, history, self._catalog_work(engine), None
        except Exception as exc:  # the database works without the sidebar: open it, and say what failed
            from crmlens.tui.catalog_data import CatalogData

            empty = CatalogData(database=str(engine.path or ""), as_of=engine.as_of.isoformat())
            return engine, history, empty, exc

    @staticmethod
    def _catalog_work(engine: Engine) -> CatalogData:
        from crmlens.tui.catalog_data import build_catalog

        return build_catalog(engine)

    def _opened(self, value: tuple[Engine, History, CatalogData, Exception | None]) -> Widget | None:
        engine, history, catalog, error = value
        for text in self.prompt.history.entries:  # anything typed while the database was opening
            history.add(text)
        self.prompt.history = history
        self._use(engine, catalog)
        if error is not None:
            from crmlens.tui.error_card import ErrorCard

            return ErrorCard(
                "The catalog could not be read",
                f"{type(error).__name__}: {error}",
                "Questions and commands still work; /plugins shows which plugin failed.",
            )
        return None

    def _open_failed(self, error: BaseException) -> None:
        if self.engine is None:
            self._update_subtitle()
        self.conversation.add(self._error_card(error, ""))

    def _use(self, engine: Engine, catalog: CatalogData) -> None:
        self.engine = engine
        self.catalog = catalog
        self._new_session()
        self._as_of_text = catalog.as_of
        self.query_one("#sidebar", CatalogPanel).populate(catalog)
        self.prompt.catalog_candidates = catalog.completions
        self._update_subtitle()
        welcome = self.query("#welcome")
        if welcome:
            card = welcome.first(NoticeCard)
            rows = {t.name: t.detail for t in catalog.tables}
            where = Path(catalog.database).name
            facts = f"{where}: {catalog.table_count} tables with data"
            if "customers" in rows:
                facts += f", {rows['customers']} customers"
            card.set_body(
                f"{facts}. Ask about your customers in plain English or Chinese; type / for commands, F1 for help. Try:"
            )
            card.set_examples(catalog.examples)

    def _new_session(self) -> None:
        """A fresh conversation (its turns are kept for `crmlens history` unless history is off)."""
        if self.engine is not None:
            self.session = self.engine.session(record=self.history_path is not None)

    def _update_subtitle(self) -> None:
        if self.engine is None:
            self.sub_title = "no database open (/db PATH)"
            return
        name = self.engine.path.name if self.engine.path else "in memory"
        mode = " · read-only" if self.engine.read_only else ""
        self.sub_title = f"{name} · as of {self._as_of_text}{mode}"

    # -- jobs --------------------------------------------------------------------------------------
    def _submit(self, job: Job) -> None:
        if job.question:
            card = PendingCard(job.question, cancellable=job.cancellable)
            self._cards[job.id] = card
            self.conversation.add(card)
        self._queue.append(job)
        self._next_job()

    def _next_job(self) -> None:
        if self._current is not None or not self._queue:
            self.refresh_bindings()
            return
        job = self._current = self._queue.popleft()
        card = self._cards.get(job.id)
        if card is not None:
            card.start()
        self.refresh_bindings()
        self.run_worker(partial(run_job, job, self), thread=True, group="engine", exit_on_error=False, name=job.label)

    @property
    def busy(self) -> bool:
        return self._current is not None

    @guarded
    def on_job_progress(self, message: JobProgress) -> None:
        job = self._current
        card = self._cards.get(message.job_id)
        if job is not None and job.id == message.job_id and card is not None and not job.cancelled:
            card.set_progress(message.fraction, message.text)
        elif job is not None and job.id == message.job_id and message.text and job.label == "open":
            self.sub_title = message.text

    @guarded
    def on_job_done(self, message: JobDone) -> None:
        job = self._current
        if job is None or job.id != message.job_id:
            return
        self._current = None
        card = self._cards.pop(job.id, None)
        try:
            try:
                new = self._outcome(job, message.value, message.error)
            except Exception as exc:  # showing the answer failed: say so, keep going
                new = self._error_card(exc, job.question)
            if new is not None:
                if card is not None:
                    self.conversation.replace(card, new)
                else:
                    self.conversation.add(new)
            elif card is not None:
                card.remove()
        finally:
            self._next_job()  # whatever happened, the questions waiting behind this one go on

    def _outcome(self, job: Job, value: Any, error: BaseException | None) -> Widget | None:
        from crmlens.engine.analysis import Cancelled

        if job.cancelled or isinstance(error, Cancelled):
            return NoticeCard("Cancelled.", "Ask again when you are ready.", question=job.question, kind="cancelled")
        if error is not None:
            if job.failed is not None:
                job.failed(error)
                return None
            return self._error_card(error, job.question)
        shown: Widget | None = job.done(value)
        return shown

    def _error_card(self, error: BaseException, question: str) -> Widget:
        from crmlens.engine.errors import NotUnderstoodError
        from crmlens.tui.error_card import error_card

        if isinstance(error, NotUnderstoodError):
            from crmlens.tui.suggestion_card import SuggestionCard

            if error.suggestions and not self.prompt.value:
                self.prompt.show_did_you_mean(error.suggestions)
            if error.suggestions and error.unknown_words and question:
                self._not_understood = (question, tuple(error.unknown_words), list(error.suggestions))
            return SuggestionCard(question, error.message, error.suggestions, error.hint or "")
        return error_card(error, question)

    def show_error(self, error: BaseException, question: str = "") -> None:
        """Put an error card at the end of the conversation (never raises: the last line of defence)."""
        try:
            self.conversation.add(self._error_card(error, question))
        except Exception:
            self.notify(f"{type(error).__name__}: {error}", title="Something went wrong", severity="error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self._current is not None and self._current.cancellable
        if action == "focus_prompt":
            return self.screen.focused is not self.prompt and self.screen is self.screen_stack[0]
        if action == "save_to_glossary":
            return self.glossary_offer is not None and self.screen is self.screen_stack[0]
        return True

    def action_focus_prompt(self) -> None:
        """Esc outside the prompt (nothing running): back to typing."""
        self.prompt.focus()

    def action_focus_answer(self) -> None:
        """F2: the table of the latest answer, to scroll, sort (o) or see full screen (f)."""
        from crmlens.tui.result_table import ResultTable

        tables = list(self.conversation.query(ResultTable))
        if not tables:
            self.notify("No answer with a table yet.")
            return
        tables[-1].focus()
        self.conversation.scroll_to_widget(tables[-1], animate=False)

    def action_cancel(self) -> None:
        """Esc: stop the running question (and drop the ones waiting behind it)."""
        job = self._current
        if job is None or not job.cancellable:
            raise SkipAction()
        job.cancelled = True
        if self.engine is not None:
            self.engine.cancel()
        card = self._cards.get(job.id)
        if card is not None:
            card.set_cancelling()
        for waiting in [j for j in self._queue if j.cancellable and j.question]:
            self._queue.remove(waiting)
            pending = self._cards.pop(waiting.id, None)
            notice = NoticeCard("Cancelled before it started.", question=waiting.question, kind="cancelled")
            if pending is not None:
                self.conversation.replace(pending, notice)

    # -- asking --------------------------------------------------------------------------------------
    @guarded
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "prompt":
            return
        event.stop()
        text = event.value
        self.prompt.set_text("")
        self.ask(text)

    @guarded
    def on_ask(self, message: Ask) -> None:
        message.stop()
        self.prompt.focus()
        self.ask(message.text)

    @guarded
    def on_insert_text(self, message: InsertText) -> None:
        message.stop()
        self.prompt.completion_list.hide()
        self.prompt.set_text(message.text)
        self.prompt.focus()

    def ask(self, text: str) -> None:
        """Answer a question or run a /command typed by the analyst."""
        text = text.strip()
        if not text:
            return
        self.prompt.history.add(text)
        if is_slash(text):
            self._slash(text)
            return

        offer = self._offer_for(text)

        def work(progress: ProgressFn) -> Any:
            self._engine_now()
            assert self.session is not None
            return in_thread(self.session.ask(text))

        def done(answer: Any) -> Widget:
            hint = ""
            if offer is not None:
                self.glossary_offer = offer
                self.refresh_bindings()
                hint = f"Ctrl+G saves “{offer.term}” to the glossary as meaning this question."
            return self._answer_card(
                answer, question=text, explanation=answer.explanation, alternatives=answer.alternatives, hint=hint
            )

        self._submit(Job("ask", work, done, question=text))

    def _offer_for(self, text: str) -> GlossaryOffer | None:
        """A new question ends the last offer; one of the suggestions for a question not understood makes one."""
        from crmlens.tui.glossary_data import GlossaryOffer

        not_understood, self._not_understood = self._not_understood, None
        self.glossary_offer = None
        self.refresh_bindings()
        if not_understood is None or text not in not_understood[2]:
            return None
        question, words, _ = not_understood
        return GlossaryOffer(question=question, words=words, chosen=text)

    @guarded
    def on_drill(self, message: Drill) -> None:
        """d on a row of the latest answer: the next level down (region → city → customer, year → month)."""
        message.stop()
        session = self.session
        if session is None or session.last is None or session.last is not message.result:
            self.notify("Drill down from the rows of the latest answer to a question.", severity="warning")
            return
        row = message.row

        def work(progress: ProgressFn) -> Any:
            return in_thread(session.drill(row))

        def done(answer: Any) -> Widget:
            return self._answer_card(answer, question=answer.question, explanation=answer.explanation)

        self._submit(Job("drill", work, done, question=f"↳ drill into {message.label}"))

    def _engine_now(self) -> Engine:
        if self.engine is None:
            from crmlens.engine.errors import UsageError

            raise UsageError("No database is open.", hint="Open one with /db PATH.")
        return self.engine

    def _answer_card(
        self,
        result: Result,
        *,
        question: str,
        explanation: str = "",
        alternatives: list[str] | None = None,
        hint: str = "",
    ) -> Widget:
        from crmlens.tui.answer_card import AnswerCard

        if result.columns:
            self.last_result = result
        return AnswerCard(
            result,
            question=question,
            explanation=explanation,
            show_timing=self.show_timing,
            alternatives=alternatives,
            hint=hint,
        )

    # -- slash commands ------------------------------------------------------------------------------
    def _slash(self, text: str) -> None:
        try:
            call = parse_slash(text)
            handler: Callable[[SlashCall, str], None] = getattr(self, f"_cmd_{call.name}")
            handler(call, text)
        except Exception as exc:  # a bad command line: an error card, like any other failure
            self.conversation.add(self._error_card(exc, text))

    def _usage(self, name: str) -> Exception:
        from crmlens.engine.errors import UsageError
        from crmlens.tui.slash import COMMANDS_BY_NAME

        command = COMMANDS_BY_NAME[name]
        return UsageError(f"/{name} needs {command.args}.", hint=f"Usage: {command.usage} — {command.help}")

    def _cmd_help(self, call: SlashCall, text: str) -> None:
        self.action_help()

    def _cmd_quit(self, call: SlashCall, text: str) -> None:
        self.action_quit_app()

    def _cmd_clear(self, call: SlashCall, text: str) -> None:
        self.action_clear()

    def _cmd_sql(self, call: SlashCall, text: str) -> None:
        if not call.rest:
            raise self._usage("sql")
        query = call.rest

        def work(progress: ProgressFn) -> Any:
            return in_thread(self._engine_now().sql(query))

        self._submit(Job("sql", work, lambda r: self._answer_card(r, question=text), question=text))

    def _cmd_run(self, call: SlashCall, text: str) -> None:
        from crmlens.cli import _parse_params

        if not call.args:
            self._submit(
                Job("analyses", self._analyses_work, lambda r: self._answer_card(r, question=text), question=text)
            )
            return
        name, params = call.args[0], _parse_params(call.args[1:])

        def work(progress: ProgressFn) -> Any:
            engine = self._engine_now()
            analysis = engine.analysis(name)

            def report(fraction: float, message: str) -> None:
                progress(fraction, message)

            result = in_thread(engine.run(name, progress=report, **params))
            return result, f"{analysis.title}: {analysis.description}"

        def done(value: tuple[Result, str]) -> Widget:
            result, explanation = value
            return self._answer_card(result, question=text, explanation=explanation)

        self._submit(Job(f"run {name}", work, done, question=text))

    def _analyses_work(self, progress: ProgressFn) -> Result:
        import pandas as pd

        from crmlens.engine.result import Result

        engine = self._engine_now()
        caps = {c.analysis: c for c in engine.capabilities()}
        rows = []
        for a in engine.analyses():
            cap = caps[a.name]
            rows.append(
                {
                    "analysis": a.name,
                    "title": a.title,
                    "plugin": a.plugin,
                    "ready": "yes" if cap.available else "no",
                    "needs": "" if cap.available else cap.explain(),
                    "parameters": ", ".join(p["name"] for p in a.param_help()),
                }
            )
        table = pd.DataFrame(rows, columns=["analysis", "title", "plugin", "ready", "needs", "parameters"])
        ready = sum(1 for r in rows if r["ready"] == "yes")
        return Result(
            title="Analyses",
            table=table,
            summary=f"{len(rows)} analyses, {ready} ready on this data. Run one with /run NAME key=value …",
        )

    def _cmd_export(self, call: SlashCall, text: str) -> None:
        from crmlens.engine.errors import UsageError
        from crmlens.tui.export import EXPORT_FORMATS, export_path, export_result

        if not call.args or len(call.args) > 2:
            raise self._usage("export")
        fmt = call.args[0].lower().lstrip(".")
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"Cannot export as {fmt!r}.", hint="Use /export csv, /export parquet or /export xlsx.")
        result = self.last_result
        if result is None:
            raise UsageError("There is no answer to export yet.", hint="Ask a question first, then /export csv.")
        target = export_path(result, fmt, call.args[1] if len(call.args) > 1 else None, self.cwd or Path.cwd())

        def work(progress: ProgressFn) -> int:
            return export_result(result, fmt, target)

        def done(rows: int) -> Widget:
            return NoticeCard(
                f"Saved {rows:,} row{'s' if rows != 1 else ''} of “{result.title}” to {target}", question=text
            )

        self._submit(Job("export", work, done, question=text, cancellable=False))

    def _cmd_tables(self, call: SlashCall, text: str) -> None:
        def work(progress: ProgressFn) -> Result:
            import pandas as pd

            from crmlens.engine.result import Column, Result

            engine = self._engine_now()
            infos = engine.tables()
            table = pd.DataFrame(
                [{"table": t.name, "rows": t.rows, "kind": t.kind, "description": t.description} for t in infos],
                columns=["table", "rows", "kind", "description"],
            )
            where = engine.path.name if engine.path else "memory"
            return Result(
                title=f"Tables in {where}",
                table=table,
                columns=[
                    Column(name="table", type="VARCHAR"),
                    Column(name="rows", type="BIGINT", format="count"),
                    Column(name="kind", type="VARCHAR"),
                    Column(name="description", type="VARCHAR"),
                ],
                summary=f"{len(infos)} tables, {sum(t.rows for t in infos):,} rows in all.",
            )

        self._submit(Job("tables", work, lambda r: self._answer_card(r, question=text), question=text))

    def _cmd_plugins(self, call: SlashCall, text: str) -> None:
        def work(progress: ProgressFn) -> Result:
            import pandas as pd

            from crmlens.engine.result import Result

            engine = self._engine_now()
            counts: dict[str, dict[str, int]] = {}
            for kind, items in (
                ("analyses", engine.analyses()),
                ("metrics", engine.metrics),
                ("dimensions", engine.dimensions),
                ("phrases", engine.vocabulary),
            ):
                for item in items:
                    per = counts.setdefault(str(item.plugin), {})
                    per[kind] = per.get(kind, 0) + 1
            failed = {f.plugin for f in engine.plugins.failures}
            rows = [
                {
                    "plugin": info.name,
                    "version": info.version,
                    "source": info.source,
                    "status": "failed" if info.name in failed else "ok",
                    "contributes": ", ".join(f"{n} {k}" for k, n in counts.get(info.name, {}).items()) or "-",
                }
                for info in engine.plugins.info()
            ]
            known = {r["plugin"] for r in rows}
            rows += [
                {"plugin": name, "version": "", "source": "", "status": "failed", "contributes": "-"}
                for name in sorted(failed - known)
            ]
            errors = [f.message() for f in engine.plugins.failures]
            return Result(
                title="Plugins",
                table=pd.DataFrame(rows, columns=["plugin", "version", "source", "status", "contributes"]),
                summary=f"{len(rows)} plugin(s)" + (f", {len(errors)} failure(s)." if errors else ", all working."),
                warnings=errors,
            )

        self._submit(Job("plugins", work, lambda r: self._answer_card(r, question=text), question=text))

    def _cmd_db(self, call: SlashCall, text: str) -> None:
        if len(call.args) != 1:
            raise self._usage("db")
        path = call.args[0]
        if not Path(path).expanduser().is_absolute() and self.cwd is not None:
            path = str(self.cwd / path)

        def work(progress: ProgressFn) -> tuple[Engine, CatalogData]:
            from crmlens.engine.core import Engine

            engine = Engine.open(path, as_of=self.as_of, read_only=self.read_only, create=False)
            try:
                return engine, self._catalog_work(engine)
            except Exception:
                engine.close()
                raise

        def done(value: tuple[Engine, CatalogData]) -> Widget:
            engine, catalog = value
            old = self.engine
            self._use(engine, catalog)
            if old is not None and old is not engine and self._owns_engine:
                old.close()
            self._owns_engine = True
            self.last_result = None
            return NoticeCard(
                f"Opened {engine.path}",
                f"{catalog.table_count} tables with data; as of {self._as_of_text}.",
                question=text,
                examples=catalog.examples,
            )

        self._submit(Job("db", work, done, question=text, cancellable=False))

    def _cmd_glossary(self, call: SlashCall, text: str) -> None:
        self.action_glossary()

    def _cmd_asof(self, call: SlashCall, text: str) -> None:
        if len(call.args) > 1:
            raise self._usage("asof")
        value = call.args[0] if call.args else None

        def work(progress: ProgressFn) -> dt.date:
            engine = self._engine_now()
            if value is not None:
                engine.as_of = value
            return engine.as_of

        def done(as_of: dt.date) -> Widget:
            self._as_of_text = as_of.isoformat()
            self._update_subtitle()
            if value is None:
                return NoticeCard(
                    f"As of {as_of.isoformat()}", "Set another 'today' with /asof YYYY-MM-DD.", question=text
                )
            return NoticeCard(
                f"As of is now {as_of.isoformat()}",
                "Relative dates ('last month', 'this year') and recency are counted from it.",
                question=text,
            )

        self._submit(Job("asof", work, done, question=text, cancellable=False))

    # -- actions -------------------------------------------------------------------------------------
    def action_help(self) -> None:
        from crmlens.tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_glossary(self) -> None:
        """F3 or /glossary: the glossary, to add and remove the user's own words."""
        from crmlens.tui.glossary_screen import GlossaryScreen

        if self.screen is self.screen_stack[0]:
            self.push_screen(GlossaryScreen())

    @guarded
    def action_save_to_glossary(self) -> None:
        """Ctrl+G after choosing a suggestion: the words not understood now mean that suggestion's question."""
        offer = self.glossary_offer
        if offer is None:
            raise SkipAction()
        self.glossary_offer = None
        self.refresh_bindings()

        def work(progress: ProgressFn) -> Any:
            from crmlens.tui.glossary_data import save_offer

            return save_offer(self._engine_now(), offer)

        def done(entry: Any) -> Widget:
            return NoticeCard(
                f"Saved to the glossary: “{entry.term}” means “{entry.target}”.",
                f"“{offer.question}” is understood from now on; F3 or /glossary lists and removes entries.",
                kind="saved",
            )

        self._submit(Job("glossary save", work, done, cancellable=False))

    def run_engine_job(
        self,
        label: str,
        work: Callable[[Engine], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """Run ``work(engine)`` in the job queue (screens use this: one job on the database at a time);
        ``done(value)`` or ``failed(error)`` then run on the UI thread."""

        def job_work(progress: ProgressFn) -> Any:
            return work(self._engine_now())

        def job_done(value: Any) -> None:
            done(value)

        self._submit(Job(label, job_work, job_done, cancellable=False, failed=failed))

    @guarded
    def action_clear(self) -> None:
        """Clear the conversation (follow-ups start afresh); cards of questions still being answered stay."""
        if not self.busy:
            self._new_session()
        for card in list(self.conversation.children):
            if not isinstance(card, PendingCard):
                card.remove()

    def action_scroll_conversation(self, direction: int) -> None:
        if direction < 0:
            self.conversation.scroll_page_up()
        else:
            self.conversation.scroll_page_down()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar", CatalogPanel)
        self._sidebar_choice = not sidebar.display
        self._apply_size(self.size.width, self.size.height)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_quit_app(self) -> None:
        if self._current is not None and self._current.cancellable and self.engine is not None:
            self._current.cancelled = True
            self.engine.cancel()
        self.exit()

    async def action_quit(self) -> None:
        self.action_quit_app()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for command in SLASH_COMMANDS:
            if command.takes_args:
                callback: Callable[[], Any] = partial(self.post_message, InsertText(f"/{command.name} "))
            else:
                callback = partial(self.ask, f"/{command.name}")
            # the palette reads titles as markup: no square brackets ("[PATH]" would be a tag)
            title = command.usage.replace("[", "").replace("]", "")
            yield SystemCommand(title, command.help, callback)
        yield SystemCommand("Catalog", "Show or hide the catalog sidebar (Ctrl+B)", self.action_toggle_sidebar)
        if self.glossary_offer is not None:
            yield SystemCommand(
                "Save words to glossary",
                f"“{self.glossary_offer.term}” means “{self.glossary_offer.chosen}” from now on (Ctrl+G)",
                self.action_save_to_glossary,
            )

    def close_engine(self) -> None:
        """Close the database if this app opened it (call after the app has exited)."""
        if self._owns_engine and self.engine is not None:
            self.engine.close()
            self.engine = None
