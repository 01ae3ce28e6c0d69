"""The conversation pane: cards one under the other, the newest at the bottom."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widget import Widget


class Conversation(VerticalScroll):
    """Scrolls; a new card is brought into view by its top, so a tall answer starts with its question."""

    def add(self, card: Widget, *, after: Widget | None = None) -> None:
        if after is not None and after.parent is self:
            self.mount(card, after=after)
        else:
            self.mount(card)
        self.call_after_refresh(self._show, card)

    def replace(self, old: Widget, new: Widget) -> None:
        """Put ``new`` where ``old`` is (a pending card becoming its answer)."""
        if old.parent is self:
            self.mount(new, after=old)
            old.remove()
        else:
            self.mount(new)
        self.call_after_refresh(self._show, new)

    def _show(self, card: Widget) -> None:
        if card.is_attached:
            self.scroll_to_widget(card, animate=False, top=True)
