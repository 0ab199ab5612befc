"""The occasion probe's measures (evals.occasions): what a listener notices in a list."""

from __future__ import annotations

import pytest


def test_a_list_of_one_genre_scores_one_and_a_mixed_list_its_largest_share(tiny_catalog):
    from evals.occasions import genre_top

    edm = [t for t in tiny_catalog.tracks if t.genres == ["edm"]][:4]
    rock = [t for t in tiny_catalog.tracks if t.genres == ["rock"]][:2]
    rap = [t for t in tiny_catalog.tracks if t.genres == ["rap"]][:2]
    assert len(edm) == 4 and len(rock) == len(rap) == 2
    assert genre_top(edm) == (1.0, "edm")
    assert genre_top(edm + rock + rap) == (0.5, "edm")
    assert genre_top([]) == (0.0, None)


def test_mood_fit_is_the_share_carrying_the_mood_and_the_mean_closeness_to_its_sound(tiny_catalog):
    from evals.occasions import mood_fit
    from tools.refine import mood_closeness

    calm = [t for t in tiny_catalog.tracks if t.artist == "Ólafur Arnalds"][:3]
    loud = [t for t in tiny_catalog.tracks if t.artist == "AC/DC"][:3]
    assert all("sleep" in t.moods for t in calm) and not any("sleep" in t.moods for t in loud)
    tagged, close = mood_fit(calm + loud, {"sleep": 1.0})
    assert tagged == 0.5
    assert close == pytest.approx(sum(mood_closeness(t, "sleep") for t in calm + loud) / 6)
    assert mood_fit(calm, {"sleep": 1.0})[1] > mood_fit(loud, {"sleep": 1.0})[1]
    assert mood_fit(calm, {}) == (0.0, 0.0)
