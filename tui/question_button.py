"""A small button that asks a question when pressed (did-you-mean choices, welcome examples)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Button

from crmlens.tui.messages import Ask


class QuestionButton(Button):
    def __init__(self, question: str, *, classes: str = "question-button") -> None:
        super().__init__(Text(question), compact=True, classes=classes)
        self.question = question
        self.tooltip = f"Ask: {question}"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(Ask(self.question))
