"""Sentiment computed once and stored: ``review_sentiment`` and ``feedback_sentiment``.

One row per review (per survey answer) with its text's language, score, label and aspects, the MD5
of the text it was computed from and the model that computed it. :func:`ensure_scores` finds the rows
without a current score (new rows, changed texts, another model) and scores each distinct text once.

Only ``reputation.sentiment`` writes (``persist=True`` on a writable database): a question never
changes data. Every other analysis — and ``reputation.sentiment`` on a read-only database — reads the
stored scores and scores what is missing for its own answer only: the new scores are an Arrow table
registered on the analysis' connection, and the analysis reads the union through a subquery. Nothing
but SELECT statements runs then.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from crmlens.engine import AnalysisContext, DatabaseError, MissingDataError
from crmlens.engine.database import quote_ident, table_columns
from crmlens.engine.schema import ColumnSpec, TableSpec

if TYPE_CHECKING:
    import pyarrow as pa

SourceName = Literal["reviews", "feedback"]
BATCH = 20_000


@dataclass(frozen=True)
class Source:
    name: SourceName
    table: str
    id: str
    text: str
    time: str
    store: str


SOURCES: dict[SourceName, Source] = {
    "reviews": Source("reviews", "reviews", "review_id", "text", "posted_at", "review_sentiment"),
    "feedback": Source("feedback", "feedback", "feedback_id", "comment", "submitted_at", "feedback_sentiment"),
}
_SCORE_COLUMNS = ("language", "score", "label", "aspect", "aspects")
#: Scores of the texts scored most recently in this process, by model version and MD5 of the text, so that
#: questions asked before ``reputation.sentiment`` has stored anything score each text once per session, not
#: once per question. A text's score depends on nothing but the text and the model, so reusing it is exact.
RECENT_TEXTS = 100_000
_recent: dict[tuple[str, str], tuple[Any, ...]] = {}  # (model version, text MD5) -> the _SCORE_COLUMNS values


def table_spec(source: Source) -> TableSpec:
    what = "review" if source.name == "reviews" else "survey answer's comment"
    return TableSpec(
        name=source.store,
        description=f"Sentiment of each {what}, written by reputation.sentiment: one row per row of {source.table}.",
        columns=(
            ColumnSpec(source.id, "VARCHAR", f"The {source.table} row.", references=f"{source.table}.{source.id}"),
            ColumnSpec(
                "language",
                "VARCHAR",
                "Language seen in the text: en, zh, mixed or none (nothing to read).",
                allowed=("en", "zh", "mixed", "none"),
            ),
            ColumnSpec(
                "score", "DOUBLE", "Sentiment from -1 (most negative) to 1; empty when there is no text.", unit="-1..1"
            ),
            ColumnSpec(
                "label",
                "VARCHAR",
                "positive, neutral or negative; empty when there is no text.",
                allowed=("positive", "neutral", "negative"),
            ),
            ColumnSpec(
                "aspect", "VARCHAR", "Main aspect mentioned: delivery, price, quality, service, returns, other."
            ),
            ColumnSpec("aspects", "VARCHAR[]", "Every aspect mentioned."),
            ColumnSpec("text_md5", "VARCHAR", "MD5 of the text scored (a changed text is scored again)."),
            ColumnSpec("model", "VARCHAR", "Version of the sentiment model that scored it."),
            ColumnSpec("scored_at", "TIMESTAMP", "When it was scored."),
        ),
        key=(source.id,),
    )


@dataclass(frozen=True)
class ScoreTable:
    """Where the up-to-date scores of a source are, and what bringing them up to date took."""

    source: Source
    name: str  # the stored table, or a subquery over the stored rows and this answer's new scores
    stored: bool  # True when every current score is in the stored table
    scored: int  # rows (re)scored now
    distinct_texts: int  # distinct texts scored now
    rows: int


def is_read_only(ctx: AnalysisContext) -> bool:
    row = ctx.con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row and row[0])


def has_text(ctx: AnalysisContext, source: Source) -> bool:
    if not ctx.table_exists(source.table):
        return False
    if not {source.id, source.text} <= {c for c, _ in table_columns(ctx.con, source.table)}:
        return False
    return bool(ctx.scalar(f"SELECT count({quote_ident(source.text)}) > 0 FROM {quote_ident(source.table)}"))


def stream(
    ctx: AnalysisContext, sql: str, params: list[Any] | dict[str, Any] | None = None, batch: int = BATCH
) -> Iterator[pa.RecordBatch]:
    """Run a read query and yield its rows in Arrow batches (recorded like ``ctx.query``)."""
    import duckdb

    ctx.check_cancelled()
    ctx.sql_log.append(sql.strip())
    try:
        with warnings.catch_warnings():
            # execute() (not sql()) supersedes any result still open on the connection; the copy it warns
            # about is one batch at a time.
            warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
            reader: pa.RecordBatchReader = ctx.con.execute(sql, params or []).to_arrow_reader(batch)
    except duckdb.Error as exc:
        raise DatabaseError(f"A statement of {ctx.analysis or 'the analysis'} failed in DuckDB: {exc}") from exc
    try:
        yield from reader
    finally:
        reader.close()  # the connection takes other statements only once the result is closed


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure_scores(
    ctx: AnalysisContext, source_name: SourceName, *, persist: bool = False, recompute: bool = False
) -> ScoreTable:
    """Score every row of the source without a current score; return where all current scores are.

    With ``persist`` (and a writable database) the new scores are written to the stored table in one
    transaction; otherwise they exist for this analysis only.
    """
    from crmlens.plugins.reputation.sentiment_model import model

    source = SOURCES[source_name]
    if not has_text(ctx, source):
        raise MissingDataError(
            f"There is no {source.text} text in {source.table} to score.",
            missing={source.table: [source.id, source.text]},
            hint="Load reviews (text) or feedback (comment) first, or try `crmlens demo`.",
        )
    version = model().version
    q = quote_ident
    sid, table, text = q(source.id), q(source.table), q(source.text)
    writing = persist and not is_read_only(ctx)
    spec = table_spec(source)
    if writing:
        cols = ", ".join(f"{q(c.name)} {c.type}" for c in spec.columns)
        ctx.execute(f"CREATE TABLE IF NOT EXISTS {q(source.store)} ({cols})")
        if recompute:
            ctx.execute(f"DELETE FROM {q(source.store)}")
    usable = ctx.table_exists(source.store) and {c.name for c in spec.columns} <= {
        c for c, _ in table_columns(ctx.con, source.store)
    }
    fresh = (
        f"SELECT s.* FROM {q(source.store)} AS s JOIN {table} AS r ON r.{sid} = s.{sid} "
        f"WHERE s.model = {_literal(version)} AND s.text_md5 = md5(coalesce(r.{text}, ''))"
        if usable and not (recompute and not writing)
        else None
    )
    stale = (
        f"SELECT r.{sid} AS id, r.{text} AS text, md5(coalesce(r.{text}, '')) AS h FROM {table} AS r "
        + (f"LEFT JOIN ({fresh}) AS f ON f.{sid} = r.{sid} WHERE f.{sid} IS NULL AND " if fresh else "WHERE ")
        + f"r.{sid} IS NOT NULL"
    )
    todo = int(ctx.scalar(f"SELECT count(*) FROM ({stale})") or 0)
    distinct = 0
    view = f"_reputation_scores_{source.name}"
    if todo:
        scores = _score_distinct_texts(ctx, stale)
        distinct = scores.num_rows
        ctx.con.register(view, scores)
    new_rows = (
        f"SELECT t.id AS {sid}, x.language, x.score, x.label, x.aspect, x.aspects, t.h AS text_md5, "
        f"{_literal(version)} AS model, current_localtimestamp() AS scored_at "
        f"FROM ({stale}) AS t JOIN {view} AS x ON x.h = t.h"
    )
    if writing:
        if todo:
            ctx.execute("BEGIN TRANSACTION")
            try:
                ctx.execute(f"CREATE OR REPLACE TEMP TABLE _reputation_new AS {new_rows}")
                ctx.execute(f"DELETE FROM {q(source.store)} WHERE {sid} IN (SELECT {sid} FROM _reputation_new)")
                ctx.execute(f"INSERT INTO {q(source.store)} SELECT * FROM _reputation_new")
                # Rows of the store whose source row is gone (reloaded data) go too.
                ctx.execute(
                    f"DELETE FROM {q(source.store)} WHERE {sid} NOT IN "
                    f"(SELECT {sid} FROM {table} WHERE {sid} IS NOT NULL)"
                )
                ctx.execute("DROP TABLE _reputation_new")
                ctx.execute("COMMIT")
            except BaseException:
                ctx.execute("ROLLBACK")
                raise
            ctx.data_changed()
        name, stored = q(source.store), True
    elif fresh and todo:
        name, stored = f"({fresh} UNION ALL BY NAME {new_rows})", False
    elif fresh:
        name, stored = f"({fresh})", True
    elif todo:
        name, stored = f"({new_rows})", False
    else:  # no row has an id: an empty relation of the stored table's shape
        cols = ", ".join(f"CAST(NULL AS {c.type}) AS {q(c.name)}" for c in spec.columns)
        name, stored = f"(SELECT {cols} WHERE FALSE)", False
    rows = int(ctx.scalar(f"SELECT count(*) FROM {name} AS s") or 0)
    if todo and not writing:
        why = (
            "the database is read-only"
            if persist
            else "questions never write; run reputation.sentiment to store the scores"
        )
        ctx.warn(f"The sentiment of {todo:,} rows of {source.table} was computed for this answer only ({why}).")
    return ScoreTable(source, name, stored, todo, distinct, rows)


def _score_distinct_texts(ctx: AnalysisContext, stale: str) -> pa.Table:
    """Score each distinct text of the ``stale`` rows once: (h, language, score, label, aspect, aspects)."""
    import pyarrow as pa

    from crmlens.plugins.reputation.aspects import aspects_of
    from crmlens.plugins.reputation.sentiment_model import model

    scorer = model()
    version = scorer.version
    n = int(ctx.scalar(f"SELECT count(DISTINCT h) FROM ({stale})") or 0)
    columns: dict[str, list[Any]] = {c: [] for c in ("h", *_SCORE_COLUMNS)}
    done = 0
    for batch in stream(ctx, f"SELECT h, any_value(text) AS text FROM ({stale}) GROUP BY h"):
        ctx.progress(done / max(n, 1), f"scoring sentiment: {done:,} of {n:,} distinct texts")
        hashes: list[str] = batch.column("h").to_pylist()
        texts: list[str | None] = batch.column("text").to_pylist()
        missing = [i for i, h in enumerate(hashes) if (version, h) not in _recent]
        scored = scorer.score([texts[i] for i in missing])
        for k, i in enumerate(missing):
            text = texts[i]
            aspect, aspects = aspects_of(text)
            _recent[version, hashes[i]] = (
                scored.language[k],
                scored.score[k],
                scored.label[k],
                aspect if text is not None and text.strip() else None,
                list(aspects),
            )
        columns["h"] += hashes
        for h in hashes:
            for column, value in zip(_SCORE_COLUMNS, _recent[version, h], strict=True):
                columns[column].append(value)
        while len(_recent) > RECENT_TEXTS:  # oldest first (dicts keep insertion order), batch by batch
            del _recent[next(iter(_recent))]
        done += batch.num_rows
    ctx.progress(1.0, f"scored {n:,} distinct texts")
    return pa.table(
        {
            "h": pa.array(columns["h"], pa.string()),
            "language": pa.array(columns["language"], pa.string()),
            "score": pa.array(columns["score"], pa.float64()),
            "label": pa.array(columns["label"], pa.string()),
            "aspect": pa.array(columns["aspect"], pa.string()),
            "aspects": pa.array(columns["aspects"], pa.list_(pa.string())),
        }
    )
