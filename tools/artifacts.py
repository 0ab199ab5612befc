"""Artifacts that check themselves: verified at load, built by one process at a time, refused with the fix.

- :func:`build_lock`: an exclusive lock file, so two processes never build one artifact at once (the
  second waits, then finds it built).
- :func:`check_vectors` and :func:`check_against_encoder`: document vectors have the right shape, are
  finite and unit-norm, and a sample of them is what the encoder computes for its text.
- :func:`check_index`: a sample of vectors finds its own track in the index, at a cosine of 1.
- :func:`manifest` / :func:`manifest_problem`: sizes and hashes of a built folder's files, recorded at
  build time and compared before the folder is opened (a truncated memory-mapped file must never be
  read: that is a crash, not an exception); files unchanged (:func:`file_id`) since they last matched are not
  read again.
- :class:`ArtifactError`: what could not be rebuilt here, with the command that fixes it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

NORM_TOLERANCE = 1e-3  # |norm - 1| allowed for a stored unit vector (float32 rounding is ~1e-7)
CHECK_CHUNK = 8192  # rows checked at a time
SAME_VECTOR = 0.98  # cosine between a cached vector and the encoder's fresh one for the same text


class ArtifactError(RuntimeError):
    """A damaged artifact that could not be rebuilt here. ``public`` is a line safe to show any client."""

    def __init__(self, message: str, *, fix: str, public: str) -> None:
        super().__init__(f"{message}. Fix: {fix}")
        self.fix = fix
        self.public = public


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) for the block; other processes wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MB chunks (what the artifacts' sidecars record)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bad_rows(vectors: np.ndarray, dim: int) -> np.ndarray:
    """Rows that are not finite unit vectors of size ``dim`` (all rows when the shape is wrong)."""
    v = np.asarray(vectors)
    if v.ndim != 2 or v.shape[1] != dim:
        return np.arange(len(v))
    bad = []
    for start in range(0, len(v), CHECK_CHUNK):  # in chunks: no full-size temporaries at a command's start
        part = v[start : start + CHECK_CHUNK]
        finite = np.isfinite(part).all(axis=1)
        norms = np.sqrt(
            np.einsum("ij,ij->i", np.where(np.isfinite(part), part, 0), np.where(np.isfinite(part), part, 0))
        )
        bad.append(start + np.flatnonzero(~finite | (np.abs(norms - 1.0) > NORM_TOLERANCE)))
    return np.concatenate(bad) if bad else np.zeros(0, dtype=np.int64)


def check_vectors(vectors: np.ndarray, n: int, dim: int) -> str | None:
    """Why a document-vector matrix is unusable, or None: shape (n, dim), finite, unit norm."""
    if vectors.shape != (n, dim):
        return f"shape {vectors.shape}, expected ({n}, {dim})"
    bad = bad_rows(vectors, dim)
    return f"{len(bad)} vectors are not finite unit vectors" if len(bad) else None


def check_against_encoder(
    texts: Sequence[str], vectors: np.ndarray, encoder: Any, sample: int = 8, seed: int = 0
) -> str | None:
    """Why cached vectors are not the encoder's for their texts (a sample recomputed), or None."""
    if not len(texts):
        return None
    rows = np.random.default_rng(seed).choice(len(texts), size=min(sample, len(texts)), replace=False)
    fresh = encoder.encode([texts[i] for i in rows])
    cos = np.einsum("ij,ij->i", fresh.astype(np.float64), np.asarray(vectors)[rows].astype(np.float64))
    wrong = int((cos < SAME_VECTOR).sum())
    return (
        f"{wrong} of {len(rows)} sampled vectors differ from the encoder's (cosine {cos.min():.2f})" if wrong else None
    )


def check_index(index: Any, vectors: np.ndarray, sample: int = 16, seed: int = 0) -> str | None:
    """Why a built index does not serve ``vectors``, or None: it holds one point per row, and a sample of
    rows, searched with their own vectors, comes back first with a cosine of 1 (or an identical twin)."""
    n = len(vectors)
    try:
        count = index.count()
    except Exception as exc:  # a damaged shard fails here as often as in a search
        return f"counting failed ({type(exc).__name__}: {exc})"
    if count != n:
        return f"it holds {count} points for {n} tracks"
    rows = np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False) if n else []
    for r in rows:
        try:
            hits = index.search_rows(vectors[r], limit=1)
        except Exception as exc:
            return f"a search failed ({type(exc).__name__}: {exc})"
        if not hits:
            return f"track {r}'s own vector finds nothing"
        hit, score = hits[0]
        if not (score > 0.99 and np.allclose(vectors[hit], vectors[r], atol=1e-3)):
            return f"track {r}'s own vector finds track {hit} at cosine {score:.2f}"
    return None


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest(folder: Path) -> dict[str, list]:
    """{relative path: [size, hash]} of every file under ``folder``."""
    folder = Path(folder)
    return {
        str(p.relative_to(folder)): [p.stat().st_size, _digest(p)] for p in sorted(folder.rglob("*")) if p.is_file()
    }


def file_id(path: Path) -> list[int] | None:
    """A file's identity as the filesystem keeps it: size, modification and change times (ns), inode; None when
    it is missing. Any write, truncation, replacement or touch changes it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def manifest_problem(folder: Path, recorded: dict[str, list] | None, verified: Path | None = None) -> str | None:
    """Why ``folder`` is not what ``recorded`` describes (a file missing, resized or changed), or None.

    Sizes are compared first (cheap, and what a truncation changes), then contents. ``verified``: a stamp of the
    files' :func:`file_id` when their contents last matched ``recorded``; a file whose identity is unchanged since
    is not read again (hundreds of MB at every start otherwise), and the stamp is rewritten after a check that
    had to read some."""
    if not recorded:
        return None
    folder = Path(folder)
    for rel, (size, _) in recorded.items():
        p = folder / rel
        if not p.is_file():
            return f"{rel} is missing"
        if p.stat().st_size != size:
            return f"{rel} is {p.stat().st_size:,} bytes, not {size:,}"
    which = hashlib.sha256(json.dumps(recorded, sort_keys=True).encode()).hexdigest()
    known = _read_verified(verified, which)
    ids: dict[str, list[int] | None] = {}
    for rel, (_, digest) in recorded.items():
        ids[rel] = file_id(folder / rel)  # before reading: a write during the hash leaves it stale, so read again
        if ids[rel] is not None and known.get(rel) == ids[rel]:
            continue
        if _digest(folder / rel) != digest:
            return f"{rel} changed since it was built"
    if verified is not None and ids != {rel: known.get(rel) for rel in recorded}:
        try:
            replace_file(verified, json.dumps({"manifest": which, "files": ids}).encode())
        except OSError as exc:  # a read-only home: every start reads the files, as before the stamp
            log.debug("could not stamp %s: %s", verified, exc)
    return None


def _read_verified(path: Path | None, which: str) -> dict[str, list]:
    """The file identities ``path`` stamps as matching the manifest ``which``; empty when it stamps another."""
    try:
        stamp = json.loads(Path(path).read_text()) if path is not None else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(stamp, dict) or stamp.get("manifest") != which or not isinstance(stamp.get("files"), dict):
        return {}
    return stamp["files"]


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a reader sees the old file or the new one, never half)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
