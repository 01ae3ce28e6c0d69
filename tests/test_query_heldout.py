"""Held-out evaluation set of the question-answering layer (``Engine.ask``).

tests/corpus/questions.toml is the development corpus: the parser was tuned on it, so its pass rate says
little about questions nobody has seen. tests/corpus/heldout.toml holds questions written without
looking at that corpus or at the parser, with expected answers in hand-written SQL from docs/metrics.md.

Every held-out case is evaluated exactly like a development case (same reference database, same
``evaluate`` and comparison, imported from test_query_corpus.py). The accuracy is a *measurement*,
not a gate: ``test_heldout_accuracy`` never fails on a low score. It is deliberately left unmarked
(neither ``slow`` nor skipped) so it runs in every CI run and under ``-m "not slow"``. The accuracy per
language, per tag and every failure with its reason, grouped by cause, are printed in a "held-out
question set" section at the end of the run (also without ``-s``) and by the test itself.
``test_heldout_is_valid`` does gate: the set must stay sound.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from corpus_plugin import LANGUAGES, CaseResult, CorpusReport

# corpus_engine is the development corpus' session fixture (the reference demo database), reused as is.
from test_query_corpus import (
    CORPUS_PATH,
    corpus_engine,  # noqa: F401
    corpus_problems,
    evaluate,
    load_raw_cases,
    short,
    to_case,
)

from crmlens.engine import Engine

HELDOUT_PATH = Path(__file__).parent / "corpus" / "heldout.toml"

MIN_CASES = 120
MIN_ZH_CASES = 50
MIN_REFUSALS = 10

HELDOUT_REPORT_KEY = pytest.StashKey[CorpusReport]()


# ── the report ────────────────────────────────────────────────────────────────────────────────────

# Why a case failed, from the reason ``evaluate`` gives (first match wins).
CAUSES: tuple[tuple[str, str], ...] = (
    ("answered instead of refusing", "answered a question it should have refused"),
    ("refused: ", "refused a question it should have answered"),
    ("raised ", "crashed"),
    ("the answer has no table", "answered without a table"),
    ("missing columns", "wrong columns: another metric, dimension or grain"),
    ("repeats columns", "wrong columns: another metric, dimension or grain"),
    (" rows, expected ", "wrong number of rows: another period, filter or grouping"),
    ("expected rows not in the answer", "wrong values: another period, filter or definition"),
    ("row ", "wrong values or order"),
    ("the expected SQL failed", "the held-out case itself is broken"),
)


def cause_of(result: CaseResult) -> str:
    return next((cause for marker, cause in CAUSES if marker in result.reason), "other")


def _line(label: str, results: list[CaseResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{label:<34} {passed:>4}/{len(results):<4} {CorpusReport.accuracy_of(results):7.1%}"


def summary_lines(report: CorpusReport) -> list[str]:
    lines = [_line(f"accuracy {lang.upper()}", report.select(lang=lang)) for lang in LANGUAGES]
    lines.append(_line("accuracy overall", report.results))
    lines.append(_line("  answers (table)", [r for r in report.results if r.expect == "table"]))
    lines.append(_line("  refusals", [r for r in report.results if r.expect == "refuse"]))
    tags = sorted({t for r in report.results for t in r.tags})
    if tags:
        lines.append("by tag:")
        lines += ["  " + _line(tag, report.select(tag=tag)) for tag in tags]
    failures = report.failures
    lines.append(f"failures ({len(failures)}), by cause:")
    by_cause: dict[str, list[CaseResult]] = {}
    for r in failures:
        by_cause.setdefault(cause_of(r), []).append(r)
    for cause, results in sorted(by_cause.items(), key=lambda item: -len(item[1])):
        lines.append(f"  {cause} ({len(results)}):")
        for r in results:
            lines.append(f"    [{r.id}] ({r.lang}) {r.question}")
            lines.append(f"        -> {r.reason}")
    return lines


class HeldoutSummary:
    """Prints the held-out report in its own terminal-summary section (corpus_plugin keeps one report
    only, the development corpus', so this set brings its own section)."""

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        report = config.stash.get(HELDOUT_REPORT_KEY, None)
        if report is None or not report.results:
            return
        terminalreporter.section("held-out question set")
        for line in summary_lines(report):
            terminalreporter.write_line(line)


# ── fixtures ──────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def heldout_raw() -> list[dict[str, Any]]:
    return load_raw_cases(HELDOUT_PATH)


@pytest.fixture(scope="module")
def heldout_report(
    corpus_engine: Engine,  # noqa: F811
    heldout_raw: list[dict[str, Any]],
    pytestconfig: pytest.Config,
) -> CorpusReport:
    if pytestconfig.pluginmanager.get_plugin("heldout_summary") is None:
        pytestconfig.pluginmanager.register(HeldoutSummary(), "heldout_summary")
    report = CorpusReport([evaluate(corpus_engine, to_case(raw)) for raw in heldout_raw])
    pytestconfig.stash[HELDOUT_REPORT_KEY] = report
    return report


# ── tests ─────────────────────────────────────────────────────────────────────────────────────────


def _key(question: str) -> str:
    return " ".join(question.casefold().split())


def test_heldout_is_valid(corpus_engine: Engine, heldout_raw: list[dict[str, Any]]) -> None:  # noqa: F811
    cases = [to_case(raw) for raw in heldout_raw]
    # The development corpus' checks of each case (keys, language vs script, expect, sql runs and returns
    # rows, distinct columns, ignore_columns, list size, ties in a top N): the problems naming a case.
    # Its totals (sized for the development corpus) do not apply here.
    problems = [p for p in corpus_problems(corpus_engine, heldout_raw) if p.startswith("[")]

    ids = Counter(c.id for c in cases)
    problems += [f"duplicate id {i!r} ({n} cases)" for i, n in ids.items() if n > 1]
    for case in cases:
        if case.expect != "table" or not isinstance(case.sql, str):
            continue
        try:
            rows = len(corpus_engine.con.execute(case.sql).fetchall())
        except Exception as exc:
            problems.append(f"[{case.id}] sql fails: {short(exc)}")
            continue
        if rows < 1:
            problems.append(f"[{case.id}] sql returns no rows")

    # Held out means not in the development corpus.
    dev = [to_case(raw) for raw in load_raw_cases(CORPUS_PATH)]
    dev_ids, dev_questions = {c.id for c in dev}, {_key(c.question) for c in dev}
    problems += [f"[{c.id}] id also used in {CORPUS_PATH.name}" for c in cases if c.id in dev_ids]
    problems += [f"[{c.id}] question also in {CORPUS_PATH.name}" for c in cases if _key(c.question) in dev_questions]

    langs = Counter(c.lang for c in cases)
    checks = [
        (len(cases), MIN_CASES, "cases"),
        (langs["zh"], MIN_ZH_CASES, "Chinese cases"),
        (sum(c.expect == "refuse" for c in cases), MIN_REFUSALS, "refusals"),
    ]
    problems += [f"{have} {what}, need at least {need}" for have, need, what in checks if have < need]
    problems = list(dict.fromkeys(problems))  # the same problem found by both checks is reported once
    assert not problems, f"{len(problems)} problems in {HELDOUT_PATH.name}:\n" + "\n".join(problems)


def test_heldout_accuracy(heldout_report: CorpusReport, heldout_raw: list[dict[str, Any]]) -> None:
    """A measurement, not a gate: prints the accuracy and the failures, asserts only that every case
    was evaluated."""
    lines = summary_lines(heldout_report)
    print("\n== held-out question set ==\n" + "\n".join(lines))
    assert len(heldout_report.results) == len(heldout_raw), "every held-out case must be evaluated"
