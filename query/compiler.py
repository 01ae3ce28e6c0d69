"""Compile an :class:`Interpretation` into one read-only SQL statement, built as a sqlglot tree.

User text only ever becomes a literal: names are looked up in the catalog, values are wrapped with
``exp.Literal``. The statement is rendered for DuckDB here, but nothing in it is DuckDB-only text.

Shape of a metric question: one *block* per base table of the requested metrics
(``SELECT dims, period, aggregates FROM base LEFT JOIN ... WHERE ... GROUP BY ...``), blocks joined on
their dimensions, then formulas, growth, shares, order and limit on top.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from crmlens.engine.errors import MissingDataError, UsageError
from crmlens.engine.result import ChartSpec, ValueFormat
from crmlens.engine.schema import TABLES_BY_NAME
from crmlens.engine.semantic import Dimension, Metric
from crmlens.query.catalog import Catalog, JoinStep
from crmlens.query.interpretation import Filter, Interpretation, Period

# Extra label columns shown beside an entity dimension (an id alone reads badly).
ENTITY_LABELS: dict[str, list[tuple[str, str]]] = {
    "customer": [("customer_name", "customers.name")],
}
LIST_COLUMNS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "customers": (
        "customers",
        [
            ("customer_id", "customers.customer_id"),
            ("name", "customers.name"),
            ("city", "customers.city"),
            ("region", "customers.region"),
            ("signup_date", "customers.signup_date"),
        ],
    ),
    "products": (
        "products",
        [
            ("product_id", "products.product_id"),
            ("name", "products.name"),
            ("category", "products.category"),
            ("brand", "products.brand"),
            ("unit_price", "products.unit_price"),
        ],
    ),
    "orders": (
        "orders",
        [
            ("order_id", "orders.order_id"),
            ("customer_id", "orders.customer_id"),
            ("order_date", "orders.order_date"),
            ("channel", "orders.channel"),
            ("status", "orders.status"),
            ("amount", "orders.amount"),
        ],
    ),
}
ENTITY_KEY = {"customers": "customer", "products": "product", "orders": "order"}
DEFAULT_LIST_LIMIT = 100
_STEP = {"day": "1 day", "week": "1 week", "month": "1 month", "quarter": "3 month", "year": "1 year"}


@dataclass
class OutputColumn:
    name: str
    title: str
    format: ValueFormat | None = None
    role: str = "dimension"  # dimension | time | metric | derived
    title_zh: str | None = None
    additive: bool = False

    def label(self, language: str) -> str:
        return (self.title_zh or self.title) if language == "zh" else self.title


@dataclass
class CompiledQuery:
    tree: exp.Expr
    columns: list[OutputColumn]
    chart: ChartSpec | None
    notes: list[str] = field(default_factory=list)

    @property
    def sql(self) -> str:
        return self.tree.sql(dialect="duckdb", pretty=True)


def date_literal(value: dt.date) -> exp.Expr:
    return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))


def literal(value: Any) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, dt.date):
        return date_literal(value)
    return exp.Literal.string(str(value))


def column(table: str, name: str) -> exp.Column:
    return exp.column(name, table=table)


def referenced_tables(node: exp.Expr) -> set[str]:
    """Tables named by qualified columns of an expression (subqueries excluded)."""
    out = set()
    for col in node.find_all(exp.Column):
        if col.table and not col.find_ancestor(exp.Subquery, exp.Select):
            out.add(col.table)
    return out


def referenced_columns(node: exp.Expr) -> set[tuple[str, str]]:
    return {(c.table, c.name) for c in node.find_all(exp.Column) if c.table}


class Compiler:
    """Turns interpretations into SQL over one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # -- entry point ------------------------------------------------------------------------------------
    def compile(self, it: Interpretation) -> CompiledQuery:
        if it.kind == "metric":
            return self._metric_query(it)
        if it.kind == "list":
            return self._list_query(it)
        raise UsageError(f"A {it.kind} question is not compiled to SQL by the query compiler.")

    def breakdown_sets(
        self, metrics: list[Metric], dims: list[Dimension], periods: list[Period], filters: list[Filter] | None = None
    ) -> exp.Select:
        """One scan giving ``metrics`` per value of each of ``dims`` (and in total) in each of ``periods``:
        ``GROUP BY GROUPING SETS ((d1, period), (d2, period), ..., (period))``, with a ``_set`` column
        naming the dimension of each row ('' for the totals). All metrics must share one base table."""
        it = Interpretation(kind="metric", metrics=[m.name for m in metrics], filters=filters or [])
        notes: list[str] = []
        select = self._block(it, str(metrics[0].table), metrics, dims, [], None, None, periods, None, notes)
        group = select.args.get("group")
        assert group is not None
        exprs = list(group.expressions)
        dim_exprs, period_expr = exprs[: len(dims)], exprs[len(dims)]
        sets = [exp.Tuple(expressions=[d.copy(), period_expr.copy()]) for d in dim_exprs]
        sets.append(exp.Tuple(expressions=[period_expr.copy()]))
        select.set("group", exp.Group(grouping_sets=[exp.GroupingSets(expressions=sets)]))
        which = exp.Case()
        for d, e in zip(dims, dim_exprs, strict=True):
            which = which.when(
                exp.EQ(this=exp.func("grouping", e.copy()), expression=exp.Literal.number(0)),
                exp.Literal.string(d.name),
            )
        select = select.select(exp.alias_(which.else_(exp.Literal.string("")), "_set"), copy=False)
        return select

    # -- helpers ---------------------------------------------------------------------------------------------
    def _as_of_for(self, it: Interpretation, metric: Metric | None = None) -> dt.date:
        """Snapshot metrics (no time column) are measured at the end of the asked period."""
        if metric is not None and metric.time_column is None and it.period is not None:
            return min(it.period.end, self.catalog.as_of)
        return self.catalog.as_of

    def _bind(self, node: exp.Expr, as_of: dt.date) -> exp.Expr:
        """Replace ``$as_of`` placeholders by the date literal."""
        node = node.copy()
        for ph in list(node.find_all(exp.Placeholder)):
            if ph.name == "as_of":
                ph.replace(date_literal(as_of))
        return node

    def _time_column(self, metric: Metric) -> exp.Column | None:
        if metric.time_column is None:
            return None
        table, _, name = metric.time_column.rpartition(".")
        return column(table or str(metric.table), name)

    def _require_loaded(self, tables: set[str], what: str) -> None:
        missing = sorted(t for t in tables if not self.catalog.loaded(t))
        if missing:
            detail: dict[str, list[str]] = {t: [] for t in missing}
            producers = sorted(
                {str(r.produced_by) for t in missing if (r := self.catalog.relations.get(t)) and r.produced_by}
            )
            hint = (
                "Run " + " and ".join(f"`crmlens run {p}`" for p in producers) + " first: it saves them."
                if producers
                else "Load it with `crmlens load`, or ask about the tables you have (`crmlens tables`)."
            )
            raise MissingDataError(
                f"{what} needs data that is not loaded: {', '.join(missing)}.", missing=detail, hint=hint
            )

    def _joins(self, base: str, tables: set[str], what: str) -> list[JoinStep]:
        steps: list[JoinStep] = []
        joined = {base}
        for table in sorted(tables - {base}):
            path = self.catalog.graph.path(base, table)
            if path is None:
                raise UsageError(
                    f"{what} cannot be broken down that way: {base} has no link to {table}.",
                    hint="Pick a dimension of the same subject (e.g. region for orders, device for events).",
                )
            for step in path:
                if step.right_table not in joined:
                    steps.append(step)
                    joined.add(step.right_table)
        return steps

    def _join_steps(self, select: exp.Select, steps: list[JoinStep], *, inner_relations: bool = False) -> exp.Select:
        """LEFT JOIN each step in order (a list keeps only rows its derived relations hold: inner joins)."""
        for step in steps:
            inner = inner_relations and step.right_table in self.catalog.relations
            select = select.join(
                exp.to_table(step.right_table),
                on=exp.EQ(this=column(step.left_table, step.left_column),
                          expression=column(step.right_table, step.right_column)),
                join_type="inner" if inner else "left",
                copy=False,
            )
        return select

    def _with_relations(self, select: exp.Select, tables: set[str], as_of: dt.date) -> exp.Select:
        for name in sorted(tables):
            rel = self.catalog.relations.get(name)
            if rel is not None:
                select = select.with_(name, as_=self._bind(rel.sql, as_of), copy=False)
        return select

    def _filter_condition(self, f: Filter, dim: Dimension, as_of: dt.date) -> exp.Expr:
        expr = self._bind(dim.expression, as_of)
        values = f.values
        if dim.kind == "category" and f.op in ("=", "!=", "in", "not in"):
            expr = exp.func("lower", exp.cast(expr, exp.DataType.build("VARCHAR")))
            values = [str(v).lower() for v in values]
        lits = [literal(v) for v in values]
        if f.op in ("=", "in"):
            return exp.EQ(this=expr, expression=lits[0]) if len(lits) == 1 else exp.In(this=expr, expressions=lits)
        if f.op in ("!=", "not in"):
            inner = exp.EQ(this=expr, expression=lits[0]) if len(lits) == 1 else exp.In(this=expr, expressions=lits)
            return exp.Not(this=exp.Paren(this=inner))
        if f.op == "between":
            return exp.Between(this=expr, low=lits[0], high=lits[-1])
        if f.op == "contains":
            return exp.func("contains", exp.func("lower", expr), exp.Literal.string(str(values[0]).lower()))
        ops: dict[str, type[exp.Expr]] = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}
        return ops[f.op](this=expr, expression=lits[0])

    @staticmethod
    def _period_condition(time_col: exp.Expr, start: dt.date, end: dt.date) -> exp.Expr:
        return exp.and_(
            exp.GTE(this=time_col.copy(), expression=date_literal(start)),
            exp.LT(this=time_col.copy(), expression=date_literal(end + dt.timedelta(days=1))),
        )

    # -- metric questions -----------------------------------------------------------------------------------
    def _metric_query(self, it: Interpretation) -> CompiledQuery:
        notes: list[str] = []
        requested = [self.catalog.metric(m) for m in it.metrics]
        dims = [self.catalog.dimension(d) for d in it.dimensions]
        # Formula metrics are computed from their components; components are compiled as blocks.
        leaf: dict[str, Metric] = {}
        for m in requested:
            for comp in self._leaves(m):
                leaf.setdefault(comp.name, comp)
        grain = it.grain
        periods = list(it.compare)
        period = it.period
        growth = it.growth
        if growth and not grain and not periods:
            current = period or self._default_growth_period(it)
            periods = [shift_period(current, growth), current]
        blocks: list[tuple[exp.Select, list[str]]] = []
        # One block per (base table, time column): metrics dated differently are not summed together.
        by_base: dict[tuple[str, str], list[Metric]] = {}
        for m in leaf.values():
            by_base.setdefault((str(m.table), m.time_column or ""), []).append(m)
        dim_names = [d.name for d in dims]
        extra_labels = [lab for d in dims for lab in ENTITY_LABELS.get(d.name, [])]
        group_cols = [*dim_names, *[name for name, _ in extra_labels]]
        time_name = grain or ("period" if periods else None)
        for (base, _), metrics in by_base.items():
            select = self._block(it, base, metrics, dims, extra_labels, grain, period, periods, growth, notes)
            blocks.append((select, metrics_names(metrics)))
        keys = [*group_cols, *([time_name] if time_name else [])]
        if len(blocks) == 1:
            core: exp.Select = blocks[0][0]
            source_alias = None
        else:
            core = self._merge_blocks(blocks, keys)
            source_alias = "merged"
        # Outer select: keys, requested metrics (formulas computed here), components for transparency.
        outer_cols: list[exp.Expr] = [exp.column(k) for k in keys]
        columns: list[OutputColumn] = [OutputColumn(d.name, d.title, None, "dimension", d.title_zh) for d in dims]
        for d in dims:
            columns += [OutputColumn(n, n.replace("_", " ").capitalize()) for n, _ in ENTITY_LABELS.get(d.name, [])]
        # keep order: dims then their labels; rebuild to follow `keys`
        columns = [c for k in group_cols for c in columns if c.name == k]
        if time_name:
            columns.append(OutputColumn(time_name, time_name.capitalize(), "date" if grain else None, "time"))
        shown: list[str] = []
        for m in requested:
            if m.formula is not None:
                outer_cols.append(exp.alias_(exp.Paren(this=m.formula.copy()), m.name))
            else:
                outer_cols.append(exp.column(m.name))
            columns.append(OutputColumn(m.name, m.title, m.format, "metric", m.title_zh, m.additive))
            shown.append(m.name)
        for name, comp in leaf.items():
            if name not in shown:
                outer_cols.append(exp.column(name))
                columns.append(OutputColumn(name, comp.title, comp.format, "derived", comp.title_zh))
                shown.append(name)
        inner = core.subquery(source_alias or "q")
        query = exp.select(*outer_cols).from_(inner, copy=False)
        # Growth along a time series, or between two periods; shares; order; limit.
        metric_names = [m.name for m in requested]
        if growth and grain:
            query, columns = self._series_growth(
                query, columns, metric_names, group_cols, grain, growth, period, requested
            )
        elif growth and periods:
            query, columns = self._period_growth(query, columns, metric_names, group_cols, periods, requested)
            time_name = None
        if it.share:
            query, columns = self._shares(query, columns, requested, group_cols, time_name, notes)
        query = self._order_limit(query, it, columns, metric_names, time_name, group_cols, notes)
        chart = choose_chart(it, columns, metric_names, group_cols, time_name)
        return CompiledQuery(tree=query, columns=columns, chart=chart, notes=notes)

    def _leaves(self, metric: Metric, depth: int = 0) -> list[Metric]:
        if metric.formula is None:
            return [metric]
        if depth > 5:
            raise UsageError(f"Metric {metric.name} refers to itself through its formula.")
        out: list[Metric] = []
        for col in metric.formula.find_all(exp.Column):
            comp = self.catalog.metric(col.name)
            out += self._leaves(comp, depth + 1)
        return out

    def _default_growth_period(self, it: Interpretation) -> Period:
        """Growth asked without a period: the last full month (or year for year-over-year)."""
        as_of = self.catalog.as_of
        if it.growth == "previous_year":
            start = dt.date(as_of.year, 1, 1)
            return Period(start=start, end=as_of, label=f"{as_of.year} to date")
        first = as_of.replace(day=1)
        last_end = first - dt.timedelta(days=1)
        return Period(start=last_end.replace(day=1), end=last_end, label=last_end.strftime("%Y-%m"))

    def _block(
        self,
        it: Interpretation,
        base: str,
        metrics: list[Metric],
        dims: list[Dimension],
        extra_labels: list[tuple[str, str]],
        grain: str | None,
        period: Period | None,
        periods: list[Period],
        growth: str | None,
        notes: list[str],
    ) -> exp.Select:
        what = ", ".join(m.title for m in metrics)
        as_of = self._as_of_for(it, metrics[0])
        filters = [(f, self.catalog.dimension(f.dimension)) for f in it.filters]
        grouped_columns = {c for d in dims for c in referenced_columns(d.expression)}
        # A positive filter on a default filter's column replaces it ("revenue of returned orders"); a
        # negative one ("exclude returns") narrows it, so the default stays.
        grouped_columns |= {c for f, d in filters if f.op in ("=", "in") for c in referenced_columns(d.expression)}
        time_col = self._time_column(metrics[0])
        needed: set[str] = {base}
        for m in metrics:
            assert m.expression is not None
            needed |= referenced_tables(m.expression)
            for flt in m.filters:
                needed |= referenced_tables(flt)
        for d in dims:
            needed |= referenced_tables(d.expression)
        for _, d in filters:
            needed |= referenced_tables(d.expression)
        for _, expr in extra_labels:
            needed.add(expr.split(".")[0])
        if time_col is not None and time_col.table:
            needed.add(time_col.table)
        self._require_loaded(needed, what)
        steps = self._joins(base, needed, what)
        select = exp.select().from_(base, copy=False)
        select = self._join_steps(select, steps)
        select = self._with_relations(select, needed, as_of)
        # Default filters shared by every metric of the block go to WHERE; the others become FILTER
        # clauses on that metric's aggregates, so two metrics of one table keep their own definitions.
        kept: dict[str, list[exp.Expr]] = {}
        for m in metrics:
            kept[m.name] = []
            for flt in m.filters:
                if referenced_columns(flt) & grouped_columns:
                    note = f"default filter lifted: {flt.sql(dialect='duckdb')}"
                    if note not in notes:
                        notes.append(note)
                    continue
                kept[m.name].append(flt)
        common = [f for f in kept[metrics[0].name] if all(any(f == g for g in kept[m.name]) for m in metrics)]
        conditions: list[exp.Expr] = [self._bind(f, as_of) for f in common]
        for f, d in filters:
            conditions.append(self._filter_condition(f, d, as_of))
        group_exprs: list[exp.Expr] = []
        for d in dims:
            e = self._bind(d.expression, as_of)
            labels = [g for g in it.groups if g.dimension == d.name]
            if labels:
                case = exp.Case()
                for g in labels:
                    case = case.when(
                        exp.In(this=e.copy(), expressions=[literal(v) for v in g.values]), exp.Literal.string(g.label)
                    )
                e = case
            select = select.select(exp.alias_(e, d.name), copy=False)
            group_exprs.append(e)
        for name, expr in extra_labels:
            t, _, c = expr.partition(".")
            select = select.select(exp.alias_(column(t, c), name), copy=False)
            group_exprs.append(column(t, c))
        if (grain or periods) and time_col is None:
            raise UsageError(
                f"{what} is a snapshot at the as-of date and has no time series.",
                hint="Ask for it without 'by month' or a comparison of periods; use --as-of to move the date.",
            )
        if time_col is not None and grain:
            bucket = exp.cast(
                exp.func("date_trunc", exp.Literal.string(grain), time_col.copy()), exp.DataType.build("DATE")
            )
            select = select.select(exp.alias_(bucket, grain), copy=False)
            group_exprs.append(bucket)
            if period is not None:
                start = period.start
                if growth == "previous_period":
                    start = shift_date(truncate(start, grain), grain, -1)
                elif growth == "previous_year":
                    start = dt.date(start.year - 1, start.month, min(start.day, 28))
                conditions.append(self._period_condition(time_col, start, period.end))
            else:  # rows without a date belong to no period ("win rate by quarter": not the open deals)
                conditions.append(exp.Not(this=exp.Is(this=time_col.copy(), expression=exp.Null())))
        elif time_col is not None and periods:
            label = exp.Case()
            for p in periods:
                label = label.when(self._period_condition(time_col, p.start, p.end), exp.Literal.string(p.text()))
            select = select.select(exp.alias_(label, "period"), copy=False)
            group_exprs.append(label)
            conditions.append(exp.or_(*[self._period_condition(time_col, p.start, p.end) for p in periods]))
        elif time_col is not None and period is not None:
            conditions.append(self._period_condition(time_col, period.start, period.end))
        elif time_col is None and period is not None:
            notes.append(f"{what} measured at {as_of.isoformat()}")
        for m in metrics:
            assert m.expression is not None
            aggregate = self._bind(m.expression, as_of)
            residual = [self._bind(f, as_of) for f in kept[m.name] if not any(f == g for g in common)]
            if residual:
                aggregate = with_filter(aggregate, exp.and_(*residual))
            select = select.select(exp.alias_(aggregate, m.name), copy=False)
        if conditions:
            select = select.where(exp.and_(*conditions), copy=False)
        if group_exprs:
            select = select.group_by(*group_exprs, copy=False)
        return select

    @staticmethod
    def _merge_blocks(blocks: list[tuple[exp.Select, list[str]]], keys: list[str]) -> exp.Select:
        first, _ = blocks[0]
        merged = exp.select("*").from_(first.subquery("b0"), copy=False)
        using: list[int | str | exp.Expr] = list(keys)
        for i, (block, _) in enumerate(blocks[1:], start=1):
            if keys:
                merged = merged.join(block.subquery(f"b{i}"), using=using, join_type="full outer", copy=False)
            else:
                merged = merged.join(block.subquery(f"b{i}"), join_type="cross", copy=False)
        return merged

    def _series_growth(
        self,
        query: exp.Select,
        columns: list[OutputColumn],
        metrics: list[str],
        keys: list[str],
        grain: str,
        growth: str,
        period: Period | None,
        requested: list[Metric],
    ) -> tuple[exp.Select, list[OutputColumn]]:
        step = "1 year" if growth == "previous_year" else _STEP[grain]
        cur, prev = "cur", "prev"
        on = exp.EQ(
            this=column(prev, grain),
            expression=exp.cast(
                exp.Sub(this=column(cur, grain), expression=exp.Interval(this=exp.Literal.string(step))),
                exp.DataType.build("DATE"),
            ),
        )
        on_all: exp.Expr = on
        for k in keys:
            on_all = exp.and_(on_all, exp.NullSafeEQ(this=column(prev, k), expression=column(cur, k)))
        cols: list[exp.Expr] = [column(cur, c.name) for c in columns]
        out = list(columns)
        for m in requested:
            cols.append(exp.alias_(column(prev, m.name), f"{m.name}_previous"))
            cols.append(
                exp.alias_(
                    exp.Sub(
                        this=exp.Div(
                            this=column(cur, m.name),
                            expression=exp.func("nullif", column(prev, m.name), exp.Literal.number(0)),
                        ),
                        expression=exp.Literal.number(1),
                    ),
                    f"{m.name}_growth",
                )
            )
            out.append(OutputColumn(f"{m.name}_previous", f"{m.title} (previous)", m.format, "derived"))
            out.append(OutputColumn(f"{m.name}_growth", f"{m.title} growth", "percent", "derived"))
        series = query.subquery(cur)
        result = (
            exp.select(*cols)
            .from_(series, copy=False)
            .join(query.subquery(prev), on=on_all, join_type="left", copy=False)
        )
        if period is not None:
            result = result.where(
                exp.GTE(this=column(cur, grain), expression=date_literal(truncate(period.start, grain))), copy=False
            )
        return result, out

    def _period_growth(
        self,
        query: exp.Select,
        columns: list[OutputColumn],
        metrics: list[str],
        keys: list[str],
        periods: list[Period],
        requested: list[Metric],
    ) -> tuple[exp.Select, list[OutputColumn]]:
        previous, current = periods[0].text(), periods[-1].text()
        cols: list[exp.Expr] = [exp.column(k) for k in keys]
        out = [c for c in columns if c.name in keys]
        is_cur = exp.EQ(this=exp.column("period"), expression=exp.Literal.string(current))
        is_prev = exp.EQ(this=exp.column("period"), expression=exp.Literal.string(previous))
        for m in requested:
            cur_v = exp.Filter(this=exp.func("max", exp.column(m.name)), expression=exp.Where(this=is_cur.copy()))
            prev_v = exp.Filter(this=exp.func("max", exp.column(m.name)), expression=exp.Where(this=is_prev.copy()))
            cols.append(exp.alias_(cur_v, m.name))
            cols.append(exp.alias_(prev_v.copy(), f"{m.name}_previous"))
            cols.append(
                exp.alias_(
                    exp.Sub(
                        this=exp.Div(
                            this=cur_v.copy(), expression=exp.func("nullif", prev_v.copy(), exp.Literal.number(0))
                        ),
                        expression=exp.Literal.number(1),
                    ),
                    f"{m.name}_growth",
                )
            )
            out.append(
                OutputColumn(
                    m.name,
                    f"{m.title} ({current})",
                    m.format,
                    "metric",
                    f"{m.title_zh or m.title}（{current}）",
                    m.additive,
                )
            )
            out.append(
                OutputColumn(
                    f"{m.name}_previous",
                    f"{m.title} ({previous})",
                    m.format,
                    "derived",
                    f"{m.title_zh or m.title}（{previous}）",
                )
            )
            out.append(
                OutputColumn(
                    f"{m.name}_growth", f"{m.title} growth", "percent", "derived", f"{m.title_zh or m.title}增长率"
                )
            )
        result = exp.select(*cols).from_(query.subquery("g"), copy=False)
        if keys:
            result = result.group_by(*[exp.column(k) for k in keys], copy=False)
        return result, out

    def _shares(
        self,
        query: exp.Select,
        columns: list[OutputColumn],
        requested: list[Metric],
        keys: list[str],
        time_name: str | None,
        notes: list[str],
    ) -> tuple[exp.Select, list[OutputColumn]]:
        out = list(columns)
        cols: list[exp.Expr] = [exp.column(c.name) for c in columns]
        for m in requested:
            if not m.additive:
                notes.append(f"share of {m.title} not shown: it is a ratio, not a total")
                continue
            window = exp.Window(
                this=exp.func("sum", exp.column(m.name)), partition_by=[exp.column(time_name)] if time_name else None
            )
            cols.append(
                exp.alias_(
                    exp.Div(this=exp.column(m.name), expression=exp.func("nullif", window, exp.Literal.number(0))),
                    f"{m.name}_share",
                )
            )
            out.append(OutputColumn(f"{m.name}_share", f"Share of {m.title.lower()}", "percent", "derived"))
        return exp.select(*cols).from_(query.subquery("s"), copy=False), out

    def _order_limit(
        self,
        query: exp.Select,
        it: Interpretation,
        columns: list[OutputColumn],
        metrics: list[str],
        time_name: str | None,
        keys: list[str],
        notes: list[str],
    ) -> exp.Select:
        order_by = it.order_by if it.order_by in {c.name for c in columns} else metrics[0]
        desc = it.order != "asc"
        if time_name and not (it.order or it.limit):
            query = query.order_by(
                exp.Ordered(this=exp.column(time_name)), *[exp.Ordered(this=exp.column(k)) for k in keys], copy=False
            )
        elif keys or time_name:
            query = query.order_by(
                exp.Ordered(this=exp.column(order_by), desc=desc, nulls_first=False),
                *[exp.Ordered(this=exp.column(k)) for k in keys],
                copy=False,
            )
        if it.limit:
            query = query.limit(it.limit, copy=False)
        return query

    # -- list questions -----------------------------------------------------------------------------
    def _list_query(self, it: Interpretation) -> CompiledQuery:
        assert it.entity is not None
        base, cols = LIST_COLUMNS[it.entity]
        as_of = self.catalog.as_of
        filters = [(f, self.catalog.dimension(f.dimension)) for f in it.filters]
        needed = {base} | {t for _, d in filters for t in referenced_tables(d.expression)}
        what = f"Listing {it.entity}"
        self._require_loaded(needed, what)
        columns = [
            OutputColumn(
                name, name.replace("_", " ").capitalize(), "money" if name in ("amount", "unit_price") else None
            )
            for name, _ in cols
        ]
        select_cols: list[exp.Expr] = [exp.alias_(column(*e.split(".")), n) for n, e in cols]
        for _, d in filters:
            if d.kind == "number" and d.name not in {c.name for c in columns}:
                select_cols.append(exp.alias_(self._bind(d.expression, as_of), d.name))
                columns.append(OutputColumn(d.name, d.title, "days" if "days" in d.name else None))
        conditions = [self._filter_condition(f, d, as_of) for f, d in filters]
        entity_time = TABLES_BY_NAME[base].time_column if base in TABLES_BY_NAME else None
        if it.period is not None and entity_time and not it.conditions:
            conditions.append(self._period_condition(column(base, entity_time), it.period.start, it.period.end))
        if it.conditions:
            key_col = cols[0][1]
            metrics = [self.catalog.metric(c.metric) for c in it.conditions]
            agg = self._entity_aggregates(it, base, key_col, metrics)
            select = exp.select(*select_cols, *[exp.column(m.name, table="agg") for m in metrics]).from_(
                base, copy=False
            )
            select = select.join(
                agg.subquery("agg"),
                on=exp.EQ(this=column(*key_col.split(".")), expression=exp.column("entity_key", table="agg")),
                copy=False,
            )
            for c, m in zip(it.conditions, metrics, strict=True):
                ops: dict[str, type[exp.Expr]] = {
                    ">": exp.GT,
                    ">=": exp.GTE,
                    "<": exp.LT,
                    "<=": exp.LTE,
                    "=": exp.EQ,
                    "!=": exp.NEQ,
                }
                conditions.append(ops[c.op](this=exp.column(m.name, table="agg"), expression=literal(c.value)))
                columns.append(OutputColumn(m.name, m.title, m.format, "metric"))
        else:
            select = exp.select(*select_cols).from_(base, copy=False)
        steps = self._joins(base, needed, what)
        select = self._join_steps(select, steps, inner_relations=True)
        select = self._with_relations(select, needed, as_of)
        if conditions:
            select = select.where(exp.and_(*conditions), copy=False)
        notes: list[str] = []
        if it.count_only:
            tree: exp.Select = exp.select(exp.alias_(exp.func("count", exp.Star()), it.entity)).from_(
                select.subquery("l"), copy=False
            )
            return CompiledQuery(
                tree=tree,
                columns=[OutputColumn(it.entity, f"Number of {it.entity}", "count", "metric")],
                chart=None,
                notes=notes,
            )
        order_col = it.order_by or (it.conditions[0].metric if it.conditions else None)
        if order_col:
            select = select.order_by(
                exp.Ordered(this=exp.column(order_col), desc=it.order != "asc", nulls_first=False),
                exp.Ordered(this=exp.column(cols[0][0])),
                copy=False,
            )
        else:
            select = select.order_by(exp.column(cols[0][0]), copy=False)
        limit = it.limit or DEFAULT_LIST_LIMIT
        if not it.limit:
            notes.append(f"first {DEFAULT_LIST_LIMIT} rows")
        return CompiledQuery(tree=select.limit(limit, copy=False), columns=columns, chart=None, notes=notes)

    def _entity_aggregates(
        self, it: Interpretation, entity_table: str, key_col: str, metrics: list[Metric]
    ) -> exp.Select:
        """Per-entity aggregates of metrics for HAVING-style conditions (customers with more than 3 orders)."""
        base = str(metrics[0].table)
        as_of = self._as_of_for(it, metrics[0])
        if any(m.table != base for m in metrics):
            raise UsageError(
                "Conditions on metrics of different subjects in one list are not supported yet.",
                hint="Ask for one condition at a time.",
            )
        key_table, key_name = key_col.split(".")
        needed = {base, key_table}
        for m in metrics:
            assert m.expression is not None
            needed |= referenced_tables(m.expression)
        self._require_loaded(needed, "The condition")
        steps = self._joins(base, needed - {key_table}, "The condition")
        select = exp.select(exp.alias_(self._entity_key(base, key_table, key_name), "entity_key")).from_(
            base, copy=False
        )
        select = self._join_steps(select, steps)
        select = self._with_relations(select, needed, as_of)
        conds: list[exp.Expr] = []
        for m in metrics:
            assert m.expression is not None
            select = select.select(exp.alias_(self._bind(m.expression, as_of), m.name), copy=False)
            conds += [self._bind(f, as_of) for f in m.filters]
        tc = self._time_column(metrics[0])
        if it.period is not None and tc is not None:
            conds.append(self._period_condition(tc, it.period.start, it.period.end))
        if conds:
            select = select.where(exp.and_(*conds), copy=False)
        return select.group_by(exp.column("entity_key"), copy=False)

    def _entity_key(self, base: str, key_table: str, key_name: str) -> exp.Expr:
        if base == key_table:
            return column(key_table, key_name)
        path = self.catalog.graph.path(base, key_table)
        if not path:
            raise UsageError(f"{base} has no link to {key_table}.")
        last = path[-1]
        return (
            column(last.left_table, last.left_column) if last.right_column == key_name else column(key_table, key_name)
        )


def with_filter(expr: exp.Expr, condition: exp.Expr) -> exp.Expr:
    """Restrict every aggregate of ``expr`` to rows meeting ``condition`` (``agg(...) FILTER (WHERE ...)``)."""
    expr = expr.copy()
    if isinstance(expr, exp.AggFunc):
        return exp.Filter(this=expr, expression=exp.Where(this=condition.copy()))
    if isinstance(expr, exp.Filter) and isinstance(expr.this, exp.AggFunc):
        where = expr.args["expression"]
        where.set("this", exp.and_(where.this, condition.copy()))
        return expr
    for agg in list(expr.find_all(exp.AggFunc)):
        if agg.find_ancestor(exp.AggFunc) is not None:
            continue
        parent = agg.parent
        if isinstance(parent, exp.Filter):
            where = parent.args["expression"]
            where.set("this", exp.and_(where.this, condition.copy()))
        else:
            agg.replace(exp.Filter(this=agg.copy(), expression=exp.Where(this=condition.copy())))
    return expr


def metrics_names(metrics: list[Metric]) -> list[str]:
    return [m.name for m in metrics]


def truncate(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def shift_date(day: dt.date, grain: str, n: int) -> dt.date:
    if grain == "day":
        return day + dt.timedelta(days=n)
    if grain == "week":
        return day + dt.timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12}[grain] * n
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def period_label(start: dt.date, end: dt.date) -> str:
    """'2025', '2025-Q3', '2025-03' for whole calendar periods, else 'start → end'."""
    whole = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if whole and months == 12 and start.month == 1:
        return str(start.year)
    if whole and months == 3 and start.month in (1, 4, 7, 10):
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if whole and months == 1:
        return start.strftime("%Y-%m")
    return f"{start.isoformat()} → {end.isoformat()}"


def shift_period(period: Period, growth: str) -> Period:
    """The period to compare with: the same span just before (previous_period) or a year earlier."""
    if growth == "previous_year":
        start, end = shift_date(period.start, "year", -1), shift_date(period.end, "year", -1)
        return Period(start=start, end=end, label=period_label(start, end))
    span = (period.end - period.start).days + 1
    # Whole months/quarters/years shift by their calendar length; other spans by their day count.
    if period.start.day == 1 and (period.end + dt.timedelta(days=1)).day == 1:
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
        start = shift_date(period.start, "month", -months)
        end = period.start - dt.timedelta(days=1)
    else:
        start, end = period.start - dt.timedelta(days=span), period.start - dt.timedelta(days=1)
    return Period(start=start, end=end, label=period_label(start, end))


def choose_chart(
    it: Interpretation, columns: list[OutputColumn], metrics: list[str], keys: list[str], time_name: str | None
) -> ChartSpec | None:
    """Line for a time series, bar for a ranking or a comparison, pie for a few shares; None for one number."""
    y = metrics[:1]
    if time_name and it.grain:
        return ChartSpec(kind="line", x=time_name, y=y, series=keys[0] if keys else None)
    if time_name and keys:
        return ChartSpec(kind="bar", x=keys[0], y=y, series=time_name)
    if time_name:
        return ChartSpec(kind="bar", x=time_name, y=y)
    if keys:
        if it.share and f"{metrics[0]}_share" in {c.name for c in columns} and len(keys) == 1:
            return ChartSpec(kind="pie", x=keys[0], y=y)
        return ChartSpec(kind="bar", x=keys[0], y=y)
    return None
