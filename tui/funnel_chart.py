"""A funnel drawn with text: one centred bar per step, its count, the share of the first step and the
conversion from the step before."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from crmlens.tui.chart_data import ChartData, compact


class FunnelChart(Widget):
    """Draws the first series of a ``funnel`` :class:`ChartData`, one line per step."""

    DEFAULT_CSS = """
    FunnelChart { height: auto; width: 1fr; }
    """

    def __init__(self, data: ChartData, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data = data

    def render(self) -> Text:
        try:
            return self._draw()
        except Exception as exc:  # odd data: say so rather than fail the app
            return Text(f"(the funnel could not be drawn: {type(exc).__name__}: {exc})", style="dim")

    def _draw(self) -> Text:
        values = self.data.series[0].values if self.data.series else []
        steps = list(zip(self.data.labels, values, strict=False))
        first = next((v for _, v in steps if v), None)
        width = max(self.size.width, 40)
        label_width = min(max((len(lbl) for lbl, _ in steps), default=4), 22)
        figures = []
        previous: float | None = None
        for _, value in steps:
            share = f"{value / first:.0%}" if value is not None and first else ""
            step = f"{value / previous:.0%}" if value is not None and previous else ""
            figures.append((compact(value) if value is not None else "–", share, step))
            previous = value
        text_width = label_width + 2 + 8 + 6 + 10
        bar_room = max(width - text_width, 10)
        top = max((v for _, v in steps if v is not None), default=0.0) or 1.0
        bar_style = self.app.current_theme.primary
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, ((label, value), (count, share, step)) in enumerate(zip(steps, figures, strict=True)):
            cells = round(bar_room * (value or 0.0) / top) if value else 0
            pad = (bar_room - cells) // 2
            shown = label if len(label) <= label_width else label[: label_width - 1] + "…"
            out.append(f"{shown:<{label_width}}  ")
            drawn = max(cells, 1 if value else 0)
            out.append(" " * pad)
            out.append("█" * drawn, style=bar_style)
            out.append(" " * max(bar_room - pad - drawn, 0))
            out.append(f" {count:>7}", style="bold")
            out.append(f" {share:>5}")
            if i:
                out.append(f"  ↓{step:>5}", style="dim")
            out.append("\n")
        out.rstrip()
        return out

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self.data.labels), 1)
