"""The sidebar catalog: tables with row counts, metrics, dimensions and analyses (with what they still
need). Highlighting an entry describes it below the tree; selecting it (Enter or click) puts an example
question in the prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree

from crmlens.tui.messages import InsertText

if TYPE_CHECKING:
    from crmlens.tui.catalog_data import CatalogData, CatalogEntry

LABEL_WIDTH = 30


def entry_label(entry: CatalogEntry, width: int = LABEL_WIDTH) -> Text:
    """'customers      20,000' (the figure right-aligned), dimmed when the data is missing."""
    label = entry.label
    room = width - len(entry.detail) - 1
    if len(label) > room:
        label = label[: max(room - 1, 1)] + "…"
    text = Text(label, style="" if entry.available else "dim")
    if entry.detail:
        text.append(" " * max(room - len(label) + 1, 1))
        text.append(entry.detail, style="dim")
    return text


class CatalogTree(Tree["CatalogEntry | None"]):
    """The tree of the catalog (auto-expanding sections, no root line)."""


class CatalogPanel(Vertical):
    def compose(self) -> ComposeResult:
        tree = CatalogTree("Catalog", id="catalog-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        yield Static(Text("Loading the catalog…", style="dim"), id="catalog-details")

    def populate(self, data: CatalogData) -> None:
        tree = self.query_one(CatalogTree)
        tree.clear()
        sections = (
            ("Tables", data.tables, True),
            ("Metrics", data.metrics, False),
            ("Dimensions", data.dimensions, False),
            ("Analyses", data.analyses, True),
        )
        for title, entries, expand in sections:
            node = tree.root.add(Text(f"{title} ({len(entries)})", style="bold"), data=None, expand=expand)
            for entry in entries:
                node.add_leaf(entry_label(entry), data=entry)
        tree.root.expand()
        self.query_one("#catalog-details", Static).update(
            Text("↑↓ to browse, Enter to put an example question in the prompt.", style="dim")
        )

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[CatalogEntry | None]) -> None:
        entry = event.node.data
        details = self.query_one("#catalog-details", Static)
        if entry is None:
            details.update(Text("↑↓ to browse, Enter to open a section or use an example.", style="dim"))
            return
        text = Text(entry.description)
        if entry.example:
            text.append(f"\nEnter: {entry.example}", style="italic dim")
        details.update(text)

    def on_tree_node_selected(self, event: Tree.NodeSelected[CatalogEntry | None]) -> None:
        entry = event.node.data
        if entry is None:
            return
        event.stop()
        if entry.example:
            self.post_message(InsertText(entry.example))
        else:
            self.notify(f"No example question for {entry.label} on this data.", severity="warning")
