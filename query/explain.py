"""The one-line explanation of how a question was understood, in the question's language.

"Revenue (sum of completed order amounts) by region, 2025-07-01 → 2025-09-30, highest first."
"销售额（已完成订单金额之和），按地区，2025-07-01 → 2025-09-30，从高到低。"
Guessed and ignored parts are always said.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crmlens.query.catalog import Catalog
from crmlens.query.interpretation import Filter, Interpretation, Period

_GRAIN_EN = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
_GRAIN_ZH = {"day": "按天", "week": "按周", "month": "按月", "quarter": "按季度", "year": "按年"}
_OPS_EN = {
    "=": "is",
    "!=": "is not",
    "in": "is",
    "not in": "is not",
    ">": ">",
    ">=": "≥",
    "<": "<",
    "<=": "≤",
    "between": "between",
    "contains": "contains",
}
_OPS_ZH = {
    "=": "为",
    "!=": "不为",
    "in": "为",
    "not in": "不为",
    ">": ">",
    ">=": "≥",
    "<": "<",
    "<=": "≤",
    "between": "介于",
    "contains": "包含",
}


def period_text(period: Period, zh: bool) -> str:
    """The period for people; an open start ("before 2025") reads "until ..."."""
    if period.start == dt.date.min:
        return f"截至 {period.end.isoformat()}" if zh else f"until {period.end.isoformat()}"
    return period.text()


def _values(values: list[Any], zh: bool) -> str:
    text = [str(v) for v in values]
    return ("、" if zh else " or ").join(text)


def _filter_text(f: Filter, catalog: Catalog, zh: bool) -> str:
    d = catalog.dimensions.get(f.dimension)
    name = (d.title_zh or d.title) if (d and zh) else (d.title.lower() if d else f.dimension)
    ops = _OPS_ZH if zh else _OPS_EN
    return f"{name}{ops[f.op]}{_values(f.values, zh)}" if zh else f"{name} {ops[f.op]} {_values(f.values, zh)}"


def explain(it: Interpretation, catalog: Catalog, notes: list[str] | None = None) -> str:
    zh = it.language == "zh"
    notes = [*it.notes, *(notes or [])]
    parts: list[str] = []
    if it.kind == "sql":
        parts.append("直接运行只读 SQL 查询" if zh else "Ran the SQL query as given (checked read-only)")
    elif it.kind == "analysis":
        a = catalog.analyses.get(it.analysis or "")
        title = a.title if a else it.analysis
        params = ", ".join(f"{k}={_param(v)}" for k, v in it.params.items())
        if zh:
            parts.append(f"运行分析「{title}」（{it.analysis}）" + (f"，参数 {params}" if params else "，默认参数"))
        else:
            parts.append(f"Ran {title} ({it.analysis})" + (f" with {params}" if params else " with default settings"))
    elif it.kind == "list":
        entity_zh = {"customers": "客户", "products": "商品", "orders": "订单"}[str(it.entity)]
        if zh:
            head = f"{'统计' if it.count_only else '列出'}{entity_zh}"
        else:
            head = f"{'Number of ' if it.count_only else ''}{it.entity}" if it.count_only else f"List of {it.entity}"
        conds = [_filter_text(f, catalog, zh) for f in it.filters]
        for c in it.conditions:
            m = catalog.metrics.get(c.metric)
            mname = (m.title_zh or m.title) if (m and zh) else (m.title.lower() if m else c.metric)
            conds.append(f"{mname} {c.op} {c.value:g}")
        if conds:
            head += ("，条件：" if zh else " where ") + ("，".join(conds) if zh else " and ".join(conds))
        parts.append(head)
        if it.period:
            parts.append(period_text(it.period, zh))
    else:
        metric_parts = []
        for name in it.metrics:
            m = catalog.metrics[name]
            if zh:
                metric_parts.append(f"{m.title_zh or m.title}（{m.description_zh or m.description}）")
            else:
                metric_parts.append(f"{m.title} ({m.description})")
        parts.append(("和" if zh else " and ").join(metric_parts))
        if it.dimensions:
            dims = [catalog.dimensions[d] for d in it.dimensions]
            parts.append(
                "按" + "、".join(d.title_zh or d.title for d in dims)
                if zh
                else "by " + " and ".join(d.title.lower() for d in dims)
            )
        if it.grain:
            parts.append(_GRAIN_ZH[it.grain] if zh else f"by {_GRAIN_EN[it.grain]}")
        if it.compare:
            parts.append(("对比 " if zh else "") + " vs ".join(p.text() for p in it.compare))
        elif it.period:
            parts.append(period_text(it.period, zh))
        else:
            parts.append("全部时间" if zh else "all time")
        if it.growth:
            if zh:
                parts.append("同比" if it.growth == "previous_year" else "环比")
            else:
                parts.append(
                    "compared with a year earlier"
                    if it.growth == "previous_year"
                    else "compared with the previous period"
                )
        if it.share:
            parts.append("含占比" if zh else "with shares of the total")
        for f in it.filters:
            parts.append(("筛选 " if zh else "where ") + _filter_text(f, catalog, zh))
        if it.order or it.limit:
            direction = "asc" if it.order == "asc" else "desc"
            if zh:
                parts.append(
                    ("从低到高" if direction == "asc" else "从高到低") + (f"，前 {it.limit}" if it.limit else "")
                )
            else:
                parts.append(
                    ("lowest first" if direction == "asc" else "highest first")
                    + (f", top {it.limit}" if it.limit else "")
                )
    for note in notes:
        parts.append(("注：" if zh else "note: ") + note)
    if it.ignored:
        words = "、".join(it.ignored) if zh else ", ".join(f"'{w}'" for w in it.ignored)
        parts.append(f"忽略了：{words}" if zh else f"ignored: {words}")
    sep = "，" if zh else ", "
    return sep.join(p for p in parts if p) + ("。" if zh else ".")


def _param(value: Any) -> str:
    if isinstance(value, list):
        return "→".join(str(v) for v in value)
    return str(value)
