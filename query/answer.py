"""``ask``: a question in, an :class:`Answer` out (the table, the SQL, a chart, a summary, and how
the question was understood)."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError

from crmlens.engine.errors import NotUnderstoodError, PluginError
from crmlens.engine.result import Column, Result
from crmlens.query.catalog import Catalog
from crmlens.query.compiler import Compiler
from crmlens.query.explain import explain
from crmlens.query.interpretation import Interpretation
from crmlens.query.parser import Parser
from crmlens.query.summarize import summarize

if TYPE_CHECKING:
    from crmlens.engine.core import Engine

_SQL_START = re.compile(r"^\s*(?:/sql\s+|(?=(?:select|with|from)\b))", re.IGNORECASE)


class Answer(Result):
    """A Result plus the question, how it was understood, and alternatives the user may have meant."""

    question: str = ""
    interpretation: Interpretation | None = None
    explanation: str = ""
    alternatives: list[str] = Field(default_factory=list)

    def to_json_dict(self, **extra: Any) -> dict[str, Any]:
        interpretation = None
        if self.interpretation is not None:
            interpretation = {"explanation": self.explanation, **self.interpretation.model_dump(mode="json")}
        out = super().to_json_dict(question=self.question, interpretation=interpretation, **extra)
        out["alternatives"] = list(self.alternatives)
        return out


def parser_for(engine: Engine) -> Parser:
    """The parser of the engine's current catalog (built once per catalog)."""
    catalog = Catalog.for_engine(engine)
    parser = getattr(catalog, "_parser", None)
    if parser is None:
        parser = Parser(catalog)
        catalog._parser = parser  # type: ignore[attr-defined]
    return parser


def interpret(engine: Engine, question: str) -> Interpretation:
    """How ``question`` is understood: an ``interpret_question`` plugin first (validated), else the parser."""
    parser = parser_for(engine)
    if engine.plugins.pm.hook.interpret_question.get_hookimpls():
        hit = engine.plugins.first("interpret_question", question=question, catalog=parser.catalog.to_json())
        if hit is not None:
            plugin, value = hit
            try:
                it = value if isinstance(value, Interpretation) else Interpretation.model_validate(value)
            except ValidationError as exc:
                raise PluginError(
                    f"Plugin {plugin!r} returned an invalid interpretation: {exc.errors()[0]['msg']}.", plugin=plugin
                ) from exc
            return it.model_copy(update={"notes": [*it.notes, f"interpreted by plugin {plugin}"]})
    return parser.parse(question)


def ask(engine: Engine, question: str) -> Answer:
    """Answer ``question`` (English, Chinese, or SQL starting with SELECT/WITH or ``/sql``)."""
    started = time.perf_counter()
    text = question.strip()
    m = _SQL_START.match(text)
    if m is not None and text:
        sql = text[m.end() :] if text.lower().startswith("/sql") else text
        result = engine.sql(sql)
        it = Interpretation(kind="sql", language="en", sql=sql)
        return Answer(
            **_fields(result),
            question=question,
            interpretation=it,
            explanation="Ran the SQL query as given (checked read-only).",
        )
    from crmlens.query.why import answer_why, is_why

    if is_why(text):
        return answer_why(engine, text)
    it = interpret(engine, text)
    return answer_interpretation(engine, it, question, started=started)


def answer_interpretation(
    engine: Engine, it: Interpretation, question: str, *, started: float | None = None, explanation: str | None = None
) -> Answer:
    """Run an interpretation (from the parser, a plugin, or a conversation's follow-up) and answer it."""
    started = time.perf_counter() if started is None else started
    catalog = Catalog.for_engine(engine)
    if it.kind == "analysis":
        assert it.analysis is not None
        result = engine.run(it.analysis, **it.params)
        return Answer(**_fields(result), question=question, interpretation=it,
                      explanation=explanation or explain(it, catalog))
    if it.kind == "sql":
        assert it.sql is not None
        result = engine.sql(it.sql)
        return Answer(**_fields(result), question=question, interpretation=it,
                      explanation=explanation or explain(it, catalog))
    compiled = Compiler(catalog).compile(it)
    sql = compiled.sql
    cursor = engine.con.cursor()
    try:
        cursor.execute(sql)
        names = [str(d[0]) for d in (cursor.description or [])]
        types = {str(d[0]): str(d[1]) for d in (cursor.description or [])}
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    order = [names.index(c.name) for c in compiled.columns]
    records = [tuple(row[i] for i in order) for row in fetched]
    columns = [Column(name=c.name, type=types.get(c.name, "VARCHAR"), format=c.format) for c in compiled.columns]
    summary = summarize(records, compiled.columns, language=it.language, grain=it.grain)
    return Answer(
        title=_title(it, catalog),
        records=records,
        columns=columns,
        sql=[sql],
        chart=compiled.chart,
        summary=summary,
        details={"row_count": len(records)},
        elapsed_ms=(time.perf_counter() - started) * 1000,
        question=question,
        interpretation=it,
        explanation=explanation or explain(it, catalog, compiled.notes),
        alternatives=list(it.alternatives),
    )


def _fields(result: Result) -> dict[str, Any]:
    """A Result's fields as keyword arguments (by alias: the DataFrame is passed as ``table``)."""
    return {(field.alias or name): getattr(result, name) for name, field in Result.model_fields.items()}


def _title(it: Interpretation, catalog: Catalog) -> str:
    zh = it.language == "zh"
    if it.kind == "list":
        names = {"customers": "客户", "products": "商品", "orders": "订单"}
        return (
            f"{names[str(it.entity)]}{'数量' if it.count_only else '列表'}"
            if zh
            else (f"Number of {it.entity}" if it.count_only else f"{str(it.entity).capitalize()}")
        )
    metrics = [catalog.metrics[m] for m in it.metrics]
    head = "、".join(m.title_zh or m.title for m in metrics) if zh else " and ".join(m.title for m in metrics)
    dims = [catalog.dimensions[d] for d in it.dimensions]
    if dims:
        head += (
            ("（按" + "、".join(d.title_zh or d.title for d in dims) + "）")
            if zh
            else " by " + " and ".join(d.title.lower() for d in dims)
        )
    if it.grain:
        grains_zh = {"day": "按天", "week": "按周", "month": "按月", "quarter": "按季度", "year": "按年"}
        head += f"（{grains_zh[it.grain]}）" if zh else f" by {it.grain}"
    return head


def not_understood_answer(question: str, error: NotUnderstoodError) -> dict[str, Any]:
    """The JSON body of a question that was not understood (exit code 2)."""
    return {
        "title": "Not understood",
        "question": question,
        "interpretation": None,
        "sql": [],
        "columns": [],
        "rows": [],
        "chart": None,
        "summary": error.message,
        "details": {"unknown_words": error.unknown_words},
        "warnings": [],
        "alternatives": error.suggestions,
    }
