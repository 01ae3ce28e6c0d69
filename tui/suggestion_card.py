"""A question that was not understood: the words not understood and up to three questions that do work,
each a button (or ↓ and Enter in the prompt) that asks it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalGroup

from crmlens.tui.card import Card, line
from crmlens.tui.question_button import QuestionButton


class SuggestionCard(Card):
    def __init__(self, question: str, message: str, suggestions: list[str], hint: str = "") -> None:
        super().__init__(classes="not-understood")
        self.question = question
        self.message = message
        self.suggestions = list(suggestions)
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield line(f"❯ {self.question}", "question")
        yield line(f"? {self.message}", "title")
        if self.suggestions:
            yield line("Did you mean (click, or ↓ then Enter in the prompt):", "hint")
            yield VerticalGroup(*(QuestionButton(q) for q in self.suggestions), classes="choices")
        elif self.hint:
            yield line(self.hint, "hint")
