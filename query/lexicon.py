"""The words crmlens understands, and how a question is cut into tokens.

Text is normalised (NFKC, lower case, punctuation to spaces); Latin runs split on spaces, Chinese
runs are segmented by jieba (the Rust port, rjieba) after every Chinese phrase of the vocabulary has
been added to its dictionary, so "客单价" or "复购率" stay one token. The :class:`Lexicon` maps phrases
(as token tuples) to what they mean: a metric, a dimension, a value of a dimension, an analysis.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["metric", "dimension", "value", "group", "analysis"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_PUNCT = re.compile(r"[!?;:()\[\]{}\"“”‘’«»。，、？！；：（）【】《》…~`|·]+|,(?!\d{3})")
_LATIN_TOKEN = re.compile(r"[a-z0-9$%][a-z0-9$%'&._/+-]*[a-z0-9%]|[a-z0-9$%]|→")


def has_chinese(text: str) -> bool:
    return _CJK.search(text) is not None


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, punctuation to spaces, arrows unified, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("->", " → ").replace("=>", " → ").replace(">>", " → ").replace("—>", " → ")
    text = _PUNCT.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # offsets into the normalised text
    end: int
    cjk: bool


class Segmenter:
    """rjieba with the vocabulary's Chinese phrases added, loaded on the first Chinese question only
    (its dictionary takes ~0.1 s to load; English questions never pay for it). Process-wide, because
    jieba's dictionary is."""

    _lock = threading.Lock()
    _added: set[str] = set()  # noqa: RUF012 - process-wide on purpose
    _pending: list[str] = []  # noqa: RUF012
    _loaded = False

    def add_words(self, words: Iterable[str]) -> None:
        with self._lock:
            for word in words:
                if word and has_chinese(word) and word not in self._added:
                    self._added.add(word)
                    self._pending.append(word)

    def cut(self, text: str) -> list[str]:
        import rjieba

        if self._pending:
            with self._lock:
                for word in self._pending:
                    rjieba.add_word(word, 200_000, None)
                self._pending.clear()
        return [w for w in rjieba.cut(text) if w.strip()]


SEGMENTER = Segmenter()


def tokenize(text: str) -> list[Token]:
    """Tokens of already-normalised text, with their offsets."""
    tokens: list[Token] = []
    pos = 0
    for chunk in re.finditer(
        r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", text
    ):
        piece = chunk.group()
        base = chunk.start()
        if _CJK.fullmatch(piece):
            offset = 0
            for word in SEGMENTER.cut(piece):
                at = piece.find(word, offset)
                if at < 0:
                    continue
                tokens.append(Token(word, base + at, base + at + len(word), True))
                offset = at + len(word)
        else:
            for m in _LATIN_TOKEN.finditer(piece):
                tokens.append(Token(m.group(), base + m.start(), base + m.end(), False))
        pos = chunk.end()
    del pos
    return tokens


def phrase_key(text: str) -> tuple[str, ...]:
    """The token tuple a vocabulary phrase is indexed under. A Chinese phrase is one token: it is added
    to jieba's dictionary, so a question's cut keeps it whole (and runs are also searched by substring)."""
    norm = normalize(text)
    if has_chinese(norm) and " " not in norm and not re.search(r"[a-z0-9]", norm):
        return (norm,)
    return tuple(t.text for t in tokenize(norm))


@dataclass(frozen=True)
class Meaning:
    kind: Kind
    target: str  # metric/dimension/analysis name
    value: str | None = None  # for kind "value": the value as stored in the data
    values: tuple[str, ...] = ()  # for kind "group": the values it stands for
    params: tuple[tuple[str, object], ...] = ()  # for kind "analysis": params the phrase implies
    source: str = ""  # the vocabulary phrase, for explanations


@dataclass
class Lexicon:
    """Phrase (token tuple) -> meanings; longest phrases first at each starting token."""

    entries: dict[tuple[str, ...], list[Meaning]] = field(default_factory=dict)
    by_first: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    cjk_phrases: dict[str, list[Meaning]] = field(default_factory=dict)  # raw Chinese text -> meanings
    max_len: int = 1

    def add(self, phrase: str, meaning: Meaning) -> None:
        norm = normalize(phrase)
        if not norm:
            return
        if has_chinese(norm):
            SEGMENTER.add_words([norm.replace(" ", "")])
            bucket = self.cjk_phrases.setdefault(norm.replace(" ", ""), [])
            if meaning not in bucket:
                bucket.append(meaning)
        key = phrase_key(norm)
        if not key:
            return
        meanings = self.entries.setdefault(key, [])
        if meaning not in meanings:
            meanings.append(meaning)
        firsts = self.by_first.setdefault(key[0], [])
        if key not in firsts:
            firsts.append(key)
            firsts.sort(key=len, reverse=True)
        self.max_len = max(self.max_len, len(key))

    def match_at(self, words: list[str], i: int) -> tuple[tuple[str, ...], list[Meaning]] | None:
        """The longest phrase starting at ``words[i]``."""
        for key in self.by_first.get(words[i], []):
            if tuple(words[i : i + len(key)]) == key:
                return key, self.entries[key]
        return None

    def single_words(self) -> list[str]:
        """Latin one-word phrases, for typo matching."""
        return [k[0] for k in self.entries
                if len(k) == 1 and not has_chinese(k[0]) and len(k[0]) >= 4 and "." not in k[0]]

    def phrases_text(self) -> list[str]:
        return [" ".join(k) for k in self.entries]
