"""An error as a card: what went wrong and what to do. Never a traceback; the app keeps working."""

from __future__ import annotations

from textual.app import ComposeResult

from crmlens.tui.card import Card, line


class ErrorCard(Card):
    def __init__(self, title: str, message: str, hint: str = "", *, question: str = "") -> None:
        super().__init__(classes="error")
        self.title_text = title
        self.message = message
        self.hint = hint
        self.question = question

    def compose(self) -> ComposeResult:
        if self.question:
            yield line(f"❯ {self.question}", "question")
        yield line(f"✗ {self.title_text}", "title")
        yield line(self.message, "message")
        if self.hint:
            yield line(f"What to do: {self.hint}", "hint")


def error_card(error: BaseException, question: str = "") -> ErrorCard:
    """The card for any exception: crmlens errors by kind with their hint, anything else as an internal error."""
    from crmlens.engine.errors import (
        CrmlensError,
        DatabaseError,
        MissingDataError,
        PluginError,
        ReadOnlyError,
        UsageError,
    )

    if isinstance(error, CrmlensError):
        if isinstance(error, PluginError):
            title = f"The plugin {error.plugin!r} failed"
        elif isinstance(error, MissingDataError):
            title = "The data for this is not loaded"
        elif isinstance(error, ReadOnlyError):
            title = "Only reading is allowed here"
        elif isinstance(error, DatabaseError):
            title = "The database reported an error"
        elif isinstance(error, UsageError):
            title = "That did not work"
        else:
            title = "Something went wrong"
        return ErrorCard(title, error.message, error.hint or "", question=question)
    return ErrorCard(
        "Something went wrong inside crmlens",
        f"{type(error).__name__}: {error}",
        "The app keeps working: try another question. If it happens again, report it with the question.",
        question=question,
    )
