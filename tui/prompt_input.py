"""The prompt: where questions and /commands are typed, with history (↑↓, kept between runs), a grey
inline completion (→ or Tab accepts it) and the completion list above it."""

from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.suggester import Suggester
from textual.widgets import Input

from crmlens.tui.completion import inline_completion, matches
from crmlens.tui.completion_list import CompletionList
from crmlens.tui.history import History


class _InlineSuggester(Suggester):
    def __init__(self, prompt: PromptInput) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.prompt = prompt

    async def get_suggestion(self, value: str) -> str | None:
        return inline_completion(value, self.prompt.candidates())


class PromptInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "up", "History", show=False),
        Binding("down", "down", "History", show=False),
        Binding("tab", "complete", "Complete", show=False),
        Binding("escape", "dismiss", "Hide suggestions"),
    ]

    def __init__(self, completion_list: CompletionList, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.completion_list = completion_list
        self.history = History()
        self.catalog_candidates: list[str] = []
        self.suggester = _InlineSuggester(self)
        self._set_by_us: str | None = None

    def candidates(self) -> list[str]:
        """History (newest first) then the catalog's questions and commands."""
        return [*reversed(self.history.entries), *self.catalog_candidates]

    def set_text(self, text: str) -> None:
        """Replace the text (history, a chosen completion, a catalog example) with the cursor at its end."""
        self._set_by_us = text
        self.value = text
        self.cursor_position = len(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value == self._set_by_us:
            return  # our own change: keep browsing history, keep the list as it is
        self._set_by_us = None
        self.history.reset()
        found = matches(event.value, self.candidates()) if not event.value.isspace() else []
        self.completion_list.show(found)

    def show_did_you_mean(self, questions: list[str]) -> None:
        self.completion_list.show(questions, mode="did-you-mean")

    # -- keys ----------------------------------------------------------------------------------------
    def action_up(self) -> None:
        if self.completion_list.showing and (self.completion_list.highlighted is not None or self.value):
            self.completion_list.move(-1)
            return
        previous = self.history.previous(self.value)
        if previous is not None:
            self.completion_list.hide()
            self.set_text(previous)

    def action_down(self) -> None:
        if self.completion_list.showing and not self.history.browsing:
            self.completion_list.move(+1)
            return
        following = self.history.next()
        if following is not None:
            self.set_text(following)

    def action_complete(self) -> None:
        choice = self.completion_list.choice
        if choice is None and self.completion_list.showing and self.completion_list.mode == "completions":
            choice = self.completion_list.items[0]
        if choice is None and self._suggestion:
            choice = self._suggestion
        if choice is None:
            raise SkipAction()  # nothing to complete: Tab moves the focus as usual
        self.completion_list.hide()
        self.set_text(choice)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "dismiss":  # otherwise Esc belongs to the app (cancel) and the footer says so
            return self.completion_list.showing
        return True

    def action_dismiss(self) -> None:
        if not self.completion_list.showing:
            raise SkipAction()
        self.completion_list.hide()

    async def action_submit(self) -> None:
        choice = self.completion_list.choice
        if choice is not None:
            self.set_text(choice)
        self.completion_list.hide()
        await super().action_submit()
