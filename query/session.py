"""Conversations: follow-up questions, drill-down, and the kept history of every turn.

A :class:`Session` remembers the last question it answered. A follow-up changes only what it names —
another breakdown or grain ("by month", "按月呢", "by city instead"), a filter ("only online", "只看线上",
"exclude returns"), a period ("what about last year?", "去年呢", "same period last year"), top-N or order
("top 5 instead", "lowest first"), a metric ("and the order count?", "客单价呢") — and the explanation
says what was carried over and what changed. A follow-up that cannot be applied says why and leaves
the previous answer as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmlens.engine.errors import NotUnderstoodError
from crmlens.query.answer import Answer, answer_interpretation, ask, parser_for
from crmlens.query.catalog import Catalog
from crmlens.query.compiler import shift_period, truncate
from crmlens.query.explain import explain
from crmlens.query.interpretation import Filter, Interpretation, Period

if TYPE_CHECKING:
    from crmlens.engine.core import Engine

_FOLLOW_EN = re.compile(
    r"^\s*(?:and|what about|how about|now|also|then|but|ok(?:ay)?|same|only|just|exclud\w*|without|instead|"
    r"show (?:it|that|them|me that)|break (?:it|that) down|split (?:it|that))\b|\binstead\b|\bsame period\b|"
    r"\bas well\b|\btoo\b",
    re.IGNORECASE,
)
_FOLLOW_ZH = re.compile(r"呢\s*[?？]?\s*$|^\s*(?:那|那么|只看|仅看|只要|换成|改成|改为|去掉|排除|不含|再|还有)|同期")
_INSTEAD = re.compile(r"\binstead\b|换成|改成|改为|而不是", re.IGNORECASE)
_ALSO = re.compile(r"^\s*(?:and also|also|and)\s+(?:by|per)\b|\bas well\b|\btoo\b|再按|同时按", re.IGNORECASE)
_SAME_LAST_YEAR = re.compile(r"same period last year|去年同期|上年同期", re.IGNORECASE)
#: Drill-down: the next level below a dimension, and below a time grain.
DRILL_DOWN = {
    "region": "city",
    "country": "city",
    "city": "customer",
    "category": "product",
    "order_channel": "customer",
    "owner": "customer",
    "campaign": "variant",
}
FINER = {"year": "quarter", "quarter": "month", "month": "week", "week": "day"}


@dataclass
class Turn:
    """One question and what came of it: kept for `crmlens history` and `crmlens replay`."""

    session: str
    question: str
    asked_at: str
    interpretation: dict[str, Any] | None = None
    explanation: str = ""
    sql: list[str] = field(default_factory=list)
    row_count: int = 0
    elapsed_ms: float = 0.0
    error: str | None = None
    rows: list[list[Any]] = field(default_factory=list)  # the first rows, to say how an answer changed

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, default=str)


class Session:
    """A conversation over one engine. ``engine.session()`` makes one."""

    def __init__(self, engine: Engine, *, history: Path | None = None, record: bool = True) -> None:
        from crmlens.engine.paths import data_dir

        self.engine = engine
        self.id = uuid.uuid4().hex[:12]
        self.turns: list[Turn] = []
        self.current: Interpretation | None = None
        self.last: Answer | None = None
        self.history_path = history or (data_dir() / "history.jsonl")
        self.record = record

    @classmethod
    def resume(cls, engine: Engine, session_id: str | None = None, *, record: bool = True) -> Session:
        """Continue a kept conversation (the last one by default): follow-ups apply to its last answer."""
        from crmlens.engine.paths import data_dir

        path = data_dir() / "history.jsonl"
        turns = read_history(path)
        wanted = session_id or (turns[-1].session if turns else None)
        session = cls(engine, history=path, record=record)
        mine = [t for t in turns if t.session == wanted]
        if wanted and mine:
            session.id = wanted
            session.turns = mine
            for t in reversed(mine):
                if t.error is None and t.interpretation and t.interpretation.get("kind") in ("metric", "list"):
                    session.current = Interpretation.model_validate(t.interpretation)
                    break
        return session

    # -- asking ---------------------------------------------------------------------------------------
    def ask(self, question: str) -> Answer:
        """Answer a question, as a follow-up of the previous one when it reads like one."""
        started = time.perf_counter()
        try:
            answer = self._ask(question)
        except Exception as exc:
            self._remember(
                Turn(
                    self.id,
                    question,
                    _now(),
                    error=f"{type(exc).__name__}: {exc}",
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                )
            )
            raise
        self.last = answer
        if answer.interpretation is not None and answer.interpretation.kind in ("metric", "list"):
            self.current = answer.interpretation
        self._remember(_turn(self.id, question, answer))
        return answer

    def _ask(self, question: str) -> Answer:
        prev = self.current
        if prev is None or not self._looks_like_follow_up(question):
            try:
                return ask(self.engine, question)
            except NotUnderstoodError:
                if prev is None:
                    raise
        assert prev is not None
        merged, said = self.follow_up(prev, question)
        catalog = Catalog.for_engine(self.engine)
        zh = merged.language == "zh"
        carried = explain(merged, catalog)
        prefix = "追问，" + "；".join(said) + "。" if zh else "Follow-up: " + "; ".join(said) + ". "
        return answer_interpretation(self.engine, merged, question, explanation=prefix + carried)

    def _looks_like_follow_up(self, question: str) -> bool:
        if _FOLLOW_EN.search(question) or _FOLLOW_ZH.search(question):
            return True
        try:
            parser_for(self.engine).parse(question)
        except NotUnderstoodError:
            return True  # "by month" alone is not a question, but it is a follow-up
        return False

    def follow_up(self, prev: Interpretation, question: str) -> tuple[Interpretation, list[str]]:
        """The previous interpretation with what ``question`` names changed, and the changes in words.

        Raises NotUnderstoodError (nothing changed) when the follow-up names nothing it can apply.
        """
        parser = parser_for(self.engine)
        frag = parser.parse_fragment(question)
        zh = prev.language == "zh" or frag.language == "zh"
        cat = parser.catalog
        changes: dict[str, Any] = {}
        said: list[str] = []

        def say(en: str, zh_text: str) -> None:
            said.append(zh_text if zh else en)

        entity_words = {"orders", "customers"}
        qualifier_only = bool(frag.filters or frag.groups) and set(frag.metrics) <= entity_words
        if frag.metrics and frag.metrics != prev.metrics and prev.kind == "metric" and not qualifier_only:
            # ("only app orders", "only business customers": the entity word qualifies the filter)
            changes["metrics"] = list(frag.metrics)
            names = ", ".join(
                (cat.metrics[m].title_zh or cat.metrics[m].title) if zh else cat.metrics[m].title for m in frag.metrics
            )
            say(f"measure changed to {names}", f"指标改为{names}")
        if frag.dimensions:
            if _ALSO.search(question) and not _INSTEAD.search(question):
                dims = [*prev.dimensions, *[d for d in frag.dimensions if d not in prev.dimensions]]
            else:
                dims = list(frag.dimensions)
            if dims != prev.dimensions:
                changes["dimensions"] = dims
                names = (
                    "、".join(cat.dimensions[d].title_zh or d for d in dims)
                    if zh
                    else ", ".join(cat.dimensions[d].title.lower() for d in dims)
                )
                say(f"broken down by {names}", f"改为按{names}")
        if frag.grain and not frag.dimensions and _INSTEAD.search(question) and prev.dimensions:
            changes["dimensions"] = []  # "by month instead": time replaces the breakdown
            say("no other breakdown", "不再按其他维度拆分")
        if frag.grain and frag.grain != prev.grain:
            changes["grain"] = frag.grain
            say(
                f"by {frag.grain}",
                {"day": "按天", "week": "按周", "month": "按月", "quarter": "按季度", "year": "按年"}[frag.grain],
            )
        if frag.filters:
            kept = [f for f in prev.filters if f.dimension not in {g.dimension for g in frag.filters}]
            changes["filters"] = [*kept, *frag.filters]
            changes["groups"] = [g for g in prev.groups if g.dimension not in {f.dimension for f in frag.filters}]
            for f in frag.filters:
                d = cat.dimensions[f.dimension]
                values = ", ".join(str(v) for v in f.values)
                negative = f.op in ("!=", "not in")
                say(
                    f"{'excluding' if negative else 'only'} {d.title.lower()} {values}",
                    f"{'排除' if negative else '只看'}{d.title_zh or d.title}{values}",
                )
        if _SAME_LAST_YEAR.search(question) and prev.period is not None:
            changes["period"] = shift_period(prev.period, "previous_year")
            say(f"period moved to {changes['period'].text()}", f"时间改为{changes['period'].text()}")
        elif frag.period is not None and frag.period != prev.period:
            changes["period"] = frag.period
            changes["compare"] = []
            say(f"period changed to {frag.period.text()}", f"时间改为{frag.period.text()}")
        if frag.compare:
            changes["compare"] = list(frag.compare)
            say(
                "comparing " + " vs ".join(p.text() for p in frag.compare),
                "对比 " + " vs ".join(p.text() for p in frag.compare),
            )
        if frag.growth and frag.growth != prev.growth and not _SAME_LAST_YEAR.search(question):
            changes["growth"] = frag.growth
            say("with growth", "含增长率")
        if frag.share and not prev.share:
            changes["share"] = True
            say("with shares", "含占比")
        if frag.limit and frag.limit != prev.limit:
            changes["limit"] = frag.limit
            say(f"top {frag.limit}", f"前 {frag.limit}")
        if frag.order and frag.order != prev.order:
            changes["order"] = frag.order
            say(
                "lowest first" if frag.order == "asc" else "highest first",
                "从低到高" if frag.order == "asc" else "从高到低",
            )
        if not changes:
            words = ", ".join(frag.ignored) or question
            raise NotUnderstoodError(
                (
                    f"这个追问没有可以应用到上一个问题的内容：{words}。上一个答案保持不变。"
                    if zh
                    else f"Nothing in the follow-up could be applied to the previous question ({words}); "
                    "the previous answer stands."
                ),
                unknown_words=list(frag.ignored),
                suggestions=parser.suggest(question),
            )
        data = prev.model_dump()
        data.update(changes)
        data.update(notes=[], ignored=list(frag.ignored), alternatives=[], language=frag.language or prev.language)
        try:
            merged = Interpretation.model_validate(data)
        except ValueError as exc:
            raise NotUnderstoodError(f"The follow-up cannot be applied to the previous question: {exc}") from None
        return merged, said

    # -- drill-down ------------------------------------------------------------------------------------
    def drill(self, row: dict[str, Any]) -> Answer:
        """From a row of the last answer, the next level down: region -> city -> customer, year -> quarter
        -> month, with the row's values as filters."""
        prev = self.current
        if prev is None or prev.kind != "metric":
            raise NotUnderstoodError("There is no breakdown to drill into: ask a question by region, month, ...")
        data = prev.model_dump()
        filters = list(prev.filters)
        dims = list(prev.dimensions)
        said: list[str] = []
        zh = prev.language == "zh"
        for d in list(dims):
            if d in row and row[d] is not None:
                filters = [f for f in filters if f.dimension != d] + [Filter(dimension=d, values=[row[d]])]
                dims.remove(d)
                child = DRILL_DOWN.get(d)
                if child and child not in dims:
                    dims.append(child)
                said.append(f"{d}={row[d]}")
        if prev.grain and prev.grain in row and row[prev.grain] is not None:
            start = _as_date(row[prev.grain])
            end = _period_end(start, prev.grain)
            data["period"] = Period(start=start, end=end, label=f"{start.isoformat()} → {end.isoformat()}")
            data["grain"] = FINER.get(prev.grain)
            data["growth"] = None
            said.append(f"{prev.grain} {start.isoformat()}")
        if not said:
            raise NotUnderstoodError("That row has none of the answer's breakdown columns to drill into.")
        data.update(dimensions=dims, filters=filters, limit=None, notes=[], ignored=[], alternatives=[])
        merged = Interpretation.model_validate(data)
        catalog = Catalog.for_engine(self.engine)
        prefix = ("下钻：" + "，".join(said) + "。") if zh else ("Drill-down into " + ", ".join(said) + ". ")
        question = ("下钻 " if zh else "drill into ") + ", ".join(said)
        answer = answer_interpretation(self.engine, merged, question, explanation=prefix + explain(merged, catalog))
        self.current, self.last = merged, answer
        self._remember(_turn(self.id, question, answer))
        return answer

    # -- history ---------------------------------------------------------------------------------------
    def _remember(self, turn: Turn) -> None:
        self.turns.append(turn)
        if self.record:
            self.history_path.parent.mkdir(parents=True, exist_ok=True)
            with self.history_path.open("a", encoding="utf-8") as out:
                out.write(turn.to_json() + "\n")


def _turn(session: str, question: str, answer: Answer) -> Turn:
    it = answer.interpretation
    return Turn(
        session,
        question,
        _now(),
        interpretation=None if it is None else it.model_dump(mode="json"),
        explanation=answer.explanation,
        sql=list(answer.sql),
        row_count=answer.row_count,
        elapsed_ms=round(answer.elapsed_ms, 3),
        rows=answer.rows()[:20],
    )


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _period_end(start: dt.date, grain: str) -> dt.date:
    from crmlens.query.compiler import shift_date

    return shift_date(truncate(start, grain), grain, 1) - dt.timedelta(days=1)


def read_history(path: Path) -> list[Turn]:
    """Every kept turn, oldest first."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(Turn(**json.loads(line)))
    return out
