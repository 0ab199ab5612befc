"""Issue 10, the refiner's cost in a personal playlist: the quality floor's penalty, re-chosen on the personalized
eval's validation splits, and the eval's ratio intervals."""

from __future__ import annotations

import random

import pytest

from test_refine import _catalog, _cands, _track
from tools.refine import QUALITY_PLACES, refine
from tools.schema import PlaylistQuery


def _ids(tiny_catalog, weak_at: int, n: int) -> list[str]:
    """A playlist of ``n`` from 60 fitting tracks, with one near-zero-popularity track scored ``weak_at``-th."""
    rng = random.Random(11)
    good = [_track(f"g{i}", f"Good {i}", f"G{i}", rng) for i in range(60)]
    weak = _track("w0", "Deep Cut", "W", rng, popularity=1)
    tracks = good[:weak_at] + [weak] + good[weak_at:]
    cat = _catalog(tracks, tiny_catalog)
    return [i.track_id for i in refine(_cands(cat), PlaylistQuery(text="x"), cat, n=n)]


def test_a_deep_cut_scored_third_plays_in_a_25_track_playlist(tiny_catalog):
    # It counts QUALITY_PLACES places lower: 20 puts it at place 23 of 25; the 40 shipped before left it out.
    assert QUALITY_PLACES + 3 <= 25
    assert "w0" in _ids(tiny_catalog, weak_at=2, n=25)


def test_a_deep_cut_scored_tenth_still_gives_way_to_fitting_tracks(tiny_catalog):
    # Scored tenth, it would come 30th: a 25-track playlist is the 25 best fitting tracks without it.
    ids = _ids(tiny_catalog, weak_at=9, n=25)
    assert "w0" not in ids and set(ids) == {f"g{i}" for i in range(25)}


def test_five_deep_cuts_on_top_do_not_fill_a_10_track_playlist(tiny_catalog):
    rng = random.Random(5)
    weak = [_track(f"w{i}", f"Weak {i}", f"W{i}", rng, popularity=0) for i in range(5)]
    good = [_track(f"g{i}", f"Good {i}", f"G{i}", rng) for i in range(30)]
    cat = _catalog(weak + good, tiny_catalog)
    ids = [i.track_id for i in refine(_cands(cat), PlaylistQuery(text="x"), cat, n=10)]
    assert set(ids) == {f"g{i}" for i in range(10)}


def test_ratio_intervals_bracket_the_ratio_of_paired_means():
    from evals.personalized import ratio_intervals

    rng = random.Random(3)
    full = [{"ndcg@20": rng.random()} for _ in range(40)]
    rcf = [{"ndcg@20": r["ndcg@20"] * 1.05 + 0.01} for r in full]  # full loses to it on every playlist
    base = [{"ndcg@20": r["ndcg@20"] / 2} for r in full]
    out = ratio_intervals({"full": full, "retrieval+cf": rcf, "retrieval": base}, 20)
    low, high = out["full/retrieval+cf"]["ci95"]
    assert low <= out["full/retrieval+cf"]["ratio"] <= high < 1.0  # paired: a loss on every case is no noise
    assert out["full/retrieval"]["ratio"] == pytest.approx(2.0) and out["full/retrieval"]["ci95"][0] > 1.9


def test_the_cold_start_policy_reads_the_tracks_played_not_only_those_cf_knows(tiny_pipeline, tiny_catalog):
    # The ladder chose each share per tracks played; a 10-track history the CF model knows 6 of gets the 10-track
    # share (it got 3's), and one it knows none of stays unpersonalized.
    import copy

    import numpy as np

    from tools.cf import UserVector, cf_weight_for

    cf = copy.deepcopy(tiny_pipeline.cf_model())
    history = [t.track_id for t in tiny_catalog.tracks[:10]]
    cf.items[[cf._index[t] for t in history[6:]]] = 0.0  # the last 4 have no factors (no playlist holds them)
    cf._unit.clear()
    user = cf.fold_in(history, space="mf")
    assert (user.n_history, user.n_played, user.cold_start) == (6, 10, False)
    assert cf.fold_in(history[6:], space="mf").n_played == 0  # none known: the cold start, unpersonalized
    weight = tiny_pipeline.settings.cf_weight
    assert tiny_pipeline.cf_weight(user) == pytest.approx(cf_weight_for(10, weight)) != cf_weight_for(6, weight)
    vector = UserVector(np.ones(cf.items.shape[1], dtype=np.float32), n_history=3, n_played=3)
    assert tiny_pipeline.cf_weight(vector) == pytest.approx(cf_weight_for(3, weight))
