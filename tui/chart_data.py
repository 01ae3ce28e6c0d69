"""From a Result and its ChartSpec to the numbers a terminal chart draws (no Textual here).

Line and area charts keep the answer's order of x; a ``series`` column becomes one line per value
(the largest few); bar charts keep at most ``MAX_BARS`` bars; pie charts are drawn as bars of their
shares; scatter plots keep at most ``MAX_POINTS`` points, evenly spaced through the table. Heatmaps
are left to the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

    from crmlens.engine.result import Column, Result

MAX_BARS = 20
MAX_SERIES = 6
MAX_POINTS = 2000
DrawKind = Literal["line", "area", "bar", "scatter", "funnel"]


@dataclass
class Series:
    name: str
    values: list[float | None]


@dataclass
class ChartData:
    kind: DrawKind
    labels: list[str]  # x labels (categories, dates, steps); empty for scatter
    series: list[Series]
    x_values: list[float] = field(default_factory=list)  # scatter only
    x_title: str = ""
    y_title: str = ""
    y_format: str | None = None
    note: str = ""  # what was left out, e.g. "the first 20 of 54 bars"


def number(value: Any) -> float | None:
    """A cell as a float for plotting, None when missing or not a number."""
    if value is None or isinstance(value, bool | str):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) or math.isinf(out) else out


def compact(value: float, fmt: str | None = None) -> str:
    """A short axis label: 25,771,696 -> '25.8M', 0.253 as percent -> '25%', 1234.5 -> '1.2k'."""
    if fmt == "percent":
        return f"{value:.0%}" if abs(value) >= 0.1 or value == 0 else f"{value:.1%}"
    magnitude = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    if magnitude == 0 or magnitude >= 10 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2g}" if magnitude < 1 else f"{value:.1f}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return []
    if high == low:
        return [low]
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        if value >= low - step * 1e-9:
            ticks.append(round(value, 10))
        value += step
    return ticks


def prepare_chart(result: Result) -> ChartData | None:
    """What to draw for ``result.chart`` (None when there is no chart, nothing to plot, or a heatmap)."""
    spec = result.chart
    if spec is None or result.table.empty:
        return None
    columns = {c.name: c for c in result.columns}
    df = result.table
    ys = [y for y in spec.y if y in df.columns]
    if spec.x not in df.columns or not ys:
        return None
    y_format = columns[ys[0]].format
    base = {"x_title": spec.x, "y_title": ys[0] if len(ys) == 1 else "", "y_format": y_format}
    if spec.kind == "scatter":
        return _scatter(df, spec.x, ys[0], base)
    if spec.kind == "heatmap":
        return None
    labels_all = [_label(v, columns[spec.x]) for v in df[spec.x]]
    if spec.series and spec.series in df.columns and spec.series != spec.x:
        return _pivot(df, spec.kind, spec.x, ys[0], spec.series, columns, base)
    kind: DrawKind = "bar" if spec.kind == "pie" else spec.kind
    series = [Series(y, [number(v) for v in df[y]]) for y in ys[:MAX_SERIES]]
    note = ""
    if kind == "bar" and len(labels_all) > MAX_BARS:
        note = f"the first {MAX_BARS} of {len(labels_all):,} bars"
        labels_all = labels_all[:MAX_BARS]
        series = [Series(s.name, s.values[:MAX_BARS]) for s in series]
    if spec.kind == "pie":
        total = sum(v for v in series[0].values if v is not None)
        if total:
            series = [Series(f"share of {ys[0]}", [None if v is None else v / total for v in series[0].values])]
            base["y_format"] = "percent"
    if all(v is None for s in series for v in s.values):
        return None
    return ChartData(kind=kind, labels=labels_all, series=series, note=note, **base)  # type: ignore[arg-type]


def _label(value: Any, column: Column) -> str:
    from crmlens.engine.formatting import format_value

    text = format_value(value, column.format, column.type).replace("\n", " ")
    return text or "(none)"


def _scatter(df: pd.DataFrame, x: str, y: str, base: dict[str, Any]) -> ChartData | None:
    points = [(number(a), number(b)) for a, b in zip(df[x], df[y], strict=True)]
    kept: list[tuple[float, float]] = [(a, b) for a, b in points if a is not None and b is not None]
    if not kept:
        return None
    note = ""
    if len(kept) > MAX_POINTS:
        step = len(kept) / MAX_POINTS
        kept = [kept[int(i * step)] for i in range(MAX_POINTS)]
        note = f"{MAX_POINTS:,} of {len(points):,} points"
    return ChartData(
        kind="scatter",
        labels=[],
        series=[Series(y, [b for _, b in kept])],
        x_values=[a for a, _ in kept],
        note=note,
        **base,
    )


def _pivot(
    df: pd.DataFrame, kind: str, x: str, y: str, series: str, columns: dict[str, Column], base: dict[str, Any]
) -> ChartData | None:
    """One series per value of ``series`` (the largest ``MAX_SERIES`` by total), aligned on x."""
    labels: list[str] = []
    index: dict[str, int] = {}
    for value in df[x]:
        label = _label(value, columns[x])
        if label not in index:
            index[label] = len(labels)
            labels.append(label)
    by_series: dict[str, list[float | None]] = {}
    totals: dict[str, float] = {}
    for xv, sv, yv in zip(df[x], df[series], df[y], strict=True):
        name = _label(sv, columns[series])
        values = by_series.setdefault(name, [None] * len(labels))
        v = number(yv)
        pos = index[_label(xv, columns[x])]
        if v is not None:
            values[pos] = (values[pos] or 0.0) + v
            totals[name] = totals.get(name, 0.0) + abs(v)
    ranked = sorted(by_series, key=lambda n: -totals.get(n, 0.0))
    note = f"the {MAX_SERIES} largest of {len(ranked)} {series} values" if len(ranked) > MAX_SERIES else ""
    draw: DrawKind = "bar" if kind in ("bar", "pie") else ("area" if kind == "area" else "line")
    chosen = ranked[:MAX_SERIES]
    if draw == "bar" and len(labels) > MAX_BARS:
        note = "; ".join(filter(None, [note, f"the first {MAX_BARS} of {len(labels):,} groups"]))
        labels = labels[:MAX_BARS]
        by_series = {n: v[:MAX_BARS] for n, v in by_series.items()}
    if not chosen:
        return None
    return ChartData(kind=draw, labels=labels, series=[Series(n, by_series[n]) for n in chosen], note=note, **base)
