"""conv3b (issue 11): reordering and compound edits, each written as a dialogue (evals/dialogues/al*.json) first.

Each test failed before its fix: "put tracks 4 and 5 at the top" and "tracks 2-4 to the bottom" asked what to do with
one track; "move those up" and "put those in the middle" after an add found no music or asked which "Middle" artist;
"make the first few a warmup" swapped in workout tracks and "end with a cooldown" asked which track should move;
"remove all but the first 8 and add 4 more, not too upbeat" lowered the energy of the whole playlist (swapping the
kept tracks); "love the 90s ones, drop track 3" narrowed the playlist to the 90s.
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from plans import acts


def _applied(playlist, actions):
    """The playlist after ``move`` calls, read as the tools read them: the track the user saw at ``position`` goes to
    ``to`` in the list as the earlier moves left it."""
    seen = [p["track_id"] for p in playlist]
    now = list(seen)
    for a in actions:
        assert a["name"] == "move", a
        tid = seen[a["args"]["position"] - 1]
        now.remove(tid)
        now.insert(a["args"]["to"] - 1, tid)
    return now


# ----- several tracks to one end, with a weak verb or none ------------------------------------------------------------
@pytest.mark.parametrize(
    "text, block, top",
    [("put tracks 4 and 5 at the top", [4, 5], True), ("put 4 and 5 first", [4, 5], True),
     ("stick 9, 10 and 11 at the start", [9, 10, 11], True), ("tracks 2-4 to the bottom", [2, 3, 4], False),
     ("4 and 5 to the top", [4, 5], True), ("songs 2 to 4 to the end", [2, 3, 4], False)],
)  # fmt: skip
def test_several_tracks_go_to_an_end_in_their_order(vocab, playlist, text, block, top):
    ids = [p["track_id"] for p in playlist]
    mine, rest = [ids[k - 1] for k in block], [t for k, t in enumerate(ids, 1) if k not in block]
    plan = parse(text, playlist, vocab)
    assert plan.question is None, plan.question
    assert _applied(playlist, plan.actions) == (mine + rest if top else rest + mine)


def test_one_track_without_a_verb_moves(vocab, playlist):
    assert acts("track 4 to the top", vocab, playlist) == [("move", {"position": 4, "to": 1})]


def test_a_plain_swap_still_trades_two_places(vocab, playlist):
    ids = [p["track_id"] for p in playlist]
    want = list(ids)
    want[0], want[5] = want[5], want[0]
    assert _applied(playlist, parse("swap 1 and 6", playlist, vocab).actions) == want


def test_tracks_go_to_the_middle_together(vocab, playlist):
    ids = [p["track_id"] for p in playlist]
    after = _applied(playlist, parse("put 4 and 5 in the middle", playlist, vocab).actions)
    at = after.index(ids[3])
    assert after[at + 1] == ids[4] and 6 <= at + 1 <= 14  # together, around the middle of 20
    assert [t for t in after if t not in ids[3:5]] == [t for t in ids if t not in ids[3:5]]


# ----- "those" right after an add: the tracks it brought in -----------------------------------------------------------
def test_those_after_an_add_move_up(vocab, playlist):
    n = len(playlist)
    ids = [p["track_id"] for p in playlist]
    plan = parse("move those up", playlist, vocab, last="more", changed=([n - 2, n - 1, n], 0))
    assert plan.question is None, plan.question
    assert _applied(playlist, plan.actions) == ids[-3:] + ids[:-3]


def test_those_after_an_add_go_to_the_middle(vocab, playlist):
    n = len(playlist)
    ids = [p["track_id"] for p in playlist]
    plan = parse("put those in the middle", playlist, vocab, last="widen", changed=([14, 15, 16], 0))
    assert plan.question is None, plan.question
    after = _applied(playlist, plan.actions)
    at = after.index(ids[13])
    assert after[at : at + 3] == ids[13:16] and n / 4 <= at + 1.5 <= 3 * n / 4


# ----- a warm-up at the start, a cool-down at the end: the playlist's own tracks, the rest in order -------------------
def test_the_first_few_become_a_warm_up(vocab, playlist):
    plan = parse("make the first few a warmup", playlist, vocab)
    assert plan.question is None and {a["name"] for a in plan.actions} <= {"move", "replace"}
    moves = [a for a in plan.actions if a["name"] == "move"]
    after = _applied(playlist, moves)
    energy = {p["track_id"]: p["energy"] for p in playlist}
    first = [energy[t] for t in after[:3]]
    assert first == sorted(first) and first[-1] > first[0]  # rising
    assert first[0] <= sorted(energy.values())[len(energy) // 2]  # from low-mid
    assert sorted(after) == sorted(energy)  # the same tracks


def test_the_end_becomes_a_cool_down(vocab, playlist):
    plan = parse("end with a cooldown", playlist, vocab)
    assert plan.question is None
    after = _applied(playlist, [a for a in plan.actions if a["name"] == "move"])
    energy = {p["track_id"]: p["energy"] for p in playlist}
    last = [energy[t] for t in after[-4:]]
    assert last == sorted(last, reverse=True) and last[-1] < last[0]
    assert last[-1] <= sorted(energy.values())[len(energy) // 2]


def test_a_half_and_half_arc_still_orders_the_whole_playlist(vocab, playlist):
    assert acts("first half warm up, second half go hard", vocab, playlist) == [
        ("sort", {"by": "energy", "descending": False})
    ]


# ----- the sound said after an add is of the new tracks ---------------------------------------------------------------
def test_a_mood_after_an_add_scopes_to_the_added_tracks(vocab, playlist):
    got = acts("remove all but the first 8 and add 4 more, not too upbeat", vocab, playlist)
    assert got[0] == ("remove", {"positions": list(range(9, len(playlist) + 1))})
    assert got[1][0] == "more" and got[1][1]["count"] == 4
    assert {"feature": "energy", "direction": "down"} in got[1][1]["toward"]
    assert len(got) == 2  # no adjust of the whole playlist


def test_a_change_with_its_own_verb_still_changes_the_playlist(vocab, playlist):
    assert [n for n, _ in acts("add 4 more and make it calmer", vocab, playlist)] == ["more", "adjust"]


def test_the_new_tracks_only_are_calmer(settings, tiny_pipeline):
    from langgraph.checkpoint.memory import MemorySaver
    from langgraph.store.memory import InMemoryStore

    from agent.service import ChatService

    chat = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    try:
        before = chat.turn("t", "u", "upbeat songs for a party, 12 tracks").playlist
        after = chat.turn("t", "u", "remove all but the first 6 and add 3 more, not too upbeat").playlist
        assert [p.track_id for p in after[:6]] == [p.track_id for p in before[:6]]  # kept, untouched
        new = after[6:]
        assert new and all(p.energy <= sum(q.energy for q in after[:6]) / 6 + 1e-6 for p in new)
    finally:
        chat.close()


# ----- praise of a subset before an edit: a like, and the edit --------------------------------------------------------
def test_praise_of_a_decade_before_a_removal_likes_and_removes(vocab, playlist):
    decade = playlist[0]["year"] // 10 * 10
    theirs = [k for k, p in enumerate(playlist, 1) if p["year"] and decade <= p["year"] <= decade + 9]
    got = acts(f"love the {decade % 100:02d}s ones, drop track 3", vocab, playlist)
    assert got == [("feedback", {"positions": theirs, "liked": True}), ("remove", {"positions": [3]})]


def test_praise_then_more_of_those_still_brings_some_in(vocab, playlist):
    decade = playlist[0]["year"] // 10 * 10
    names = [n for n, _ in acts(f"i love the {decade % 100:02d}s songs, more of those", vocab, playlist)]
    assert "feedback" not in names and names


# ----- my own phrasing as a newcomer ----------------------------------------------------------------------------------
def test_bring_two_to_the_front(vocab, playlist):
    ids = [p["track_id"] for p in playlist]
    plan = parse("bring 10 and 12 to the front please", playlist, vocab)
    assert plan.question is None, plan.question
    assert _applied(playlist, plan.actions) == [ids[9], ids[11]] + [
        t for k, t in enumerate(ids, 1) if k not in (10, 12)
    ]


def test_bring_back_is_still_a_restore(vocab, playlist):
    assert all(a["name"] != "move" for a in parse("bring back track 3", playlist, vocab).actions)


def test_the_new_ones_after_an_add_are_the_added_tracks(vocab, playlist):
    n = len(playlist)
    ids = [p["track_id"] for p in playlist]
    plan = parse("put the new ones at the start", playlist, vocab, last="more", changed=([n - 2, n - 1, n], 0))
    assert plan.question is None, plan.question
    assert _applied(playlist, plan.actions) == ids[-3:] + ids[:-3]


def test_reverse_the_last_five_turns_only_them_around(vocab, playlist):
    ids = [p["track_id"] for p in playlist]
    plan = parse("reverse the last 5", playlist, vocab)
    assert plan.question is None, plan.question
    assert _applied(playlist, plan.actions) == ids[:-5] + ids[-5:][::-1]


def test_a_cut_then_an_end_reads_both_and_picks_among_the_kept(vocab, playlist):
    got = acts("cut it to 12 and end on something happy", vocab, playlist)
    assert got[0] == ("resize", {"length": 12})
    assert len(got) == 2 and got[1][0] == "move" and got[1][1]["to"] == 12 and got[1][1]["position"] <= 12


def test_a_start_and_end_arc_is_still_read_whole(vocab, playlist):
    assert [n for n, _ in acts("start slow and end with something hype", vocab, playlist)] == ["sort"]


def test_make_them_slower_after_an_add_is_of_the_new_ones(vocab, playlist):
    assert acts("add 2 more but make them slower", vocab, playlist) == [
        ("more", {"count": 2, "toward": [{"feature": "tempo", "direction": "down"}]})
    ]


def test_nothing_too_sad_after_an_add_is_of_the_new_ones(vocab, playlist):
    assert acts("add 5 more, nothing too sad", vocab, playlist) == [("more", {"count": 5, "not_moods": ["sad"]})]


def test_the_two_slowest_go_to_the_end_the_rest_in_order(vocab, playlist):
    ids = [p["track_id"] for p in playlist]
    tempo = {p["track_id"]: p["tempo"] for p in playlist}
    slow = sorted(ids, key=lambda t: tempo[t])[:2]
    plan = parse("move the 2 slowest to the end", playlist, vocab)
    assert plan.question is None, plan.question
    after = _applied(playlist, plan.actions)
    assert set(after[-2:]) == set(slow) and after[:-2] == [t for t in ids if t not in slow]


def test_the_new_ones_hold_no_sad_track_and_the_old_stay(settings, tiny_pipeline):
    from langgraph.checkpoint.memory import MemorySaver
    from langgraph.store.memory import InMemoryStore

    from agent.service import ChatService

    chat = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    try:
        before = [p.track_id for p in chat.turn("t", "u", "chill songs, 10 tracks").playlist]
        after = chat.turn("t", "u", "add 3 more, nothing too sad").playlist
        assert [p.track_id for p in after[: len(before)]] == before
        catalog = tiny_pipeline.catalog
        assert after[len(before) :] and not any("sad" in catalog[p.track_id].moods for p in after[len(before) :])
    finally:
        chat.close()


def test_two_pairs_of_places_are_two_moves_not_a_range(vocab, playlist):
    ids = [p["track_id"] for p in playlist]
    want = list(ids)
    want.insert(4, want.pop(1))
    want.insert(0, want.pop(want.index(ids[8])))
    assert _applied(playlist, parse("move 2 to 5 and 9 to 1", playlist, vocab).actions) == want
