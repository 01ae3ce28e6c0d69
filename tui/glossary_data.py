"""What the glossary screen shows and what saving "the words not understood" writes, on top of the query
layer's glossary API (``crmlens.query.glossary``); no Textual and no SQL here.

Imported lazily: the query layer (pydantic, DuckDB) is loaded only when the glossary is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmlens.engine.core import Engine
    from crmlens.query.glossary import GlossaryEntry

KINDS = ("metric", "dimension", "value", "question")
COLUMNS = ("term", "kind", "means", "from")


@dataclass(frozen=True)
class GlossaryOffer:
    """A question that was not understood, and the suggestion the analyst chose instead: the words not
    understood can be saved to the glossary as meaning that suggestion."""

    question: str
    words: tuple[str, ...]
    chosen: str

    @property
    def term(self) -> str:
        return offer_term(self.question, list(self.words))


def offer_term(question: str, words: list[str]) -> str:
    """The words not understood as they stand in ``question`` (one phrase when they are side by side),
    else the whole question."""
    text = question.strip()
    for sep in (" ", ""):  # "top sellerz" in English; characters side by side in Chinese
        phrase = sep.join(w.strip() for w in words if w.strip())
        if phrase:
            found = re.search(re.escape(phrase), text, re.IGNORECASE)
            if found:
                return found.group(0)
    return text


def describe(entry: GlossaryEntry) -> str:
    """What an entry means, in a few words: 'metric revenue', 'order_channel = tmall', '“top 10 …”'."""
    if entry.kind == "value":
        return f"{entry.target} = {entry.value}"
    if entry.kind == "question":
        return f"“{entry.target}”"
    return f"{entry.kind} {entry.target}"


def table_rows(entries: list[GlossaryEntry]) -> list[tuple[str, str, str, str]]:
    """One row per entry for the glossary screen: term, kind, what it means, and whose it is."""
    return [(e.term, e.kind, describe(e), f"plugin {e.plugin}" if e.plugin else "yours") for e in entries]


def save_offer(engine: Engine, offer: GlossaryOffer) -> GlossaryEntry:
    """Save the words of ``offer`` as meaning the chosen question, so the original question is understood
    next time. When the question would still not be understood with just those words replaced (other
    words around them), the whole question is saved instead. Raises UsageError (e.g. read-only)."""
    from crmlens.engine.errors import NotUnderstoodError
    from crmlens.query.answer import parser_for
    from crmlens.query.glossary import GlossaryEntry, add_entry, remove_entry

    note = f"saved from the terminal UI for “{offer.question}”"
    entry = GlossaryEntry(term=offer.term, kind="question", target=offer.chosen, note=note)
    add_entry(engine, entry)
    if entry.term.lower() == offer.question.strip().lower():
        return entry
    try:
        parser_for(engine).parse(offer.question)
    except NotUnderstoodError:
        remove_entry(engine, entry.term)
        entry = GlossaryEntry(term=offer.question.strip(), kind="question", target=offer.chosen, note=note)
        add_entry(engine, entry)
    return entry


def build_entry(term: str, kind: str, target: str, value: str = "") -> GlossaryEntry:
    """An entry from the screen's form; raises UsageError saying what is missing or wrong."""
    from pydantic import ValidationError

    from crmlens.engine.errors import UsageError
    from crmlens.query.glossary import GlossaryEntry

    term, target, value = term.strip(), target.strip(), value.strip()
    if not term:
        raise UsageError("The term is empty.", hint="Type the word or phrase, e.g. GMV.")
    if kind not in KINDS:
        raise UsageError(f"Unknown kind {kind!r}.", hint=f"Choose one of {', '.join(KINDS)}.")
    if not target:
        what = {"metric": "a metric name", "dimension": "a dimension name", "value": "a dimension name"}
        raise UsageError(f"Say what {term!r} means.", hint=f"Fill in {what.get(kind, 'the question it stands for')}.")
    try:
        return GlossaryEntry(term=term, kind=kind, target=target, value=value or None)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(
            f"Cannot add {term!r}: {first['msg']}.", hint="A value entry needs the dimension and its value."
        ) from None
