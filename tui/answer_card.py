"""An answer as a card: the question, how it was understood, the table, a chart when one fits, the
summary, warnings, and the SQL behind it (shown on demand, copyable)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Static

from crmlens.tui.card import Card, line
from crmlens.tui.chart_data import ChartData, prepare_chart
from crmlens.tui.question_button import QuestionButton
from crmlens.tui.result_table import ResultTable

if TYPE_CHECKING:
    from crmlens.engine.result import Result


def sql_text(statements: list[str]) -> str:
    """The statements as one script, each ending with a semicolon (what 'Copy SQL' copies)."""
    return "\n\n".join(s.rstrip().rstrip(";") + ";" for s in statements)


class AnswerCard(Card):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "toggle_sql", "SQL"),
        Binding("y", "copy_sql", "Copy SQL"),
    ]

    def __init__(
        self,
        result: Result,
        *,
        question: str = "",
        explanation: str = "",
        show_timing: bool = True,
        alternatives: list[str] | None = None,
        hint: str = "",
    ) -> None:
        super().__init__(classes="answer")
        self.result = result
        self.question = question
        self.explanation = explanation
        self.show_timing = show_timing
        self.alternatives = list(alternatives or [])
        self.hint = hint  # e.g. "Ctrl+G saves … to the glossary"
        self.chart_data: ChartData | None = None
        self.chart_error = ""
        try:
            self.chart_data = prepare_chart(result)
        except Exception as exc:  # a chart we cannot draw must not cost the answer
            self.chart_error = f"(no chart: {type(exc).__name__}: {exc})"
        self.set_class(self.chart_data is not None, "-with-chart")

    def compose(self) -> ComposeResult:
        r = self.result
        if self.question:
            yield line(f"❯ {self.question}", "question")
        if self.explanation:
            yield line(self.explanation, "interpretation")
        if self.hint:
            yield line(self.hint, "hint")
        meta = [r.title, f"{r.row_count:,} row{'s' if r.row_count != 1 else ''}"]
        if self.show_timing and r.elapsed_ms:
            meta.append(f"{r.elapsed_ms / 1000:.2f} s" if r.elapsed_ms >= 100 else f"{r.elapsed_ms:.0f} ms")
        title = Text(meta[0], style="bold")
        title.append("  " + " · ".join(meta[1:]), style="dim")
        yield Static(title, classes="title")
        if r.columns and r.row_count:
            yield ResultTable(r)
        chart = self._chart()
        if chart is not None:
            yield chart
        elif self.chart_error:
            yield line(self.chart_error, "note")
        if self.chart_data is not None and self.chart_data.note:
            yield line(f"Chart shows {self.chart_data.note}.", "note")
        if r.summary:
            yield line(r.summary, "summary")
        for warning in r.warnings:
            yield line(f"⚠ {warning}", "warning")
        if self.alternatives:
            yield line("Or did you mean:", "hint")
            yield VerticalGroup(*(QuestionButton(q) for q in self.alternatives), classes="choices")
        if r.sql:
            n = len(r.sql)
            with Collapsible(title=f"SQL ({n} statement{'s' if n != 1 else ''}) — s to show, y to copy", classes="sql"):
                yield Static(self._syntax(), classes="sql-text")
                with HorizontalGroup(classes="sql-actions"):
                    yield Button("Copy SQL", compact=True, id="copy-sql")

    def _chart(self) -> Widget | None:
        data = self.chart_data
        if data is None:
            return None
        if data.kind == "funnel":
            from crmlens.tui.funnel_chart import FunnelChart

            return FunnelChart(data, classes="chart funnel")
        from crmlens.tui.chart import ResultChart

        return ResultChart(data, classes="chart")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle_sql())

    def _restyle_sql(self) -> None:
        for static in self.query(".sql-text").results(Static):
            static.update(self._syntax())

    def _syntax(self) -> Syntax:
        dark = self.app.current_theme.dark
        return Syntax(
            sql_text(self.result.sql),
            "sql",
            theme="monokai" if dark else "default",
            word_wrap=True,
            background_color="default",
        )

    def action_toggle_sql(self) -> None:
        for collapsible in self.query(Collapsible):
            collapsible.collapsed = not collapsible.collapsed

    def action_copy_sql(self) -> None:
        if not self.result.sql:
            self.notify("This answer ran no SQL.", severity="warning")
            return
        self.app.copy_to_clipboard(sql_text(self.result.sql))
        n = len(self.result.sql)
        self.notify(f"Copied {n} SQL statement{'s' if n != 1 else ''} to the clipboard.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy-sql":
            event.stop()
            self.action_copy_sql()

    @property
    def table(self) -> ResultTable | None:
        found = self.query(ResultTable)
        return found.first() if found else None
