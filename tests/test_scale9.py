"""A large catalog's narrow filters read the process's arrays (tools.index.IndexConfig.scan_below / ids_below): the
answers are the exact index's, and the product's exact index never takes that path."""

from __future__ import annotations

import numpy as np
import pytest

from tools.catalog import fold
from tools.index import ArtistSearch, Constraints, EdgeBackend, IndexConfig, TrackIndex
from tools.lexical import query_vector

FILTERS = [
    Constraints(any_of={"genre": ["rap"]}, ranges={"year": (1990, 1999)}),
    Constraints(any_of={"genre": ["rock"]}, none_of={"artist": [fold("AC/DC")]}, exclude_rows=[0, 3]),
    Constraints(ranges={"energy": (None, 0.35)}),
    Constraints(any_of={"mood": ["party"]}, ranges={"tempo": (100.0, 140.0)}),
    Constraints(any_of={"artist": [fold("Nas"), fold("Eminem")]}, ranges={"year": (1995, None)}),
    Constraints(any_of={"genre": ["no such genre"]}),
]
TEXTS = ["90s rap", "rock anthem", "calm piano", "party dance", "hip hop heart"]


@pytest.fixture(scope="module")
def vectors(tiny_catalog, tmp_path_factory):
    from tools.embed import EmbeddingCache, get_encoder

    cache = EmbeddingCache(tmp_path_factory.getbasetemp() / "tiny-embeddings-scale9")
    return cache.embed([t.document() for t in tiny_catalog.tracks], get_encoder(), progress=False)


@pytest.fixture(scope="module")
def exact(tiny_catalog, vectors, tmp_path_factory):
    index = TrackIndex(EdgeBackend(tmp_path_factory.mktemp("exact") / "qdrant"))
    index.ensure(tiny_catalog, vectors, progress=False)
    yield index
    index.close()


@pytest.fixture(scope="module")
def graph(tiny_catalog, vectors, tmp_path_factory):
    """The large-catalog settings with every filtered search below the thresholds: read from the arrays."""
    config = IndexConfig(hnsw_m=16, hnsw_ef=512, quantization="int8", on_disk=True, payload_m=0)
    index = TrackIndex(EdgeBackend(tmp_path_factory.mktemp("graph") / "qdrant", config))
    index.build(tiny_catalog, vectors, progress=False)
    arrays = ArtistSearch(tiny_catalog, vectors)
    index.arrays = lambda: arrays
    index.backend.config = IndexConfig(
        hnsw_m=16, hnsw_ef=512, quantization="int8", on_disk=True, payload_m=0, scan_below=10**9, ids_below=10**9
    )
    yield index, arrays
    index.close()


def test_the_arrays_pass_exactly_the_tracks_the_index_counts(exact, graph):
    _, arrays = graph
    for flt in FILTERS:
        rows = arrays.passing(flt)
        assert len(rows) == exact.count(flt)
        assert list(rows) == sorted(rows)
    assert len(arrays.passing(FILTERS[0])) > 0, "the fixture has 90s rap"


@pytest.mark.parametrize("text", TEXTS)
def test_a_narrow_filter_scanned_from_arrays_finds_what_the_exact_index_finds(exact, graph, text):
    from tools.embed import get_encoder

    index, _ = graph
    vec = get_encoder().encode_one(text)
    for flt in FILTERS:
        for limit in (5, 40):
            a, b = exact.search_rows(vec, flt, limit), index.search_rows(vec, flt, limit)
            assert [r for r, _ in a] == [r for r, _ in b], flt.describe()
            assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)


@pytest.mark.parametrize("text", TEXTS)
def test_bm25_under_a_narrow_filter_given_as_ids_finds_what_the_filter_finds(exact, graph, text):
    index, _ = graph
    sparse = query_vector(text)
    for flt in FILTERS:
        a, b = exact.search_sparse(sparse, flt, 20), index.search_sparse(sparse, flt, 20)
        assert [r for r, _ in a] == [r for r, _ in b], flt.describe()
        assert np.allclose([s for _, s in a], [s for _, s in b], rtol=1e-5)


def test_the_filtered_bm25_comparisons_compare_something(exact):
    found = [bool(exact.search_sparse(query_vector(t), flt, 20)) for t in TEXTS for flt in FILTERS]
    assert sum(found) >= 5


def test_the_exact_index_of_the_product_never_reads_the_arrays(exact):
    """At 28k tracks the product scans exactly in Qdrant: its answers cannot move with these settings."""

    def refuse():
        raise AssertionError("the exact index asked for the arrays")

    exact.arrays = refuse
    try:
        assert exact.search_rows(np.ones(384, dtype=np.float32), FILTERS[0], 10)
        exact.search_sparse(query_vector("rap"), FILTERS[0], 10)
    finally:
        exact.arrays = None
