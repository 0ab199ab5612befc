"""Baselines of the continuation eval on small synthetic playlists with a known structure."""

from __future__ import annotations

import numpy as np
import pytest

from evals.rec_baselines import FoldInSVD

GROUPS = {"a": np.arange(0, 20), "b": np.arange(20, 40), "c": np.arange(40, 60)}
UNKNOWN = np.arange(60, 80)  # tracks that no training playlist holds
N_ITEMS = 80


def _playlists(seed: int = 0) -> list[np.ndarray]:
    """Playlists of 8 tracks, each drawn from one group; group b is the most listened to."""
    rng = np.random.default_rng(seed)
    counts = {"a": 12, "b": 30, "c": 12}
    return [rng.choice(GROUPS[g], 8, replace=False) for g, n in counts.items() for _ in range(n)]


@pytest.fixture(scope="module")
def svd():
    tiebreak = np.zeros(N_ITEMS)
    tiebreak[UNKNOWN] = np.arange(len(UNKNOWN))  # Spotify popularity: the last unknown track is the most popular
    return FoldInSVD(factors=64, reg=0.05, tiebreak=tiebreak).fit(_playlists(), N_ITEMS)


def test_fold_in_svd_ranks_the_seeds_co_listened_tracks_first(svd):
    seeds = [GROUPS["a"][:3], GROUPS["c"][5:9]]
    scores = svd.score(seeds)
    assert scores.shape == (2, N_ITEMS) and scores.dtype == np.float32 and np.isfinite(scores).all()
    for row, seed, group in zip(scores, seeds, (GROUPS["a"], GROUPS["c"])):
        rest = np.setdiff1d(group, seed)
        others = np.setdiff1d(np.concatenate(list(GROUPS.values())), group)
        # every co-listened track above every track of the other groups, though group b is more popular
        assert row[rest].min() > row[others].max()
        ranking = [i for i in np.argsort(-row) if i not in set(seed.tolist())]
        assert set(ranking[: len(rest)]) == set(rest.tolist())


def test_fold_in_svd_puts_unknown_tracks_last_by_popularity(svd):
    row = svd.score([GROUPS["b"][:2]])[0]
    known = np.concatenate(list(GROUPS.values()))
    assert row[UNKNOWN].max() < row[known].min()
    assert (np.diff(row[UNKNOWN]) > 0).all()  # ordered by the tie-break among themselves


def test_fold_in_svd_without_known_seeds_falls_back_to_training_popularity(svd):
    row = svd.score([UNKNOWN[:3]])[0]
    counts = np.bincount(np.concatenate(_playlists()), minlength=N_ITEMS)
    known = np.flatnonzero(counts)
    order = known[np.argsort(-row[known], kind="stable")]
    assert (np.diff(counts[order]) <= 0).all()  # the most listened-to tracks first
    assert set(order[:10].tolist()) <= set(GROUPS["b"].tolist())


def test_fold_in_svd_is_deterministic_for_a_seed():
    seqs = _playlists(1)
    a = FoldInSVD(factors=8, epochs=20, seed=3).fit(seqs, N_ITEMS).score([GROUPS["a"][:2]])
    b = FoldInSVD(factors=8, epochs=20, seed=3).fit(seqs, N_ITEMS).score([GROUPS["a"][:2]])
    np.testing.assert_array_equal(a, b)
