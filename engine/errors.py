"""The one exception hierarchy of crmlens.

Every error a user can cause or meet derives from :class:`CrmlensError` and carries a message
written for that user: what went wrong and what to do next. The CLI prints ``str(error)`` on one
line and exits with ``error.exit_code``; ``--debug`` adds the traceback.
"""

from __future__ import annotations


class CrmlensError(Exception):
    """Base class of every error crmlens raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} {hint}")


class UsageError(CrmlensError):
    """The caller asked for something malformed: an unknown analysis, a bad parameter, a bad option."""

    exit_code = 2


class ReadOnlyError(UsageError):
    """A statement given to a read-only entry point (``engine.sql``, ``crmlens sql``) would change data."""


class NotUnderstoodError(UsageError):
    """A question could not be understood; carries the words not understood and close questions."""

    def __init__(
        self,
        message: str,
        *,
        unknown_words: list[str] | None = None,
        suggestions: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.unknown_words = unknown_words or []
        self.suggestions = suggestions or []
        super().__init__(message, hint=hint)


class MissingDataError(CrmlensError):
    """An analysis or question needs tables or columns the database does not hold."""

    def __init__(self, message: str, *, missing: dict[str, list[str]] | None = None, hint: str | None = None):
        self.missing = missing or {}
        super().__init__(message, hint=hint)


class IngestError(CrmlensError):
    """A load could not be carried out (unreadable file, no usable mapping, ...); nothing was written."""


class PluginError(CrmlensError):
    """A plugin failed to import, raised inside a hook, or raised inside one of its analyses."""

    def __init__(self, message: str, *, plugin: str, hint: str | None = None) -> None:
        self.plugin = plugin
        super().__init__(message, hint=hint)


class DatabaseError(CrmlensError):
    """The database could not be opened or a statement failed inside DuckDB."""
