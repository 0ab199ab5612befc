"""The Qdrant index: one declaration, two backends (edge shard and qdrant-client :memory:) that agree."""

from __future__ import annotations

import numpy as np
import pytest

from tools.catalog import fold
from tools.index import ClientBackend, Constraints, EdgeBackend, TrackIndex


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
    flt = Constraints(any_of={"genre": ["rap"]}, ranges={"year": (1990, 1999)}, none_of={"artist": ["eminem"]},
                      exclude_rows=[nas_row])  # fmt: skip
    truth = set(_truth(tiny_catalog, "rap", (1990, 1999), "Eminem", {nas_row}))
    assert truth, "the fixture has 90s rap"
    for index in (edge, client):
        got = {t for t, _ in index.search(np.ones(384, dtype=np.float32), flt, limit=500)}
        assert got == truth
        assert index.count(flt) == len(truth)


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
