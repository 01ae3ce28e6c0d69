"""The list above the prompt: completions while typing, or 'did you mean' questions after one was not
understood. It never takes focus: the prompt drives it (↑↓ move, Enter asks, Tab completes, Esc hides)
and a click asks the clicked question."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from crmlens.tui.messages import Ask

ListMode = Literal["completions", "did-you-mean"]


class CompletionList(OptionList, can_focus=False):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode: ListMode = "completions"
        self.items: list[str] = []
        self.display = False

    def show(self, items: list[str], mode: ListMode = "completions") -> None:
        """Show ``items`` (nothing highlighted, so Enter still submits what was typed), or hide when empty."""
        if items != self.items or mode != self.mode:
            self.mode = mode
            self.items = list(items)
            self.set_options([Option(Text(item)) for item in items])
            self.border_title = "did you mean" if mode == "did-you-mean" else "suggestions · ↑↓ Tab Enter"
        self.highlighted = None
        self._set_visible(bool(items))

    def hide(self) -> None:
        self.highlighted = None
        self._set_visible(False)

    def _set_visible(self, visible: bool) -> None:
        if bool(self.display) != visible:
            self.display = visible
            if self.is_attached:  # Esc hides this list while it shows, else cancels: tell the footer
                self.screen.refresh_bindings()

    @property
    def showing(self) -> bool:
        return bool(self.display) and self.option_count > 0

    @property
    def choice(self) -> str | None:
        """The highlighted item, if the analyst moved to one."""
        if not self.showing or self.highlighted is None:
            return None
        return self.items[self.highlighted]

    def move(self, step: int) -> None:
        """Move the highlight; above the first item nothing is highlighted (back to the typed text)."""
        if not self.showing:
            return
        if self.highlighted is None:
            self.highlighted = 0 if step > 0 else None
        elif self.highlighted + step < 0:
            self.highlighted = None
        else:
            self.highlighted = min(self.highlighted + step, self.option_count - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        question = self.items[event.option_index]
        self.hide()
        self.post_message(Ask(question))
