"""Evaluation corpus of the question-answering layer (``Engine.ask``).

Every case of tests/corpus/questions.toml is a question in English or Chinese with its expected answer
written by hand in SQL from docs/metrics.md, or a question that must be refused. The demo database
(``generate_demo(customers=20_000, seed=42)``, as-of 2025-12-31) is the reference data.

All cases are evaluated once per session; one test asserts the overall accuracy, another that the
corpus itself is sound. The per-language accuracy and every failure are printed at the end of the run
by tests/corpus_plugin.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import corpus_plugin
import numpy as np
import pandas as pd
import pytest
from corpus_plugin import REPORT_KEY, CaseResult, CorpusReport

from crmlens.engine import Engine, MissingDataError, NotUnderstoodError

CORPUS_PATH = Path(__file__).parent / "corpus" / "questions.toml"
METRICS_DOC = Path(__file__).parents[1] / "docs" / "metrics.md"

# The reference data: these defaults are what the expected SQL of the corpus was checked against.
DEMO_CUSTOMERS = 20_000
DEMO_SEED = 42

MIN_ACCURACY = 0.95
MIN_CASES = 270
MIN_ZH_CASES = 110
MIN_MISSPELLINGS = 20
MIN_REFUSALS = 25
MIN_PARAPHRASE_GROUPS = 30

REL_TOL = 1e-6
ABS_TOL = 1e-9

LANGS = {"en", "zh"}
EXPECTS = {"table", "refuse", "analysis"}
KNOWN_KEYS = {"id", "lang", "question", "expect", "ordered", "ignore_columns", "sql", "tags", "analysis"}
REFUSAL_ERRORS = (NotUnderstoodError, MissingDataError)
CJK = re.compile(r"[\u4e00-\u9fff]")
TOP_N = re.compile(r"ORDER BY (\w+) (DESC|ASC) LIMIT (\d+)", re.IGNORECASE)
MAX_LIST_ROWS = 100  # list answers stop at 100 rows unless the question names a number


# ── the corpus ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Case:
    id: str
    lang: str
    question: str
    expect: str
    ordered: bool
    ignore_columns: tuple[str, ...]
    sql: str | None
    tags: tuple[str, ...]
    analysis: str | None = None  # expect = "analysis": the analysis the question must be routed to


def load_raw_cases(path: Path = CORPUS_PATH) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    cases = data.get("case", [])
    assert isinstance(cases, list), "questions.toml must be an array of [[case]] tables"
    return cases


def to_case(raw: dict[str, Any]) -> Case:
    """A Case from a raw TOML table, tolerant of mistakes (test_corpus_is_valid reports them)."""
    return Case(
        id=str(raw.get("id", "")),
        lang=str(raw.get("lang", "")),
        question=str(raw.get("question", "")),
        expect=str(raw.get("expect", "table")),
        ordered=bool(raw.get("ordered", False)),
        ignore_columns=tuple(raw.get("ignore_columns", ())),
        sql=raw.get("sql"),
        tags=tuple(raw.get("tags", ())),
        analysis=raw.get("analysis"),
    )


# ── comparing answers ─────────────────────────────────────────────────────────────────────────────

Value = None | bool | float | str


def normalize(value: Any) -> Value:
    """One cell as a comparable value: None for any missing value, float for numbers, ISO strings
    for dates and timestamps (a timestamp at midnight counts as its date), str for the rest."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer | Decimal):
        return float(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):  # includes pd.Timestamp
        if value.tzinfo is None and value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def values_equal(actual: Value, expected: Value) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, float) and isinstance(expected, float):
        return math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return type(actual) is type(expected) and actual == expected


def rows_equal(actual: tuple[Value, ...], expected: tuple[Value, ...]) -> bool:
    return all(values_equal(a, e) for a, e in zip(actual, expected, strict=True))


def fmt_row(row: tuple[Value, ...]) -> str:
    return "(" + ", ".join(f"{v:.6g}" if isinstance(v, float) else repr(v) for v in row) + ")"


def rows_of(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[Value, ...]]:
    return [tuple(normalize(v) for v in row) for row in frame[list(columns)].itertuples(index=False, name=None)]


def compare(actual: pd.DataFrame, expected: pd.DataFrame, *, ordered: bool, ignore: Sequence[str] = ()) -> str | None:
    """None when ``actual`` answers like ``expected`` (on expected's columns), else why not."""
    columns = [str(c) for c in expected.columns if c not in ignore]
    answer_columns = [str(c) for c in actual.columns]
    missing = [c for c in columns if c not in answer_columns]
    if missing:
        return f"missing columns {missing}; the answer has {answer_columns}"
    duplicated = sorted(c for c, n in Counter(answer_columns).items() if n > 1 and c in columns)
    if duplicated:
        return f"the answer repeats columns {duplicated}"
    got, want = rows_of(actual, columns), rows_of(expected, columns)
    if len(got) != len(want):
        return f"{len(got)} rows, expected {len(want)} (columns {columns}); first rows {[fmt_row(r) for r in got[:3]]}"
    if ordered:
        for i, (a, e) in enumerate(zip(got, want, strict=True)):
            if not rows_equal(a, e):
                return f"row {i} of {columns}: got {fmt_row(a)}, expected {fmt_row(e)}"
        return None
    # Unordered: rows are matched by their non-numeric cells first, then numbers within tolerance.
    buckets: dict[tuple[Value, ...], list[tuple[Value, ...]]] = defaultdict(list)
    for row in got:
        buckets[tuple("#" if isinstance(v, float) else v for v in row)].append(row)
    unmatched: list[tuple[Value, ...]] = []
    for row in want:
        bucket = buckets.get(tuple("#" if isinstance(v, float) else v for v in row), [])
        hit = next((i for i, candidate in enumerate(bucket) if rows_equal(candidate, row)), None)
        if hit is None:
            unmatched.append(row)
        else:
            bucket.pop(hit)
    if unmatched:
        extra = [row for bucket in buckets.values() for row in bucket]
        return (
            f"{len(unmatched)} of {len(want)} expected rows not in the answer (columns {columns}): "
            f"expected {[fmt_row(r) for r in unmatched[:3]]}, unmatched answer rows {[fmt_row(r) for r in extra[:3]]}"
        )
    return None


# ── evaluating cases ──────────────────────────────────────────────────────────────────────────────


def short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evaluate(engine: Engine, case: Case) -> CaseResult:
    def result(passed: bool, reason: str = "") -> CaseResult:
        return CaseResult(case.id, case.lang, case.question, case.expect, passed, reason, case.tags)

    if case.expect == "analysis":
        # Routing is what the case checks: interpret the question, do not run the analysis (the
        # analyses have their own tests, and running them here would cost minutes).
        from crmlens.query.answer import interpret

        try:
            it = interpret(engine, case.question)
        except Exception as exc:
            return result(False, f"raised {short(exc)}")
        routed = (it.kind, it.analysis)
        if routed == ("analysis", case.analysis):
            return result(True)
        return result(False, f"routed to {routed}, expected ('analysis', {case.analysis!r})")
    try:
        answer = engine.ask(case.question)
    except REFUSAL_ERRORS as exc:
        if case.expect == "refuse":
            return result(True)
        return result(False, f"refused: {short(exc)}")
    except Exception as exc:  # a crash is a failed case, not a crashed run
        return result(False, f"raised {short(exc)}")

    table = getattr(answer, "table", None)
    explanation = str(getattr(answer, "explanation", "") or "").replace("\n", " ")
    understood = f" [understood as: {explanation}]" if explanation else ""
    if case.expect == "refuse":
        shape = f"{table.shape[0]} rows x {list(table.columns)}" if isinstance(table, pd.DataFrame) else "an answer"
        return result(False, f"answered instead of refusing: {shape}{understood}")
    if case.expect == "analysis":
        it = getattr(answer, "interpretation", None)
        routed = (getattr(it, "kind", None), getattr(it, "analysis", None))
        if routed == ("analysis", case.analysis):
            return result(True)
        return result(False, f"routed to {routed}, expected ('analysis', {case.analysis!r}){understood}")
    if not isinstance(table, pd.DataFrame):
        return result(False, f"the answer has no table (got {type(table).__name__}){understood}")
    assert case.sql is not None
    try:
        expected = engine.con.execute(case.sql).df()
    except Exception as exc:
        return result(False, f"the expected SQL failed: {short(exc)}")
    reason = compare(table, expected, ordered=case.ordered, ignore=case.ignore_columns)
    return result(True) if reason is None else result(False, reason + understood)


# ── fixtures ──────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def corpus_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The reference demo database, built once, then reopened read-only so no question can change it."""
    with pytest.MonkeyPatch.context() as mp:
        # Session fixtures run before conftest's function-scoped isolation: isolate here as well.
        mp.setenv("CRMLENS_HOME", str(tmp_path_factory.getbasetemp() / "crmlens-home"))
        mp.delenv("CRMLENS_DB", raising=False)
        path = tmp_path_factory.mktemp("query-corpus") / "demo.duckdb"
        builder = Engine.open(path)
        try:
            builder.generate_demo(customers=DEMO_CUSTOMERS, seed=DEMO_SEED)
        finally:
            builder.close()
        engine = Engine.open(path, read_only=True)
        yield engine
        engine.close()


@pytest.fixture(scope="session")
def raw_cases() -> list[dict[str, Any]]:
    return load_raw_cases()


@pytest.fixture(scope="session")
def corpus_report(corpus_engine: Engine, raw_cases: list[dict[str, Any]], pytestconfig: pytest.Config) -> CorpusReport:
    if not pytestconfig.pluginmanager.is_registered(corpus_plugin):
        pytestconfig.pluginmanager.register(corpus_plugin, "corpus_plugin")
    report = CorpusReport([evaluate(corpus_engine, to_case(raw)) for raw in raw_cases])
    pytestconfig.stash[REPORT_KEY] = report
    return report


# ── tests ─────────────────────────────────────────────────────────────────────────────────────────


def documented_metrics(path: Path = METRICS_DOC) -> list[str]:
    """Metric names of the '## Metrics' table of docs/metrics.md."""
    text = path.read_text(encoding="utf-8")
    section = text.split("## Metrics", 1)[1].split("## Dimensions", 1)[0]
    # The core plugin's metrics: other plugins' metrics (sentiment, churn risk, ...) exist only once
    # their analyses have saved results, and are tested by those plugins.
    return re.findall(r"^\| `(\w+)` \|.*\| core \|$", section, flags=re.MULTILINE)


def top_n_ties(engine: Engine, case: Case, top: re.Match[str]) -> list[str]:
    """A top N whose N-th and (N+1)-th rows tie, or with ties inside, has no single right answer."""
    assert case.sql is not None
    column, direction, n = top.group(1), top.group(2), int(top.group(3))
    wider = case.sql.replace(top.group(0), f"ORDER BY {column} {direction} LIMIT {n + 1}")
    frame = engine.con.execute(wider).df()
    if column not in frame.columns:
        return []
    values = [normalize(v) for v in frame[column]]
    if len(set(values)) == len(values):
        return []
    return [f"[{case.id}] ties among the top {n} + 1 rows by {column}: the order is ambiguous"]


def corpus_problems(engine: Engine, raws: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    cases = [to_case(raw) for raw in raws]
    for raw, case in zip(raws, cases, strict=True):
        where = f"[{case.id or '?'}]"
        if unknown := sorted(set(raw) - KNOWN_KEYS):
            problems.append(f"{where} unknown keys {unknown}")
        if not case.id or not isinstance(raw.get("id"), str):
            problems.append(f"{where} needs a string id")
        if case.lang not in LANGS:
            problems.append(f"{where} lang must be one of {sorted(LANGS)}")
        elif (case.lang == "zh") != bool(CJK.search(case.question)):
            problems.append(f"{where} lang {case.lang!r} does not match the question's script")
        if not isinstance(raw.get("question"), str) or not case.question.strip():
            problems.append(f"{where} needs a question")
        if case.expect not in EXPECTS or "expect" not in raw:
            problems.append(f"{where} expect must be one of {sorted(EXPECTS)}")
        if not isinstance(raw.get("ordered", False), bool):
            problems.append(f"{where} ordered must be true or false")
        if not all(isinstance(c, str) for c in raw.get("ignore_columns", [])):
            problems.append(f"{where} ignore_columns must be a list of column names")
        if not all(isinstance(t, str) for t in raw.get("tags", [])):
            problems.append(f"{where} tags must be a list of strings")
        if case.expect == "refuse":
            if case.sql is not None:
                problems.append(f"{where} a refusal has no sql")
            continue
        if case.expect == "analysis":
            if case.sql is not None or not isinstance(case.analysis, str) or not case.analysis:
                problems.append(f"{where} an analysis case has an analysis name and no sql")
            elif case.analysis not in {a.name for a in engine.analyses()}:
                problems.append(f"{where} no installed plugin provides the analysis {case.analysis!r}")
            continue
        if not isinstance(case.sql, str) or not case.sql.strip():
            problems.append(f"{where} needs sql")
            continue
        try:
            expected = engine.con.execute(case.sql).df()
        except Exception as exc:
            problems.append(f"{where} sql fails: {short(exc)}")
            continue
        columns = [str(c) for c in expected.columns]
        if expected.empty:
            problems.append(f"{where} sql returns no rows")
        if len(set(columns)) != len(columns):
            problems.append(f"{where} sql repeats column names {columns}")
        if not set(case.ignore_columns) <= set(columns):
            problems.append(f"{where} ignore_columns {sorted(set(case.ignore_columns) - set(columns))} not in the sql")
        if set(columns) <= set(case.ignore_columns):
            problems.append(f"{where} every column is ignored")
        if "list" in case.tags and len(expected) > MAX_LIST_ROWS:
            problems.append(f"{where} a list of {len(expected)} rows would be cut at {MAX_LIST_ROWS}: ambiguous")
        if case.ordered and (top := TOP_N.search(case.sql)) is not None:
            problems += top_n_ties(engine, case, top)

    ids = Counter(c.id for c in cases)
    problems += [f"duplicate id {i!r} ({n} cases)" for i, n in ids.items() if n > 1]

    langs = Counter(c.lang for c in cases)
    tags = Counter(t for c in cases for t in c.tags)
    groups = {t: n for t, n in tags.items() if t.startswith("paraphrase:")}
    checks = [
        (len(cases), MIN_CASES, "cases"),
        (langs["zh"], MIN_ZH_CASES, "Chinese cases"),
        (tags["misspelling"], MIN_MISSPELLINGS, "misspelling cases"),
        (sum(c.expect == "refuse" for c in cases), MIN_REFUSALS, "refusals"),
        (sum(n >= 2 for n in groups.values()), MIN_PARAPHRASE_GROUPS, "paraphrase groups"),
    ]
    problems += [f"{have} {what}, need at least {need}" for have, need, what in checks if have < need]
    problems += [f"paraphrase group {g!r} has a single case" for g, n in groups.items() if n < 2]

    if METRICS_DOC.exists():
        answered: dict[str, set[str]] = defaultdict(set)
        for case in cases:
            if case.expect == "table" and isinstance(case.sql, str):
                for column in re.findall(r"\bAS\s+(\w+)", case.sql, flags=re.IGNORECASE):
                    answered[column.lower()].add(case.lang)
        for metric in documented_metrics():
            if missing_langs := LANGS - answered.get(metric, set()):
                problems.append(f"metric {metric!r} has no {'/'.join(sorted(missing_langs))} case")
    return problems


def test_corpus_is_valid(corpus_engine: Engine, raw_cases: list[dict[str, Any]]) -> None:
    problems = corpus_problems(corpus_engine, raw_cases)
    assert not problems, f"{len(problems)} problems in {CORPUS_PATH.name}:\n" + "\n".join(problems)


def test_corpus_accuracy(corpus_report: CorpusReport) -> None:
    accuracy = corpus_report.accuracy()
    per_lang = ", ".join(f"{lang.upper()} {corpus_report.accuracy(lang):.1%}" for lang in sorted(LANGS))
    failing = ", ".join(r.id for r in corpus_report.failures)
    assert accuracy >= MIN_ACCURACY, (
        f"question corpus accuracy {accuracy:.1%} < {MIN_ACCURACY:.0%} ({per_lang}); "
        f"{len(corpus_report.failures)} failing cases (reasons in the 'question corpus' summary): {failing}"
    )


# ── the comparison itself ─────────────────────────────────────────────────────────────────────────


def test_compare_accepts_equal_answers_up_to_order_tolerance_and_types() -> None:
    expected = pd.DataFrame(
        {"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "region": ["East", None], "revenue": [10.0, 2.5]}
    )
    actual = pd.DataFrame(
        {
            "revenue": [Decimal("2.5000000001"), 10],
            "region": [None, "East"],
            "month": [dt.date(2025, 2, 1), "2025-01-01"],
            "extra": [1, 2],
        }
    )
    assert compare(actual, expected, ordered=False) is None
    assert compare(actual, expected, ordered=True) is not None
    assert compare(actual.iloc[::-1], expected, ordered=True) is None


def test_compare_rejects_wrong_values_columns_and_rows() -> None:
    expected = pd.DataFrame({"city": ["Shanghai", "Beijing"], "orders": [3, 4]})
    assert "missing columns" in str(compare(expected.rename(columns={"city": "town"}), expected, ordered=False))
    assert "rows" in str(compare(expected.head(1), expected, ordered=False))
    assert compare(expected.assign(orders=[3, 4.001]), expected, ordered=False) is not None
    assert compare(expected.assign(city=["shanghai", "Beijing"]), expected, ordered=False) is not None
    assert compare(expected.assign(orders=[3.0, math.nan]), expected, ordered=False) is not None
    assert compare(expected.assign(orders=[3, 4.000000001]), expected, ordered=False) is None
    assert compare(expected.assign(orders=[9, 9]), expected, ordered=False, ignore=["orders"]) is None
