"""What a plugin contributes as an analysis, and the context an analysis runs in.

An :class:`Analysis` is a name, a title, a description, a pydantic params model, the tables and
columns it needs, and one function ``run(ctx, params) -> Result``. The engine validates the params,
checks the data is there, runs the function inside an :class:`AnalysisContext` that records every SQL
statement, and reports a failure by plugin name without taking anything else down.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crmlens.engine.errors import CrmlensError, DatabaseError
from crmlens.engine.result import Result

if TYPE_CHECKING:
    import pandas as pd

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class NoParams(BaseModel):
    """Params model of an analysis that takes none."""

    model_config = ConfigDict(extra="forbid")


class Cancelled(CrmlensError):
    """The user cancelled a running analysis (Esc in the TUI, Ctrl-C on the command line)."""


RunFunction = Callable[["AnalysisContext", Any], Result]


class Analysis(BaseModel):
    """One analysis a plugin offers.

    ``requires`` maps each table the analysis reads to the columns that must hold data, e.g.
    ``{"orders": ["customer_id", "order_date", "amount"]}``; the engine uses it for
    ``engine.capabilities()`` and refuses to run with a message naming what is missing.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str = Field(description="Namespaced name, e.g. 'segmentation.rfm'.")
    title: str
    description: str
    params: type[BaseModel] = NoParams
    requires: dict[str, list[str]] = Field(default_factory=dict)
    run: RunFunction
    examples: list[str] = Field(default_factory=list, description="Example questions or commands.")
    plugin: str | None = Field(default=None, description="Filled in by the engine: the plugin that registered it.")

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"analysis name {value!r} must be lower-case and namespaced, like 'myplugin.churn'")
        return value

    def param_help(self) -> list[dict[str, Any]]:
        """Name, type, default and description of every parameter (for --help, the TUI and docs)."""
        out = []
        for name, field in self.params.model_fields.items():
            out.append(
                {
                    "name": name,
                    "type": getattr(field.annotation, "__name__", str(field.annotation)),
                    "default": None if field.is_required() else field.default,
                    "required": field.is_required(),
                    "description": field.description or "",
                }
            )
        return out


class AnalysisContext:
    """Handed to ``Analysis.run``: run SQL (recorded), warn, report progress, honour cancellation."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        as_of: dt.date,
        analysis: str = "",
        progress: Callable[[float, str], None] | None = None,
        cancel_event: threading.Event | None = None,
        on_data_changed: Callable[[], None] | None = None,
    ) -> None:
        self.con = con
        self._on_data_changed = on_data_changed
        self.as_of = as_of
        self.analysis = analysis
        self.sql_log: list[str] = []
        self.warnings: list[str] = []
        self._progress = progress
        self._cancel = cancel_event or threading.Event()

    # -- SQL -------------------------------------------------------------------------------------
    def _run(self, sql: Any, params: list[Any] | dict[str, Any] | None) -> duckdb.DuckDBPyConnection:
        self.check_cancelled()
        text = sql if isinstance(sql, str) else sql.sql(dialect="duckdb")
        self.sql_log.append(text.strip())
        try:
            return self.con.execute(text, params or [])
        except duckdb.InterruptException as exc:
            raise Cancelled("The analysis was cancelled.") from exc
        except duckdb.Error as exc:
            raise DatabaseError(f"A statement of {self.analysis or 'the analysis'} failed in DuckDB: {exc}") from exc

    def query(self, sql: Any, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read query (SQL text or a sqlglot expression) and return a small DataFrame.

        The DuckDB type of every column is kept in ``df.attrs["duckdb_types"]`` so the Result reports it.
        Aggregate in SQL: the frame is meant to hold a result, not a fact table.
        """
        cur = self._run(sql, params)
        types = {d[0]: str(d[1]) for d in (cur.description or [])}
        df = cur.df()
        df.attrs["duckdb_types"] = types
        return df

    def scalar(self, sql: Any, params: list[Any] | dict[str, Any] | None = None) -> Any:
        """Run a query returning one value."""
        row = self._run(sql, params).fetchone()
        return None if row is None else row[0]

    def row(self, sql: Any, params: list[Any] | dict[str, Any] | None = None) -> tuple[Any, ...]:
        """Run a query returning one row (an empty tuple when it returns none)."""
        found = self._run(sql, params).fetchone()
        return tuple(found) if found is not None else ()

    def execute(self, sql: Any, params: list[Any] | dict[str, Any] | None = None) -> None:
        """Run a statement that writes (e.g. saving segments); recorded like every other statement."""
        self._run(sql, params)

    def data_changed(self) -> None:
        """Say that this analysis wrote data other questions can use (saved segments, scores), so the
        engine refreshes what it learnt from the data (e.g. segment names become recognised words)."""
        if self._on_data_changed is not None:
            self._on_data_changed()

    def table_exists(self, name: str) -> bool:
        from crmlens.engine.database import table_exists

        return table_exists(self.con, name)

    # -- feedback --------------------------------------------------------------------------------
    def warn(self, message: str) -> None:
        """Add a warning to the result (shown to the user beside the answer)."""
        self.warnings.append(message)

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress between 0 and 1; a cancelled run stops here."""
        self.check_cancelled()
        if self._progress is not None:
            self._progress(max(0.0, min(1.0, fraction)), message)

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("The analysis was cancelled.")
