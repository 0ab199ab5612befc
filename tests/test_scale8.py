"""Issue 15, build time: an int8 setting without a graph (``exact-int8``, whose int8 copies were never built) is
refused. Deterministic; nothing here is timed."""

from __future__ import annotations

import numpy as np
import pytest

from tools.index import EdgeBackend, IndexConfig
from tools.lexical import Sparse


def test_int8_without_a_graph_is_refused_and_with_one_its_copies_are_built(tmp_path):
    """``exact-int8`` said int8 and searched float32: Qdrant's optimizer, which writes the int8 copies, is off in a
    shard without a graph. Such a setting is refused; with a graph the copies are there and searches find the nearest
    tracks (int8 scores, then an exact rescore)."""
    from evals.bench import INDEX_CONFIGS

    with pytest.raises(ValueError, match="needs a graph"):
        IndexConfig(quantization="int8")
    assert all(IndexConfig(**fields) for fields in INDEX_CONFIGS.values())

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    backend = EdgeBackend(tmp_path / "index", IndexConfig(**INDEX_CONFIGS["hnsw-int8-p0"]))
    backend.create("test")
    for start in range(0, len(vectors), 1000):
        rows = range(start, start + 1000)
        payloads = [{"track_id": str(r), "genre": ["pop"]} for r in rows]
        backend.upsert(rows, vectors[start : rows.stop], [Sparse([1], [1.0])] * len(rows), payloads)
    backend.finish()
    assert any(p.name == "quantized.data" for p in (tmp_path / "index").rglob("*"))
    q = vectors[7] + 0.05 * vectors[8]
    exact = np.argsort(-(vectors @ q))[:10].tolist()
    hits = [r for r, _ in backend.search(q, None, 10)]
    assert hits[0] == exact[0] == 7
    assert len(set(hits) & set(exact)) >= 9
    backend.close()


def test_the_content_probe_scores_a_playlist_found_whole_and_one_not_found():
    from evals.content_probe import knn_scores

    # rows 0-5 share a direction (one playlist), rows 6-11 another: seeded with 2, the rest of each is found first
    features = np.zeros((12, 3), np.float32)
    features[:6, 0], features[6:, 1] = 1.0, 1.0
    features += np.arange(12)[:, None] * 1e-3 * np.array([0, 0, 1], np.float32)
    rp, nd, count = knn_scores(features, [list(range(6))], 2)
    assert (rp, count) == (1.0, 1) and nd == pytest.approx(1.0)
    # a "playlist" of tracks from both groups, seeded from one: its other-group tracks are not in the top
    rp, _, _ = knn_scores(features, [[0, 1, 6, 7, 8, 9]], 2)
    assert rp == 0.0
