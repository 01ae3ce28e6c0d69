""" "Why" questions: which dimension values drove the change of a metric between two periods.

"why did revenue drop in March?", "what drove the increase in new customers last quarter",
"为什么三月销售额下降". The period is compared with the one before (or with the same period a year
earlier when asked: "year over year", "同比", "vs last year"); the change is decomposed over every
dimension the metric can be broken down by, in one SQL scan (GROUPING SETS), and the values are ranked
by their contribution. Additive metrics: a value's contribution is its own change. Ratio metrics
(average order value, conversion rate) are split into a mix effect (the value's weight changed) and a
rate effect (its own ratio changed), which add up exactly to the overall change.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmlens.engine.errors import NotUnderstoodError, UsageError
from crmlens.engine.result import ChartSpec, Column
from crmlens.query.catalog import Catalog
from crmlens.query.compiler import Compiler, shift_period
from crmlens.query.interpretation import Filter, Interpretation, Period

if TYPE_CHECKING:
    from crmlens.engine.core import Engine
    from crmlens.engine.semantic import Metric
    from crmlens.query.answer import Answer

WHY = re.compile(
    r"^\s*(?:why|how come|what (?:drove|drives|caused|causes|explains|is behind|was behind|happened to)|"
    r"explain)\b|为什么|为何|什么原因|是什么导致|原因是什么|怎么回事|归因",
    re.IGNORECASE,
)
_YEAR_AGO = re.compile(
    r"year over year|yoy|vs\.? last year|compared (?:to|with) last year|a year (?:ago|earlier)|"
    r"同比|去年同期|和去年比",
    re.IGNORECASE,
)
#: Dimensions tried, when the metric can reach them and the data holds them (not ids or names).
CANDIDATES = (
    "region",
    "country",
    "city",
    "order_channel",
    "acquisition_channel",
    "customer_type",
    "gender",
    "age_group",
    "category",
    "brand",
    "device",
    "event_source",
    "feedback_channel",
    "review_source",
    "ticket_category",
    "ticket_priority",
    "campaign_channel",
    "variant",
    "owner",
    "stage",
)


@dataclass
class Driver:
    dimension: str
    value: Any
    base: float
    current: float
    contribution: float  # in the metric's units; the contributions of one dimension add up to the change
    mix: float | None = None
    rate: float | None = None
    excess: float = 0.0  # contribution beyond the value's share of the base: what makes it a driver


def is_why(question: str) -> bool:
    return WHY.search(question) is not None


def answer_why(engine: Engine, question: str) -> Answer:
    from crmlens.query.answer import Answer, parser_for

    started = time.perf_counter()
    parser = parser_for(engine)
    catalog = Catalog.for_engine(engine)
    rest = WHY.sub(" ", question)
    frag = parser.parse_fragment(rest)
    zh = frag.language == "zh"
    if not frag.metrics:
        raise NotUnderstoodError(
            "为什么问题需要一个指标，例如「为什么三月销售额下降」。"
            if zh
            else "A why-question needs a measure, e.g. 'why did revenue drop in March?'.",
            suggestions=["why did revenue drop in March?", "为什么上个月订单数下降"],
        )
    metric = catalog.metric(frag.metrics[0])
    current, base = _periods(frag, rest, catalog.as_of)
    parts = _components(metric, catalog)
    dims = [
        catalog.dimensions[d]
        for d in CANDIDATES
        if d in catalog.dimensions
        and catalog.loaded(catalog.dimensions[d].table)
        and catalog.graph.path(str(parts[0].table), catalog.dimensions[d].table) is not None
        and d not in {f.dimension for f in frag.filters}
    ]
    if not dims:
        raise UsageError(f"{metric.title} has no dimension to decompose its change over.")
    compiler = Compiler(catalog)
    select = compiler.breakdown_sets(parts, dims, [base, current], frag.filters)
    sql = select.sql(dialect="duckdb", pretty=True)
    rows = engine.con.execute(sql).fetchall()
    totals, drivers = _decompose(metric, parts, dims, rows, base.text(), current.text())
    if not drivers:
        raise UsageError(f"No data for {metric.title} in {base.text()} or {current.text()}.")
    sqls = [sql]
    top = drivers[0]
    detail = ""
    other_dims = [d for d in dims if d.name != top.dimension]
    if other_dims and top.value is not None:
        flt = [*frag.filters, Filter(dimension=top.dimension, values=[top.value])]
        second = compiler.breakdown_sets(parts, other_dims, [base, current], flt)
        second_sql = second.sql(dialect="duckdb", pretty=True)
        sqls.append(second_sql)
        _, inner = _decompose(
            metric, parts, other_dims, engine.con.execute(second_sql).fetchall(), base.text(), current.text()
        )
        if inner:
            d2 = catalog.dimensions[inner[0].dimension]
            detail = (
                f"（主要是{d2.title_zh or d2.title} {inner[0].value}）"
                if zh
                else f" (mostly {d2.title.lower()} {inner[0].value})"
            )
    base_total, cur_total = totals
    change = cur_total - base_total
    pct = change / base_total if base_total else None
    lines = []
    for d in [d for d in drivers if d.value is not None][:3]:
        dim = catalog.dimensions[d.dimension]
        pts = d.contribution / base_total * 100 if base_total and metric.additive else None
        amount = f"{pts:+.1f} pts" if pts is not None else _fmt(d.contribution, metric)
        name = dim.title_zh or dim.title if zh else dim.title.lower()
        lines.append(f"{name} {d.value} {amount}")
    direction = ("上升" if change > 0 else "下降") if zh else ("rose" if change > 0 else "fell")
    pct_text = f"{abs(pct):.1%}" if pct is not None else ""
    if zh:
        summary = (
            f"{metric.title_zh or metric.title}{direction} {pct_text}（{_fmt(base_total, metric)} → "
            f"{_fmt(cur_total, metric)}，{current.text()} 对比 {base.text()}）。主要因素："
            + "；".join(lines[:1])
            + detail
            + ("；" + "；".join(lines[1:]) if lines[1:] else "")
            + "。"
        )
    else:
        summary = (
            f"{metric.title} {direction} {pct_text} ({_fmt(base_total, metric)} → {_fmt(cur_total, metric)}, "
            f"{current.text()} vs {base.text()}). Top drivers: "
            + lines[0]
            + detail
            + ("; " + "; ".join(lines[1:]) if lines[1:] else "")
            + "."
        )
    ratio = metric.numerator is not None and len(parts) == 2
    records = []
    for d in drivers[:30]:
        share = d.contribution / change if change else None
        label = "(none)" if d.value is None else str(d.value)
        row: list[Any] = [d.dimension, label, d.base, d.current, d.current - d.base, d.contribution, share]
        if ratio:
            row += [d.mix, d.rate]
        records.append(tuple(row))
    columns = [
        Column(name="dimension", type="VARCHAR"),
        Column(name="value", type="VARCHAR"),
        Column(name="base", type="DOUBLE", format=metric.format),
        Column(name="current", type="DOUBLE", format=metric.format),
        Column(name="change", type="DOUBLE", format=metric.format),
        Column(name="contribution", type="DOUBLE", format=metric.format),
        Column(name="share_of_change", type="DOUBLE", format="percent"),
    ]
    if ratio:
        columns += [
            Column(name="mix_effect", type="DOUBLE", format=metric.format),
            Column(name="rate_effect", type="DOUBLE", format=metric.format),
        ]
    it = Interpretation(
        kind="why",
        language=frag.language,
        metrics=[metric.name],
        compare=[base, current],
        filters=frag.filters,
        notes=list(frag.notes),
        ignored=list(frag.ignored),
    )
    explanation = (
        f"{metric.title_zh or metric.title}在 {current.text()} 对比 {base.text()} 的变化，按"
        f"{len(dims)} 个维度分解，按贡献排序。"
        if zh
        else f"Change of {metric.title} ({metric.description}) in {current.text()} against {base.text()}, "
        f"decomposed over {len(dims)} dimensions, drivers ranked by contribution."
    )
    return Answer(
        title=f"为什么{metric.title_zh or metric.title}{direction}"
        if zh
        else f"Why {metric.title.lower()} {direction}",
        records=records,
        columns=columns,
        sql=sqls,
        chart=ChartSpec(kind="bar", x="value", y=["contribution"], series="dimension"),
        summary=summary,
        details={
            "base_period": base.text(),
            "current_period": current.text(),
            "base_total": base_total,
            "current_total": cur_total,
            "change": change,
            "change_pct": pct,
            "dimensions": [d.name for d in dims],
        },
        elapsed_ms=(time.perf_counter() - started) * 1000,
        question=question,
        interpretation=it,
        explanation=explanation,
    )


def _periods(frag: Interpretation, text: str, as_of: dt.date) -> tuple[Period, Period]:
    if len(frag.compare) >= 2:
        return frag.compare[-1], frag.compare[0]
    current = frag.period
    if current is None:
        end = as_of.replace(day=1) - dt.timedelta(days=1)
        current = Period(start=end.replace(day=1), end=end, label=end.strftime("%Y-%m"))
    year_ago = frag.growth == "previous_year" or _YEAR_AGO.search(text) is not None
    return current, shift_period(current, "previous_year" if year_ago else "previous_period")


def _components(metric: Metric, catalog: Catalog) -> list[Metric]:
    """The metric itself when additive; its numerator and denominator when it is a ratio of two metrics
    of one table; refused otherwise (a formula across tables has no single breakdown)."""
    if metric.numerator and metric.denominator:
        num, den = catalog.metrics.get(metric.numerator), catalog.metrics.get(metric.denominator)
        if num and den and num.table and num.table == den.table and num.time_column == den.time_column:
            return [num, den]
    if metric.expression is None:
        raise UsageError(f"{metric.title} is a formula over other metrics; ask why about one of them instead.")
    return [metric]


def _decompose(
    metric: Metric, parts: list[Metric], dims: list[Any], rows: list[tuple[Any, ...]], base_label: str, cur_label: str
) -> tuple[tuple[float, float], list[Driver]]:
    """Totals (base, current) and the drivers, strongest first in the direction of the change."""
    n = len(dims)
    # row: dim values..., period, part values..., _set
    cells: dict[tuple[str, Any], dict[str, list[float]]] = {}
    totals: dict[str, list[float]] = {}
    for row in rows:
        period, values, which = row[n], [float(v or 0) for v in row[n + 1 : n + 1 + len(parts)]], row[-1]
        key = "base" if period == base_label else "current" if period == cur_label else None
        if key is None:
            continue
        if which == "":
            totals[key] = values
            continue
        value = row[[d.name for d in dims].index(which)]
        cells.setdefault((which, value), {})[key] = values
    zero = [0.0] * len(parts)
    t0, t1 = totals.get("base", zero), totals.get("current", zero)
    ratio = len(parts) == 2
    if ratio:
        base_total = t0[0] / t0[1] if t0[1] else 0.0
        cur_total = t1[0] / t1[1] if t1[1] else 0.0
    else:
        base_total, cur_total = t0[0], t1[0]
    change = cur_total - base_total
    drivers = []
    for (dim, value), got in cells.items():
        b, c = got.get("base", zero), got.get("current", zero)
        if ratio:
            w0 = b[1] / t0[1] if t0[1] else 0.0
            w1 = c[1] / t1[1] if t1[1] else 0.0
            r0 = b[0] / b[1] if b[1] else 0.0
            r1 = c[0] / c[1] if c[1] else 0.0
            mix, rate = (w1 - w0) * r0, w1 * (r1 - r0)
            drivers.append(Driver(dim, value, r0, r1, mix + rate, mix, rate, excess=mix + rate))
        else:
            # A value that merely moved with the whole (China in a mostly-Chinese business) explains
            # nothing: rank by what it changed beyond its share of the base.
            expected = (b[0] / t0[0] * change) if t0[0] else 0.0
            drivers.append(Driver(dim, value, b[0], c[0], c[0] - b[0], excess=(c[0] - b[0]) - expected))
    sign = -1.0 if change < 0 else 1.0
    drivers.sort(key=lambda d: (d.value is None, -(sign * d.excess), str(d.dimension), str(d.value)))
    return (base_total, cur_total), drivers


def _fmt(value: float, metric: Metric) -> str:
    from crmlens.engine.formatting import format_value

    return format_value(value, metric.format)
