"""The :class:`Engine`: one DuckDB database, its plugins, and everything an integrator calls.

from crmlens.engine import Engine

with Engine.open() as engine:                 # the embedded demo database
    print(engine.tables())
    result = engine.run("segmentation.rfm")
    print(result.summary, result.sql)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import os
import threading
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from pydantic import BaseModel, ValidationError

from crmlens.engine import database as db
from crmlens.engine.analysis import Analysis, AnalysisContext, Cancelled
from crmlens.engine.capabilities import Capability, DataInventory
from crmlens.engine.errors import (
    CrmlensError,
    DatabaseError,
    MissingDataError,
    PluginError,
    UsageError,
)
from crmlens.engine.paths import demo_database_path
from crmlens.engine.plugins import Plugins, get_plugins
from crmlens.engine.readonly_sql import check_read_only
from crmlens.engine.result import Column, Result
from crmlens.engine.schema import TABLES_BY_NAME
from crmlens.engine.semantic import Dimension, Metric, Phrase, Relation

if TYPE_CHECKING:
    from crmlens.engine.demo import DemoReport
    from crmlens.engine.ingest import LoadReport
    from crmlens.query.answer import Answer
    from crmlens.query.session import Session


class TableInfo(BaseModel):
    name: str
    rows: int
    kind: str  # "canonical", "system" or "other"
    description: str = ""


def parse_as_of(value: str | dt.date | None) -> dt.date | None:
    """Accept a date, an ISO string, or None."""
    if value is None or isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"--as-of {value!r} is not a date.", hint="Write it as YYYY-MM-DD, e.g. 2025-12-31.") from None


class Engine:
    """An open crmlens database with its plugins. Create it with :meth:`Engine.open`."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        path: Path | None,
        read_only: bool,
        as_of: dt.date | None,
        plugins: Plugins,
    ) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._as_of = as_of
        self.plugins = plugins
        self._cancel = threading.Event()
        self._running: duckdb.DuckDBPyConnection | None = None
        self._closed = False
        for plugin, exc in self._call_startup():
            plugins.record_failure(plugin, "startup", exc)

    # -- opening and closing ---------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        as_of: str | dt.date | None = None,
        plugins: Plugins | None = None,
        create: bool = True,
    ) -> Engine:
        """Open (or, with ``create``, create) the DuckDB database at ``path``.

        ``path=None`` opens the embedded demo database in the user's data directory, generating it on
        first use. ``as_of`` is the "today" used for relative dates and recency; by default the date
        stored with the data (the demo's last day) or else today's date.
        """
        as_of_date = parse_as_of(as_of)
        if path is None:
            target = demo_database_path()
            if not target.exists():
                ensure_demo_database(target)
        else:
            target = Path(path).expanduser()
            if (read_only or not create) and not target.exists():
                raise UsageError(f"No database at {target}.", hint="Check the path, or create it with `crmlens load`.")
        try:
            con = duckdb.connect(str(target), read_only=read_only)
        except duckdb.Error as exc:
            raise DatabaseError(
                f"Could not open the database {target}: {exc}",
                hint="Is it a DuckDB file, and not open for writing in another program?",
            ) from exc
        return cls(con, path=target, read_only=read_only, as_of=as_of_date, plugins=plugins or get_plugins())

    @classmethod
    def memory(cls, *, as_of: str | dt.date | None = None, plugins: Plugins | None = None) -> Engine:
        """An engine on a fresh in-memory database (for tests and throwaway work)."""
        return cls(
            duckdb.connect(), path=None, read_only=False, as_of=parse_as_of(as_of), plugins=plugins or get_plugins()
        )

    def close(self) -> None:
        if not self._closed:
            self._con.close()
            self._closed = True

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection (for integrators who want to go further by hand)."""
        if self._closed:
            raise UsageError("This engine is closed.")
        return self._con

    # -- dates -------------------------------------------------------------------------------------
    @property
    def as_of(self) -> dt.date:
        """The "today" of this engine: the explicit as_of, else the data's stored as_of, else today."""
        if self._as_of is not None:
            return self._as_of
        stored = db.get_meta(self.con, "as_of")
        return dt.date.fromisoformat(stored) if stored else dt.date.today()

    @as_of.setter
    def as_of(self, value: str | dt.date | None) -> None:
        self._as_of = parse_as_of(value)

    # -- catalog -----------------------------------------------------------------------------------
    def tables(self) -> list[TableInfo]:
        """Every table of the database with its row count; canonical tables first."""
        out = []
        for name in db.existing_tables(self.con):
            kind = "canonical" if name in TABLES_BY_NAME else "system" if name.startswith("_") else "other"
            spec = TABLES_BY_NAME.get(name)
            out.append(
                TableInfo(
                    name=name,
                    rows=db.row_count(self.con, name),
                    kind=kind,
                    description=spec.description if spec else "",
                )
            )
        order = {"canonical": 0, "other": 1, "system": 2}
        return sorted(out, key=lambda t: (order[t.kind], t.name))

    def schema(self) -> dict[str, list[Column]]:
        """Columns and DuckDB types of every table in the database."""
        return {
            name: [Column(name=c, type=t) for c, t in db.table_columns(self.con, name)]
            for name in db.existing_tables(self.con)
        }

    @cached_property
    def _registry(self) -> dict[str, Analysis]:
        found: dict[str, Analysis] = {}
        for plugin, item in self.plugins.collect("register_analyses"):
            if not isinstance(item, Analysis):
                self.plugins.record_failure(
                    plugin, "register_analyses", TypeError(f"returned {type(item).__name__}, not Analysis")
                )
                continue
            if item.name in found:
                self.plugins.record_failure(
                    plugin,
                    "register_analyses",
                    ValueError(f"analysis {item.name!r} is already registered by plugin {found[item.name].plugin!r}"),
                )
                continue
            found[item.name] = item.model_copy(update={"plugin": plugin})
        return found

    def analyses(self) -> list[Analysis]:
        """Every analysis contributed by the plugins, by name."""
        return sorted(self._registry.values(), key=lambda a: a.name)

    def analysis(self, name: str) -> Analysis:
        try:
            return self._registry[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._registry), n=3, cutoff=0.5)
            hint = f"Did you mean {' or '.join(close)}?" if close else "See `crmlens run --list` for the analyses."
            raise UsageError(f"Unknown analysis {name!r}.", hint=hint) from None

    def _collect_typed(self, hook: str, kind: type[Any]) -> list[Any]:
        out = []
        for plugin, item in self.plugins.collect(hook):
            if isinstance(item, kind):
                out.append(item.model_copy(update={"plugin": plugin}))
            else:
                self.plugins.record_failure(
                    plugin, hook, TypeError(f"returned {type(item).__name__}, not {kind.__name__}")
                )
        return out

    @cached_property
    def metrics(self) -> list[Metric]:
        """Metrics contributed by the plugins (for the query layer)."""
        return self._collect_typed("register_metrics", Metric)

    @cached_property
    def dimensions(self) -> list[Dimension]:
        """Dimensions contributed by the plugins (for the query layer)."""
        return self._collect_typed("register_dimensions", Dimension)

    @cached_property
    def relations(self) -> list[Relation]:
        """Derived tables contributed by the plugins (for the query layer)."""
        return self._collect_typed("register_relations", Relation)

    @cached_property
    def vocabulary(self) -> list[Phrase]:
        """Phrases that route questions to analyses."""
        return self._collect_typed("register_vocabulary", Phrase)

    def capabilities(self) -> list[Capability]:
        """For every analysis: can it run on the loaded data, and if not, exactly what is missing."""
        inventory = DataInventory(self.con)
        out = []
        for a in self.analyses():
            missing = inventory.missing(a.requires)
            out.append(
                Capability(analysis=a.name, title=a.title, plugin=a.plugin, available=not missing, missing=missing)
            )
        return out

    def missing_data(self, requires: dict[str, list[str]]) -> dict[str, list[str]]:
        """Tables/columns of ``requires`` that are absent or hold no data."""
        return DataInventory(self.con).missing(requires)

    def config(self, plugin: str) -> dict[str, str]:
        """Settings kept in the database for ``plugin`` (meta keys ``plugin:<name>:<key>``)."""
        if not db.table_exists(self.con, "_crmlens_meta"):
            return {}
        prefix = f"plugin:{plugin}:"
        rows = self.con.execute(
            'SELECT "key", "value" FROM "_crmlens_meta" WHERE starts_with("key", ?)', [prefix]
        ).fetchall()
        return {k[len(prefix) :]: v for k, v in rows}

    # -- running -----------------------------------------------------------------------------------
    def sql(self, text: str, params: list[Any] | None = None) -> Result:
        """Run one read-only query and return its Result. Anything that would write is refused."""
        started = time.perf_counter()
        check_read_only(text, known_tables=db.existing_tables(self.con))
        cur = self.con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute(text, params or [])
                columns = [Column(name=str(d[0]), type=str(d[1])) for d in (cur.description or [])]
                records = cur.fetchall()
            finally:
                cur.execute("ROLLBACK")
        except duckdb.Error as exc:
            raise DatabaseError(f"The query failed: {exc}") from exc
        finally:
            cur.close()
        return Result(
            title="SQL query",
            records=records,
            columns=columns,
            sql=[text.strip()],
            summary=f"{len(records):,} row{'s' if len(records) != 1 else ''}.",
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def validate_params(self, analysis: Analysis, params: dict[str, Any]) -> BaseModel:
        """Validate params against the analysis' model; UsageError lists what is wrong and what is allowed."""
        try:
            return analysis.params.model_validate(params)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors())
            allowed = ", ".join(p["name"] for p in analysis.param_help()) or "none"
            raise UsageError(
                f"Bad parameters for {analysis.name}: {problems}.", hint=f"Parameters it takes: {allowed}."
            ) from None

    def run(
        self,
        name: str,
        *,
        progress: Callable[[float, str], None] | None = None,
        **params: Any,
    ) -> Result:
        """Run analysis ``name`` with ``params``; return its Result with every SQL statement it ran.

        Raises UsageError (unknown analysis, bad params), MissingDataError (data not loaded) or
        PluginError (the analysis itself failed; the engine stays usable).
        """
        analysis = self.analysis(name)
        validated = self.validate_params(analysis, params)
        missing = self.missing_data(analysis.requires)
        if missing:
            cap = Capability(
                analysis=name, title=analysis.title, plugin=analysis.plugin, available=False, missing=missing
            )
            raise MissingDataError(
                f"{analysis.title} cannot run on this database: it {cap.explain()}.",
                missing=missing,
                hint="Load the missing data with `crmlens load`, or try `crmlens demo`.",
            )
        self._cancel.clear()
        started = time.perf_counter()
        cursor = self._running = self.con.cursor()
        ctx = AnalysisContext(
            cursor,
            as_of=self.as_of,
            analysis=name,
            progress=progress,
            cancel_event=self._cancel,
            on_data_changed=None if self.read_only else self._data_changed,
        )
        try:
            result = analysis.run(ctx, validated)
        except (Cancelled, UsageError, MissingDataError):
            raise
        except Exception as exc:
            plugin = analysis.plugin or "?"
            self.plugins.record_failure(plugin, f"analysis {name}", exc)
            detail = exc.message if isinstance(exc, CrmlensError) else f"{type(exc).__name__}: {exc}"
            raise PluginError(
                f"The analysis {name} (plugin {plugin!r}) failed: {detail}",
                plugin=plugin,
                hint="Other analyses still work; run with --debug for the traceback and report it to the plugin's "
                "author.",
            ) from exc
        finally:
            self._running = None
            cursor.close()
        if not isinstance(result, Result):
            raise PluginError(
                f"The analysis {name} returned {type(result).__name__}, not a Result.", plugin=analysis.plugin or "?"
            )
        sql = list(dict.fromkeys([*ctx.sql_log, *result.sql]))
        return result.model_copy(
            update={
                "sql": sql,
                "warnings": [*ctx.warnings, *result.warnings],
                "elapsed_ms": (time.perf_counter() - started) * 1000,
            }
        )

    def ask(self, question: str) -> Answer:
        """Answer a question in English or Chinese (or read-only SQL): table, SQL, chart, summary, and
        how it was understood. Raises NotUnderstoodError with suggestions when it cannot."""
        from crmlens.query.answer import ask

        return ask(self, question)

    def session(self, *, record: bool = True) -> Session:
        """A conversation: follow-up questions change only what they name; every turn is kept
        (``crmlens history``)."""
        from crmlens.query.session import Session

        return Session(self, record=record)

    def cancel(self) -> None:
        """Ask a running analysis to stop (it stops at its next statement or progress report)."""
        self._cancel.set()
        running = self._running
        if running is not None:
            with contextlib.suppress(duckdb.Error):  # it may have finished meanwhile
                running.interrupt()

    # -- data in -----------------------------------------------------------------------------------
    def load(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        table: str | None = None,
        mapping: Any = None,
        dry_run: bool = False,
    ) -> LoadReport:
        """Load files (or another database's tables) into the canonical schema, in one transaction."""
        from crmlens.engine import ingest

        self._writable("load data")
        items = [paths] if isinstance(paths, str | Path) else list(paths)
        report = ingest.load(self.con, items, table=table, mapping=mapping, dry_run=dry_run)
        if not dry_run:
            self._data_changed()
        return report

    def generate_demo(self, *, customers: int = 20_000, seed: int = 42) -> DemoReport:
        """Replace the canonical tables with synthetic demo data (see ``crmlens demo``)."""
        from crmlens.engine.demo import generate_demo

        self._writable("generate demo data")
        report = generate_demo(self.con, customers=customers, seed=seed)
        self._data_changed()
        return report

    def _data_changed(self) -> None:
        """Record that the data changed, so cached catalogs (values learnt from the data) are rebuilt."""
        import uuid

        from crmlens.query.catalog import store_values

        db.set_meta(self.con, "data_version", uuid.uuid4().hex)
        store_values(self)

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise UsageError(f"Cannot {what}: the database is open read-only.", hint="Open it without --read-only.")

    def _call_startup(self) -> list[tuple[str, Exception]]:
        failures = []
        for impl in self.plugins.pm.hook.startup.get_hookimpls():
            try:
                impl.function(engine=self)
            except Exception as exc:
                failures.append((impl.plugin_name, exc))
        return failures


def ensure_demo_database(target: Path, *, customers: int = 20_000, seed: int = 42) -> None:
    """Generate the demo database at ``target`` atomically (a temp file renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with Engine.open(tmp) as engine:
            engine.generate_demo(customers=customers, seed=seed)
            engine.con.execute("CHECKPOINT")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
