"""A card with a short message: the welcome, 'exported …', 'as of is now …', 'cancelled'."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalGroup
from textual.widgets import Static

from crmlens.tui.card import Card, line
from crmlens.tui.question_button import QuestionButton


class NoticeCard(Card):
    def __init__(
        self,
        title: str,
        body: str = "",
        *,
        question: str = "",
        examples: list[str] | None = None,
        kind: str = "info",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=f"notice -{kind}")
        self.title_text = title
        self.body = body
        self.question = question
        self.examples = list(examples or [])

    def compose(self) -> ComposeResult:
        if self.question:
            yield line(f"❯ {self.question}", "question")
        yield line(self.title_text, "title")
        if self.body:
            yield line(self.body, "body")
        yield VerticalGroup(*(QuestionButton(q) for q in self.examples), classes="choices")

    def set_body(self, body: str) -> None:
        self.body = body
        found = self.query(".body")
        if found:
            found.first(Static).update(Text(body))
        elif body:
            self.mount(line(body, "body"), after=self.query_one(".title"))

    def set_examples(self, examples: list[str]) -> None:
        """Show (or replace) clickable example questions under the message."""
        self.examples = list(examples)
        choices = self.query_one(".choices", VerticalGroup)
        choices.remove_children()
        choices.mount_all([QuestionButton(q) for q in self.examples])
