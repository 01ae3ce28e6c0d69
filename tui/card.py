"""The base of every block in the conversation (answers, errors, notices)."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static


class Card(Vertical):
    """A bordered block of the conversation; subclasses fill it. Always has the CSS class ``card``."""

    def __init__(self, *, classes: str = "", id: str | None = None) -> None:
        super().__init__(id=id, classes=f"card {classes}".strip())


def line(text: str, classes: str, style: str = "") -> Static:
    """A line of plain text (never markup: questions and data may hold brackets)."""
    return Static(Text(text, style=style), classes=classes)
