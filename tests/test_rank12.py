"""The fresh build's ranker in conversation (rank12): what the person asked holds after ranking, whatever the trained
ranker learned of it. A newly built ranker read little of ``feature_close``, ``named_artist`` and ``mood_close``, so
"add 3 more like #5" found nothing nearer #5, "2000s hip hop like kanye and jay z" had no Kanye and "rock to study
to" was as loud as any rock. Here the ranker is one that learned nothing at all (every weight 0: every candidate
scores the same), the extreme of a ranker that ignores those features."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.ranker import FEATURE_NAMES, NumpyMLP, Ranker
from tools.schema import FeatureBound, PlaylistQuery


def _blind() -> Ranker:
    """A real served MLP whose weights are all 0: it gives every candidate the same score."""
    f, h = len(FEATURE_NAMES), 4
    arrays = {
        "net.0.weight": np.zeros((h, f), np.float32),
        "net.0.bias": np.zeros(h, np.float32),
        "net.2.weight": np.zeros((h, h), np.float32),
        "net.2.bias": np.zeros(h, np.float32),
        "net.4.weight": np.zeros((1, h), np.float32),
        "net.4.bias": np.zeros(1, np.float32),
        "mean": np.zeros(f, np.float32),
        "std": np.ones(f, np.float32),
    }
    return Ranker("torch", NumpyMLP(arrays))


@pytest.fixture(scope="module")
def blind_pipeline(tiny_csv, tiny_catalog, tmp_path_factory):
    from tools.pipeline import Pipeline
    from tools.settings import Settings

    home = tmp_path_factory.mktemp("rank12")
    pipe = Pipeline.from_catalog(Settings(data=tiny_csv, home=home), tiny_catalog, home / "idx", ranker=_blind())
    assert pipe.ranker_model() is not None
    yield pipe
    pipe.close()


SOUND = ("energy", "valence", "danceability", "acousticness")


def _far(track, targets: dict[str, float]) -> float:
    return math.fsum(abs(getattr(track, f) - t) for f, t in targets.items())


def test_a_ranker_blind_to_sound_targets_still_puts_the_tracks_nearest_them_first(blind_pipeline, tiny_catalog):
    # "add 3 more like #5" aims at one track's sound (soft targets, "like #5"): the ranker's first tracks are the
    # nearest to it, not retrieval's order
    seed = next(t for t in tiny_catalog.tracks if t.artist == "Norah Jones")
    targets = {f: getattr(seed, f) for f in SOUND}
    q = PlaylistQuery(
        text="music",
        features=[
            FeatureBound(feature=f, target=round(v, 3), explicit=False, source="like #5") for f, v in targets.items()
        ],
    )
    ranked = blind_pipeline.rank(blind_pipeline.retrieve_full(q), q)
    assert len(ranked) >= 30
    top = [_far(tiny_catalog[c.track_id], targets) for c in ranked[:6]]
    pool = sorted(_far(tiny_catalog[c.track_id], targets) for c in ranked)
    assert max(top) <= pool[11], (top, pool[:12])  # the first 6 are among the 12 nearest of the pool


def test_more_like_one_but_less_like_another_keeps_both(chat):
    first = chat.turn("r12", "u", "rock and pop, 12 tracks")
    third, fifth = first.playlist[2].track_id, first.playlist[4].track_id
    r = chat.turn("r12", "u", "more like the 3rd one but less like the 5th")
    ids = [x.track_id for x in r.playlist]
    assert "away from" in r.reply and len(ids) == len(first.playlist), r.reply
    assert third in ids and fifth in ids, r.reply


def test_reply_lacks_reads_the_replys_words_not_the_titles_it_lists(tiny_catalog):
    from types import SimpleNamespace

    from evals.dialogue import Turn, _reply_lacks

    listed = [SimpleNamespace(title="Ahora Es", track_id="t0000")]
    gone = "Added 5 more by continuation.\n\nYour playlist (1 tracks):\n1. Ahora Es — X (2007)"
    assert _reply_lacks(Turn(listed, listed, gone, [], tiny_catalog), "ahora", "reply_lacks") is None
    said = "Added 5 more, ahora.\n\nYour playlist (1 tracks):\n1. Ahora Es — X (2007)"
    assert _reply_lacks(Turn(listed, listed, said, [], tiny_catalog), "ahora", "reply_lacks") == "reply says 'ahora'"


def test_a_listening_time_ends_at_the_length_nearest_it():
    # "45 min": 13 tracks make 44.6 min, a 14th of 8.3 min 52.9; the playlist stops at the nearer, as the refiner does
    from agent.tools.playlist import _fit_minutes

    items = [{"duration_ms": 206_000}] * 13 + [{"duration_ms": 498_000}, {"duration_ms": 200_000}]
    assert len(_fit_minutes(items, 45)) == 13
    assert len(_fit_minutes(items, 49)) == 14  # 52.9 is nearer 49 than 44.6 is: the long one stays
    assert len(_fit_minutes(items[:3], 45)) == 3  # all of them when they last less
