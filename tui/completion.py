"""What the prompt offers while the analyst types: questions that work on this database (built from
its metrics, dimensions and analysis phrases), slash commands, and earlier questions."""

from __future__ import annotations

from collections.abc import Iterable


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats (ignoring case and surrounding space) or blanks; a
    trailing space is kept ("/export " completes to a command ready for its arguments)."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def matches(text: str, candidates: list[str], *, limit: int = 8) -> list[str]:
    """Candidates completing ``text``: those starting with it first, then those where a word starts with
    it, then those containing it (Chinese has no spaces). Nothing for fewer than two characters, and
    never the text itself."""
    query = " ".join(text.lower().split())
    if len(query) < 2:
        return []
    prefix: list[str] = []
    word: list[str] = []
    inside: list[str] = []
    for candidate in candidates:
        low = candidate.lower()
        if low == query:
            continue
        if low.startswith(query):
            prefix.append(candidate)
        elif f" {query}" in f" {low}":
            word.append(candidate)
        elif query in low:
            inside.append(candidate)
        if len(prefix) >= limit:
            break
    return (prefix + word + inside)[:limit]


def inline_completion(text: str, candidates: list[str]) -> str | None:
    """The first candidate that ``text`` is the start of (case-insensitive), for the grey inline hint."""
    if len(text.strip()) < 2:
        return None
    low = text.lower()
    for candidate in candidates:
        if len(candidate) > len(text) and candidate.lower().startswith(low):
            return text + candidate[len(text) :]
    return None
