"""The synthetic catalog follows the real one's distributions, at any size, and is seeded."""

import numpy as np

from evals.synth import synth_catalog, synth_vectors


def test_synthetic_tracks_follow_the_real_catalog(tiny_catalog):
    syn = synth_catalog(tiny_catalog, 500, seed=0).catalog
    assert len(syn) == 500 and len({t.track_id for t in syn.tracks}) == 500
    assert set(syn.genres) <= set(tiny_catalog.genres) and syn.playlists
    for name in ("energy", "valence", "danceability", "tempo"):
        real, fake = tiny_catalog.features([name])[:, 0], syn.features([name])[:, 0]
        assert abs(float(np.median(real)) - float(np.median(fake))) < 0.1 * (float(real.max() - real.min()) or 1.0)
    assert all(0.0 <= t.energy <= 1.0 and t.title and t.artist for t in syn.tracks)
    assert all(tiny_catalog.years.min() - 2 <= t.year <= tiny_catalog.years.max() + 2 for t in syn.tracks if t.year)
    members = {tid for p in syn.playlists.values() for tid in p.track_ids}
    assert members <= {t.track_id for t in syn.tracks}


def test_synthetic_catalog_and_vectors_are_seeded(tiny_catalog):
    a, b = synth_catalog(tiny_catalog, 200, seed=1), synth_catalog(tiny_catalog, 200, seed=1)
    assert [t.to_dict() for t in a.catalog.tracks] == [t.to_dict() for t in b.catalog.tracks]
    assert [t.to_dict() for t in synth_catalog(tiny_catalog, 200, seed=2).catalog.tracks] != [
        t.to_dict() for t in a.catalog.tracks
    ]
    base = np.eye(len(tiny_catalog), 384, dtype=np.float32)
    va, vb = synth_vectors(base, a.template), synth_vectors(base, b.template)
    assert np.array_equal(va, vb) and np.allclose(np.linalg.norm(va, axis=1), 1.0, atol=1e-5)
    cos = np.einsum("ij,ij->i", va, base[a.template])
    assert 0.8 < float(cos.mean()) < 0.97  # near its template, not a copy of it
