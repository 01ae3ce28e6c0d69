"""Column mapping: which canonical table a source feeds and which header feeds which column.

Headers are matched against each column's name and ``ColumnSpec.synonyms`` (English and Chinese):

====================================================  ==========
how the header matched                                 confidence
====================================================  ==========
named in the mapping file                              1.00
same name as the column (``order_id``, ``Order ID``)   1.00
a known synonym (``订单号``, ``Order No.``)            0.95
a synonym once a bracketed unit is dropped             0.90
                                                       (``金额（元）``, ``Amount (USD)``)
similar spelling (rapidfuzz ratio >= 80)               0.68-0.85
contains a synonym (``支付金额`` contains ``金额``)     0.60-0.85
====================================================  ==========

Headers and synonyms are compared after :func:`.headers.normalise_header`. Each column takes at most one
header and each header feeds at most one column, best confidence first; a header below 0.6 is not loaded
(and named in the report). When no table is given, every canonical table is scored by the confidence of
the columns it would get, plus 0.5 when the source's name names the table; tables missing a required
column are out; the best remaining table wins unless the runner-up is within 0.5 of it, which is an
ambiguity the user settles with ``--table``. When a table that lacks a required column fits clearly
better (by more than 0.5) than every complete one, the load stops and names the missing column rather
than loading a poor fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from crmlens.engine.ingest.headers import compact, normalise_header, without_brackets
from crmlens.engine.ingest.mapping_file import SourceMapping
from crmlens.engine.ingest.text_table import render_table
from crmlens.engine.schema import TABLES, TABLES_BY_NAME, TableSpec

MIN_CONFIDENCE = 0.6
NAME_HINT_BONUS = 0.5
AMBIGUITY_MARGIN = 0.5
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class ColumnMatch(BaseModel):
    """One source column and where it goes."""

    source_column: str
    column: str | None  # canonical column it loads into; None when it is not loaded
    confidence: float
    reason: str


class TableCandidate(BaseModel):
    """How well a source fits one canonical table."""

    table: str
    score: float
    matched: list[str]
    missing_required: list[str]


class MappingSuggestion(BaseModel):
    """The mapping proposed for one source (a file, a sheet, a database table)."""

    source: str
    table: str | None
    table_reason: str
    columns: list[ColumnMatch]
    missing_required: list[str]
    candidates: list[TableCandidate]
    problem: str | None = None  # why the source cannot be loaded as suggested (and what to do)
    warnings: list[str] = []

    @property
    def mapping(self) -> dict[str, str]:
        """canonical column -> source column, for the columns that load."""
        return {m.column: m.source_column for m in self.columns if m.column is not None}

    @property
    def unmapped(self) -> list[str]:
        """Source columns that are not loaded."""
        return [m.source_column for m in self.columns if m.column is None]

    def to_text(self) -> str:
        head = f"{self.source} -> {self.table or '(no table)'}: {self.table_reason}"
        rows = [
            [m.source_column, m.column or "(not loaded)", f"{m.confidence:.2f}" if m.column else "", m.reason]
            for m in self.columns
        ]
        lines = [head, _indent(render_table(["source column", "column", "confidence", "why"], rows, numeric=[2]))]
        if self.missing_required:
            lines.append(f"  missing required: {', '.join(self.missing_required)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.problem:
            lines.append(f"  problem: {self.problem}")
        return "\n".join(lines)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def __str__(self) -> str:
        return self.to_text()


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


@dataclass(frozen=True)
class _Term:
    column: str
    text: str
    compact: str
    is_name: bool
    cjk: bool


@cache
def _terms(table: str) -> tuple[_Term, ...]:
    terms = []
    for col in TABLES_BY_NAME[table].columns:
        for i, text in enumerate((col.name, *col.synonyms)):
            norm = normalise_header(text)
            terms.append(_Term(col.name, text, compact(norm), i == 0, bool(_CJK.search(norm))))
    return tuple(terms)


def _header_scores(header: str, table: str) -> dict[str, tuple[float, str]]:
    """column -> (confidence, reason) for every column of ``table`` the header could feed."""
    full = compact(normalise_header(header))
    bare = compact(without_brackets(header))
    best: dict[str, tuple[float, str]] = {}

    def offer(column: str, score: float, reason: str) -> None:
        if score > best.get(column, (0.0, ""))[0]:
            best[column] = (round(score, 2), reason)

    if not full:
        return best
    for term in _terms(table):
        if full == term.compact:
            offer(term.column, 1.0 if term.is_name else 0.95,
                  "same name as the column" if term.is_name else f"known header {term.text!r}")
            continue
        if bare and bare != full and bare == term.compact:
            offer(term.column, 0.9, f"known header {term.text!r} once the bracketed part is dropped")
            continue
        long_enough = len(term.compact) >= (2 if term.cjk else 4) and len(full) >= (2 if term.cjk else 4)
        if not long_enough:
            continue
        if (term.cjk or " " in normalise_header(term.text)) and term.compact in full:
            offer(term.column, 0.55 + 0.3 * len(term.compact) / len(full), f"contains {term.text!r}")
        ratio = fuzz.ratio(full, term.compact)
        if ratio >= 80 and (not term.cjk or len(term.compact) >= 4):
            offer(term.column, 0.85 * ratio / 100, f"similar to {term.text!r} ({ratio:.0f}%)")
    return best


@dataclass
class _Fit:
    spec: TableSpec
    matches: list[ColumnMatch]
    score: float
    name_hint: bool
    missing_required: list[str]
    bad_targets: list[str]  # mapping-file targets the table does not have

    @property
    def matched(self) -> list[str]:
        return [m.column for m in self.matches if m.column is not None]

    def candidate(self) -> TableCandidate:
        return TableCandidate(table=self.spec.name, score=round(self.score, 2), matched=self.matched,
                              missing_required=self.missing_required)


def _fit(headers: list[str], spec: TableSpec, settings: SourceMapping, label: str) -> _Fit:
    assigned: dict[str, ColumnMatch] = {}
    taken: set[str] = set()
    bad_targets: list[str] = []
    for header in headers:
        listed, column = settings.target_of(header)
        if not listed:
            continue
        if column is None:
            assigned[header] = ColumnMatch(source_column=header, column=None, confidence=1.0,
                                           reason="left out by the mapping file")
        elif column not in spec.column_names:
            bad_targets.append(f"{header!r} -> {column!r}")
        elif column in taken:
            bad_targets.append(f"{header!r} -> {column!r} (already fed by another header)")
        else:
            assigned[header] = ColumnMatch(source_column=header, column=column, confidence=1.0,
                                           reason="named in the mapping file")
            taken.add(column)
    if settings.auto:
        offers = []
        for position, header in enumerate(headers):
            if header in assigned:
                continue
            for column, (score, reason) in _header_scores(header, spec.name).items():
                if score >= MIN_CONFIDENCE and column not in taken:
                    offers.append((-score, position, header, column, reason))
        for neg_score, _, header, column, reason in sorted(offers):
            if header in assigned or column in taken:
                continue
            assigned[header] = ColumnMatch(source_column=header, column=column, confidence=-neg_score,
                                           reason=reason)
            taken.add(column)
    matches = [
        assigned.get(h) or ColumnMatch(source_column=h, column=None, confidence=0.0,
                                       reason=f"no similar column in {spec.name}" if settings.auto
                                       else "not named in the mapping file")
        for h in headers
    ]
    hint = _names_table(label, spec)
    score = sum(m.confidence for m in matches if m.column is not None) + (NAME_HINT_BONUS if hint else 0.0)
    missing = [c.name for c in spec.columns if c.required and c.name not in taken]
    return _Fit(spec, matches, score, hint, missing, bad_targets)


def _names_table(label: str, spec: TableSpec) -> bool:
    """Whether the source's own name (file stem, sheet, database table) names ``spec``'s table."""
    name = label.rsplit("#", 1)[-1] if "#" in label else label.rsplit("/", 1)[-1].split(".", 1)[0]
    norm = normalise_header(name)
    words = {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in norm.split()}
    whole = compact(norm)
    targets = {compact(normalise_header(t)) for t in (spec.name, spec.name.rstrip("s"), *spec.synonyms)}
    if whole in targets or whole.rstrip("s") in targets or words & targets:
        return True
    return any(_CJK.search(t) and t in whole for t in targets)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _missing_problem(fit: _Fit, label: str, inferred: bool) -> str:
    missing = fit.missing_required
    left = [m.source_column for m in fit.matches if m.column is None]
    them = "it" if len(missing) == 1 else "them"
    if left:
        shown = ", ".join(left[:12]) + (", ..." if len(left) > 12 else "")
        text = f"{fit.spec.name} needs {_join(missing)}; none of the columns {shown} matched {them}."
    else:
        text = f"{fit.spec.name} needs {_join(missing)}; {label} has no other column that could be {them}."
    text += " Map one with --mapping or rename the header."
    if inferred:
        text = (f"{label} looks most like {fit.spec.name} (matched {', '.join(fit.matched) or 'nothing'}), "
                f"but {text} If it is another table, name it with --table.")
    return text


def suggest(label: str, headers: list[str], *, table: str | None, settings: SourceMapping) -> MappingSuggestion:
    """The mapping for one source with columns ``headers``; ``problem`` says why it cannot load, if so."""
    chosen_table = table or settings.table
    specs = [TABLES_BY_NAME[chosen_table]] if chosen_table else list(TABLES)
    fits = sorted((_fit(headers, spec, settings, label) for spec in specs), key=lambda f: -f.score)
    candidates = [f.candidate() for f in fits[:3]]

    def result(fit: _Fit | None, reason: str, problem: str | None) -> MappingSuggestion:
        return MappingSuggestion(
            source=label, table=fit.spec.name if fit else None, table_reason=reason,
            columns=fit.matches if fit else [
                ColumnMatch(source_column=h, column=None, confidence=0.0, reason="no table chosen")
                for h in headers
            ],
            missing_required=fit.missing_required if fit else [], candidates=candidates,
            problem=problem,
        )

    if not headers:
        return result(None, "no columns", f"{label} has no columns.")
    if chosen_table:
        fit = fits[0]
        why = "given with --table" if table else "named in the mapping file"
        if fit.bad_targets:
            return result(fit, why, _bad_target_problem(fit))
        return result(fit, why, _missing_problem(fit, label, inferred=False) if fit.missing_required else None)

    eligible = [f for f in fits if not f.missing_required and not f.bad_targets and f.matched]
    if not eligible:
        best = next((f for f in fits if f.matched), None)
        if best is None:
            shown = ", ".join(headers[:12]) + (", ..." if len(headers) > 12 else "")
            return result(None, "no table matches", (
                f"None of the columns of {label} ({shown}) match a column of any crmlens table. "
                f"Name the table with --table and map the columns with --mapping; "
                f"the tables are {', '.join(TABLES_BY_NAME)}."))
        if best.bad_targets:
            return result(best, "inferred from the headers", _bad_target_problem(best))
        return result(best, "closest match", _missing_problem(best, label, inferred=True))
    best = eligible[0]
    closest = fits[0]
    if closest is not best and closest.score - best.score > AMBIGUITY_MARGIN and not closest.bad_targets:
        # the headers fit a table better than any table they can fill: say what that table lacks
        return result(closest, "closest match", _missing_problem(closest, label, inferred=True))
    runner_up = eligible[1] if len(eligible) > 1 else None
    reason = f"inferred: {len(best.matched)} columns matched, score {best.score:.2f}"
    if best.name_hint:
        reason += f", and the name {label.rsplit('/', 1)[-1]!r} fits"
    if runner_up is not None:
        reason += f"; next best {runner_up.spec.name} ({runner_up.score:.2f})"
        if best.score - runner_up.score < AMBIGUITY_MARGIN:
            return result(best, reason, (
                f"Cannot tell which table {label} is: it fits {best.spec.name} "
                f"({', '.join(best.matched)}) and {runner_up.spec.name} ({', '.join(runner_up.matched)}) "
                f"about equally. Name the table with --table (or table = \"...\" in the mapping file)."))
    return result(best, reason, None)


def _bad_target_problem(fit: _Fit) -> str:
    return (f"The mapping file maps {'; '.join(fit.bad_targets)}, which {fit.spec.name} cannot take. "
            f"{fit.spec.name} has the columns {', '.join(fit.spec.column_names)}.")
