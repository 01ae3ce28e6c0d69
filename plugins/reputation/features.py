"""The English features of the learned sentiment model and the CRM phrase lexicon.

Shared by training (``train.py``) and scoring (``sentiment_model.py``), so both cut text the same way:
lower-cased words, a ``NOT_`` mark on the words after a negation up to the next punctuation ("doesn't
work well" -> ``doesn't NOT_work NOT_well``), and the pairs of neighbouring words.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from importlib import resources

_TOKEN = re.compile(r"[a-z0-9']+|[.,!?;:()]")
_NEGATION = re.compile(r"^(?:not|no|never|none|nobody|nothing|neither|nor|cannot|without|hardly|barely|scarcely)$|n't$")
#: A negation reaches at most this many words (texts without punctuation would otherwise negate everything).
NEGATION_SCOPE = 5
_BREAK = frozenset(".,!?;:()")
_NEGATED_CONTRACTIONS = frozenset(
    {
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "shouldnt",
        "havent",
        "hasnt",
        "hadnt",
        "aint",
        "mustnt",
        "neednt",
    }
)


def _normalise(text: str) -> str:
    return text.lower().replace("’", "'").replace("‘", "'")


def english_tokens(text: str) -> list[str]:
    """Words of ``text`` with negation scope marked (``NOT_word``); punctuation or
    :data:`NEGATION_SCOPE` words end a scope."""
    out: list[str] = []
    scope = 0
    for word in _TOKEN.findall(_normalise(text)):
        if word in _BREAK:
            scope = 0
            continue
        out.append("NOT_" + word if scope else word)
        scope = max(scope - 1, 0)
        if _NEGATION.match(word) or word in _NEGATED_CONTRACTIONS:
            scope = NEGATION_SCOPE
    return out


def english_features(text: str) -> list[str]:
    """Unigrams and bigrams of :func:`english_tokens` (the analyzer of the English linear model)."""
    tokens = english_tokens(text)
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


# -- the CRM phrase lexicon -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def crm_lexicon() -> dict[str, float]:
    """Phrase -> valence (VADER's scale, -4..4) of ``data/lexicon_en_crm.tsv``."""
    text = resources.files("crmlens.plugins.reputation").joinpath("data/lexicon_en_crm.tsv").read_text("utf-8")
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, valence = line.split("\t")
        out[phrase.strip().lower()] = float(valence)
    return out


def lexicon_key(phrase: str) -> str:
    """How a lexicon phrase appears as one token once :func:`join_phrases` has run."""
    return phrase.replace(" ", "_").replace("'", "") if (" " in phrase or "'" in phrase) else phrase


@lru_cache(maxsize=1)
def _phrase_pattern() -> re.Pattern[str]:
    phrases = sorted((p for p in crm_lexicon() if " " in p or "'" in p), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b")


def join_phrases(text: str) -> str:
    """Lower-case ``text`` and turn every multi-word lexicon phrase into one token ("stopped_working"),
    so the rule-based scorer sees it as a single lexicon word."""
    return _phrase_pattern().sub(lambda m: lexicon_key(m.group(1)), _normalise(text))
