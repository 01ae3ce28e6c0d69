"""What every analysis and every question returns: a :class:`Result`.

A Result carries the answer table (a pandas DataFrame, also available as Arrow), the column names
and DuckDB types, **every SQL statement that produced it**, a chart suggestion, a summary in words,
details (model parameters, metrics), warnings and the elapsed time. ``Result.to_json_dict()`` is the
JSON contract of ``crmlens ... --format json``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    import pyarrow as pa

ChartKind = Literal["bar", "line", "area", "scatter", "pie", "funnel", "heatmap"]
ValueFormat = Literal["money", "percent", "count", "number", "days", "score", "date", "text"]


class Column(BaseModel):
    """A column of a result: its name, its DuckDB type and, when known, how to format its values."""

    name: str
    type: str
    format: ValueFormat | None = None


class ChartSpec(BaseModel):
    """A chart suggestion: which kind, which column on x, which column(s) on y, and an optional series column."""

    kind: ChartKind
    x: str
    y: list[str]
    series: str | None = None
    title: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _y_as_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("y"), str):
            data = {**data, "y": [data["y"]]}
        return data


class Result(BaseModel):
    """The answer of an analysis or a question."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    title: str
    table: pd.DataFrame = Field(default_factory=pd.DataFrame)
    columns: list[Column] = Field(default_factory=list)
    sql: list[str] = Field(default_factory=list)
    chart: ChartSpec | None = None
    summary: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    elapsed_ms: float = 0.0

    @model_validator(mode="after")
    def _fill_columns(self) -> Result:
        known = {c.name for c in self.columns}
        if [c.name for c in self.columns] != [str(c) for c in self.table.columns]:
            by_name = {c.name: c for c in self.columns}
            self.columns = [
                by_name[str(name)] if str(name) in known else Column(name=str(name), type=_pandas_type(dtype))
                for name, dtype in self.table.dtypes.items()
            ]
        if self.chart is not None:
            names = {c.name for c in self.columns}
            missing = [c for c in [self.chart.x, *self.chart.y, self.chart.series] if c and c not in names]
            if missing and names:
                raise ValueError(f"chart refers to columns not in the table: {missing}")
        return self

    @property
    def arrow(self) -> pa.Table:
        """The table as a pyarrow Table."""
        import pyarrow as pa

        return pa.Table.from_pandas(self.table, preserve_index=False)

    @property
    def row_count(self) -> int:
        return len(self.table)

    def rows(self) -> list[list[Any]]:
        """Rows as JSON-ready lists: dates as ISO strings, decimals as numbers, NaN/NaT as null."""
        is_date = [c.type == "DATE" for c in self.columns]
        return [
            [_date_value(v) if date_col else json_value(v) for v, date_col in zip(row, is_date, strict=False)]
            for row in self.table.itertuples(index=False, name=None)
        ]

    def to_json_dict(self, **extra: Any) -> dict[str, Any]:
        """The JSON contract: title, question, interpretation, sql, columns, rows, chart, summary, details, warnings."""
        out: dict[str, Any] = {
            "title": self.title,
            "question": None,
            "interpretation": None,
            "sql": list(self.sql),
            "columns": [{"name": c.name, "type": c.type} for c in self.columns],
            "rows": self.rows(),
            "chart": None if self.chart is None else self.chart.model_dump(exclude_none=True),
            "summary": self.summary,
            "details": json_value(self.details),
            "warnings": list(self.warnings),
            "elapsed_ms": round(self.elapsed_ms, 3),
        }
        out.update(extra)
        return out


def _date_value(value: Any) -> Any:
    """A DATE column arrives from DuckDB as pandas timestamps at midnight: write it as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        return None if pd.isna(value) else value.date().isoformat()
    return json_value(value)


def _pandas_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE"
    if kind == "b":
        return "BOOLEAN"
    if kind == "M":
        return "TIMESTAMP"
    if kind == "m":
        return "INTERVAL"
    return "VARCHAR"


def json_value(value: Any) -> Any:
    """Convert one value (or a nested dict/list of them) to something ``json.dumps`` writes faithfully."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_value(v) for v in value]
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return None if pd.isna(value) else value.total_seconds()
    if value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    if hasattr(value, "tolist"):  # numpy arrays
        return json_value(value.tolist())
    return str(value)
