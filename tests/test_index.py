"""The Qdrant index: one declaration, two backends (edge shard and qdrant-client :memory:) that agree."""

from __future__ import annotations

import numpy as np
import pytest

from tools.catalog import fold
from tools.index import ClientBackend, Constraints, EdgeBackend, IndexConfig, TrackIndex


@pytest.fixture(scope="module")
def vectors(tiny_catalog, tmp_path_factory):
    from tools.embed import EmbeddingCache, get_encoder

    cache = EmbeddingCache(tmp_path_factory.getbasetemp() / "tiny-embeddings")
    return cache.embed([t.document() for t in tiny_catalog.tracks], get_encoder(), progress=False)


@pytest.fixture(scope="module")
def both(tiny_catalog, vectors, tmp_path_factory):
    edge = TrackIndex(EdgeBackend(tmp_path_factory.mktemp("idx") / "qdrant"))
    edge.ensure(tiny_catalog, vectors, progress=False)
    client = TrackIndex(ClientBackend(":memory:", "tracks-test-index"))
    client.ensure(tiny_catalog, vectors, progress=False)
    yield edge, client
    edge.close()
    client.close()


def _truth(catalog, genre=None, years=None, not_artist=None, excluded=()):
    out = []
    for i, t in enumerate(catalog.tracks):
        if genre and genre not in t.genres:
            continue
        if years and not (t.year and years[0] <= t.year <= years[1]):
            continue
        if not_artist and fold(t.artist) == fold(not_artist):
            continue
        if i in excluded:
            continue
        out.append(t.track_id)
    return out


QUERIES = [
    ("90s rap", Constraints(any_of={"genre": ["rap"]}, ranges={"year": (1990, 1999)})),
    ("rock, not AC/DC", Constraints(any_of={"genre": ["rock"]}, none_of={"artist": [fold("AC/DC")]})),
    ("calm", Constraints(ranges={"energy": (None, 0.35)})),
    ("party", Constraints(any_of={"mood": ["party"]}, ranges={"tempo": (100.0, 140.0)})),
    ("anything", None),
]


@pytest.mark.parametrize("text,flt", QUERIES, ids=[q[0] for q in QUERIES])
def test_both_qdrant_paths_return_the_same_tracks(both, tiny_catalog, text, flt):
    from tools.embed import get_encoder

    edge, client = both
    vec = get_encoder().encode_one(text)
    a, b = edge.search(vec, flt, limit=15), client.search(vec, flt, limit=15)
    assert [t for t, _ in a] == [t for t, _ in b]
    assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-4)
    assert edge.count(flt) == client.count(flt)
    assert a, "each query matches some tracks of the fixture"


def test_filters_match_the_catalog_exactly(both, tiny_catalog):
    edge, client = both
    nas_row = tiny_catalog.index[next(t.track_id for t in tiny_catalog.tracks if t.artist == "Nas")]
    flt = Constraints(
        any_of={"genre": ["rap"]}, ranges={"year": (1990, 1999)}, none_of={"artist": ["eminem"]}, exclude_rows=[nas_row]
    )
    truth = set(_truth(tiny_catalog, "rap", (1990, 1999), "Eminem", {nas_row}))
    assert truth, "the fixture has 90s rap"
    for index in (edge, client):
        got = {t for t, _ in index.search(np.ones(384, dtype=np.float32), flt, limit=500)}
        assert got == truth
        assert index.count(flt) == len(truth)


def test_the_large_catalog_settings_keep_every_filter(tiny_catalog, vectors, tmp_path):
    """The graph settings `bench --catalog-size` measures (no per-value payload graphs, int8 with the originals
    on disk, ACORN under filters) still answer a filter with exactly the tracks that pass it, nearest first."""
    config = IndexConfig(hnsw_m=16, hnsw_ef=512, quantization="int8", on_disk=True, payload_m=0, acorn=True)
    index = TrackIndex(EdgeBackend(tmp_path / "qdrant", config))
    index.build(tiny_catalog, vectors, progress=False)
    try:
        flt = Constraints(any_of={"genre": ["rap"]}, ranges={"year": (1990, 1999)}, none_of={"artist": ["eminem"]})
        truth = set(_truth(tiny_catalog, "rap", (1990, 1999), "Eminem"))
        got = index.search(vectors[0], flt, limit=500)
        assert {t for t, _ in got} == truth
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    finally:
        index.close()


def test_reopens_an_up_to_date_index_and_rebuilds_a_changed_one(tiny_catalog, vectors, tmp_path):
    path = tmp_path / "qdrant"
    first = TrackIndex(EdgeBackend(path))
    assert first.ensure(tiny_catalog, vectors, progress=False) is True
    hits = first.search(vectors[3], None, 5)
    first.close()

    again = TrackIndex(EdgeBackend(path))
    assert again.ensure(tiny_catalog, vectors, progress=False) is False  # reopened, not rebuilt
    assert again.search(vectors[3], None, 5) == hits
    assert hits[0][0] == tiny_catalog.tracks[3].track_id  # a track is its own nearest neighbour
    again.close()

    changed = vectors.copy()
    changed[[3, 4]] = changed[[4, 3]]
    rebuilt = TrackIndex(EdgeBackend(path))
    assert rebuilt.ensure(tiny_catalog, changed, progress=False) is True
    assert rebuilt.search(vectors[3], None, 1)[0][0] == tiny_catalog.tracks[4].track_id
    rebuilt.close()


def test_two_readers_can_open_one_shard(both, tiny_catalog, vectors):
    edge, _ = both
    other = TrackIndex(EdgeBackend(edge.backend.path))  # e.g. the CLI while the server runs
    assert other.ensure(tiny_catalog, vectors, progress=False) is False
    assert other.count() == len(tiny_catalog)
    other.close()


def test_unknown_fields_are_refused(both):
    edge, _ = both
    with pytest.raises(ValueError, match="no payload index"):
        edge.count(Constraints(any_of={"colour": ["blue"]}))


def test_settings_choose_the_backend(settings, tmp_path):
    from tools.settings import Settings

    assert isinstance(TrackIndex.for_settings(settings).backend, EdgeBackend)
    split = TrackIndex.for_settings(settings, home=tmp_path / "split")
    assert split.backend.path == tmp_path / "split" / "qdrant"
    mem = TrackIndex.for_settings(Settings(data=settings.data, home=settings.home, qdrant_url=":memory:"))
    assert isinstance(mem.backend, ClientBackend)


# --- hybrid: the sparse BM25 channel and fusion -------------------------------------------------


def _top(hits, k=10):
    """Rows of the first ``k`` hits by rounded score: ties may come in either order, so a tie is
    compared as a set at its score, and a tie cut by ``k`` (the last score) is left out."""
    out: dict[float, set[int]] = {}
    for row, score in hits[:k]:
        out.setdefault(round(score, 4), set()).add(row)
    if len(hits) >= k and out:
        out.pop(min(out))
    return out


def test_the_sparse_channel_finds_a_track_by_a_rare_word_of_its_title(both, tiny_catalog):
    from tools.lexical import query_vector, tokenize

    docs = [set(tokenize(t.document())) for t in tiny_catalog.tracks]
    # a title's last word ("... 73") that no other document holds
    rare = next(t for t, d in zip(tiny_catalog.tracks, docs) if sum(t.title.split()[-1] in o for o in docs) == 1)
    word = rare.title.split()[-1]
    far = np.zeros(384, dtype=np.float32)
    far[0] = 1.0  # a dense query unrelated to the track
    for index in both:
        hits = index.channels(far, query_vector(f"something with {word} in it"), None, 10)
        assert index.track_ids[hits["bm25"][0][0]] == rare.track_id
        assert len(hits["bm25"]) == 1, "only the track with the word matches lexically"
        assert rare.track_id not in [index.track_ids[r] for r, _ in hits["dense"][:10]]
        fused = [index.track_ids[r] for r, _ in index.hybrid(far, query_vector(word), None, 10)]
        assert rare.track_id in fused, "fusion keeps a track found by one channel only"


def test_bm25_scores_are_okapi_bm25_on_both_backends(both, tiny_catalog):
    from tools.lexical import SparseMatrix, document_vectors, query_vector

    docs = [t.document() for t in tiny_catalog.tracks]
    q = query_vector("gangster rap 90s heart")
    expected = SparseMatrix(document_vectors(docs)).scores(q)
    for index in both:
        hits = index.search_sparse(q, None, 500)
        assert len(hits) == int((expected > 0).sum())
        for row, score in hits:
            assert score == pytest.approx(float(expected[row]), rel=1e-4)


@pytest.mark.parametrize("text,flt", QUERIES, ids=[q[0] for q in QUERIES])
def test_embedded_and_client_hybrid_search_return_the_same_top_10(both, tiny_catalog, text, flt):
    from tools.embed import get_encoder
    from tools.index import rrf
    from tools.lexical import query_vector

    edge, client = both
    vec = get_encoder().encode_one(text)
    # Words that three titles hold: lexical scores without ties, so the fused scores are fully determined.
    words = " ".join(t.title.split()[-1] for t in tiny_catalog.tracks[::29][:3])
    sparse = query_vector(words)
    a, b = edge.hybrid(vec, sparse, flt, 10), client.hybrid(vec, sparse, flt, 10)
    assert a and _top(a) == _top(b)  # (two tracks can tie in fused score: 1/(k+2) + 1/(k+5) either way round)
    for index in both:  # Qdrant's fusion is the reciprocal rank fusion of the two channels' lists
        ch = index.channels(vec, sparse, flt, 10)
        assert _top(rrf([ch["dense"], ch["bm25"]], 10)) == _top(index.hybrid(vec, sparse, flt, 10))
    # With ties in the lexical channel the backends may order a tie either way; the scores agree.
    ties = query_vector(text + " love night")
    ea, ca = edge.channels(vec, ties, flt, 10), client.channels(vec, ties, flt, 10)
    assert _top(ea["bm25"]) == _top(ca["bm25"]) and _top(ea["dense"]) == _top(ca["dense"])


def test_rrf_keeps_a_row_found_by_one_channel_only():
    from tools.index import RRF_K, rrf

    fused = rrf([[(1, 0.9), (2, 0.8)], [(3, 7.0), (1, 5.0)]], limit=10)
    assert [r for r, _ in fused] == [1, 3, 2]
    assert dict(fused)[1] == pytest.approx(1 / RRF_K + 1 / (RRF_K + 1))
    assert dict(fused)[3] == pytest.approx(1 / RRF_K)


@pytest.mark.parametrize("text,flt", QUERIES, ids=[q[0] for q in QUERIES])
def test_the_in_memory_index_answers_as_qdrant_does(both, tiny_catalog, vectors, text, flt):
    from tools.embed import get_encoder
    from tools.index import MemoryBackend
    from tools.lexical import query_vector

    edge, _ = both
    memory = TrackIndex(MemoryBackend())
    assert memory.ensure(tiny_catalog, vectors, progress=False) is True
    vec, sparse = get_encoder().encode_one(text), query_vector(text + " love night")
    a, b = edge.search_rows(vec, flt, 15), memory.search_rows(vec, flt, 15)
    assert [r for r, _ in a] == [r for r, _ in b]
    assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-4)
    assert edge.count(flt) == memory.count(flt)
    assert _top(edge.search_sparse(sparse, flt, 10)) == _top(memory.search_sparse(sparse, flt, 10))
    nas = tiny_catalog.index[next(t.track_id for t in tiny_catalog.tracks if t.artist == "Nas")]
    excluded = Constraints(none_of={"artist": ["eminem"]}, exclude_rows=[nas], ranges={"year": (1990, None)})
    assert {r for r, _ in edge.search_rows(vec, excluded, 500)} == {
        r for r, _ in memory.search_rows(vec, excluded, 500)
    }


def test_a_listener_after_a_possessive_is_not_searched_as_a_title_word():
    from tools.lexical import query_vector, token_id

    assert token_id("parents") not in query_vector("motown for my parents").indices
    assert token_id("friends") not in query_vector("dinner party with my friends").indices
    assert token_id("parents") in query_vector("songs called parents").indices
    assert token_id("way") in query_vector("songs like My Way").indices  # a title, not a listener


def test_a_one_segment_shard_searches_without_a_pool_of_spinning_threads(tiny_catalog, vectors, tmp_path):
    """The product's shard is one segment: a search pool of one thread per CPU searched it no faster, and its idle
    threads woke and spun at every search (4.5 ms of CPU a request). The shard is built, and reopened, with one."""
    import json

    path = tmp_path / "qdrant"
    TrackIndex(EdgeBackend(path)).ensure(tiny_catalog, vectors, progress=False)
    index = TrackIndex(EdgeBackend(path))
    try:
        assert index.ensure(tiny_catalog, vectors, progress=False) is False  # reopened as built
        assert json.loads((path / "shard" / "edge_config.json").read_text()).get("max_search_threads") == 1
        assert index.search(vectors[3], None, 1)[0][0] == tiny_catalog.tracks[3].track_id
    finally:
        index.close()


def test_an_index_built_in_batches_scores_bm25_over_the_whole_collection(tiny_catalog, vectors, tmp_path, monkeypatch):
    """A build makes the sparse vectors a batch at a time (a million tracks' at once took gigabytes): each batch is
    still length-normalised over the whole catalog, so the scores are those of the collection's BM25."""
    import tools.index
    from tools.lexical import SparseMatrix, document_vectors, query_vector

    monkeypatch.setattr(tools.index, "BATCH", 7)
    index = TrackIndex(EdgeBackend(tmp_path / "qdrant"))
    index.build(tiny_catalog, vectors, progress=False)
    try:
        q = query_vector("gangster rap 90s heart")
        expected = SparseMatrix(document_vectors([t.document() for t in tiny_catalog.tracks])).scores(q)
        hits = index.search_sparse(q, None, 500)
        assert len(hits) == int((expected > 0).sum()) > 7
        for row, score in hits:
            assert score == pytest.approx(float(expected[row]), rel=1e-6)
    finally:
        index.close()


@pytest.mark.parametrize("text,flt", QUERIES, ids=[q[0] for q in QUERIES])
def test_the_artist_search_from_arrays_finds_what_qdrant_finds(both, tiny_catalog, vectors, text, flt):
    """The names channel's search among a few artists' tracks (tools.index.ArtistSearch): the rows and cosines the
    shard gives under the same filter, whatever else the filter holds (its own artists, exclusions, missing years)."""
    from tools.embed import get_encoder
    from tools.index import ArtistSearch

    edge, _ = both
    arrays = ArtistSearch(tiny_catalog, vectors)
    vec = get_encoder().encode_one(text)
    artists = list(dict.fromkeys(fold(t.artist) for t in tiny_catalog.tracks))
    nas = tiny_catalog.index[next(t.track_id for t in tiny_catalog.tracks if t.artist == "Nas")]
    base = flt.copy() if flt is not None else Constraints()
    stricter = base.copy()
    stricter.none_of["artist"] = ["eminem"]
    stricter.exclude_rows = [nas]
    stricter.ranges["year"] = (1990, None)
    for c, wanted in ((base, artists[::2] + ["nobody at all"]), (stricter, artists), (base, artists[:3])):
        c = c.copy()
        c.any_of["artist"] = wanted
        for limit in (5, 500):
            a, b = edge.search_rows(vec, c, limit), arrays.search(vec, wanted, c, limit)
            assert len(a) == len(b) and (len(a) < limit or len(a) == limit)
            if len(a) < limit:  # every match: the same rows with the same cosines
                assert dict(a).keys() == dict(b).keys()
                assert all(abs(dict(a)[r] - s) < 1e-5 for r, s in b)
            assert [s for _, s in b] == sorted((s for _, s in b), reverse=True)
            assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)
    assert arrays.search(vec, ["nobody at all"], None, 10) == []
