"""What the sidebar catalog, the welcome card and autocomplete show, gathered from the engine in a
worker thread (no Textual here): tables with row counts, metrics and dimensions with descriptions,
analyses with what they still need, and an example question for each that parses on this database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from crmlens.tui.completion import unique
from crmlens.tui.slash import SLASH_COMMANDS

if TYPE_CHECKING:
    from crmlens.engine.core import Engine
    from crmlens.query.parser import Parser

EntryKind = Literal["table", "metric", "dimension", "analysis"]


@dataclass(frozen=True)
class CatalogEntry:
    kind: EntryKind
    name: str
    label: str  # the tree label
    detail: str  # the right-hand figure (row count) or a short status
    description: str  # shown under the tree when highlighted
    example: str  # inserted into the prompt when selected ("" when no question that works was found)
    available: bool = True


@dataclass
class CatalogData:
    database: str
    as_of: str = ""
    tables: list[CatalogEntry] = field(default_factory=list)
    metrics: list[CatalogEntry] = field(default_factory=list)
    dimensions: list[CatalogEntry] = field(default_factory=list)
    analyses: list[CatalogEntry] = field(default_factory=list)
    completions: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # a few questions for the welcome card

    @property
    def table_count(self) -> int:
        return sum(1 for t in self.tables if t.detail != "0")


def build_catalog(engine: Engine) -> CatalogData:
    """Everything the catalog shows, from the engine's public API and the query layer's parser."""
    from crmlens.query.answer import parser_for
    from crmlens.query.suggest import candidate_questions

    parser = parser_for(engine)
    catalog = parser.catalog
    data = CatalogData(database=str(engine.path) if engine.path else "(in memory)", as_of=engine.as_of.isoformat())
    for t in engine.tables():
        if t.kind == "system":
            continue
        data.tables.append(
            CatalogEntry(
                kind="table",
                name=t.name,
                label=t.name,
                detail=f"{t.rows:,}",
                description=f"{t.name}: {t.rows:,} rows. {t.description}".strip(),
                example=f"/sql SELECT * FROM {t.name} LIMIT 100",
                available=t.rows > 0,
            )
        )
    questions_en = candidate_questions(parser, "en")
    questions_zh = candidate_questions(parser, "zh")
    for m in engine.metrics:
        needs = m.requires or ({m.table: []} if m.table else {})
        missing = catalog.missing_tables(needs)
        tried = [f"{m.title.lower()} by month"] if m.time_column else []
        example = _first_parsing(parser, [*tried, m.title.lower()], metric=m.name)
        data.metrics.append(
            CatalogEntry(
                kind="metric",
                name=m.name,
                label=m.title,
                detail="" if not missing else "no data",
                description=_describe(m.title, m.title_zh, m.description, m.synonyms, missing),
                example=example or "",
                available=not missing,
            )
        )
    available = [
        m
        for m in engine.metrics
        if m.table and m.formula is None and not catalog.missing_tables(m.requires or {m.table: []})
    ]
    for d in engine.dimensions:
        loaded = catalog.loaded(d.table)
        example = None
        if loaded and d.kind == "number":  # a condition to finish: "customers with lifetime revenue over "
            entity = d.table if d.table in ("orders", "products") else "customers"
            if entity != d.table and catalog.graph.path(d.table, entity) is None:
                entity = ""
            template = f"{entity} with {d.title.lower()} over "
            example = template if entity and _first_parsing(parser, [template + "100"], dimension=d.name) else None
        elif loaded:  # a metric whose table reaches the dimension's (many-to-one joins only)
            tried = [
                f"{m.title.lower()} by {d.title.lower()}"
                for m in available
                if m.table and catalog.graph.path(m.table, d.table) is not None
            ]
            example = _first_parsing(parser, tried[:8], dimension=d.name)
        data.dimensions.append(
            CatalogEntry(
                kind="dimension",
                name=d.name,
                label=d.title,
                detail="" if loaded else "no data",
                description=_describe(d.title, d.title_zh, d.description, d.synonyms, [] if loaded else [d.table]),
                example=example or "",
                available=loaded,
            )
        )
    capabilities = {c.analysis: c for c in engine.capabilities()}
    phrases: dict[str, str] = {}
    for p in engine.vocabulary:
        phrases.setdefault(p.analysis, p.text)
    for a in engine.analyses():
        cap = capabilities.get(a.name)
        ready = cap is None or cap.available
        params = ", ".join(p["name"] for p in a.param_help())
        lines = [f"{a.title} ({a.name}, plugin {a.plugin}). {a.description}"]
        if params:
            lines.append(f"Parameters: {params}.")
        lines.append("Ready on this data." if ready else f"Cannot run yet: it {cap.explain() if cap else ''}.")
        data.analyses.append(
            CatalogEntry(
                kind="analysis",
                name=a.name,
                label=a.name,
                detail="" if ready else "needs data",
                description=" ".join(lines),
                example=_as_prompt(a.examples[0]) if a.examples else phrases.get(a.name, f"/run {a.name}"),
                available=ready,
            )
        )
    slash = [f"/{c.name}" + (" " if c.takes_args else "") for c in SLASH_COMMANDS]
    runs = [f"/run {a.name}" for a in data.analyses]
    exports = [f"/export {fmt}" for fmt in ("csv", "parquet", "xlsx")]
    data.completions = unique(
        [*questions_en, *questions_zh, *phrases.values(), *(e.example for e in data.analyses), *slash, *runs, *exports]
    )
    data.examples = _welcome_examples(questions_en, questions_zh)
    return data


def _first_parsing(parser: Parser, questions: list[str], *, metric: str = "", dimension: str = "") -> str | None:
    """The first question the parser reads as naming ``metric`` / ``dimension`` (the candidates are
    chosen so that they also compile: time grains only for dated metrics, dimensions only through a
    join path)."""
    for q in unique(questions):
        try:
            it = parser.parse(q)
        except Exception:
            continue
        named = it.model_dump_json()  # a dimension may be grouped by, filtered on or a condition
        if (not metric or metric in it.metrics) and (not dimension or f'"{dimension}"' in named):
            return q
    return None


def _as_prompt(example: str) -> str:
    """An analysis' example as something to type here: 'crmlens run x k=v' -> '/run x k=v'."""
    text = example.strip()
    for prefix, replacement in (("crmlens run ", "/run "), ("crmlens ask ", ""), ("crmlens sql ", "/sql ")):
        if text.startswith(prefix):
            return replacement + text[len(prefix) :].strip().strip("\"'")
    return text


def _describe(title: str, title_zh: str | None, description: str, synonyms: list[str], missing: list[str]) -> str:
    head = f"{title} ({title_zh})" if title_zh else title
    text = f"{head}: {description}"
    if synonyms:
        text += f" Also: {', '.join(synonyms[:6])}."
    if missing:
        text += f" Needs data in {', '.join(missing)}."
    return text


def _welcome_examples(en: list[str], zh: list[str]) -> list[str]:
    """One question by month, one by a category, one in Chinese (when the data can answer them)."""
    picks = [next((q for q in en if q.endswith(" by month")), None)]
    picks.append(next((q for q in en if " by " in q and not q.endswith(" by month") and q not in picks), None))
    picks.append(next((q for q in zh if q.startswith("按")), zh[0] if zh else None))
    return [q for q in picks if q]
