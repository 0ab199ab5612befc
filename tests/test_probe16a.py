"""Conversation gaps of issue 11 (probe16a; dialogues evals/dialogues/ai01-ai08).

Each test failed on 4f1094b: "start with something by X" made a new playlist of X, "unshuffle" was not understood,
"those" right after "add 3 more" meant nothing to "move those to the top", "keep those" or "those are great, more
like them", and "love the 90s ones" kept only the 90s (every track replaced on a playlist with none of them).
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from plans import acts


@pytest.fixture(scope="module")
def grown(tiny_catalog, playlist) -> list[dict]:
    """The playlist after "add 3 more": three other catalog tracks at 21-23."""
    seen = {p["track_id"] for p in playlist}
    keys = ("energy", "valence", "tempo", "danceability", "popularity", "duration_ms", "year")
    more = [t for t in tiny_catalog.tracks if not t.track_id.startswith("v") and t.track_id not in seen][:3]
    return [*playlist, *({"track_id": t.track_id, "title": t.title, "artist": t.artist,
                          **{k: getattr(t, k) for k in keys}} for t in more)]  # fmt: skip


def _absent_artist(tiny_catalog, playlist) -> str:
    here = {p["artist"] for p in playlist}
    return next(t.artist for t in tiny_catalog.tracks if t.artist not in here and " " not in t.artist)


@pytest.mark.parametrize("lead, said", [("start with", "at the start"), ("kick it off with", "first")])
def test_start_with_something_by_an_artist_puts_one_of_theirs_first(vocab, playlist, tiny_catalog, lead, said):
    who = _absent_artist(tiny_catalog, playlist)
    plan = acts(f"{lead} something by {who.lower()}", vocab, playlist)
    assert plan == [("widen", {"artists": [who], "count": 1}), ("move", {"position": len(playlist) + 1, "to": 1})]
    assert plan == acts(f"put something by {who.lower()} {said}", vocab, playlist)


def test_end_with_something_by_an_artist_adds_one_of_theirs_at_the_end(vocab, playlist, tiny_catalog):
    who = _absent_artist(tiny_catalog, playlist)
    assert acts(f"end with something by {who}", vocab, playlist) == [("widen", {"artists": [who], "count": 1})]


@pytest.mark.parametrize("text", ["unshuffle", "unshuffle it", "can you unshuffle that", "un-shuffle the playlist"])
def test_unshuffle_takes_back_the_shuffle(vocab, playlist, text):
    assert acts(text, vocab, playlist) == acts("undo the shuffle", vocab, playlist) == [("undo", {"order": True})]


ADDED = ([21, 22, 23], 0)


@pytest.mark.parametrize(
    "text", ["move those to the top", "put them first", "move those 3 to the top", "start with those"]
)
def test_those_after_an_add_move_the_tracks_it_brought_in(vocab, grown, text):
    assert acts(text, vocab, grown, changed=ADDED) == [
        ("move", {"position": 21, "to": 1}),
        ("move", {"position": 22, "to": 2}),
        ("move", {"position": 23, "to": 3}),
    ]


def test_move_those_without_a_change_before_still_asks(vocab, grown):
    assert parse("move those to the top", grown, vocab).question


@pytest.mark.parametrize("text", ["keep those", "keep them", "i love those", "keep those, they are great"])
def test_keep_those_after_an_add_likes_the_tracks_it_brought_in(vocab, grown, text):
    assert acts(text, vocab, grown, changed=ADDED) == [("feedback", {"positions": [21, 22, 23], "liked": True})]


@pytest.mark.parametrize("text", ["those are great, more like them", "more like those"])
def test_more_like_those_after_an_add_means_the_tracks_it_brought_in(vocab, grown, text):
    assert acts(text, vocab, grown, changed=ADDED) == acts("more like tracks 21, 22 and 23", vocab, grown)


@pytest.mark.parametrize(
    "text, praised",
    [
        ("love the 90s ones", "the 90s ones are great"),
        ("i love the 2000s songs, more of those", "the 2000s songs are great, more of those"),
        ("i really like the 80s tracks", "the 80s tracks are great"),
    ],
)
def test_praise_before_a_decade_adds_some_of_it_as_praise_after_does(vocab, playlist, text, praised):
    plan = acts(text, vocab, playlist)
    assert plan == acts(praised, vocab, playlist)
    assert [name for name, _ in plan] == ["widen"]  # every track kept, none narrowed away
