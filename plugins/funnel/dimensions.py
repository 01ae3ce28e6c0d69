"""Breakdowns and filters of the funnel analyses, resolved from the dimensions the plugins register.

A funnel is broken down or filtered by a *dimension* of the query layer (``device``, ``event_source``,
``region``, a saved segment …), so the words of a question ("by device", "in East China") mean the
same thing here as everywhere else. A dimension is usable when it is a category over the fact table
the analysis reads (``events``, ``opportunities``, …), over ``customers`` (joined by customer id), or
over a registered relation keyed by ``customer_id`` (e.g. saved segments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlglot import exp

from crmlens.engine import AnalysisContext, Dimension, MissingDataError, Relation, UsageError
from crmlens.engine.semantic import DimensionFilter as DimensionFilter  # one model for every plugin


@dataclass(frozen=True)
class Resolved:
    """A dimension made usable in a query over ``base``: its SQL expression and the join it needs."""

    name: str
    title: str
    expression: str
    join: str | None  # a LEFT JOIN clause, or None when the expression reads the base table itself
    level: Literal["record", "customer"]  # of the fact row itself, or of the customer it belongs to


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


def usable_dimensions(base: tuple[str, ...], customer_key: str | None) -> dict[str, tuple[Dimension, Relation | None]]:
    """The category dimensions a query over ``base`` tables can group by, by name."""
    dims, relations = _registered()
    out: dict[str, tuple[Dimension, Relation | None]] = {}
    for d in dims:
        if d.kind != "category":
            continue
        if d.table in base or (customer_key is not None and d.table == "customers"):
            out[d.name] = (d, None)
        elif customer_key is not None and d.table in relations and relations[d.table].key == ["customer_id"]:
            out[d.name] = (d, relations[d.table])
    return out


def resolve(ctx: AnalysisContext, name: str, *, base: tuple[str, ...], customer_key: str | None, what: str) -> Resolved:
    """Resolve a dimension named in ``by`` or a filter (by name, title or synonym) for a query over
    ``base``, whose customer id is the SQL expression ``customer_key`` (None: no customer link).

    Raises UsageError naming the dimensions that can be used, or MissingDataError when the table the
    dimension reads holds nothing.
    """
    usable = usable_dimensions(base, customer_key)
    wanted = _norm(name)
    found = usable.get(name)
    if found is None:
        for dim, rel in usable.values():
            names = [dim.name, dim.title, dim.title_zh or "", *dim.synonyms]
            if wanted in {_norm(n) for n in names if n}:
                found = (dim, rel)
                break
    if found is None:
        raise UsageError(
            f"{what} cannot be broken down or filtered by {name!r}.",
            hint=f"Dimensions it can use: {', '.join(sorted(usable)) or 'none'}.",
        )
    dim, relation = found
    for table in dim.requires or {dim.table: []}:
        if table in base:
            continue
        if not ctx.table_exists(table) or not ctx.scalar(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise MissingDataError(
                f"The dimension {dim.name!r} needs the table {table!r}, which holds no data.",
                missing={table: []},
                hint="Load it with `crmlens load` (or, for saved segments, run the analysis that saves them).",
            )
    expression = _sql(dim.expression)
    if dim.table in base:
        return Resolved(dim.name, dim.title, expression, None, "record")
    assert customer_key is not None
    if dim.table == "customers":
        join = f"LEFT JOIN customers ON customers.customer_id = {customer_key}"
    else:
        assert relation is not None
        join = (
            f'LEFT JOIN ({_sql(relation.sql)}) AS "{relation.name}" ON "{relation.name}".customer_id = {customer_key}'
        )
    return Resolved(dim.name, dim.title, expression, join, "customer")


def filter_condition(resolved: Resolved, flt: DimensionFilter, key: str, params: dict[str, Any]) -> str:
    """SQL keeping the rows that pass ``flt``; its values are bound as ``$key``."""
    params[key] = list(flt.values)
    inside = f"list_contains(${key}, CAST({resolved.expression} AS VARCHAR))"
    return f"coalesce({inside}, false)" if flt.op in ("=", "in") else f"NOT coalesce({inside}, false)"


def joins(resolved: list[Resolved]) -> str:
    """The distinct join clauses the resolved dimensions need, in order."""
    return " ".join(dict.fromkeys(r.join for r in resolved if r.join))


def used_params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the named parameters ``sql`` refers to (DuckDB refuses unused ones)."""
    names = set(re.findall(r"\$([A-Za-z_]\w*)", sql))
    return {k: v for k, v in params.items() if k in names}


def pick_filters(filters: list[DimensionFilter], base: tuple[str, ...]) -> list[DimensionFilter]:
    """Settle ambiguous words: a question's "email" may come as one filter per dimension having that value
    (campaign channel, traffic source, acquisition channel …). Of filters with the same values, keep
    those on the analysed table itself when there are any, else all of them."""
    usable = usable_dimensions(base, customer_key="customer_id")
    native = {name for name, (d, _) in usable.items() if d.table in base}
    by_values: dict[tuple[str, tuple[str, ...]], list[DimensionFilter]] = {}
    for f in filters:
        by_values.setdefault((f.op, tuple(f.values)), []).append(f)
    out: list[DimensionFilter] = []
    for same in by_values.values():
        own = [f for f in same if f.dimension in native]
        out += own if own and len(same) > 1 else same
    return out
