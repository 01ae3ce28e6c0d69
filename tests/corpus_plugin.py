"""pytest plugin of the question corpus (tests/corpus/questions.toml): at the end of the run it prints
the accuracy per language and overall, the accuracy per tag, and every failing case with its reason.

Enabled from tests/conftest.py with ``pytest_plugins = ["corpus_plugin"]``. test_query_corpus.py
registers it itself when that line is missing, so the summary is printed either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one corpus case."""

    id: str
    lang: str
    question: str
    expect: str
    passed: bool
    reason: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class CorpusReport:
    """Every case's outcome, filled by test_query_corpus.py and printed by this plugin."""

    results: list[CaseResult] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return f"CorpusReport({len(self.results)} cases, {len(self.results) - len(self.failures)} passed)"

    def select(self, *, lang: str | None = None, tag: str | None = None) -> list[CaseResult]:
        return [r for r in self.results if (lang is None or r.lang == lang) and (tag is None or tag in r.tags)]

    @staticmethod
    def accuracy_of(results: Iterable[CaseResult]) -> float:
        results = list(results)
        return sum(r.passed for r in results) / len(results) if results else 0.0

    def accuracy(self, lang: str | None = None) -> float:
        return self.accuracy_of(self.select(lang=lang))

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


REPORT_KEY = pytest.StashKey[CorpusReport]()


def _line(label: str, results: list[CaseResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{label:<30} {passed:>4}/{len(results):<4} {CorpusReport.accuracy_of(results):7.1%}"


def _tag_summary_key(tag: str) -> str | None:
    """Tags summarised in the per-tag lines: every tag except the paraphrase groups (too many)."""
    return None if tag.startswith("paraphrase:") else tag


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    report = config.stash.get(REPORT_KEY, None)
    if report is None or not report.results:
        return
    tr = terminalreporter
    tr.section("question corpus")
    for lang in LANGUAGES:
        tr.write_line(_line(f"accuracy {lang.upper()}", report.select(lang=lang)))
    tr.write_line(_line("accuracy overall", report.results))
    tr.write_line(_line("  answers (table)", [r for r in report.results if r.expect == "table"]))
    tr.write_line(_line("  refusals", [r for r in report.results if r.expect == "refuse"]))
    routed = [r for r in report.results if r.expect == "analysis"]
    if routed:
        tr.write_line(_line("  routed to analyses", routed))

    tags = Counter(key for r in report.results for t in r.tags if (key := _tag_summary_key(t)) is not None)
    if tags:
        tr.write_line("by tag:")
        for tag in sorted(tags):
            tr.write_line("  " + _line(tag, report.select(tag=tag)))

    groups = sorted({t for r in report.results for t in r.tags if t.startswith("paraphrase:")})
    split = [g for g in groups if 0 < sum(r.passed for r in report.select(tag=g)) < len(report.select(tag=g))]
    if groups:
        tr.write_line(f"paraphrase groups answered inconsistently: {len(split)}/{len(groups)}")

    failures = report.failures
    tr.write_line(f"failures ({len(failures)}):")
    for r in failures:
        tr.write_line(f"  [{r.id}] ({r.lang}) {r.question}")
        tr.write_line(f"      -> {r.reason}")
