"""The catalog a question is understood against: metrics, dimensions, relations and analyses from
the plugins, the tables actually loaded, the values found in the data, and the join graph.

Built once per engine (``Catalog.for_engine``) and cached until the data changes.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from crmlens.engine import database as db
from crmlens.engine.analysis import Analysis
from crmlens.engine.errors import UsageError
from crmlens.engine.schema import TABLES_BY_NAME, relationships
from crmlens.engine.semantic import Dimension, Metric, Phrase, Relation

if TYPE_CHECKING:
    from crmlens.engine.core import Engine

#: At most this many distinct values of a dimension are learnt from the data (names, cities, channels).
MAX_VALUES = 400
VALUES_TABLE = "_crmlens_values"


def store_values(engine: Engine) -> None:
    """Learn the dimensions' values now and keep them in the database beside the data, so a later
    (read-only, cold) ``ask`` does not scan the fact tables again. Called after every load."""
    version = db.get_meta(engine.con, "data_version") or ""
    catalog = Catalog.for_engine(engine)
    values = catalog._learn_values(engine)
    con = engine.con
    con.execute(f'CREATE OR REPLACE TABLE "{VALUES_TABLE}" (dimension VARCHAR, value VARCHAR)')
    rows = [(d, v) for d, vs in values.items() for v in vs]
    if rows:
        con.executemany(f'INSERT INTO "{VALUES_TABLE}" VALUES (?, ?)', rows)
    db.set_meta(con, "values_version", version)


@dataclass(frozen=True)
class JoinStep:
    """``left_table.left_column = right_table.right_column``, walking from left to right (many-to-one)."""

    left_table: str
    left_column: str
    right_table: str
    right_column: str


@dataclass
class JoinGraph:
    """Many-to-one links between tables and relations; paths never fan rows out."""

    edges: dict[str, list[JoinStep]] = field(default_factory=dict)

    def add(self, step: JoinStep) -> None:
        self.edges.setdefault(step.left_table, []).append(step)

    def path(self, start: str, goal: str) -> list[JoinStep] | None:
        """The shortest many-to-one path from ``start`` to ``goal`` (empty when they are the same)."""
        if start == goal:
            return []
        seen = {start}
        queue: deque[tuple[str, list[JoinStep]]] = deque([(start, [])])
        while queue:
            node, steps = queue.popleft()
            for step in self.edges.get(node, []):
                if step.right_table in seen:
                    continue
                if step.right_table == goal:
                    return [*steps, step]
                seen.add(step.right_table)
                queue.append((step.right_table, [*steps, step]))
        return None


def build_join_graph(relations: list[Relation]) -> JoinGraph:
    graph = JoinGraph()
    for r in relationships():
        graph.add(JoinStep(r.table, r.column, r.ref_table, r.ref_column))
    for rel in relations:
        for column, target in rel.references.items():
            table, ref_col = target.split(".", 1)
            graph.add(JoinStep(rel.name, column, table, ref_col))
            target_key = TABLES_BY_NAME[table].key if table in TABLES_BY_NAME else ()
            if rel.key == [column] and list(target_key) == [ref_col]:
                # One-to-one with the target: walkable both ways, and whatever reaches the target's key
                # can reach the relation directly (orders.customer_id -> customer_activity.customer_id).
                graph.add(JoinStep(table, ref_col, rel.name, column))
                for r in relationships():
                    if r.ref_table == table and r.ref_column == ref_col:
                        graph.add(JoinStep(r.table, r.column, rel.name, column))
    return graph


class Catalog:
    """Everything the parser and compiler need to know about this database."""

    def __init__(
        self,
        *,
        metrics: list[Metric],
        dimensions: list[Dimension],
        relations: list[Relation],
        phrases: list[Phrase],
        analyses: list[Analysis],
        tables: dict[str, int],
        values: dict[str, list[str]],
        as_of: dt.date,
        glossary: list[Any] | None = None,
    ) -> None:
        self.metrics = {m.name: m for m in metrics}
        self.dimensions = {d.name: d for d in dimensions}
        self.relations = {r.name: r for r in relations}
        self.phrases = phrases
        self.analyses = {a.name: a for a in analyses}
        self.tables = tables  # loaded table -> row count
        self.values = values  # dimension -> distinct values seen in the data
        self.as_of = as_of
        self.glossary = list(glossary or [])  # GlossaryEntry: the user's own words
        self.graph = build_join_graph(relations)

    # -- building ----------------------------------------------------------------------------------
    @classmethod
    def for_engine(cls, engine: Engine) -> Catalog:
        """The catalog of ``engine``'s database (cached on the engine until its data changes)."""
        version = db.get_meta(engine.con, "data_version") or ""
        key = (version, engine.as_of)
        cached = getattr(engine, "_catalog_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]  # type: ignore[no-any-return]
        tables = {name: rows for name, rows in db.table_sizes(engine.con).items() if not name.startswith("_")}
        catalog = cls(
            metrics=engine.metrics,
            dimensions=engine.dimensions,
            relations=engine.relations,
            phrases=engine.vocabulary,
            analyses=engine.analyses(),
            tables=tables,
            values={},
            as_of=engine.as_of,
        )
        catalog.values = catalog._cached_values(engine, version)
        from crmlens.query.glossary import load_entries

        catalog.glossary = load_entries(engine)
        engine._catalog_cache = (key, catalog)  # type: ignore[attr-defined]
        return catalog

    def _cached_values(self, engine: Engine, version: str) -> dict[str, list[str]]:
        """Values learnt from the data, from the ``_crmlens_values`` cache when it belongs to this version
        of the data (written by :func:`store_values` after every load), else learnt now."""
        con = engine.con
        if version and db.table_exists(con, VALUES_TABLE) and db.get_meta(con, "values_version") == version:
            out: dict[str, list[str]] = {}
            for dimension, value in con.execute(f'SELECT dimension, value FROM "{VALUES_TABLE}"').fetchall():
                if dimension in self.dimensions:
                    out.setdefault(dimension, []).append(value)
            return {k: sorted(v) for k, v in out.items()}
        return self._learn_values(engine)

    def _learn_values(self, engine: Engine) -> dict[str, list[str]]:
        """Distinct values of categorical dimensions, one UNION ALL query over the loaded tables."""
        parts = []
        columns = {t: {c.name for c in cols} for t, cols in engine.schema().items()}
        ctes: dict[str, str] = {}
        for dim in self.dimensions.values():
            if not dim.values_from_data or dim.kind != "category" or not self.loaded(dim.table):
                continue
            relation = self.relations.get(dim.table)
            if relation is not None:
                sql = relation.sql.copy()
                for ph in list(sql.find_all(exp.Placeholder)):
                    ph.replace(exp.cast(exp.Literal.string(self.as_of.isoformat()), exp.DataType.build("DATE")))
                ctes[dim.table] = sql.sql(dialect="duckdb")
            else:
                needed = {c.name for c in dim.expression.find_all(exp.Column)}
                if not needed <= columns.get(dim.table, set()):
                    continue  # a user table without that column: nothing to learn
            expression = dim.expression.copy()
            for ph in list(expression.find_all(exp.Placeholder)):
                ph.replace(exp.cast(exp.Literal.string(self.as_of.isoformat()), exp.DataType.build("DATE")))
            column = expression.sql(dialect="duckdb")
            parts.append(
                f"(SELECT '{dim.name}' AS dimension, CAST(v AS VARCHAR) AS value FROM "
                f"(SELECT DISTINCT {column} AS v FROM {db.quote_ident(dim.table)} WHERE {column} IS NOT NULL "
                f"LIMIT {MAX_VALUES + 1}))"
            )
        if not parts:
            return {}
        with_clause = (
            ("WITH " + ", ".join(f"{db.quote_ident(n)} AS ({q})" for n, q in ctes.items()) + " ") if ctes else ""
        )
        rows = engine.con.execute(with_clause + " UNION ALL ".join(parts)).fetchall()
        out: dict[str, list[str]] = {}
        for dimension, value in rows:
            out.setdefault(dimension, []).append(value)
        return {k: sorted(v) for k, v in out.items() if len(v) <= MAX_VALUES}

    # -- questions about the catalog ---------------------------------------------------------------
    def metric(self, name: str) -> Metric:
        try:
            return self.metrics[name]
        except KeyError:
            raise UsageError(f"Unknown metric {name!r}.", hint=f"Metrics: {', '.join(sorted(self.metrics))}.") from None

    def dimension(self, name: str) -> Dimension:
        try:
            return self.dimensions[name]
        except KeyError:
            raise UsageError(
                f"Unknown dimension {name!r}.", hint=f"Dimensions: {', '.join(sorted(self.dimensions))}."
            ) from None

    def loaded(self, table: str) -> bool:
        """A canonical table with rows, or a relation whose inputs are loaded."""
        if table in self.relations:
            return all(self.loaded(t) for t in self.relations[table].requires)
        return bool(self.tables.get(table))

    def missing_tables(self, requires: dict[str, list[str]]) -> list[str]:
        return [t for t in requires if not self.loaded(t)]

    def to_json(self) -> dict[str, Any]:
        """A compact description for an ``interpret_question`` plugin (e.g. an LLM prompt)."""
        return {
            "as_of": self.as_of.isoformat(),
            "metrics": {
                m.name: {"title": m.title, "description": m.description, "synonyms": m.synonyms}
                for m in self.metrics.values()
            },
            "dimensions": {
                d.name: {
                    "title": d.title,
                    "description": d.description,
                    "synonyms": d.synonyms,
                    "values": self.values.get(d.name, [])[:50],
                }
                for d in self.dimensions.values()
            },
            "analyses": {
                a.name: {"title": a.title, "description": a.description, "params": a.param_help()}
                for a in self.analyses.values()
            },
            "tables": self.tables,
        }
