"""The help screen (F1 or /help): how to ask, the slash commands and the keys, from help.md."""

from __future__ import annotations

from importlib import resources
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static


def help_text() -> str:
    """The help, with the table of slash commands filled in from the command list."""
    from crmlens.tui.slash import SLASH_COMMANDS

    text = resources.files("crmlens.tui").joinpath("help.md").read_text(encoding="utf-8")
    rows = "\n".join(f"| `{c.usage}` | {c.help} |" for c in SLASH_COMMANDS)
    return text.replace("{commands}", "| command | what it does |\n|---|---|\n" + rows)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "close", "Close help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(help_text(), id="help-markdown")
        yield Static("Esc, q or F1 to close · ↑↓ PgUp PgDn to scroll", id="help-footer")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
