"""Text helpers shared by sentiment and topics: which script a text is written in, emoji, long texts.

Nothing here imports a heavy library; every function takes plain strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

Language = Literal["en", "zh", "mixed", "none"]

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
# Pictographs, dingbats, symbols and the variation/skin-tone/joiner marks that glue them together.
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u3030\u303d\u3297\u3299"
    "\ufe0f\u200d\U0001f3fb-\U0001f3ff]"
)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;\n])")

#: Texts longer than this are scored on their first MAX_CHARS characters (a review or a comment is
#: rarely longer; a pasted e-mail thread should not stall a batch).
MAX_CHARS = 20_000
#: Pieces of at most this many characters are scored separately and averaged (by length).
CHUNK_CHARS = 1_000
#: A Latin word counts as this many CJK characters when weighing the two scripts of a mixed text.
LATIN_WORD_WEIGHT = 2.0


def clip(text: str) -> str:
    """The part of ``text`` that is scored: its first :data:`MAX_CHARS` characters."""
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


def script_weights(text: str) -> tuple[float, float]:
    """(Chinese weight, English weight): CJK characters and Latin words, a word counting double."""
    return float(len(CJK.findall(text))), LATIN_WORD_WEIGHT * len(LATIN_WORD.findall(text))


def detect_language(text: str | None) -> Language:
    """``zh``, ``en``, ``mixed`` (both scripts carry at least a quarter of the weight) or ``none``
    (no letters: empty, digits, punctuation or emoji only).

    A brand or product name in Latin letters inside a Chinese sentence ("比Brightway好") stays ``zh``.
    """
    if not text:
        return "none"
    zh, en = script_weights(text)
    total = zh + en
    if total == 0:
        return "none"
    if zh and en and min(zh, en) / total >= 0.25 and min(zh, en) >= 4:
        return "mixed"
    return "zh" if zh >= en else "en"


def latin_part(text: str) -> str:
    """The text with its Chinese characters replaced by sentence breaks (the English of a mixed text)."""
    return CJK_RUN.sub(". ", text)


def cjk_part(text: str) -> str:
    """The text without its Latin words (the Chinese of a mixed text)."""
    return LATIN_WORD.sub(" ", text)


def emoji_of(text: str) -> str:
    """The emoji of ``text``, space separated (empty when there is none)."""
    return " ".join(EMOJI.findall(text))


def has_content(text: str | None) -> bool:
    """True when there is something to score: letters, CJK characters or emoji."""
    return bool(text) and (detect_language(text) != "none" or bool(EMOJI.search(text or "")))


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """Consecutive pieces of at most about ``size`` characters, cut after sentence ends when possible."""
    if len(text) <= size:
        yield text
        return
    piece = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > size:  # one endless sentence: cut it hard
            if piece:
                yield piece
                piece = ""
            yield sentence[:size]
            sentence = sentence[size:]
        if len(piece) + len(sentence) > size and piece:
            yield piece
            piece = ""
        piece += sentence
    if piece.strip():
        yield piece
