"""Breakdowns and filters of the reputation analyses, resolved from the dimensions plugins register.

"NPS by region", "CSAT by channel in Shanghai", "share of voice by review source": the words mean what
they mean in every other question, because the dimension is looked up among the registered ones (the
query layer's vocabulary). A dimension is usable over a fact table (``feedback``, ``reviews``,
``tickets``) when it reads that table, reads ``customers`` (joined by the fact's customer id), or reads
a registered relation keyed by ``customer_id`` (saved segments) or by the fact's own key (this plugin's
stored sentiment). A dimension of the same column on another table ("channel" read as the order
channel) stands for the fact table's own column, with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from crmlens.engine import AnalysisContext, Dimension, MissingDataError, Relation, UsageError
from crmlens.engine.semantic import DimensionFilter as DimensionFilter  # one model for every plugin


@dataclass(frozen=True)
class Fact:
    """The table an analysis reads: its name, its key and its customer id column (if any)."""

    table: str
    key: str
    customer: str | None = "customer_id"


@dataclass(frozen=True)
class Resolved:
    name: str
    title: str
    expression: str
    join: str | None
    note: str | None = None


def _registered() -> tuple[list[Dimension], dict[str, Relation]]:
    from crmlens.engine.plugins import get_plugins

    plugins = get_plugins()
    dims = [d for _, d in plugins.collect("register_dimensions") if isinstance(d, Dimension)]
    relations = {r.name: r for _, r in plugins.collect("register_relations") if isinstance(r, Relation)}
    return dims, relations


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _sql(expression: exp.Expr) -> str:
    return expression.sql(dialect="duckdb")


def _relation_join(relation: Relation, fact: Fact) -> str | None:
    """How ``relation`` joins ``fact`` one-to-one or many-to-one, or None when it cannot."""
    if relation.key == ["customer_id"] and fact.customer is not None:
        on = f'"{relation.name}".customer_id = {fact.table}.{fact.customer}'
    else:
        column = next((c for c, target in relation.references.items() if target == f"{fact.table}.{fact.key}"), None)
        if column is None or relation.key != [column]:
            return None
        on = f'"{relation.name}".{column} = {fact.table}.{fact.key}'
    return f'LEFT JOIN ({_sql(relation.sql)}) AS "{relation.name}" ON {on}'


def usable(fact: Fact) -> dict[str, tuple[Dimension, str | None]]:
    """Category dimensions usable over ``fact``: name -> (dimension, join clause or None)."""
    dims, relations = _registered()
    out: dict[str, tuple[Dimension, str | None]] = {}
    for d in dims:
        if d.kind != "category":
            continue
        if d.table == fact.table:
            out[d.name] = (d, None)
        elif d.table == "customers" and fact.customer is not None:
            out[d.name] = (d, f"LEFT JOIN customers ON customers.customer_id = {fact.table}.{fact.customer}")
        elif d.table in relations and (join := _relation_join(relations[d.table], fact)) is not None:
            out[d.name] = (d, join)
    return out


def _column(d: Dimension) -> str | None:
    return d.expression.name if isinstance(d.expression, exp.Column) else None


def resolve(ctx: AnalysisContext, name: str, fact: Fact, *, what: str) -> Resolved:
    """The dimension ``name`` (its name, title or a synonym) made usable over ``fact``.

    Raises UsageError naming the usable dimensions, or MissingDataError when its table is empty.
    """
    options = usable(fact)
    found = options.get(name)
    wanted = _norm(name)
    if found is None:
        for dim, join in options.values():
            if wanted in {_norm(n) for n in [dim.name, dim.title, dim.title_zh or "", *dim.synonyms] if n}:
                found = (dim, join)
                break
    note = None
    if found is None:
        dims, _ = _registered()
        other = next((d for d in dims if d.name == name), None)
        column = _column(other) if other is not None else None
        same = [(d, j) for d, j in options.values() if d.table == fact.table and column and _column(d) == column]
        if other is not None and same:
            found = same[0]
            note = f"read '{other.title.lower()}' as the {found[0].title.lower()} ({fact.table}.{column})"
    if found is None:
        raise UsageError(
            f"{what} cannot be broken down or filtered by {name!r}.",
            hint=f"Dimensions it can use: {', '.join(sorted(options)) or 'none'}.",
        )
    dim, join = found
    for table in dim.requires or {dim.table: []}:
        if table == fact.table:
            continue
        if not ctx.table_exists(table) or not ctx.scalar(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise MissingDataError(
                f"The dimension {dim.name!r} needs the table {table!r}, which holds no data.",
                missing={table: []},
                hint="Load it with `crmlens load`, or run the analysis that writes it (e.g. reputation.sentiment).",
            )
    return Resolved(dim.name, dim.title, _sql(dim.expression), join, note)


def filter_condition(resolved: Resolved, flt: DimensionFilter, key: str, params: dict[str, Any]) -> str:
    """SQL keeping the rows that pass ``flt``; its values are bound as ``$key``."""
    params[key] = list(flt.values)
    inside = f"list_contains(${key}, CAST({resolved.expression} AS VARCHAR))"
    return f"coalesce({inside}, false)" if flt.op in ("=", "in") else f"NOT coalesce({inside}, false)"


def joins(resolved: list[Resolved]) -> str:
    return " ".join(dict.fromkeys(r.join for r in resolved if r.join))


def used_params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the named parameters ``sql`` refers to (DuckDB refuses unused ones)."""
    names = set(re.findall(r"\$([A-Za-z_]\w*)", sql))
    return {k: v for k, v in params.items() if k in names}


def apply_filters(
    ctx: AnalysisContext, filters: list[DimensionFilter], fact: Fact, params: dict[str, Any], *, what: str
) -> tuple[list[str], list[Resolved]]:
    """WHERE conditions and the dimensions they use. A filter on a dimension this fact cannot reach is
    left out with a warning (the parser may pass every value it recognised in the question)."""
    conditions: list[str] = []
    used: list[Resolved] = []
    for i, flt in enumerate(filters):
        try:
            resolved = resolve(ctx, flt.dimension, fact, what=what)
        except UsageError:
            ctx.warn(
                f"The filter on {flt.dimension} ({', '.join(flt.values)}) does not apply to {fact.table}; "
                "it was left out."
            )
            continue
        conditions.append(filter_condition(resolved, flt, f"f{i}", params))
        used.append(resolved)
    return conditions, used
