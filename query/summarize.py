"""A short summary in words of what an answer table shows: the leader and its share, the change
over a series, the single figure — in the question's language. Works on the (small) answer rows."""

from __future__ import annotations

import math
from typing import Any

from crmlens.engine.formatting import format_value
from crmlens.query.compiler import OutputColumn


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def summarize(
    records: list[tuple[Any, ...]], columns: list[OutputColumn], *, language: str, grain: str | None
) -> str:
    """``records`` are the answer's rows in the order of ``columns``."""
    zh = language == "zh"
    names = [c.name for c in columns]
    rows: list[dict[str, Any]] = [dict(zip(names, r, strict=True)) for r in records]
    if not rows:
        return "没有符合条件的数据。" if zh else "No data matches the question."
    metrics = [c for c in columns if c.role == "metric"]
    keys = [c for c in columns if c.role == "dimension"]
    time = next((c for c in columns if c.role == "time"), None)
    if not metrics:
        return f"共 {len(rows):,} 行。" if zh else f"{len(rows):,} row{'s' if len(rows) != 1 else ''}."
    m = metrics[0]
    title = m.label(language)

    def fmt(row: dict[str, Any]) -> str:
        return format_value(row[m.name], m.format)

    valued = [(r, v) for r in rows if (v := _num(r[m.name])) is not None]
    if not keys and not time:
        growth = _num(rows[0].get(f"{m.name}_growth"))
        extra = ""
        if growth is not None:
            extra = f"，较上期 {growth:+.1%}" if zh else f", {growth:+.1%} against the previous period"
        return f"{title}：{fmt(rows[0])}{extra}。" if zh else f"{title}: {fmt(rows[0])}{extra}."
    if time is not None and not keys and len(valued) >= 2:
        (first, v_first), (last, v_last) = valued[0], valued[-1]
        change = ""
        if v_first:
            ratio = v_last / v_first - 1
            change = f"（{ratio:+.1%}）" if zh else f" ({ratio:+.1%})"
        when = {id(r): format_value(r[time.name], "date") for r, _ in valued}
        if grain:
            peak, _ = max(valued, key=lambda rv: rv[1])
            if zh:
                return (f"{title}从 {when[id(first)]} 的 {fmt(first)} 变为 {when[id(last)]} 的 {fmt(last)}{change}；"
                        f"最高在 {when[id(peak)]}（{fmt(peak)}）。")
            return (f"{title} went from {fmt(first)} ({when[id(first)]}) to {fmt(last)} ({when[id(last)]}){change}; "
                    f"the peak was {when[id(peak)]} ({fmt(peak)}).")
        parts = [f"{when[id(r)]}: {fmt(r)}" for r, _ in valued]
        if zh:
            return f"{title}：" + "；".join(parts) + f"{change}。"
        return f"{title}: " + "; ".join(parts) + f"{change}."
    if keys and valued:
        key = keys[0]
        label = next((c.name for c in columns if c.name == f"{key.name}_name"), key.name)
        top, v_top = max(valued, key=lambda rv: rv[1])
        low, _ = min(valued, key=lambda rv: rv[1])
        if len(rows) == 1:
            return f"{top[label]}：{fmt(top)}。" if zh else f"{top[label]}: {fmt(top)}."
        share = ""
        total = sum(v for _, v in valued)
        if m.additive and total:
            share = f"，占 {v_top / total:.1%}" if zh else f", {v_top / total:.1%} of the total shown"
        if zh:
            return (f"{title}最高的是 {top[label]}（{fmt(top)}{share}），最低的是 {low[label]}（{fmt(low)}）；"
                    f"共 {len(rows)} 组。")
        name = title if title.isupper() else title[:1].lower() + title[1:]
        return (f"{top[label]} has the highest {name} ({fmt(top)}{share}); the lowest is {low[label]} "
                f"({fmt(low)}); {len(rows)} groups.")
    return f"共 {len(rows):,} 行。" if zh else f"{len(rows):,} rows."
