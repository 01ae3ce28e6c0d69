"""The CRM phrase lexicon that extends VADER: loading it and joining its multi-word phrases into tokens."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

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


def _normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def join_phrases(text: str) -> str:
    """Lower-case ``text`` and turn every multi-word lexicon phrase into one token ("stopped_working"),
    so the rule-based scorer sees it as a single lexicon word."""
    return _phrase_pattern().sub(lambda m: lexicon_key(m.group(1)), _normalise(text))
