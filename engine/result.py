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
import sys
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    import pandas as pd
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
    """The answer of an analysis or a question.

    The table is given either as a pandas DataFrame (``Result(table=df, ...)``, what analyses do) or as
    the rows DuckDB returned (``Result(records=rows, columns=[...])``, what questions and SQL do, so a
    cold ``crmlens ask`` never imports pandas). ``result.table`` is always a DataFrame, built on first
    use; ``result.row_tuples()`` and ``result.rows()`` work on either without pandas.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    title: str
    frame: Any = Field(default=None, alias="table", exclude=True, description="A pandas DataFrame, or None.")
    records: list[tuple[Any, ...]] | None = Field(default=None, exclude=True)
    columns: list[Column] = Field(default_factory=list)
    sql: list[str] = Field(default_factory=list)
    chart: ChartSpec | None = None
    summary: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    elapsed_ms: float = 0.0

    @model_validator(mode="after")
    def _fill_columns(self) -> Result:
        if self.frame is not None:
            names = [str(c) for c in self.frame.columns]
            if [c.name for c in self.columns] != names:
                by_name = {c.name: c for c in self.columns}
                types = getattr(self.frame, "attrs", {}).get("duckdb_types", {})
                self.columns = [
                    by_name.get(str(name)) or Column(name=str(name), type=types.get(str(name)) or _pandas_type(dtype))
                    for name, dtype in self.frame.dtypes.items()
                ]
        elif self.records is None:
            self.records = []
        if self.chart is not None:
            names_ = {c.name for c in self.columns}
            missing = [c for c in [self.chart.x, *self.chart.y, self.chart.series] if c and c not in names_]
            if missing and names_:
                raise ValueError(f"chart refers to columns not in the table: {missing}")
        return self

    @property
    def table(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (DECIMAL as float, DATE/TIMESTAMP as datetime64, like DuckDB's ``df()``)."""
        if self.frame is None:
            import pandas as pd

            frame = pd.DataFrame.from_records(self.records or [], columns=[c.name for c in self.columns])
            for c in self.columns:
                t = c.type.upper()
                if t.startswith("DECIMAL") or t in ("HUGEINT", "UHUGEINT"):
                    frame[c.name] = pd.to_numeric(frame[c.name], errors="coerce").astype("float64")
                elif t == "DATE" or t.startswith("TIMESTAMP"):
                    frame[c.name] = pd.to_datetime(frame[c.name])
            frame.attrs["duckdb_types"] = {c.name: c.type for c in self.columns}
            self.frame = frame
        return self.frame  # type: ignore[no-any-return]

    @property
    def arrow(self) -> pa.Table:
        """The table as a pyarrow Table."""
        import pyarrow as pa

        return pa.Table.from_pandas(self.table, preserve_index=False)

    @property
    def row_count(self) -> int:
        return len(self.records) if self.frame is None and self.records is not None else len(self.table)

    def row_tuples(self) -> list[tuple[Any, ...]]:
        """The rows as tuples, in column order (no pandas needed when the rows came from DuckDB)."""
        if self.frame is None:
            return list(self.records or [])
        return list(self.frame.itertuples(index=False, name=None))

    def rows(self) -> list[list[Any]]:
        """Rows as JSON-ready lists: dates as ISO strings, decimals as numbers, NaN/NaT as null."""
        is_date = [c.type == "DATE" for c in self.columns]
        return [
            [_date_value(v) if date_col else json_value(v) for v, date_col in zip(row, is_date, strict=False)]
            for row in self.row_tuples()
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


def is_missing(value: Any) -> bool:
    """NaN, NaT or NA (pandas' missing values are only possible once pandas has been imported)."""
    if isinstance(value, float):
        return math.isnan(value)
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NaT or value is pd.NA)


def _date_value(value: Any) -> Any:
    """A DATE value: pandas gives timestamps at midnight, DuckDB rows give dates; write YYYY-MM-DD."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
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
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # pandas Timestamps are datetimes
    if isinstance(value, dt.timedelta):
        return value.total_seconds()  # pandas Timedeltas are timedeltas
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    if hasattr(value, "tolist"):  # numpy arrays
        return json_value(value.tolist())
    return str(value)
