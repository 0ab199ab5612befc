"""Probe 16b (issue 11): conversation failures written as dialogues (evals/dialogues/aj0*.json), each fix alone.

Each test failed before its fix: "add 5 more but not by X" (and "agrega 5 más pero que no sean de X") also took X's
tracks already in the playlist out, "add 5 more that aren't X" / "but none by X" only excluded and added nothing,
"move the first two to the end" asked which track should move, and "the vibe is off on the second half" threw the
playlist away for a new one.
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from plans import acts


# ----- "add 5 more but not by X": five new ones, none of them X's; X's tracks already there stay ----------------------
@pytest.mark.parametrize(
    "text",
    ["add 5 more but not by bad bunny", "agrega 5 más pero que no sean de bad bunny",
     "add 5 more that aren't bad bunny", "add 5 more but none by bad bunny",
     "can you add like 5 more pero que no sean de bad bunny"],
)  # fmt: skip
def test_more_but_not_by_an_artist_adds_new_ones_not_by_them(vocab, playlist, text):
    assert acts(text, vocab, playlist) == [("more", {"count": 5, "not_artists": ["Bad Bunny"]})]


def test_a_plain_exclusion_still_excludes(vocab, playlist):
    assert acts("no more bad bunny", vocab, playlist) == [("exclude", {"artists": ["Bad Bunny"]})]


def _service(settings, tiny_pipeline):
    from langgraph.checkpoint.memory import MemorySaver
    from langgraph.store.memory import InMemoryStore

    from agent.service import ChatService

    return ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())


def test_more_not_by_keeps_the_artists_tracks_and_adds_none_of_theirs(settings, tiny_pipeline):
    chat = _service(settings, tiny_pipeline)
    try:
        before = chat.turn("t", "u", "reggaeton party with bad bunny")
        had = [p.track_id for p in before.playlist]
        assert any(p.artist == "Bad Bunny" for p in before.playlist)
        after = chat.turn("t", "u", "add 3 more but not by bad bunny")
        assert [p.track_id for p in after.playlist][: len(had)] == had  # every track stays, in its place
        new = after.playlist[len(had) :]
        assert new and len(new) <= 3 and not any(p.artist == "Bad Bunny" for p in new)
        later = chat.turn("t", "u", "add 2 more")  # the exclusion was for those five only: nothing else goes
        assert [p.track_id for p in later.playlist][: len(after.playlist)] == [p.track_id for p in after.playlist]
    finally:
        chat.close()


# ----- "move the first two to the end": both move, in their order ----------------------------------------------------
def test_the_first_two_move_to_the_end_in_order(vocab, playlist):
    n = len(playlist)
    assert acts("move the first two to the end", vocab, playlist) == [
        ("move", {"position": 1, "to": n}),
        ("move", {"position": 2, "to": n}),
    ]


def test_two_tracks_moved_to_the_top_keep_their_order(vocab, playlist):
    assert acts("move tracks 4 and 5 to the top", vocab, playlist) == [
        ("move", {"position": 5, "to": 1}),
        ("move", {"position": 4, "to": 1}),
    ]


def test_moving_the_first_two_to_the_end_reorders_the_playlist(settings, tiny_pipeline):
    chat = _service(settings, tiny_pipeline)
    try:
        ids = [p.track_id for p in chat.turn("t", "u", "songs for a party").playlist]
        after = [p.track_id for p in chat.turn("t", "u", "move the first two to the end").playlist]
        assert after == ids[2:] + ids[:2]
    finally:
        chat.close()


# ----- "the vibe is off on the second half": that half's samest tracks change, never a new playlist -------------------
def test_a_half_whose_vibe_is_off_is_partly_replaced(vocab, playlist):
    plan = parse("the vibe is off on the second half", playlist, vocab)
    assert plan.question is None and [a["name"] for a in plan.actions] == ["replace"]
    half = range(len(playlist) // 2 + 1, len(playlist) + 1)
    assert set(plan.actions[0]["args"]["positions"]) <= set(half)


def test_cutting_off_the_second_half_is_no_complaint(vocab, playlist):
    plan = parse("cut off the second half", playlist, vocab)
    assert [a["name"] for a in plan.actions] != ["replace"]


# ----- "remove it" - "and the one after it too": the track that followed it, now in its place ------------------------
def test_the_one_after_a_removed_track_is_the_one_now_in_its_place(vocab, playlist):
    left = playlist[:3] + playlist[4:]
    previous = {"name": "remove", "args": {"positions": [4]}}
    assert acts("and the one after it too", vocab, left, last="remove", previous=previous) == [
        ("remove", {"positions": [4]})
    ]
    assert acts("and the one before it too", vocab, left, last="remove", previous=previous) == [
        ("remove", {"positions": [3]})
    ]


def test_removing_it_then_the_one_after_it_takes_the_next_track(settings, tiny_pipeline):
    chat = _service(settings, tiny_pipeline)
    try:
        ids = [p.track_id for p in chat.turn("t", "u", "songs for a party").playlist]
        chat.turn("t", "u", "why track 4?")
        chat.turn("t", "u", "remove it")
        after = [p.track_id for p in chat.turn("t", "u", "and the one after it too").playlist]
        assert after == ids[:3] + ids[5:]
    finally:
        chat.close()


# ----- "... but keep track 3": the track kept never goes -------------------------------------------------------------
def test_a_kept_track_is_spared_from_what_goes(vocab, playlist):
    seventies = [k for k, p in enumerate(playlist, 1) if 1970 <= p["year"] <= 1979]
    kept = seventies[1]
    assert acts(f"remove the 70s ones but keep track {kept}", vocab, playlist) == [
        ("remove", {"positions": [k for k in seventies if k != kept]})
    ]
    assert acts("drop tracks 2, 3 and 4 but keep track 3", vocab, playlist) == [("remove", {"positions": [2, 4]})]


def test_a_kept_track_stays_when_the_rest_names_nothing(vocab, playlist):
    plan = parse("lose the old stuff but keep track 3", playlist, vocab)
    assert not any(3 in (a["args"].get("positions") or []) for a in plan.actions)
    # conv3a: "the old stuff" is the playlist's older half now (was: a question), track 3 spared
    years = sorted(p["year"] for p in playlist)
    middle = years[(len(years) - 1) // 2]
    older = [k for k, p in enumerate(playlist, 1) if p["year"] < middle and k != 3]
    # conv5: and newer ones take their places, as "lose the old stuff" alone refills (was: removed, the list short)
    assert [(a["name"], a["args"]) for a in plan.actions] == [("replace", {"positions": older, "year_start": middle})]
