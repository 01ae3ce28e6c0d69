"""Messages the widgets send to the app (they bubble up the DOM), and the ones worker threads post."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Ask(Message):
    """Answer this question or run this command now (a clicked suggestion or example)."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()


class InsertText(Message):
    """Put this text in the prompt for the analyst to edit (a catalog entry was selected)."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()


class Drill(Message):
    """Drill into this row of this answer (the next level down, with the row's values as filters)."""

    def __init__(self, result: Any, row: dict[str, Any], label: str) -> None:
        self.result = result
        self.row = row
        self.label = label
        super().__init__()


class JobProgress(Message):
    """Posted from a worker thread: the running job reached ``fraction`` (None: unknown) with ``text``."""

    def __init__(self, job_id: int, fraction: float | None, text: str) -> None:
        self.job_id = job_id
        self.fraction = fraction
        self.text = text
        super().__init__()


class JobDone(Message):
    """Posted from a worker thread: the job finished with ``value``, or failed with ``error``."""

    def __init__(self, job_id: int, value: Any, error: BaseException | None) -> None:
        self.job_id = job_id
        self.value = value
        self.error = error
        super().__init__()
