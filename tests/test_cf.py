"""CF: fold-in recovers a user's taste, cold start is flagged, the weight matters, files are checked."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tools.catalog import Catalog, Playlist, Track
from tools.cf import ARTIST_AFFINITY, CF_SHARE_BY_HISTORY, CFModel, ModelMismatch, cf_weight_for, history_kin
from tools.schema import Candidate

CLUSTERS, PER_CLUSTER = 3, 40


def _synthetic(tiny_catalog) -> Catalog:
    """Three taste clusters of 40 tracks; 36 playlists, each 15 tracks of one cluster."""
    rng = random.Random(0)
    tracks = []
    for c in range(CLUSTERS):
        for k in range(PER_CLUSTER):
            tracks.append(
                Track(
                    track_id=f"c{c}t{k}",
                    title=f"Song {c}-{k}",
                    artist=f"Artist {c}-{k}",
                    album="A",
                    album_id="a",
                    release_date="2010",
                    year=2010,
                    decade=2010,
                    popularity=rng.randint(30, 80),
                    duration_ms=200_000,
                    danceability=0.5,
                    energy=0.5,
                    speechiness=0.05,
                    acousticness=0.2,
                    instrumentalness=0.0,
                    liveness=0.1,
                    valence=0.5,
                    loudness=-6.0,
                    tempo=110.0,
                    key=1,
                    mode=1,
                )
            )
    playlists = {}
    for j in range(36):
        c = j % CLUSTERS
        ids = rng.sample([f"c{c}t{k}" for k in range(PER_CLUSTER)], 15)
        playlists[f"p{j}"] = Playlist(f"p{j}", f"list {j}", "pop", "dance pop", ids)
    return Catalog(tracks, playlists, tiny_catalog.thresholds)


@pytest.fixture(scope="module")
def synth(tiny_catalog):
    cat = _synthetic(tiny_catalog)
    return cat, CFModel.train(cat, seed=0, n_factors=8, n_epochs=100, lr=0.02, graph_layers=2)


@pytest.mark.parametrize("space", ["mf", "graph"])
def test_fold_in_recovers_a_known_taste(synth, space):
    cat, model = synth
    for c in range(CLUSTERS):
        history = [f"c{c}t{k}" for k in range(10)]
        user = model.fold_in(history, space=space)
        assert not user.cold_start and user.n_history == 10
        aff = model.affinity(user, np.arange(len(cat)))
        own = [cat.index[f"c{c}t{k}"] for k in range(10, PER_CLUSTER)]
        other = [i for i, t in enumerate(cat.tracks) if not t.track_id.startswith(f"c{c}")]
        # Tracks of the same taste the user never played rank above every other taste's, on average by far.
        assert aff[own].mean() > aff[other].mean() + 0.3
        top = np.argsort(-aff)[:20]
        assert sum(cat.tracks[i].track_id.startswith(f"c{c}") for i in top) >= 18


def test_a_history_of_two_tastes_keeps_both(synth):
    cat, model = synth
    # Half the history is cluster 0, half cluster 2: the user's nearest tracks come from those two tastes, and
    # the taste they never played (cluster 1) stays out, though the folded-in centroid sits between all three.
    history = [f"c0t{k}" for k in range(5)] + [f"c2t{k}" for k in range(5)]
    user = model.fold_in(history)
    near = model.neighbours(user, 20, exclude=history)
    clusters = [c.track_id[:2] for c in near]
    assert len(near) == 20 and not set(history) & {c.track_id for c in near}
    assert clusters.count("c0") >= 6 and clusters.count("c2") >= 6 and clusters.count("c1") <= 2
    aff = model.affinity(user, np.arange(len(cat)))
    mine = [cat.index[f"c{c}t{k}"] for c in (0, 2) for k in range(5, PER_CLUSTER)]
    other = [cat.index[f"c1t{k}"] for k in range(PER_CLUSTER)]
    assert aff[mine].mean() > aff[other].mean() + 0.3


def test_cold_start_is_flagged_and_uses_the_prior(synth):
    cat, model = synth
    for history in ([], ["not-a-track"]):
        user = model.fold_in(history)
        assert user.cold_start and user.n_history == 0
    aff = model.affinity(model.fold_in([]), np.arange(len(cat)))
    order = np.argsort(-aff)
    assert cat.tracks[order[0]].popularity == max(t.popularity for t in cat.tracks)


def test_weight_changes_the_order(synth):
    cat, model = synth
    user = model.fold_in([f"c1t{k}" for k in range(10)])
    # Retrieval prefers cluster 0; the user likes cluster 1.
    ids = [f"c0t{k}" for k in range(20, 30)] + [f"c1t{k}" for k in range(20, 30)]

    def cands():
        return [Candidate(t, cat.index[t], score=1.0 - i / 40) for i, t in enumerate(ids)]

    none = model.rerank(cands(), user, weight=0.0)
    assert [c.track_id for c in none] == ids
    full = model.rerank(cands(), user, weight=1.0)
    assert sum(c.track_id.startswith("c1") for c in full[:10]) >= 8  # was 0 by retrieval alone
    half = [c.track_id for c in model.rerank(cands(), user, weight=0.5)]
    assert half != ids and half != [c.track_id for c in full]
    assert all(c.affinity is not None for c in full)
    cold = model.rerank(cands(), model.fold_in([]), weight=0.5)
    assert all(c.affinity is None for c in cold)


def test_a_played_artist_without_factors_brings_its_other_tracks(tiny_catalog):
    """Most tracks here are in no training playlist, and many artists have no factors at all: the history's artists
    still bring their other tracks into the candidates and up the order (tools.cf.ARTIST_AFFINITY)."""
    import dataclasses

    base = _synthetic(tiny_catalog)
    template = base.tracks[0]
    unplayed = [
        dataclasses.replace(template, track_id=f"u{k}", title=f"Deep cut {k}", artist="Nobody's Playlist", album_id=a)
        for k, a in ((0, "x"), (1, "x"), (2, "y"))
    ]
    cat = Catalog(base.tracks + unplayed, base.playlists, tiny_catalog.thresholds)
    model = CFModel.train(cat, seed=0, n_factors=8, n_epochs=100, lr=0.02, graph_layers=0)
    assert not model.known[cat.index["u1"]]  # no playlist holds the artist: no factors, not even through it
    history = [f"c1t{k}" for k in range(9)] + ["u0"]
    user = model.fold_in(history)
    found = [Candidate(t, cat.index[t], score=1.0 - i / 40) for i, t in enumerate(f"c0t{k}" for k in range(20))]

    def ranked(kin):
        out = model.rerank([dataclasses.replace(c) for c in found], user, 0.8, pool=10, exclude=history, kin=kin)
        return [c.track_id for c in out]

    assert not {"u1", "u2"} & set(ranked(None))  # without the artists, the unplayed artist's tracks never come up
    kin = history_kin(cat, history)
    assert {cat.tracks[i].track_id for i in kin.album_rows} - {f"c1t{k}" for k in range(PER_CLUSTER)} == {"u0", "u1"}
    with_kin = ranked(kin)
    assert with_kin.index("u1") < with_kin.index("u2")  # same album first
    below = with_kin[with_kin.index("u2") :]
    assert sum(t.startswith("c0") for t in below) >= 10  # above half of what the words found and the user never liked
    assert "u0" not in with_kin  # the history itself is never offered
    aff = kin.raise_affinity(np.array([cat.index["u2"], cat.index["c0t0"]]), np.array([0.0, 0.1]))
    assert aff[0] >= ARTIST_AFFINITY and aff[1] == pytest.approx(0.1)


def test_files_round_trip_and_refuse_tampering(synth, tmp_path):
    cat, model = synth
    model.save(tmp_path / "cf")
    loaded = CFModel.load(tmp_path / "cf", cat)
    hist = [f"c2t{k}" for k in range(10)]
    assert np.allclose(loaded.fold_in(hist).factors, model.fold_in(hist).factors)
    # Another catalog (one playlist fewer): refused.
    other = Catalog(cat.tracks, dict(list(cat.playlists.items())[1:]), cat.thresholds)
    with pytest.raises(ModelMismatch, match="another catalog"):
        CFModel.load(tmp_path / "cf", other)
    # The arrays changed after they were written: refused (and never a pickle to begin with).
    assert not list((tmp_path / "cf").glob("*.pkl"))
    arrays = tmp_path / "cf" / "cf.npz"
    data = bytearray(arrays.read_bytes())
    data[len(data) // 2] ^= 0xFF
    arrays.write_bytes(bytes(data))
    with pytest.raises(ModelMismatch, match="SHA-256"):
        CFModel.load(tmp_path / "cf", cat)


def test_pipeline_flags_cold_start_and_personalizes_when_asked(tiny_pipeline, tiny_catalog):
    cold = tiny_pipeline.run("chill music", n=8)
    assert cold.cold_start and any("cold start" in note for note in cold.notes)
    history = [t.track_id for t in tiny_catalog.tracks if t.artist in ("Sade", "Norah Jones")]
    warm = tiny_pipeline.run("chill music", n=8, history=history)
    assert not warm.cold_start and not any("cold start" in note for note in warm.notes)
    # Asked for their taste (the agent's tool), a user's history reorders at settings.cf_weight.
    q = tiny_pipeline.extract("chill music")
    found = tiny_pipeline.retrieve_full(q, 8)
    mine = tiny_pipeline.rerank(_fresh(found.candidates), history=history)
    assert all(c.affinity is not None for c in mine)
    assert [c.track_id for c in mine] != [c.track_id for c in found.candidates]


def test_cf_weight_for_steps_through_the_table():
    table = ((0, 0.0), (1, 0.5), (3, 1.0), (10, 1.25))
    assert [cf_weight_for(h, 0.8, table) for h in (0, 1, 2, 3, 9, 10, 400)] == [0.0, 0.4, 0.4, 0.8, 0.8, 1.0, 1.0]


def test_the_pipeline_applies_the_shipped_cold_start_policy(tiny_pipeline, tiny_catalog):
    """Each row of CF_SHARE_BY_HISTORY is the weight a request with that many history tracks gets; a
    share of 0 gives the playlist no personalization would."""
    cf = tiny_pipeline.cf_model()
    usable = [t.track_id for t in tiny_catalog.tracks if cf.fold_in([t.track_id]).n_history == 1]
    table = dict(CF_SHARE_BY_HISTORY)
    base = tiny_pipeline.run("chill music", n=8)
    assert any(("not personalized" if table[0] == 0 else "prior") in note for note in base.notes)
    for at_least, share in CF_SHARE_BY_HISTORY:
        user = tiny_pipeline.user_vector(usable[:at_least])
        assert user.n_history == at_least and user.cold_start == (at_least == 0)
        assert tiny_pipeline.cf_weight(user) == pytest.approx(min(1.0, tiny_pipeline.settings.cf_weight * share))
        res = tiny_pipeline.run("chill music", n=8, history=usable[:at_least])
        personal = any("close to your taste" in item.reason for item in res.playlist)
        assert personal == (share > 0 and at_least > 0)
        if share == 0 and table[0] == 0:
            assert [i.track_id for i in res.playlist] == [i.track_id for i in base.playlist]


def _fresh(cands: list[Candidate]) -> list[Candidate]:
    import dataclasses

    return [dataclasses.replace(c, matched=list(c.matched), final=0.0, affinity=None) for c in cands]


def test_the_rank_blend_keeps_tiers_and_moves_with_the_weight():
    import numpy as np

    from tools.cf import _rank_blend

    score = np.array([3.0, 2.0, 1.0, 0.5])  # the incoming order: 0, 1, 2, 3
    aff = np.array([0.1, 0.2, 0.9, 0.95])  # the user's: 3, 2, 1, 0
    tiers = np.array([0.0, 0.0, 0.0, 1.0])  # track 3 passed only a relaxed filter
    order = lambda w: list(np.argsort(-_rank_blend(score, aff, tiers, w), kind="stable"))  # noqa: E731
    assert order(0.0) == [0, 1, 2, 3]  # no weight: the ranker's order stands
    assert order(1.0) == [2, 1, 0, 3]  # all weight: the user's order, but a stricter tier still comes first
    assert order(0.75)[0] == 2 and order(0.75)[-1] == 3
