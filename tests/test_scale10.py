"""A large catalog's hot files kept in RAM (tools.index.IndexConfig.resident, tools.resident) and int8 hits rescored
from the process's own vectors (IndexConfig.rescore "vectors"): the same answers as Qdrant's rescoring from the
shard's float32 copies, which then are never read."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tools.index import EdgeBackend, IndexConfig, shard_part_files
from tools.lexical import Sparse

N, DIM = 3000, 384
BASE = IndexConfig(hnsw_m=16, hnsw_ef=512, quantization="int8", on_disk=True, payload_m=0, search_threads=1)
PARTS = ("links", "payload_index", "bm25", "ids", "quantized")


def _locked_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmLck:"))


@pytest.fixture(scope="module")
def shard(tmp_path_factory):
    """A graph with int8 copies (more points than Qdrant's indexing threshold): random unit vectors."""
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(N, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    path = tmp_path_factory.mktemp("scale10") / "qdrant"
    backend = EdgeBackend(path, BASE)
    backend.create("random")
    for start in range(0, N, 500):
        rows = range(start, start + 500)
        sparse = [Sparse((int(r) % 97,), (1.0,)) for r in rows]
        backend.upsert(
            rows, vectors[start : start + 500], sparse, [{"genre": ["rock" if r % 3 else "pop"]} for r in rows]
        )
    backend.finish()
    backend.close()
    assert shard_part_files(path / "shard", ["quantized"]), "no int8 copies were built: the test would test nothing"
    return path, vectors, rng.normal(size=(20, DIM)).astype(np.float32)


def test_the_parts_asked_for_are_locked_in_ram_until_the_shard_closes(shard):
    path, _, _ = shard
    files = shard_part_files(path / "shard", PARTS)
    size = sum(f.stat().st_size for f in files)
    assert files and not any(f.name == "matrix.dat" for f in files)
    before = _locked_kb()
    backend = EdgeBackend(path, dataclasses.replace(BASE, resident=PARTS))
    try:
        assert backend.held is not None and backend.held.locked_bytes == size
        assert _locked_kb() - before >= size // 1024 - len(files)
    finally:
        backend.close()
    assert _locked_kb() == before


def test_read_in_without_a_lock_locks_nothing(shard):
    path, _, _ = shard
    before = _locked_kb()
    backend = EdgeBackend(path, dataclasses.replace(BASE, resident=PARTS, lock=False))
    try:
        assert backend.held.bytes > 0 and backend.held.locked_bytes == 0 and _locked_kb() == before
    finally:
        backend.close()


def _answers(backend, queries, flt=None, limit=20):
    return [backend.search(q, flt, limit) for q in queries]


def test_rescoring_from_the_held_vectors_answers_as_qdrants_rescoring(shard):
    from tools.index import Constraints

    path, vectors, queries = shard
    qdrant = EdgeBackend(path, BASE)
    ours = EdgeBackend(path, dataclasses.replace(BASE, resident=("vectors",), rescore="vectors"))
    try:
        ours.hold_vectors(vectors)
        for flt in (None, Constraints(any_of={"genre": ["pop"]})):
            a, b = _answers(qdrant, queries, flt), _answers(ours, queries, flt)
            assert [[r for r, _ in hits] for hits in a] == [[r for r, _ in hits] for hits in b]
            assert np.allclose([s for h in a for _, s in h], [s for h in b for _, s in h], atol=1e-5)
    finally:
        qdrant.close()
        ours.close()


def test_rescoring_from_vectors_never_held_is_qdrants_own(shard):
    path, vectors, queries = shard
    qdrant = EdgeBackend(path, BASE)
    unheld = EdgeBackend(path, dataclasses.replace(BASE, rescore="vectors"))  # no "vectors" in resident
    try:
        unheld.hold_vectors(vectors)
        assert unheld.held is None
        assert _answers(qdrant, queries) == _answers(unheld, queries)
    finally:
        qdrant.close()
        unheld.close()


def test_without_rescoring_the_int8_scores_order_the_hits(shard):
    path, vectors, queries = shard
    backend = EdgeBackend(path, dataclasses.replace(BASE, rescore="none"))
    try:
        for q, hits in zip(queries, _answers(backend, queries)):
            exact = vectors[[r for r, _ in hits]] @ (q / np.linalg.norm(q))
            assert len(hits) == 20
            assert not np.allclose([s for _, s in hits], exact, atol=1e-6)  # int8 scores, not the float32 ones
            truth = set(np.argsort(-(vectors @ q))[:20].tolist())
            assert len(truth & {r for r, _ in hits}) >= 15
    finally:
        backend.close()


def test_unknown_parts_and_rescoring_are_refused():
    with pytest.raises(ValueError, match="unknown resident parts"):
        dataclasses.replace(BASE, resident=("links", "everything"))
    with pytest.raises(ValueError, match="rescore"):
        dataclasses.replace(BASE, rescore="yes")


def test_keeping_parts_in_ram_keys_no_new_cached_shard():
    from evals.bench import scale_index_path

    varied = dataclasses.replace(BASE, resident=("links", "vectors"), rescore="vectors", lock=False)
    assert scale_index_path(Path("/c"), 10, BASE) == scale_index_path(Path("/c"), 10, varied)
