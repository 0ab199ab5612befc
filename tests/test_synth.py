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


def test_synthetic_tracks_are_the_ones_the_generator_always_made(tiny_catalog):
    """Sharing the values many tracks hold (genre lists, moods, dates) to fit a million tracks in memory changed no
    track: the digest of every field and playlist is the one the one-object-per-track generator gave."""
    import hashlib
    import json

    syn = synth_catalog(tiny_catalog, 700, seed=4).catalog
    tracks = [t.to_dict() for t in syn.tracks]
    blob = json.dumps([tracks, sorted((k, p.track_ids) for k, p in syn.playlists.items())], sort_keys=True)
    assert hashlib.blake2b(blob.encode(), digest_size=8).hexdigest() == "14ac84da5e6e7b1f"


def test_vectors_mapped_from_a_file_are_the_same_vectors(tiny_catalog, tmp_path):
    syn = synth_catalog(tiny_catalog, 300, seed=0)
    base = np.eye(len(tiny_catalog), 384, dtype=np.float32)
    mapped = synth_vectors(base, syn.template, chunk=64, path=tmp_path / "v.npy")
    assert isinstance(mapped, np.memmap) and np.array_equal(mapped, synth_vectors(base, syn.template))
    assert np.array_equal(np.load(tmp_path / "v.npy"), mapped)
