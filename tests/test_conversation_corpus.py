"""Evaluation corpus of conversations: follow-up questions and drill-down (``engine.session()``).

Every conversation of tests/corpus/conversations.toml is run in a fresh ``engine.session(record=False)``;
each turn (a question, or a drill into a row of the previous answer) is compared with its expected
answer, written by hand in SQL from docs/metrics.md. The reference data is the demo database of the
question corpus (``generate_demo(customers=20_000, seed=42)``, as-of 2025-12-31) and answers are
compared with that corpus's own comparison (tests/test_query_corpus.py).

One test asserts the accuracy over all turns and prints the accuracy per language and every failing
turn with its reason; another that the corpus itself is sound.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from corpus_plugin import CaseResult, CorpusReport
from test_query_corpus import CJK, LANGS, compare, corpus_engine, normalize, short

from crmlens.engine import Engine

__all__ = ["corpus_engine"]  # the reference demo database, shared with the question corpus

CONVERSATIONS_PATH = Path(__file__).parent / "corpus" / "conversations.toml"

MIN_ACCURACY = 0.95
MIN_CONVERSATIONS = 30
MIN_TURNS = 120
MIN_ZH_SHARE = 0.40

CONVERSATION_KEYS = {"id", "turn"}
TURN_KEYS = {"question", "drill", "sql", "ordered", "ignore_columns"}
ORDER_BY = re.compile(r"ORDER BY (\w+)(?: (DESC|ASC))?(?: LIMIT (\d+))?\s*$", re.IGNORECASE)


# ── the corpus ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Turn:
    id: str  # "<conversation id>#<turn number>"
    lang: str
    question: str | None
    drill: dict[str, Any] | None
    sql: str
    ordered: bool
    ignore_columns: tuple[str, ...]

    @property
    def text(self) -> str:
        """The turn as a reader sees it: the question, or the drill with its row."""
        return self.question if self.question is not None else f"drill {self.drill}"


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]


def load_raw_conversations(path: Path = CONVERSATIONS_PATH) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    conversations = data.get("conversation", [])
    assert isinstance(conversations, list), "conversations.toml must be an array of [[conversation]] tables"
    return conversations


def to_conversation(raw: dict[str, Any]) -> Conversation:
    """A Conversation from a raw TOML table, tolerant of mistakes (test_conversation_corpus_is_valid
    reports them). A question's language is its script; a drill is in the language of the question before."""
    cid = str(raw.get("id", ""))
    turns: list[Turn] = []
    lang = "en"
    for i, t in enumerate(raw.get("turn", []), start=1):
        question = t.get("question")
        if isinstance(question, str):
            lang = "zh" if CJK.search(question) else "en"
        drill = t.get("drill")
        turns.append(
            Turn(
                id=f"{cid}#{i}",
                lang=lang,
                question=question if isinstance(question, str) else None,
                drill=drill if isinstance(drill, dict) else None,
                sql=str(t.get("sql", "")),
                ordered=bool(t.get("ordered", False)),
                ignore_columns=tuple(t.get("ignore_columns", ())),
            )
        )
    return Conversation(cid, tuple(turns))


# ── evaluating conversations ──────────────────────────────────────────────────────────────────────


def evaluate_conversation(engine: Engine, conversation: Conversation) -> list[CaseResult]:
    """Every turn of one conversation, asked in order in a fresh session. A turn that fails does not
    stop the conversation: the next turns follow up on whatever the session kept."""
    session = engine.session(record=False)
    results: list[CaseResult] = []
    for turn in conversation.turns:

        def result(passed: bool, reason: str = "", turn: Turn = turn) -> CaseResult:
            return CaseResult(turn.id, turn.lang, turn.text, "table", passed, reason)

        try:
            if turn.drill is not None:
                answer = session.drill(dict(turn.drill))
            else:
                assert turn.question is not None
                answer = session.ask(turn.question)
        except Exception as exc:  # a refusal or a crash is a failed turn, not a crashed run
            results.append(result(False, f"raised {short(exc)}"))
            continue
        table = getattr(answer, "table", None)
        explanation = str(getattr(answer, "explanation", "") or "").replace("\n", " ")
        understood = f" [understood as: {explanation}]" if explanation else ""
        if not isinstance(table, pd.DataFrame):
            results.append(result(False, f"the answer has no table (got {type(table).__name__}){understood}"))
            continue
        try:
            expected = engine.con.execute(turn.sql).df()
        except Exception as exc:
            results.append(result(False, f"the expected SQL failed: {short(exc)}"))
            continue
        reason = compare(table, expected, ordered=turn.ordered, ignore=turn.ignore_columns)
        results.append(result(True) if reason is None else result(False, reason + understood))
    return results


def summary(report: CorpusReport) -> str:
    """Accuracy per language and overall, then every failing turn with its reason."""
    lines = ["conversation corpus:"]
    for lang in sorted(LANGS):
        selected = report.select(lang=lang)
        passed = sum(r.passed for r in selected)
        lines.append(f"  {lang.upper()}: {report.accuracy(lang):.1%} ({passed}/{len(selected)} turns)")
    total = len(report.results)
    lines.append(f"  overall: {report.accuracy():.1%} ({total - len(report.failures)}/{total} turns)")
    if report.failures:
        lines.append(f"  {len(report.failures)} failing turns:")
        lines += [f"  - [{r.id}] {r.question!r}: {r.reason}" for r in report.failures]
    return "\n".join(lines)


# ── fixtures ──────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def raw_conversations() -> list[dict[str, Any]]:
    return load_raw_conversations()


@pytest.fixture(scope="module")
def conversation_report(corpus_engine: Engine, raw_conversations: list[dict[str, Any]]) -> CorpusReport:
    results: list[CaseResult] = []
    for raw in raw_conversations:
        results += evaluate_conversation(corpus_engine, to_conversation(raw))
    return CorpusReport(results)


# ── tests ─────────────────────────────────────────────────────────────────────────────────────────


def order_problems(engine: Engine, turn: Turn) -> list[str]:
    """An ordered answer must have one right order: no ties in its sort column (nor at a top N's cut)."""
    match = ORDER_BY.search(turn.sql.strip())
    if match is None:
        return []
    column, direction, limit = match.group(1), match.group(2) or "ASC", match.group(3)
    sql = turn.sql.strip()[: match.start()] + f"ORDER BY {column} {direction}"
    if limit is not None:
        sql += f" LIMIT {int(limit) + 1}"
    frame = engine.con.execute(sql).df()
    values = [normalize(v) for v in frame[column]] if column in frame.columns else []
    if len(set(values)) == len(values):
        return []
    return [f"[{turn.id}] ties in {column}: the order is ambiguous"]


def conversation_problems(engine: Engine, raws: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    conversations = [to_conversation(raw) for raw in raws]
    for raw, conversation in zip(raws, conversations, strict=True):
        where = f"[{conversation.id or '?'}]"
        if unknown := sorted(set(raw) - CONVERSATION_KEYS):
            problems.append(f"{where} unknown keys {unknown}")
        if not isinstance(raw.get("id"), str) or not conversation.id:
            problems.append(f"{where} needs a string id")
        raw_turns = raw.get("turn", [])
        if not isinstance(raw_turns, list) or len(raw_turns) < 2:
            problems.append(f"{where} a conversation has at least two turns")
            continue
        for i, (raw_turn, turn) in enumerate(zip(raw_turns, conversation.turns, strict=True)):
            at = f"[{turn.id}]"
            if unknown := sorted(set(raw_turn) - TURN_KEYS):
                problems.append(f"{at} unknown keys {unknown}")
            if ("question" in raw_turn) == ("drill" in raw_turn):
                problems.append(f"{at} a turn has either a question or a drill")
            if "question" in raw_turn and (turn.question is None or not turn.question.strip()):
                problems.append(f"{at} the question must be a non-empty string")
            if "drill" in raw_turn and (not turn.drill or i == 0):
                problems.append(f"{at} a drill is a non-empty table of a row of the previous answer")
            if not isinstance(raw_turn.get("ordered", False), bool):
                problems.append(f"{at} ordered must be true or false")
            if not all(isinstance(c, str) for c in raw_turn.get("ignore_columns", [])):
                problems.append(f"{at} ignore_columns must be a list of column names")
            if not turn.sql.strip():
                problems.append(f"{at} needs sql")
                continue
            try:
                expected = engine.con.execute(turn.sql).df()
            except Exception as exc:
                problems.append(f"{at} sql fails: {short(exc)}")
                continue
            columns = [str(c) for c in expected.columns]
            if expected.empty:
                problems.append(f"{at} sql returns no rows")
            if len(set(columns)) != len(columns):
                problems.append(f"{at} sql repeats column names {columns}")
            if not set(turn.ignore_columns) <= set(columns):
                problems.append(f"{at} ignore_columns {sorted(set(turn.ignore_columns) - set(columns))} not in the sql")
            if turn.drill:
                for key, value in turn.drill.items():
                    if not isinstance(value, str | dt.date):
                        problems.append(f"{at} drill value of {key!r} must be a string or a date")
            if turn.ordered:
                problems += order_problems(engine, turn)

    ids = Counter(c.id for c in conversations)
    problems += [f"duplicate id {i!r} ({n} conversations)" for i, n in ids.items() if n > 1]
    turns = [t for c in conversations for t in c.turns]
    zh = sum(t.lang == "zh" for t in turns)
    if len(conversations) < MIN_CONVERSATIONS:
        problems.append(f"{len(conversations)} conversations, need at least {MIN_CONVERSATIONS}")
    if len(turns) < MIN_TURNS:
        problems.append(f"{len(turns)} turns, need at least {MIN_TURNS}")
    if turns and zh / len(turns) < MIN_ZH_SHARE:
        problems.append(f"{zh} of {len(turns)} turns in Chinese, need at least {MIN_ZH_SHARE:.0%}")
    by_conversation = [{t.lang for t in c.turns if t.question is not None} for c in conversations]
    if not any(langs == {"zh"} for langs in by_conversation):
        problems.append("no conversation entirely in Chinese")
    if not any(langs == {"en", "zh"} for langs in by_conversation):
        problems.append("no conversation mixing English and Chinese")
    if not any(t.drill for t in turns):
        problems.append("no drill-down turn")
    return problems


def test_conversation_corpus_is_valid(corpus_engine: Engine, raw_conversations: list[dict[str, Any]]) -> None:
    problems = conversation_problems(corpus_engine, raw_conversations)
    assert not problems, f"{len(problems)} problems in {CONVERSATIONS_PATH.name}:\n" + "\n".join(problems)


def test_conversation_accuracy(conversation_report: CorpusReport, capsys: pytest.CaptureFixture[str]) -> None:
    text = summary(conversation_report)
    with capsys.disabled():
        print("\n" + text)
    accuracy = conversation_report.accuracy()
    assert accuracy >= MIN_ACCURACY, f"conversation accuracy {accuracy:.1%} < {MIN_ACCURACY:.0%}\n{text}"


def test_turns_follow_the_language_of_their_question() -> None:
    conversation = to_conversation(
        {
            "id": "c",
            "turn": [
                {"question": "今年各地区的销售额", "sql": "SELECT 1"},
                {"drill": {"region": "East China"}, "sql": "SELECT 1"},
                {"question": "by month", "sql": "SELECT 1"},
            ],
        }
    )
    assert [(t.id, t.lang) for t in conversation.turns] == [("c#1", "zh"), ("c#2", "zh"), ("c#3", "en")]
    assert conversation.turns[1].text == "drill {'region': 'East China'}"
