"""conv3a: questions, redo, "fine as it is" and "lose the old stuff" (evals/dialogues/ak01-ak12, set conv3a).

Each test failed before its fix: "whats the nmae of this playlist" and "what's the name of this song" made a new
playlist "for anything", "what song is this" was not understood, "redo the whole thing" found no music and "redo it" /
"do it again" were not understood, "the energy is ok now" and "these are all bangers" raised the energy, "is this too
long?" cut the playlist to two thirds, and "lose the old stuff" asked which tracks.
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from plans import acts


@pytest.mark.parametrize(
    "text",
    [
        "whats the nmae of this playlist",
        "what's the name of this song",
        "what song is this",
        "wat song is this",
        "who sings track 4",
        "how long is this playlist",
        "how lnog is this playlsit",
        "how many songs are there",
        "what year is the third one from",
        "what's playing",
        "whats teh vibe called?",
        "how about something else?",
    ],
)
def test_a_question_that_reads_no_music_never_replaces_the_playlist(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert all(a["name"] not in ("new_playlist", "replace", "resize", "adjust") for a in p.actions), p.actions
    assert p.question is None or "not sure what to change" not in p.question


def test_a_typo_in_a_question_word_is_read_through_the_vocabulary(vocab, playlist):
    assert acts("whats the nmae of this playlist", vocab, playlist) == [("playlist_name", {})]
    p = parse("how lnog is this playlsit", playlist, vocab)
    assert not p.actions and p.question.startswith(f"It's {len(playlist)} tracks")


def test_this_song_is_the_track_in_focus(vocab, playlist):
    t = playlist[2]
    p = parse("what's the name of this song", playlist, vocab, focus=3)
    assert not p.actions and p.question.startswith(f'#3 is "{t["title"]}" by {t["artist"]}')
    p = parse("who's this artist", playlist, vocab, focus=3)
    assert not p.actions and p.question.startswith(f'#3 "{t["title"]}" is by {t["artist"]}')


@pytest.mark.parametrize("text", ["what song is this", "what's the name of this song", "what's playing right now"])
def test_this_song_without_a_focus_says_what_the_bot_can_answer(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert not p.actions and "can't see what your player is on" in p.question and "track 3" in p.question


@pytest.mark.parametrize("text", ["redo the whole thing", "redo it", "do it again", "redo the playlist"])
def test_redo_the_whole_thing_picks_every_track_afresh(vocab, playlist, text):
    everything = list(range(1, len(playlist) + 1))
    assert acts(text, vocab, playlist, last="new_playlist") == [("replace", {"positions": everything})]
    assert acts(text, vocab, playlist, focus=3) == [("replace", {"positions": everything})]


def test_redo_it_right_after_an_undo_redoes_what_the_undo_took_back(vocab, playlist):
    assert acts("redo it", vocab, playlist, last="undo") == [("redo", {})]


def test_do_it_again_after_an_edit_is_not_a_fresh_batch(vocab, playlist):
    p = parse("do it again", playlist, vocab, last="more")
    assert [a["name"] for a in p.actions] != ["replace"]


@pytest.mark.parametrize(
    "text, aspect",
    [
        ("the energy is ok now", "energy"),
        ("energy is fine now", "energy"),
        ("energy's fine now", "energy"),
        ("the tempo is good", "tempo"),
        ("the vibe is perfect", "vibe"),
        ("nice, the mood is right", "mood"),
    ],
)
def test_an_aspect_said_fine_changes_nothing_and_says_so(vocab, playlist, text, aspect):
    p = parse(text, playlist, vocab)
    assert not p.actions and not p.question and p.notes == [f"Good: the {aspect} stays as it is."]


def test_a_fine_aspect_beside_an_ask_leaves_only_the_ask(vocab, playlist):
    assert acts("the energy is ok but a bit more rock", vocab, playlist) == [("widen", {"genres": ["rock"]})]


@pytest.mark.parametrize("text", ["the energy is too low", "the energy is not ok", "the energy could be better"])
def test_an_aspect_not_fine_is_no_praise(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert p.notes != ["Good: the energy stays as it is."]


def test_the_whole_playlist_praised_is_kept_as_love_it_is(vocab, playlist):
    assert acts("these are all bangers", vocab, playlist) == acts("love it", vocab, playlist) == [("keep_playlist", {})]


@pytest.mark.parametrize("text", ["is this too long?", "is it too short?", "is the playlist too long"])
def test_is_it_too_long_is_answered_never_cut(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert not p.actions and p.question.startswith(f"It's {len(playlist)} tracks, about ")


@pytest.mark.parametrize("text", ["lose the old stuff", "get rid of the older songs", "drop the oldies"])
def test_lose_the_old_stuff_keeps_the_playlists_newer_half(vocab, playlist, text):
    years = sorted(p["year"] for p in playlist)
    middle = years[(len(years) - 1) // 2]
    assert middle > years[0]
    p = parse(text, playlist, vocab)
    assert [(a["name"], a["args"]) for a in p.actions] == [("narrow", {"year_start": middle, "year_end": None})]
    assert str(middle) in p.notes[0]


def test_old_songs_said_with_years_take_those_years(vocab, playlist):
    assert acts("remove the old songs, only 2015 and up", vocab, playlist) == [
        ("narrow", {"year_start": 2015, "year_end": None})
    ]


def test_nothing_older_than_the_rest_is_said_not_done(vocab, playlist):
    same = [dict(p, year=2001) for p in playlist]
    p = parse("lose the old stuff", same, vocab)
    assert not p.actions and "Nothing changed" in p.question


# ----- my own chats as a newcomer (ak13-ak16) ---------------------------------------------------------------------
@pytest.mark.parametrize("text", ["its fine", "hmm its ok i guess", "this is fine", "it's good as is"])
def test_the_playlist_said_fine_is_kept_and_said_so(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert not p.actions and not p.question and p.notes == ["OK: the playlist stays as it is."]


def test_its_fine_before_an_ask_leaves_the_ask(vocab, playlist):
    assert acts("its fine but add some rock", vocab, playlist) == [("widen", {"genres": ["rock"], "count": 5})]


@pytest.mark.parametrize(
    "text, hint",
    [("the order is weird", "shuffle"), ("the energy is off", "calmer"), ("the tempo is all over the place", "slower")],
)
def test_an_aspect_said_off_asks_which_way(vocab, playlist, text, hint):
    p = parse(text, playlist, vocab)
    assert not p.actions and p.question.startswith("What should change about the ") and hint in p.question


@pytest.mark.parametrize(
    "text, said",
    [("what's the bpm", "BPM, "), ("hows the energy", "Energy runs from"), ("whats the energy like", "Energy runs")],
)
def test_a_bare_question_on_a_feature_gives_its_range(vocab, playlist, text, said):
    p = parse(text, playlist, vocab)
    assert not p.actions and said in p.question and "on average" in p.question


@pytest.mark.parametrize(
    "text, feature",
    [
        ("its a bit slow", "tempo"),
        ("this is a bit slow", "tempo"),
        ("the songs are a bit slow", "tempo"),
        ("it's ok but a bit slow", "tempo"),
        ("its kinda sad", "valence"),
    ],
)
def test_the_playlist_described_with_a_hedge_is_a_complaint(vocab, playlist, text, feature):
    assert acts(text, vocab, playlist) == [("adjust", {"feature": feature, "direction": "up", "amount": "bit"})]


@pytest.mark.parametrize("text", ["a bit slow", "a bit slow please"])
def test_a_hedged_ask_is_still_an_ask(vocab, playlist, text):
    assert acts(text, vocab, playlist) == [("adjust", {"feature": "tempo", "direction": "down", "amount": "bit"})]


def test_an_aspect_said_fine_then_but_only_the_ask_after_it_changes(vocab, playlist):
    p = parse("energy is good but its too slow", playlist, vocab)
    assert [(a["name"], a["args"]) for a in p.actions] == [
        ("adjust", {"feature": "tempo", "direction": "up", "amount": "normal"})
    ]
    assert p.notes == ["Good: the energy stays as it is."]


@pytest.mark.parametrize("text", ["not bad", "not bad at all", "ok not bad"])
def test_not_bad_is_praise_not_a_gripe(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert not p.actions and p.question.startswith("Glad you like it")


def test_not_bad_before_an_ask_leaves_the_ask(vocab, playlist):
    assert acts("not bad, but add some rock", vocab, playlist) == [("widen", {"genres": ["rock"], "count": 5})]


@pytest.mark.parametrize("text", ["is it long enough", "is it a bit too short", "is this long"])
def test_is_it_long_enough_is_answered(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert not p.actions and p.question.startswith(f"It's {len(playlist)} tracks, about ")


def test_who_is_this_is_the_track_in_focus(vocab, playlist):
    t = playlist[5]
    p = parse("who is this", playlist, vocab, focus=6)
    assert not p.actions and p.question.startswith(f'#6 "{t["title"]}" is by {t["artist"]}')
    assert "can't see what your player is on" in parse("who is this", playlist, vocab).question


def test_try_that_again_after_a_new_playlist_picks_afresh(vocab, playlist):
    everything = list(range(1, len(playlist) + 1))
    assert acts("try that again", vocab, playlist, last="new_playlist") == [("replace", {"positions": everything})]
