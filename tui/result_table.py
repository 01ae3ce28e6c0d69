"""An answer's table: formatted by metric kind, sortable by any column, loaded a page at a time.

Only the rows scrolled into view are turned into cells (``PAGE_SIZE`` at a time), so a result of
100,000 rows opens at once. Sorting reorders the whole result (in pandas), not just the rows shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from crmlens.engine.formatting import format_value
from crmlens.tui.messages import Drill

if TYPE_CHECKING:
    import pandas as pd

    from crmlens.engine.result import Column, Result

MAX_CELL = 60
_NUMERIC = ("INT", "DECIMAL", "DOUBLE", "FLOAT", "REAL", "NUMERIC")


def is_numeric(column: Column) -> bool:
    return column.format in ("money", "percent", "count", "number", "days", "score") or any(
        k in column.type.upper() for k in _NUMERIC
    )


def cell_text(value: object, column: Column) -> Text:
    """One formatted cell (never markup: data may contain brackets); numbers right-aligned."""
    text = format_value(value, column.format, column.type).replace("\n", " ")
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return Text(text, justify="right" if is_numeric(column) else "left", no_wrap=True)


def sort_positions(frame: pd.DataFrame, index: int, descending: bool) -> list[int]:
    """Row positions of ``frame`` ordered by column ``index`` (missing values last, ties kept in order)."""
    column = frame.iloc[:, index].reset_index(drop=True)
    try:
        ordered = column.sort_values(ascending=not descending, na_position="last", kind="stable")
    except TypeError:  # mixed types in one column: compare as text
        ordered = (
            column.astype(str)
            .where(column.notna())
            .sort_values(ascending=not descending, na_position="last", kind="stable")
        )
    return [int(i) for i in ordered.index]


class ResultTable(DataTable[Text]):
    """A DataTable over a Result; click a header (or press ``o`` on a column) to sort."""

    PAGE_SIZE: ClassVar[int] = 200
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "sort_column", "Sort column"),
        Binding("f", "full_screen", "Full screen"),
        Binding("d", "drill", "Drill down"),
    ]

    def __init__(self, result: Result, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, zebra_stripes=True, cursor_type="cell")
        self.result = result
        self.columns_info = list(result.columns)
        self.total = len(result.table)
        self.loaded = 0
        self.order: list[int] | None = None
        self.sort_index: int | None = None
        self.sort_descending = False

    def on_mount(self) -> None:
        self._add_columns()
        self.load_more()

    def _add_columns(self) -> None:
        for i, column in enumerate(self.columns_info):
            label = column.name
            if i == self.sort_index:
                label += " ▼" if self.sort_descending else " ▲"
            self.add_column(Text(label, justify="right" if is_numeric(column) else "left", style="bold"), key=str(i))

    def load_more(self) -> int:
        """Add the next page of rows; return how many were added."""
        start, stop = self.loaded, min(self.loaded + self.PAGE_SIZE, self.total)
        if start >= stop or len(self.columns) != len(self.columns_info):
            return 0  # nothing left, or in the middle of a re-sort (columns being rebuilt)
        frame = self.result.table
        page = frame.iloc[self.order[start:stop]] if self.order is not None else frame.iloc[start:stop]
        columns = self.columns_info
        rows = [
            [cell_text(value, column) for value, column in zip(row, columns, strict=False)]
            for row in page.itertuples(index=False, name=None)
        ]
        self.add_rows(rows)
        self.loaded = stop
        return stop - start

    # -- loading as the view moves -----------------------------------------------------------------
    def _near_end(self, row: int) -> bool:
        return self.loaded < self.total and row >= self.loaded - max(self.size.height, 10) * 2

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._near_end(int(new_value) + self.size.height):
            self.load_more()

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        if self._near_end(event.coordinate.row):
            self.load_more()

    # -- sorting -----------------------------------------------------------------------------------
    def sort_by(self, index: int, descending: bool | None = None) -> None:
        """Order all rows by column ``index`` (the same column again flips the direction)."""
        if descending is None:
            descending = not self.sort_descending if self.sort_index == index else False
        self.order = sort_positions(self.result.table, index, descending)
        self.sort_index, self.sort_descending = index, descending
        self.loaded = 0
        self.clear(columns=True)
        self._add_columns()
        self.load_more()
        self.move_cursor(row=0, column=index, scroll=True)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_index)

    def action_sort_column(self) -> None:
        if self.columns_info:
            self.sort_by(self.cursor_coordinate.column)

    def action_full_screen(self) -> None:
        if self.screen.maximized is self:
            self.screen.minimize()
        else:
            self.screen.maximize(self)

    def row_values(self, row: int) -> dict[str, Any]:
        """The values of displayed row ``row`` by column name, as plain Python values (dates as dates)."""
        position = self.order[row] if self.order is not None else row
        values = self.result.table.iloc[position]
        out: dict[str, Any] = {}
        for column in self.columns_info:
            value = values[column.name]
            if hasattr(value, "to_pydatetime"):
                value = value.to_pydatetime()
                value = value.date() if column.type == "DATE" else value
            elif hasattr(value, "item"):
                value = value.item()
            out[column.name] = None if value != value else value  # NaN -> None
        return out

    def action_drill(self) -> None:
        if not self.row_count:
            return
        row = self.cursor_coordinate.row
        values = self.row_values(row)
        label = ", ".join(
            cell.plain for cell, c in zip(self.get_row_at(row), self.columns_info, strict=False) if not is_numeric(c)
        )
        self.post_message(Drill(self.result, values, label or f"row {row + 1}"))

    def visible_rows(self) -> list[list[str]]:
        """The loaded rows as plain text (what the analyst sees), for tests and copying."""
        return [[cell.plain for cell in self.get_row_at(i)] for i in range(self.row_count)]
