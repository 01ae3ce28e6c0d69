"""What the segmentation analyses share: the period of orders they read, SQL literals, and saving a
scheme to the ``segments`` table so the query layer can group and filter by it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crmlens.engine import AnalysisContext, UsageError
from crmlens.engine.database import table_columns
from crmlens.engine.schema import ColumnSpec, TableSpec

SEGMENTS_TABLE = TableSpec(
    name="segments",
    description="Saved segmentations: one row per customer, scheme (rfm, value, lifecycle, cluster) and as-of date. "
    "Written by the segmentation plugin; a new run replaces the rows of the same scheme and as-of date.",
    columns=(
        ColumnSpec("customer_id", "VARCHAR", "Customer.", references="customers.customer_id"),
        ColumnSpec("scheme", "VARCHAR", "Segmentation scheme.", allowed=("rfm", "value", "lifecycle", "cluster")),
        ColumnSpec("segment", "VARCHAR", "Segment, tier, stage or cluster of the customer in that scheme."),
        ColumnSpec("as_of", "DATE", "Date the segmentation describes."),
    ),
    key=("customer_id", "scheme", "as_of"),
    time_column="as_of",
)

RFM_SCORES_TABLE = TableSpec(
    name="rfm_scores",
    description="Per-customer RFM values and scores of the last RFM run for each as-of date "
    "(written with the rfm scheme of `segments`).",
    columns=(
        ColumnSpec("customer_id", "VARCHAR", "Customer.", references="customers.customer_id"),
        ColumnSpec("as_of", "DATE", "Reference date of the scores."),
        ColumnSpec("recency_days", "INTEGER", "Days from the last completed order to as_of.", unit="days"),
        ColumnSpec("frequency", "BIGINT", "Completed orders in the window.", unit="orders"),
        ColumnSpec("monetary", "DECIMAL(38,2)", "Amount of the completed orders in the window.", unit="currency"),
        ColumnSpec("r_score", "INTEGER", "Recency score, 1 (longest ago) to bins (most recent)."),
        ColumnSpec("f_score", "INTEGER", "Frequency score, 1 to bins."),
        ColumnSpec("m_score", "INTEGER", "Monetary score, 1 to bins."),
        ColumnSpec("segment", "VARCHAR", "Named RFM segment."),
    ),
    key=("customer_id", "as_of"),
    time_column="as_of",
)


class OrderWindow(BaseModel):
    """Params of the order history an analysis reads: up to ``end`` (default the as-of date), from
    ``start`` or for the last ``window_days`` days (default: all history)."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date | None = Field(None, description="First order date counted (default: all history).")
    end: dt.date | None = Field(
        None, description="Reference date, the 'today' of the analysis: orders after it are ignored (default as-of)."
    )
    window_days: int | None = Field(
        None, ge=1, le=36_600, description="Count only the orders of the last N days up to end (instead of start)."
    )

    @model_validator(mode="after")
    def _one_start(self) -> OrderWindow:
        if self.start is not None and self.window_days is not None:
            raise ValueError("give start or window_days, not both")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start ({self.start}) is after end ({self.end})")
        return self


@dataclass(frozen=True)
class Window:
    start: dt.date | None
    end: dt.date

    def order_filter(self, alias: str = "") -> str:
        """SQL condition selecting the completed orders of the window."""
        p = f"{alias}." if alias else ""
        cond = f"{p}status = 'completed' AND {p}customer_id IS NOT NULL AND {p}order_date <= {date_sql(self.end)}"
        if self.start is not None:
            cond += f" AND {p}order_date >= {date_sql(self.start)}"
        return cond

    def text(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}" if self.start else f"up to {self.end.isoformat()}"


def resolve_window(ctx: AnalysisContext, params: OrderWindow) -> Window:
    end = params.end or ctx.as_of
    start = params.start
    if params.window_days is not None:
        start = end - dt.timedelta(days=params.window_days - 1)
    return Window(start=start, end=end)


def date_sql(value: dt.date) -> str:
    """A date as a SQL literal (values are validated dates, so the SQL shown to users runs as is)."""
    return f"DATE '{value.isoformat()}'"


def text_sql(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def drop_temporary(ctx: AnalysisContext, *tables: str) -> None:
    """Drop the analysis' temporary tables (not recorded: they are scaffolding); never masks an error."""
    for table in tables:
        with contextlib.suppress(duckdb.Error):
            ctx.con.execute(f"DROP TABLE IF EXISTS {table}")


def is_read_only(ctx: AnalysisContext) -> bool:
    """True when the database is open read-only (then analyses report, but do not save)."""
    row = ctx.con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row and row[0])


def save_scheme(
    ctx: AnalysisContext,
    *,
    scheme: str,
    as_of: dt.date,
    source: str,
    also: Sequence[tuple[TableSpec, str]] = (),
) -> int:
    """Replace the ``segments`` rows of ``scheme`` at ``as_of`` by the (customer_id, segment) rows of the
    table ``source``, in one transaction; ``also`` lists (table, SELECT) pairs whose rows at ``as_of`` are
    replaced the same way. Returns the customers saved, or 0 with a warning when the database is open
    read-only. Tells the engine the data changed, so the saved segments become words of questions."""
    if is_read_only(ctx):
        ctx.warn(f"The {scheme} segments were not saved: the database is open read-only (open it without --read-only).")
        return 0
    for spec in [SEGMENTS_TABLE, *(spec for spec, _ in also)]:
        ctx.execute(spec.ddl())
        have = {name for name, _ in table_columns(ctx.con, spec.name)}
        if missing := [c for c in spec.column_names if c not in have]:
            raise UsageError(
                f"Cannot save: the database has a table {spec.name} without the columns {', '.join(missing)}.",
                hint=f"Rename that table, or run with save=false. crmlens writes {spec.name}"
                f"({', '.join(spec.column_names)}).",
            )
    ctx.execute("BEGIN TRANSACTION")
    try:
        ctx.execute(f"DELETE FROM segments WHERE scheme = {text_sql(scheme)} AND as_of = {date_sql(as_of)}")
        ctx.execute(
            "INSERT INTO segments (customer_id, scheme, segment, as_of) "
            f"SELECT customer_id, {text_sql(scheme)}, segment, {date_sql(as_of)} FROM {source}"
        )
        for spec, select in also:
            ctx.execute(f"DELETE FROM {spec.name} WHERE as_of = {date_sql(as_of)}")
            ctx.execute(f"INSERT INTO {spec.name} ({', '.join(spec.column_names)}) {select}")
        ctx.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            ctx.con.execute("ROLLBACK")
        raise
    written = int(ctx.scalar(f"SELECT count(*) FROM {source}") or 0)
    ctx.data_changed()
    return written
