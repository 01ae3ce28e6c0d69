"""Input history: the questions and commands typed, kept between runs in the crmlens data folder.

One JSON string per line, oldest first, so a question with any character (quotes, Chinese text)
round-trips. Up/Down walk through it like a shell; what was being typed is kept as a draft.
"""

from __future__ import annotations

import json
from pathlib import Path

HISTORY_FILE = "tui-history.jsonl"


class History:
    """Entries oldest first, with a cursor for Up/Down; ``add`` appends to the file at once."""

    def __init__(self, path: Path | None = None, *, limit: int = 1000) -> None:
        self.path = path
        self.limit = limit
        self.entries: list[str] = self._read() if path is not None else []
        self._cursor = len(self.entries)
        self._draft = ""

    def _read(self) -> list[str]:
        assert self.path is not None
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out: list[str] = []
        for line in lines:
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue  # a damaged line costs that entry, not the history
            if isinstance(value, str) and value.strip():
                out.append(value)
        return out[-self.limit :]

    def add(self, text: str) -> None:
        """Remember ``text`` as the newest entry (an earlier identical entry moves to the end)."""
        text = text.strip()
        self.reset()
        if not text:
            return
        moved = text in self.entries
        if moved:
            self.entries.remove(text)
        self.entries.append(text)
        rewrite = moved or len(self.entries) > self.limit
        self.entries = self.entries[-self.limit :]
        self._cursor = len(self.entries)
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if rewrite or not self.path.exists():
                self._rewrite()
            else:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(text, ensure_ascii=False) + "\n")
        except OSError:
            pass  # a read-only home folder: history then lasts for this run only

    def _rewrite(self) -> None:
        assert self.path is not None
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.entries), encoding="utf-8")
        tmp.replace(self.path)

    # -- walking -----------------------------------------------------------------------------------
    @property
    def browsing(self) -> bool:
        """True while Up/Down have moved away from the line being typed."""
        return self._cursor < len(self.entries)

    def previous(self, current: str) -> str | None:
        """The entry before the cursor (None at the oldest); the first step keeps ``current`` as a draft."""
        if self._cursor == 0:
            return None
        if self._cursor == len(self.entries):
            self._draft = current
        self._cursor -= 1
        return self.entries[self._cursor]

    def next(self) -> str | None:
        """The entry after the cursor, or the draft when walking past the newest (None when not browsing)."""
        if self._cursor >= len(self.entries):
            return None
        self._cursor += 1
        return self.entries[self._cursor] if self._cursor < len(self.entries) else self._draft

    def reset(self) -> None:
        self._cursor = len(self.entries)
        self._draft = ""
