"""The card of a question being answered: the question, a progress bar (moving when the analysis
reports progress, pulsing when it cannot), what it is doing, and how to cancel."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import ProgressBar, Static

from crmlens.tui.card import Card, line


class PendingCard(Card):
    def __init__(self, question: str, *, cancellable: bool = True) -> None:
        super().__init__(classes="pending")
        self.question = question
        self.cancellable = cancellable
        self.status = "Waiting for the previous question…"

    def compose(self) -> ComposeResult:
        yield line(f"❯ {self.question}", "question")
        with HorizontalGroup(classes="progress-row"):
            yield ProgressBar(total=None, show_eta=False, show_percentage=True)
            yield line("Esc to cancel" if self.cancellable else "", "hint")
        yield Static(Text(self.status), classes="status")

    def start(self) -> None:
        self.set_status("Working…")

    def set_status(self, text: str) -> None:
        self.status = text
        if self.is_mounted:
            self.query_one(".status", Static).update(Text(text))

    def set_progress(self, fraction: float | None, text: str) -> None:
        if not self.is_mounted:
            return
        bar = self.query_one(ProgressBar)
        if fraction is None:
            bar.update(total=None)
        else:
            bar.update(total=100, progress=round(fraction * 100, 1))
        if text:
            self.set_status(text)

    def set_cancelling(self) -> None:
        self.set_status("Cancelling… (an analysis stops at its next step)")
        if self.is_mounted:
            self.query_one(".hint", Static).update("")
