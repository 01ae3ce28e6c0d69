"""The glossary: the user's own words, kept in the database so they travel with the data.

An entry maps a word (English or Chinese) to a metric ("GMV" -> revenue, "复购率" -> repeat purchase
rate), a dimension, a value of a dimension ("天猫"/"淘宝" -> order channel tmall), or a whole question
("top sellers" -> "top 10 products by units sold"). Plugins add entries with the
``register_glossary`` hook; users with ``crmlens glossary add|list|remove`` and from the TUI.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crmlens.engine import database as db
from crmlens.engine.errors import UsageError

if TYPE_CHECKING:
    from crmlens.engine.core import Engine

GLOSSARY_TABLE = "_glossary"
_DDL = (
    f'CREATE TABLE IF NOT EXISTS "{GLOSSARY_TABLE}" (term VARCHAR, kind VARCHAR, target VARCHAR, '
    "value VARCHAR, note VARCHAR, added_at TIMESTAMP DEFAULT current_timestamp)"
)


class GlossaryEntry(BaseModel):
    """One word of the user's and what it means."""

    model_config = ConfigDict(frozen=True)

    term: str = Field(min_length=1, max_length=200)
    kind: Literal["metric", "dimension", "value", "question"]
    target: str = Field(description="Metric or dimension name, or the question the term stands for.")
    value: str | None = Field(default=None, description="For kind 'value': the value of dimension `target`.")
    note: str = ""
    plugin: str | None = None

    @model_validator(mode="after")
    def _value_needs_one(self) -> GlossaryEntry:
        if self.kind == "value" and not self.value:
            raise ValueError("a value entry needs the value, e.g. order_channel=tmall")
        return self


def load_entries(engine: Engine) -> list[GlossaryEntry]:
    """Entries from plugins, then the database's own (which win on the same term)."""
    entries: list[GlossaryEntry] = []
    for plugin, item in engine.plugins.collect("register_glossary"):
        if isinstance(item, GlossaryEntry):
            entries.append(item.model_copy(update={"plugin": plugin}))
    if db.table_exists(engine.con, GLOSSARY_TABLE):
        rows = engine.con.execute(
            f'SELECT term, kind, target, value, note FROM "{GLOSSARY_TABLE}" ORDER BY added_at'
        ).fetchall()
        entries += [GlossaryEntry(term=t, kind=k, target=g, value=v, note=n or "") for t, k, g, v, n in rows]
    return entries


def add_entry(engine: Engine, entry: GlossaryEntry) -> None:
    """Save ``entry`` (replacing an entry of the same term), after checking its target exists."""
    from crmlens.query.catalog import Catalog

    catalog = Catalog.for_engine(engine)
    if entry.kind == "metric" and entry.target not in catalog.metrics:
        raise UsageError(f"No metric {entry.target!r}.", hint=f"Metrics: {', '.join(sorted(catalog.metrics))}.")
    if entry.kind in ("dimension", "value") and entry.target not in catalog.dimensions:
        raise UsageError(
            f"No dimension {entry.target!r}.", hint=f"Dimensions: {', '.join(sorted(catalog.dimensions))}."
        )
    if entry.kind == "question":
        from crmlens.query.answer import parser_for

        parser_for(engine).parse(entry.target)  # a question that is not understood is refused here
    if engine.read_only:
        raise UsageError(
            "The glossary is kept in the database, which is open read-only.", hint="Open it without --read-only."
        )
    engine.con.execute(_DDL)
    engine.con.execute(f'DELETE FROM "{GLOSSARY_TABLE}" WHERE lower(term) = lower(?)', [entry.term])
    engine.con.execute(
        f'INSERT INTO "{GLOSSARY_TABLE}" (term, kind, target, value, note) VALUES (?, ?, ?, ?, ?)',
        [entry.term, entry.kind, entry.target, entry.value, entry.note],
    )
    engine._data_changed()


def remove_entry(engine: Engine, term: str) -> bool:
    """Remove the entry for ``term``; False when there was none."""
    if not db.table_exists(engine.con, GLOSSARY_TABLE):
        return False
    row = engine.con.execute(f'SELECT count(*) FROM "{GLOSSARY_TABLE}" WHERE lower(term) = lower(?)', [term]).fetchone()
    if not row or not row[0]:
        return False
    engine.con.execute(f'DELETE FROM "{GLOSSARY_TABLE}" WHERE lower(term) = lower(?)', [term])
    engine._data_changed()
    return True


def expand_questions(question: str, entries: list[GlossaryEntry]) -> tuple[str, list[str]]:
    """Replace whole-question terms ("top sellers") by the question they stand for."""
    notes = []
    for e in entries:
        if e.kind != "question":
            continue
        pattern = re.compile(
            re.escape(e.term) if re.search(r"[\u4e00-\u9fff]", e.term) else rf"\b{re.escape(e.term)}\b", re.IGNORECASE
        )
        if pattern.search(question):
            question = pattern.sub(e.target, question, count=1)
            notes.append(f"glossary: '{e.term}' = '{e.target}'")
    return question, notes
