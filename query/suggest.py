"""'Did you mean …?': up to three questions close to one that was not understood, each of which the
parser does understand on this database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from crmlens.query.lexicon import has_chinese, normalize

if TYPE_CHECKING:
    from crmlens.query.parser import Parser

_COMMON_DIMS = (
    "region",
    "order_channel",
    "city",
    "category",
    "device",
    "acquisition_channel",
    "owner",
    "feedback_channel",
    "ticket_category",
    "review_source",
)


def candidate_questions(parser: Parser, language: str) -> list[str]:
    """Questions built from the catalog (metric, metric by dimension, by month) and analysis phrases,
    limited to what the loaded data can answer. Cached per parser and language."""
    cache: dict[str, list[str]] = parser.__dict__.setdefault("_candidates", {})
    if language in cache:
        return cache[language]
    cat = parser.catalog
    zh = language == "zh"
    out: list[str] = []
    for m in cat.metrics.values():
        needs = m.requires or ({str(m.table): []} if m.table else {})
        if cat.missing_tables(needs):
            continue
        title = (m.title_zh or m.title) if zh else m.title.lower()
        out.append(title)
        out.append(f"每月{title}" if zh else f"{title} by month")
        base = m.table
        for dname in _COMMON_DIMS:
            d = cat.dimensions.get(dname)
            if d is None or not cat.loaded(d.table):
                continue
            if base and cat.graph.path(base, d.table) is None:
                continue
            out.append(f"按{d.title_zh or d.title}统计{title}" if zh else f"{title} by {d.title.lower()}")
    for p in cat.phrases:
        if p.analysis in cat.analyses and (p.language == "zh") == zh:
            a = cat.analyses[p.analysis]
            if not cat.missing_tables(a.requires):
                out.append(p.text)
    seen: set[str] = set()
    unique = [q for q in out if not (q in seen or seen.add(q))]  # type: ignore[func-returns-value]
    cache[language] = unique
    return unique


def suggestions(parser: Parser, question: str, n: int = 3) -> list[str]:
    language = "zh" if has_chinese(question) else "en"
    candidates = candidate_questions(parser, language) or candidate_questions(parser, "en")
    if not candidates:
        return []
    query = normalize(question)
    if not query:
        return candidates[:n]
    ranked = process.extract(query, candidates, scorer=fuzz.token_set_ratio, limit=n * 4)
    out: list[str] = []
    for text, _score, _ in sorted(ranked, key=lambda r: (-r[1], len(r[0]))):
        if text not in out:
            out.append(text)
        if len(out) == n:
            break
    return out
