"""The crmlens terminal UI: a chat-style analyst workbench built on Textual.

``crmlens`` with no arguments (or ``crmlens tui --db PATH``) opens it. Questions go in at the bottom;
each answer appears as a card with the interpretation, a sortable table, a chart when one fits, the
summary and the SQL behind it. Textual is imported only when the app starts, so ``import crmlens``
and the other commands stay fast.
"""

from __future__ import annotations

from pathlib import Path


def run(db: str | Path | None = None, *, as_of: str | None = None, read_only: bool = False) -> None:
    """Open the terminal UI on the database at ``db`` (the demo database when None) and block until it quits."""
    from crmlens.tui.app import CrmlensApp

    app = CrmlensApp(db=db, as_of=as_of, read_only=read_only)
    try:
        app.run()
    finally:
        app.close_engine()
