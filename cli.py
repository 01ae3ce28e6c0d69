"""The ``crmlens`` command line: a thin layer over :class:`crmlens.engine.Engine`.

Exit codes: 0 answered, 1 runtime error, 2 usage error or a question not understood. Errors are one
line on stderr; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

if TYPE_CHECKING:
    from crmlens.engine import Engine, Result

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "json", "csv")
_GLOBAL_OPTIONS = (
    click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        help="DuckDB database file (default: $CRMLENS_DB, else the demo database).",
    ),
    click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (table, json, csv)."),
    click.option("--as-of", "as_of", metavar="DATE", help="The 'today' for relative dates and recency (YYYY-MM-DD)."),
    click.option("--debug", is_flag=True, default=None, help="Show tracebacks on errors."),
)


@dataclass
class Settings:
    db: str | None = None
    format: str = "table"
    as_of: str | None = None
    debug: bool = False


def _merge(ctx: click.Context, **given: Any) -> Settings:
    """Global options may stand before or after the command name; the later one wins."""
    settings: Settings = ctx.ensure_object(Settings)
    for key, value in given.items():
        if value not in (None, False):
            setattr(settings, key, value)
    return settings


def global_options(func: F) -> F:
    """Add --db/--format/--as-of/--debug to a command (they also work before the command name),
    and turn CrmlensError into one line on stderr with the right exit code."""

    def wrapper(
        ctx: click.Context, db: str | None, fmt: str | None, as_of: str | None, debug: bool | None, **kwargs: Any
    ) -> Any:
        settings = _merge(ctx, db=db, format=fmt, as_of=as_of, debug=debug)
        with _errors(settings):
            return ctx.invoke(func, settings, **kwargs)

    update_wrapper(wrapper, func)
    decorated: Any = click.pass_context(wrapper)
    for option in reversed(_GLOBAL_OPTIONS):
        decorated = option(decorated)
    return cast(F, decorated)


@contextmanager
def _errors(settings: Settings) -> Iterator[None]:
    from crmlens.engine.errors import CrmlensError

    try:
        yield
    except CrmlensError as exc:
        if settings.debug:
            traceback.print_exc()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(1)
    except BrokenPipeError:  # `crmlens ... | head`: the reader has gone, nothing to report
        sys.stderr.close()
        sys.exit(0)
    except (click.ClickException, click.exceptions.Exit, SystemExit):
        raise
    except Exception as exc:
        if settings.debug:
            traceback.print_exc()
        click.echo(f"Error: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        sys.exit(1)


def _db_path(settings: Settings) -> str | None:
    return settings.db or os.environ.get("CRMLENS_DB") or None


def _open(settings: Settings, *, read_only: bool = False, create: bool = False) -> Engine:
    from crmlens.engine import Engine

    return Engine.open(_db_path(settings), read_only=read_only, as_of=settings.as_of, create=create)


# -- output ------------------------------------------------------------------------------------------
def emit(result: Result, settings: Settings, **json_extra: Any) -> None:
    """Print a Result in the chosen format."""
    if settings.format == "json":
        click.echo(json.dumps(result.to_json_dict(**json_extra), ensure_ascii=False, indent=2))
    elif settings.format == "csv":
        click.echo(_csv(result), nl=False)
    else:
        from crmlens.engine.formatting import text_table

        click.echo(click.style(result.title, bold=True))
        click.echo(text_table(result))
        if result.summary:
            click.echo("\n" + result.summary)
        for w in result.warnings:
            click.echo(click.style(f"Warning: {w}", fg="yellow"), err=True)


def _csv(result: Result) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow([c.name for c in result.columns])
    writer.writerows([["" if v is None else v for v in row] for row in result.rows()])
    return buf.getvalue()


def _frame_result(title: str, rows: list[dict[str, Any]], columns: list[str], summary: str = "") -> Result:
    """A small listing (tables, plugins, analyses) as a Result, without pandas."""
    from crmlens.engine import Column, Result

    def kind(name: str) -> str:
        values = [r.get(name) for r in rows if r.get(name) is not None]
        if values and all(isinstance(v, bool) for v in values):
            return "BOOLEAN"
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "BIGINT"
        return "VARCHAR"

    return Result(
        title=title,
        records=[tuple(r.get(c) for c in columns) for r in rows],
        columns=[Column(name=c, type=kind(c)) for c in columns],
        summary=summary,
    )


# -- commands ----------------------------------------------------------------------------------------
@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@_GLOBAL_OPTIONS[0]
@_GLOBAL_OPTIONS[1]
@_GLOBAL_OPTIONS[2]
@_GLOBAL_OPTIONS[3]
@click.version_option(package_name="crmlens")
@click.pass_context
def main(ctx: click.Context, db: str | None, fmt: str | None, as_of: str | None, debug: bool | None) -> None:
    """crmlens: answers from your customer data, offline.

    With no command, opens the terminal UI on --db (or $CRMLENS_DB, else the demo database).

    \b
    Examples:
      crmlens                               # the terminal UI on the demo database
      crmlens --db my.duckdb                # the terminal UI on your database
      crmlens demo                          # build the demo database
      crmlens tables                        # what is loaded
      crmlens run segmentation.rfm          # run an analysis
      crmlens sql "SELECT count(*) FROM orders"
      crmlens --db my.duckdb load customers.csv orders.xlsx
    """
    settings = _merge(ctx, db=db, format=fmt, as_of=as_of, debug=debug)
    if ctx.invoked_subcommand is None:
        if not _interactive():
            click.echo(ctx.get_help())  # piped or scripted: the help, not a full-screen app
            return
        _open_tui(settings, read_only=False)


def _interactive() -> bool:
    """True when both stdin and stdout are a terminal (where a full-screen app can run)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _open_tui(settings: Settings, *, read_only: bool) -> None:
    import datetime as dt
    from pathlib import Path

    from crmlens.tui import run as run_tui

    db = _db_path(settings)
    with _errors(settings):
        try:
            as_of_ok = settings.as_of is None or bool(dt.date.fromisoformat(settings.as_of.strip()))
        except ValueError:
            as_of_ok = False
        if not as_of_ok or (db is not None and not Path(db).expanduser().exists()):
            from crmlens.engine import Engine  # only on this error path: its own message, before any screen

            Engine.open(db, as_of=settings.as_of, create=False).close()
        run_tui(db, as_of=settings.as_of, read_only=read_only)


@main.command()
@click.option("--read-only", is_flag=True, help="Open the database read-only (analyses cannot save results).")
@global_options
def tui(settings: Settings, read_only: bool) -> None:
    """Open the terminal UI: ask questions, browse the catalog, run analyses (same as bare `crmlens`).

    \b
    Examples:
      crmlens tui                           # on the demo database
      crmlens tui --db my.duckdb --as-of 2025-12-31
    """
    _open_tui(settings, read_only=read_only)


@main.command()
@click.option("--customers", type=int, default=20_000, show_default=True, help="How many customers to generate.")
@click.option(
    "--seed", type=int, default=42, show_default=True, help="Random seed; the same seed gives identical data."
)
@global_options
def demo(settings: Settings, customers: int, seed: int) -> None:
    """Fill a database with realistic synthetic CRM data (every canonical table).

    \b
    Examples:
      crmlens demo                                  # the embedded demo database
      crmlens demo --db big.duckdb --customers 1000000
    """
    from crmlens.engine import Engine
    from crmlens.engine.paths import demo_database_path

    target = _db_path(settings) or str(demo_database_path())
    started = time.perf_counter()
    with Engine.open(target, as_of=settings.as_of) as engine:
        report = engine.generate_demo(customers=customers, seed=seed)
    rows = [{"table": t, "rows": n} for t, n in report.rows.items()]
    emit(
        _frame_result(
            f"Demo data in {target}",
            rows,
            ["table", "rows"],
            f"{customers:,} customers, seed {seed}, generated in {time.perf_counter() - started:.1f} s.",
        ),
        settings,
    )


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--table", "-t", help="Target canonical table (inferred from the columns when omitted).")
@click.option(
    "--mapping", "-m", type=click.Path(exists=True, dir_okay=False), help="Column mapping file (TOML or JSON)."
)
@click.option("--dry-run", is_flag=True, help="Show the mapping and what would be loaded, load nothing.")
@global_options
def load(settings: Settings, paths: tuple[str, ...], table: str | None, mapping: str | None, dry_run: bool) -> None:
    """Load files or another database's tables into the canonical schema, in one transaction.

    PATHS are CSV/TSV (UTF-8 or GBK), Parquet, JSON/NDJSON, Excel .xlsx files, directories of
    them, SQLite files, or postgresql:// URLs.

    \b
    Examples:
      crmlens --db my.duckdb load customers.csv orders.csv
      crmlens --db my.duckdb load 订单.xlsx --table orders --dry-run
      crmlens --db my.duckdb load export/ --mapping mapping.toml
    """
    from crmlens.engine.errors import UsageError

    if not _db_path(settings):
        raise UsageError("Loading needs a database of your own.", hint="Add --db my.duckdb (or set CRMLENS_DB).")
    with _open(settings, create=True) as engine:
        report = engine.load(list(paths), table=table, mapping=mapping, dry_run=dry_run)
    if settings.format == "json":
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.to_text())


@main.command()
@global_options
def tables(settings: Settings) -> None:
    """List the tables of the database with their row counts."""
    with _open(settings, read_only=True) as engine:
        infos = engine.tables()
        where = engine.path
    rows = [{"table": t.name, "rows": t.rows, "kind": t.kind, "description": t.description} for t in infos]
    emit(_frame_result(f"Tables in {where}", rows, ["table", "rows", "kind", "description"]), settings)


@main.command()
@click.argument("table", required=False)
@click.option(
    "--canonical", is_flag=True, help="Show the canonical schema (every table crmlens knows), not the database's."
)
@global_options
def schema(settings: Settings, table: str | None, canonical: bool) -> None:
    """Show the columns and types of the loaded tables (or of one TABLE)."""
    from crmlens.engine.errors import UsageError
    from crmlens.engine.schema import TABLES, table_spec

    rows: list[dict[str, Any]] = []
    if canonical:
        specs = [table_spec(table)] if table else list(TABLES)
        for spec in specs:
            rows += [
                {
                    "table": spec.name,
                    "column": c.name,
                    "type": c.type,
                    "required": c.required,
                    "description": c.description,
                }
                for c in spec.columns
            ]
        emit(_frame_result("Canonical schema", rows, ["table", "column", "type", "required", "description"]), settings)
        return
    with _open(settings, read_only=True) as engine:
        found = engine.schema()
    if table and table not in found:
        raise UsageError(f"No table {table!r} in this database.", hint=f"Loaded tables: {', '.join(found) or 'none'}.")
    for name, columns in found.items():
        if table is None or name == table:
            rows += [{"table": name, "column": c.name, "type": c.type} for c in columns]
    emit(_frame_result("Schema", rows, ["table", "column", "type"]), settings)


@main.command()
@click.argument("query", required=False)
@global_options
def sql(settings: Settings, query: str | None) -> None:
    """Run one read-only SQL query (SELECT or WITH ... SELECT); '-' or nothing reads it from stdin.

    \b
    Example:
      crmlens sql "SELECT channel, sum(amount) FROM orders GROUP BY channel"
    """
    from crmlens.engine.errors import UsageError

    text = query if query not in (None, "-") else sys.stdin.read()
    if not text or not text.strip():
        raise UsageError("No SQL given.", hint='Example: crmlens sql "SELECT count(*) FROM orders"')
    with _open(settings, read_only=True) as engine:
        result = engine.sql(text)
    emit(result, settings)


def _parse_params(items: tuple[str, ...]) -> dict[str, Any]:
    from crmlens.engine.errors import UsageError

    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"Parameter {item!r} is not key=value.", hint="Example: crmlens run core.overview grain=quarter"
            )
        v: Any = value
        if "," in value:
            v = [p.strip() for p in value.split(",") if p.strip()]
        params[key.strip().replace("-", "_")] = v
    return params


@main.command()
@click.argument("name", required=False)
@click.argument("params", nargs=-1)
@click.option("--list", "list_", is_flag=True, help="List the analyses and whether the loaded data can feed them.")
@global_options
def run(settings: Settings, name: str | None, params: tuple[str, ...], list_: bool) -> None:
    """Run analysis NAME with key=value parameters.

    \b
    Examples:
      crmlens run --list
      crmlens run core.overview grain=quarter periods=8
      crmlens run core.data_quality --format json
    """
    with _open(settings) as engine:
        if list_ or not name:
            caps = {c.analysis: c for c in engine.capabilities()}
            rows = []
            for a in engine.analyses():
                cap = caps[a.name]
                rows.append(
                    {
                        "analysis": a.name,
                        "title": a.title,
                        "plugin": a.plugin,
                        "ready": "yes" if cap.available else "no",
                        "needs": "" if cap.available else cap.explain(),
                        "parameters": ", ".join(p["name"] for p in a.param_help()),
                    }
                )
            emit(
                _frame_result("Analyses", rows, ["analysis", "title", "plugin", "ready", "needs", "parameters"]),
                settings,
            )
            return
        result = engine.run(name, **_parse_params(params))
    emit(result, settings)


@main.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--follow-up", "-f", "follow_up", is_flag=True,
              help="Continue the last conversation: 'by month', 'only online', '去年呢' change the last answer.")
@global_options
def ask(settings: Settings, question: tuple[str, ...], follow_up: bool) -> None:
    """Ask a question in English or Chinese (or give read-only SQL starting with SELECT/WITH).

    \b
    Examples:
      crmlens ask "revenue by region last quarter"
      crmlens ask "按渠道统计平均客单价"
      crmlens ask "top 10 customers by revenue in 2025" --format json
      crmlens ask "list customers in Beijing who have not ordered for 90 days" --format csv
    """
    from crmlens.engine.errors import NotUnderstoodError

    text = " ".join(question)
    with _open(settings, read_only=True) as engine:
        try:
            conversation = engine.session() if not follow_up else _resume(engine)
            answer = conversation.ask(text)  # kept in the history (`crmlens history`)
        except NotUnderstoodError as exc:
            if settings.format == "json":
                from crmlens.query.answer import not_understood_answer

                click.echo(json.dumps(not_understood_answer(text, exc), ensure_ascii=False, indent=2))
            else:
                hint = f" Did you mean: {' | '.join(exc.suggestions)}?" if exc.suggestions else ""
                click.echo(f"Error: {exc.message}{hint}", err=True)
            sys.exit(exc.exit_code)
    if settings.format == "table":
        click.echo(click.style(answer.explanation, fg="cyan"))
    emit(answer, settings)


def _resume(engine: Engine) -> Any:
    from crmlens.query.session import Session

    return Session.resume(engine)


@main.group()
def glossary() -> None:
    """Your own words: map a term to a metric, a dimension, a value, or a whole question.

    \b
    Examples:
      crmlens --db my.duckdb glossary add GMV --metric revenue
      crmlens --db my.duckdb glossary add 淘宝 --value order_channel=tmall
      crmlens --db my.duckdb glossary add "top sellers" --question "top 10 products by units sold"
      crmlens --db my.duckdb glossary list
    """


@glossary.command("add")
@click.argument("term")
@click.option("--metric", help="The metric the term names (e.g. revenue).")
@click.option("--dimension", help="The dimension the term names (e.g. region).")
@click.option("--value", "value_spec", metavar="DIMENSION=VALUE", help="The value the term names.")
@click.option("--question", help="The whole question the term stands for.")
@click.option("--note", default="", help="A note for people reading the glossary.")
@global_options
def glossary_add(settings: Settings, term: str, metric: str | None, dimension: str | None, value_spec: str | None,
                 question: str | None, note: str) -> None:
    """Add (or replace) a glossary entry."""
    from crmlens.engine.errors import UsageError
    from crmlens.query.glossary import GlossaryEntry, add_entry

    given = [x for x in (metric, dimension, value_spec, question) if x]
    if len(given) != 1:
        raise UsageError("Give exactly one of --metric, --dimension, --value or --question.",
                         hint='Example: crmlens glossary add GMV --metric revenue')
    if metric:
        entry = GlossaryEntry(term=term, kind="metric", target=metric, note=note)
    elif dimension:
        entry = GlossaryEntry(term=term, kind="dimension", target=dimension, note=note)
    elif value_spec:
        dim, sep, value = value_spec.partition("=")
        if not sep or not dim or not value:
            raise UsageError(
                f"--value {value_spec!r} is not DIMENSION=VALUE.", hint="Example: --value order_channel=tmall"
            )
        entry = GlossaryEntry(term=term, kind="value", target=dim.strip(), value=value.strip(), note=note)
    else:
        entry = GlossaryEntry(term=term, kind="question", target=str(question), note=note)
    with _open(settings, create=True) as engine:
        add_entry(engine, entry)
    click.echo(f"Added: {term} -> {entry.kind} {entry.target}{'=' + entry.value if entry.value else ''}")


@glossary.command("list")
@global_options
def glossary_list(settings: Settings) -> None:
    """List the glossary (yours and the plugins')."""
    from crmlens.query.glossary import load_entries

    with _open(settings, read_only=True) as engine:
        entries = load_entries(engine)
    rows = [{"term": e.term, "kind": e.kind, "means": e.target + (f"={e.value}" if e.value else ""),
             "from": e.plugin or "you", "note": e.note} for e in entries]
    emit(_frame_result("Glossary", rows, ["term", "kind", "means", "from", "note"], f"{len(rows)} entries."), settings)


@glossary.command("remove")
@click.argument("term")
@global_options
def glossary_remove(settings: Settings, term: str) -> None:
    """Remove your entry for TERM."""
    from crmlens.engine.errors import UsageError
    from crmlens.query.glossary import remove_entry

    with _open(settings) as engine:
        if not remove_entry(engine, term):
            raise UsageError(f"No glossary entry {term!r}.", hint="See `crmlens glossary list`.")
    click.echo(f"Removed: {term}")


@main.command()
@click.option("--limit", type=int, default=50, show_default=True, help="How many recent turns.")
@global_options
def history(settings: Settings, limit: int) -> None:
    """List the questions asked (in `crmlens ask` and the terminal UI), newest last."""
    from crmlens.engine.paths import data_dir
    from crmlens.query.session import read_history

    turns = read_history(data_dir() / "history.jsonl")[-limit:]
    rows = [{"session": t.session, "asked_at": t.asked_at, "question": t.question, "rows": t.row_count,
             "ms": round(t.elapsed_ms), "outcome": t.error or t.explanation} for t in turns]
    emit(_frame_result("History", rows, ["session", "asked_at", "question", "rows", "ms", "outcome"],
                       f"{len(rows)} turn(s)."), settings)


@main.command()
@click.argument("session", required=False)
@global_options
def replay(settings: Settings, session: str | None) -> None:
    """Ask a saved conversation again (SESSION, default the last one) and say how each answer changed."""
    from crmlens.engine.errors import CrmlensError, UsageError
    from crmlens.engine.paths import data_dir
    from crmlens.query.session import read_history

    turns = read_history(data_dir() / "history.jsonl")
    if not turns:
        raise UsageError(
            "No conversation has been kept yet.", hint='Ask something first: crmlens ask "revenue by region"'
        )
    wanted = session or turns[-1].session
    saved = [t for t in turns if t.session == wanted and not t.question.startswith(("drill into", "下钻"))]
    if not saved:
        raise UsageError(f"No saved conversation {wanted!r}.", hint="See `crmlens history`.")
    with _open(settings, read_only=True) as engine:
        conversation = engine.session(record=False)
        for old in saved:
            click.echo(click.style(f"> {old.question}", bold=True))
            try:
                answer = conversation.ask(old.question)
            except CrmlensError as exc:
                click.echo(f"  now fails: {exc}" + ("" if old.error else " (it was answered before)"))
                continue
            rows = answer.rows()
            change = "unchanged" if rows[:20] == old.rows and answer.row_count == old.row_count else (
                f"changed: {old.row_count} -> {answer.row_count} rows" if answer.row_count != old.row_count
                else "changed: same rows, different values")
            click.echo(f"  {answer.explanation}")
            click.echo(f"  {answer.summary}  [{change}]")


@main.command()
@global_options
def plugins(settings: Settings) -> None:
    """List the installed plugins, their versions, what each contributes, and any that failed."""
    from crmlens.engine import Engine

    with Engine.memory() as engine:
        contributions: dict[str, dict[str, int]] = {}
        for kind, items in (
            ("analyses", engine.analyses()),
            ("metrics", engine.metrics),
            ("dimensions", engine.dimensions),
            ("phrases", engine.vocabulary),
        ):
            for item in items:
                contributions.setdefault(str(item.plugin), {}).setdefault(kind, 0)
                contributions[str(item.plugin)][kind] += 1
        analyses_by_plugin: dict[str, list[str]] = {}
        for a in engine.analyses():
            analyses_by_plugin.setdefault(str(a.plugin), []).append(a.name)
        rows: list[dict[str, Any]] = []
        for info in engine.plugins.info():
            c = contributions.get(info.name, {})
            rows.append(
                {
                    "plugin": info.name,
                    "version": info.version,
                    "source": info.source,
                    "status": "ok",
                    "analyses": ", ".join(analyses_by_plugin.get(info.name, [])),
                    "contributes": ", ".join(f"{n} {k}" for k, n in c.items()) or "-",
                    "hooks": ", ".join(info.hooks),
                }
            )
        failed = {f.plugin for f in engine.plugins.failures}
        for row in rows:
            if row["plugin"] in failed:
                row["status"] = "failed"
        for f in engine.plugins.failures:
            if f.plugin not in {r["plugin"] for r in rows}:
                rows.append(
                    {
                        "plugin": f.plugin,
                        "version": "",
                        "source": "",
                        "status": "failed",
                        "analyses": "",
                        "contributes": "-",
                        "hooks": "",
                    }
                )
        errors = [f.message() for f in engine.plugins.failures]
    result = _frame_result(
        "Plugins",
        rows,
        ["plugin", "version", "source", "status", "analyses", "contributes", "hooks"],
        f"{len(rows)} plugin(s)" + (f", {len(errors)} failure(s)." if errors else "."),
    )
    result.warnings.extend(errors)
    emit(result, settings)


if __name__ == "__main__":  # pragma: no cover
    main()
