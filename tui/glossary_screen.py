"""The glossary screen (F3 or /glossary): the user's own words and what they mean, with a form to add an
entry and Delete (or the Remove button) to remove the one under the cursor.

The database is read and written by the app's job queue (one job at a time, in a worker thread), through
``crmlens.query.glossary``; this screen only shows the entries and the outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Select, Static

from crmlens.tui.glossary_data import COLUMNS, KINDS, build_entry, table_rows

if TYPE_CHECKING:
    from crmlens.engine.core import Engine
    from crmlens.query.glossary import GlossaryEntry
    from crmlens.tui.app import CrmlensApp


class GlossaryScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("delete", "remove", "Remove entry"),
        Binding("f3", "close", "Close", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[GlossaryEntry] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="glossary-body"):
            yield Static(Text("Glossary — your words and what they mean", style="bold"), id="glossary-title")
            table: DataTable[str] = DataTable(id="glossary-table", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static("Loading the glossary…", id="glossary-status")
            with Horizontal(id="glossary-form"):
                yield Input(placeholder="term, e.g. GMV", id="glossary-term")
                yield Select([(k, k) for k in KINDS], value="metric", allow_blank=False, id="glossary-kind")
                yield Input(placeholder="metric, dimension or question", id="glossary-target")
                yield Input(placeholder="value (kind value)", id="glossary-value")
                yield Button("Add", id="glossary-add", variant="primary", compact=True)
                yield Button("Remove", id="glossary-remove", compact=True)
        yield Static(
            "Enter or Add: add · Delete or Remove: remove the selected entry · Esc: close", id="glossary-footer"
        )

    @property
    def crmlens_app(self) -> CrmlensApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        table = self.query_one("#glossary-table", DataTable)
        table.add_columns(*COLUMNS)
        self.query_one("#glossary-term", Input).focus()
        self._job("glossary", self._load_work, lambda entries: self._show(entries, "{n}."))

    # -- the database, through the app's job queue --------------------------------------------------------
    def _job(self, label: str, work: Any, done: Any) -> None:
        self.crmlens_app.run_engine_job(label, work, done, self._failed)

    @staticmethod
    def _load_work(engine: Engine) -> list[GlossaryEntry]:
        from crmlens.query.glossary import load_entries

        return load_entries(engine)

    def _failed(self, error: BaseException) -> None:
        hint = getattr(error, "hint", None)
        self.set_status(f"{error}" + (f" {hint}" if hint else ""), error=True)

    def _show(self, entries: list[GlossaryEntry], status: str) -> None:
        self.entries = list(entries)
        self.loaded = True
        table = self.query_one("#glossary-table", DataTable)
        table.clear()
        for i, row in enumerate(table_rows(self.entries)):
            table.add_row(*(Text(cell) for cell in row), key=str(i))
        yours = sum(1 for e in self.entries if e.plugin is None)
        count = f"{len(self.entries)} entr{'y' if len(self.entries) == 1 else 'ies'} ({yours} yours)"
        self.set_status(status.replace("{n}", count))

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#glossary-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    # -- adding ------------------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.add()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "glossary-add":
            self.add()
        elif event.button.id == "glossary-remove":
            self.action_remove()

    def add(self) -> None:
        """Add (or replace) the entry written in the form."""
        kind = self.query_one("#glossary-kind", Select).value
        try:
            entry = build_entry(
                self.query_one("#glossary-term", Input).value,
                str(kind),
                self.query_one("#glossary-target", Input).value,
                self.query_one("#glossary-value", Input).value,
            )
        except Exception as exc:
            self._failed(exc)
            return

        def work(engine: Engine) -> list[GlossaryEntry]:
            from crmlens.query.glossary import add_entry

            add_entry(engine, entry)
            return self._load_work(engine)

        def done(entries: list[GlossaryEntry]) -> None:
            for field in ("#glossary-term", "#glossary-target", "#glossary-value"):
                self.query_one(field, Input).value = ""
            self._show(entries, f"Added “{entry.term}”. {{n}}.")

        self.set_status(f"Adding “{entry.term}”…")
        self._job("glossary add", work, done)

    # -- removing ----------------------------------------------------------------------------------------
    def action_remove(self) -> None:
        """Remove the entry under the table's cursor (the plugins' entries stay: they come with the plugin)."""
        table = self.query_one("#glossary-table", DataTable)
        if not self.entries or table.cursor_row is None or not 0 <= table.cursor_row < len(self.entries):
            self.set_status("Select an entry in the table first.", error=True)
            return
        entry = self.entries[table.cursor_row]
        if entry.plugin is not None:
            self.set_status(
                f"“{entry.term}” comes with plugin {entry.plugin} and cannot be removed here; "
                "add your own entry with the same term to override it.",
                error=True,
            )
            return

        def work(engine: Engine) -> tuple[bool, list[GlossaryEntry]]:
            from crmlens.query.glossary import remove_entry

            return remove_entry(engine, entry.term), self._load_work(engine)

        def done(value: tuple[bool, list[GlossaryEntry]]) -> None:
            removed, entries = value
            said = f"Removed “{entry.term}”." if removed else f"“{entry.term}” was already gone."
            self._show(entries, said + " {n}.")

        self.set_status(f"Removing “{entry.term}”…")
        self._job("glossary remove", work, done)

    def action_close(self) -> None:
        self.dismiss(None)
