"""A terminal chart of an answer (line, area, bar, scatter) drawn with plotext, in the app's colours.

Axis ticks are chosen here, not by plotext: a handful of x labels spread over the width and round
y values written compactly (``25.8M``, ``40%``), so the chart stays readable at 80×24.
"""

from __future__ import annotations

from typing import Any, Literal

from rich.text import Text
from textual_plotext import PlotextPlot

from crmlens.tui.chart_data import ChartData, compact, nice_ticks

LABEL_WIDTH = 14  # longest category label drawn beside a horizontal bar


def short_label(text: str, width: int = LABEL_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def spread(count: int, wanted: int) -> list[int]:
    """``wanted`` positions spread evenly over ``count`` items, first and last included."""
    if count <= wanted:
        return list(range(count))
    if wanted <= 1:
        return [0]
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def date_label(text: str) -> str:
    """'2023-01-01' -> '2023-01' when the day is the first (monthly data reads better that way)."""
    return text[:7] if len(text) == 10 and text[4] == "-" and text.endswith("-01") else text


class ResultChart(PlotextPlot):
    """Draws one :class:`ChartData` (not funnels: see FunnelChart)."""

    def __init__(self, data: ChartData, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data = data
        self._drawn_width = -1

    def on_resize(self) -> None:
        # x labels depend on the width: redraw when it changes
        if self.size.width != self._drawn_width:
            self._draw()

    @property
    def horizontal(self) -> bool:
        """Bars lie down when there are many or their labels are long."""
        labels = self.data.labels
        return self.data.kind == "bar" and (len(labels) > 6 or max((len(lbl) for lbl in labels), default=0) > 8)

    def on_mount(self) -> None:
        if self.horizontal:  # one line per bar (per group of bars), plus the axis
            groups = len(self.data.labels) * (len(self.data.series) if len(self.data.series) > 1 else 1)
            self.styles.height = min(groups + 3, 30)
        self._draw()

    def render(self) -> Text:
        try:
            return super().render()  # type: ignore[return-value]
        except Exception as exc:  # plotext could not draw this data: say so instead of failing the app
            return Text(f"(the chart could not be drawn: {type(exc).__name__}: {exc})", style="dim")

    def _draw(self) -> None:
        self._drawn_width = self.size.width
        plt = self.plt
        plt.clear_figure()
        data = self.data
        values = [v for s in data.series for v in s.values if v is not None]
        if not values:
            return
        multiple = len(data.series) > 1
        if data.kind == "scatter":
            plt.scatter(data.x_values, data.series[0].values, marker="dot")
            self._x_numeric_ticks(data.x_values)
            self._y_ticks(values, data.y_format, include_zero=False)
        elif data.kind in ("line", "area"):
            xs = list(range(len(data.labels)))
            for s in data.series:
                points = [(x, v) for x, v in zip(xs, s.values, strict=True) if v is not None]
                kwargs: dict[str, Any] = {"marker": "braille", "fillx": data.kind == "area"}
                if multiple:
                    kwargs["label"] = short_label(s.name, 18)
                plt.plot([p[0] for p in points], [p[1] for p in points], **kwargs)
            width = max(self.size.width, 20)
            longest = max((len(date_label(lbl)) for lbl in data.labels), default=4)
            positions = spread(len(xs), max(2, min(8, width // (longest + 4))))
            plt.xticks([float(p) for p in positions], [date_label(data.labels[i]) for i in positions])
            self._y_ticks(values, data.y_format, include_zero=data.kind == "area")
        else:  # bar
            labels = [short_label(lbl) for lbl in data.labels]
            horizontal = self.horizontal
            orientation: Literal["horizontal", "vertical"] = "horizontal" if horizontal else "vertical"
            series = [[v or 0.0 for v in s.values] for s in data.series]
            if horizontal:  # plotext stacks horizontal bars bottom-up: reverse, so the first row is on top
                labels = labels[::-1]
                series = [values[::-1] for values in series]
            if multiple:  # plotext takes `labels` here (its type stub says `label`)
                plt.multiple_bar(
                    labels,
                    series,
                    labels=[short_label(s.name, 18) for s in data.series],  # type: ignore[call-arg]
                    orientation=orientation,
                )
            else:
                plt.bar(labels, series[0], orientation=orientation, width=0.6 if not horizontal else 1.0)
            low, high = min(0.0, min(values)), max(0.0, max(values))
            ticks = nice_ticks(low, high, 4 if horizontal else 5)
            tick_labels = [compact(t, data.y_format) for t in ticks]
            if horizontal:
                plt.xticks(ticks, tick_labels)
            else:
                plt.yticks(ticks, tick_labels)
        self.refresh()

    def _y_ticks(self, values: list[float], fmt: str | None, *, include_zero: bool) -> None:
        low, high = min(values), max(values)
        if include_zero:
            low = min(0.0, low)
        ticks = nice_ticks(low, high, 5)
        self.plt.yticks(ticks, [compact(t, fmt) for t in ticks])

    def _x_numeric_ticks(self, xs: list[float]) -> None:
        ticks = nice_ticks(min(xs), max(xs), 6)
        self.plt.xticks(ticks, [compact(t) for t in ticks])
