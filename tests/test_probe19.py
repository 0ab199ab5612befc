"""probe19: five newcomers (evals/dialogues au01-au07), each fix alone.

Each test failed before its fix: "no more than two songs by the same group" cut the playlist to 2 tracks; "reverse
the whole thing" was not understood; "the longest song, remove it" and "the sad one in the middle, lose it" asked
which track (or took out every sad one); "ordena de menos para mais energia" sorted the wrong way; "mais músicas da
Shakira" made a playlist of Shakira alone; "perfeito, obrigado!" and "Thank you so much, you have literally saved my
life" found no music; "so we only have about two hours of music, can you trim it" kept only the dinner's mood and
cut by a third; a story ending "could the first few songs be more energetic?" made a new playlist; "I'm 68 ... in my
twenties" read 68 tracks of the 2020s.
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from plans import acts


def test_a_cap_said_with_two_caps_every_artist(vocab, playlist):
    assert acts("And no more than two songs by the same group please", vocab, playlist) == [
        ("cap_artists", {"per_artist": 2})
    ]


def test_reverse_the_whole_thing(vocab, playlist):
    assert acts("reverse the whole thing", vocab, playlist) == [("sort", {"by": "reverse"})]


def _extreme(playlist, field, largest, places=None):
    places = places or range(1, len(playlist) + 1)
    pick = max if largest else min
    return pick(places, key=lambda k: playlist[k - 1][field])


@pytest.mark.parametrize("text", ["the longest song, remove it", "the longest one, get rid of it"])
def test_a_track_described_before_remove_it_goes(vocab, playlist, text):
    assert acts(text, vocab, playlist) == [("remove", {"positions": [_extreme(playlist, "duration_ms", True)]})]


def test_the_sad_one_in_the_middle_is_one_track_of_the_middle(vocab, playlist):
    n = len(playlist)
    middle = range(n // 3 + 1, n - n // 3 + 1)
    want = [("remove", {"positions": [_extreme(playlist, "valence", False, middle)]})]
    assert acts("the sad one in the middle, lose it", vocab, playlist) == want
    assert acts("lose the sad one in the middle", vocab, playlist) == want


def test_remove_the_sad_one_takes_one_track_not_every_sad_one(vocab, playlist):
    assert acts("remove the sad one", vocab, playlist) == [
        ("remove", {"positions": [_extreme(playlist, "valence", False)]})
    ]


def test_portuguese_sort_from_less_to_more(vocab, playlist):
    assert acts("agora ordena de menos para mais energia", vocab, playlist) == [
        ("sort", {"by": "energy", "descending": False})
    ]
    assert acts("ordena de mais pra menos energia", vocab, playlist) == [("sort", {"by": "energy", "descending": True})]


def test_portuguese_more_songs_of_an_artist_are_added_beside(vocab, playlist):
    assert acts("mais músicas da Queen por favor", vocab, playlist) == [("widen", {"artists": ["Queen"]})]


@pytest.mark.parametrize(
    "text",
    ["perfeito, obrigado!", "muito obrigada, ficou ótimo", "Thank you so much, you have literally saved my life"],
)
def test_thanks_with_chatter_is_thanks(vocab, playlist, text):
    plan = parse(text, playlist, vocab)
    assert not plan.actions
    assert plan.question and plan.question.startswith("Glad you like it")


def test_thanks_do_not_hide_a_request_on_a_first_turn(vocab):
    assert acts("thanks, now some rock", vocab, []) == [("new_playlist", {"text": "thanks, now some rock"})]


@pytest.mark.parametrize(
    "text",
    [
        "We just found out the venue kicks us out at midnight and the dinner starts at ten, so we only have about "
        "two hours of music, can you trim it to fit that?",
        "we only have two hours, trim it",
    ],
)
def test_only_having_a_time_is_the_length_to_fit(vocab, playlist, text):
    assert acts(text, vocab, playlist) == [("resize", {"minutes": 120.0})]


def test_a_story_with_an_ask_of_the_first_few_songs_edits_them(vocab, playlist):
    text = (
        "Okay so I showed it to my sister and she said it feels kind of sleepy at the start, she wants people "
        "dancing right away, so could the first few songs be more energetic?"
    )
    plan = parse(text, playlist, vocab)
    assert [(a["name"], a["args"]) for a in plan.actions] == [
        ("replace", {"positions": [1, 2, 3], "moods": ["energetic"]})
    ]


def test_could_the_last_ones_be_calmer_is_an_ask(vocab, playlist):
    assert acts("could the first few songs be more energetic?", vocab, playlist) == [
        ("replace", {"positions": [1, 2, 3], "moods": ["energetic"]})
    ]


def test_an_age_is_no_count_and_my_twenties_are_years_of_that_age(vocab, monkeypatch):
    from tools import vocab as V

    monkeypatch.setattr(V, "this_year", lambda: 2026)
    q = vocab.read("I'm 68 and I'd like the songs I used to dance to in my twenties, Queen, that sort of thing").query
    assert q.length is None
    assert (q.years.start, q.years.end) == (1978, 1987)
    q = vocab.read("songs from my twenties").query
    assert q.years is None  # no age said: no years at all, never the 2020s
    q = vocab.read("20 songs from the twenties").query
    assert q.length == 20 and (q.years.start, q.years.end) == (2020, 2029)


def test_a_cap_said_after_an_artist_request_binds_that_artist(chat):
    r = chat.turn("t", "u", "rock songs by Queen please")
    assert sum(p.artist == "Queen" for p in r.playlist) > 2
    r2 = chat.turn("t", "u", "And no more than two songs by the same group please")
    assert sum(p.artist == "Queen" for p in r2.playlist) <= 2
    assert len(r2.playlist) == len(r.playlist)  # a cap per artist, not a cut to 2 tracks
    assert "nothing in the playlist was over" not in r2.reply


def test_the_party_starting_at_ten_is_when_not_what_to_play(vocab, playlist):
    text = (
        "We just found out the venue kicks us out at midnight and the party starts at ten, so we only have about two "
        "hours of music, can you trim it to fit that?"
    )
    assert acts(text, vocab, playlist) == [("resize", {"minutes": 120.0})]


def test_a_named_song_goes_at_the_end_or_the_top_said(vocab, playlist, tiny_catalog):
    here = {p["track_id"] for p in playlist}
    title = next(t.title for t in tiny_catalog.tracks if t.track_id not in here and not t.track_id.startswith("v"))
    assert acts(f"add {title} at the very end", vocab, playlist) == [("add_song", {"title": title})]
    assert acts(f"can we get {title} at the top", vocab, playlist) == [("add_song", {"title": title, "first": True})]
