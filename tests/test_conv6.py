"""conv6: "add" grows the playlist for artists and genres too, and three newcomers' failures (issue 11; dialogues
as01-as08 and as10-as16, set conv6).

The decision: "add some <artist>", "add a few <artist> songs", "add some <genre> songs" (and "añade" / "agrega")
bring the number said, else a handful (5), at the end, every track kept; conv5 did this for moods, decades and
"love songs". Without the verb "add" ("also some rock", "throw in some latin", "maybe some X", "a bit of X too") some
tracks are swapped in, the size kept, as before. Before conv6 "add some drake" swapped a third of the playlist,
"añade algo de bad bunny" made a new playlist of Bad Bunny alone, and "throw in some latin" grew the playlist.

The newcomers (each failed before): a teenager's "lowkey want some drake too fr" made a new playlist of Drake alone and
"bet thx 🙏" was not understood; a formal writer's "that will be all for today" was read as a request that found no
music, "might you also add ... Frank Sinatra" answered about "might frank sinatra", and "rather more of Elvis Presley"
(not in the catalog) made a new playlist or moved the playlist toward the track last explained; a non-native
speaker's "please not put more of english rap" took out latin tracks, and "I want more slowly" was not understood.
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from plans import acts


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("add some drake", {"artists": ["Drake"], "count": 5}),
        ("add some Drake please", {"artists": ["Drake"], "count": 5}),
        ("add a few drake songs", {"artists": ["Drake"], "count": 3}),
        ("add 2 queen songs", {"artists": ["Queen"], "count": 2}),
        ("add some rock songs", {"genres": ["rock"], "count": 5}),
        ("add some latin", {"genres": ["latin"], "count": 5}),
        ("añade algo de bad bunny", {"artists": ["Bad Bunny"], "count": 5}),
        ("agrega unas canciones de rock", {"genres": ["rock"], "count": 5}),
    ],
)
def test_add_some_artist_or_genre_grows_the_playlist(vocab, playlist, text, args):
    assert acts(text, vocab, playlist) == [("widen", args)]


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("also some rock", {"genres": ["rock"]}),
        ("throw in some latin", {"genres": ["latin"]}),
        ("maybe some queen", {"artists": ["Queen"]}),
        ("a bit of drake too", {"artists": ["Drake"]}),
        ("some queen", {"artists": ["Queen"]}),
    ],
)
def test_without_the_verb_add_some_are_swapped_in_the_size_kept(vocab, playlist, text, args):
    assert acts(text, vocab, playlist) == [("widen", args)]


def test_throw_in_with_a_number_still_adds_that_many(vocab, playlist):
    assert acts("throw in 3 latin songs", vocab, playlist) == [("widen", {"genres": ["latin"], "count": 3})]


def test_slang_hedges_leave_the_ask_alone(vocab, playlist):
    assert acts("lowkey want some drake too fr", vocab, playlist) == [("widen", {"artists": ["Drake"]})]
    assert acts("ngl i want some drake too no cap", vocab, playlist) == [("widen", {"artists": ["Drake"]})]


@pytest.mark.parametrize(
    "text", ["bet thx 🙏", "Thank you very much indeed. That will be all for today.", "cheers mate, bye"]
)
def test_thanks_and_goodbyes_change_nothing_and_are_answered_as_thanks(vocab, playlist, text):
    p = parse(text, playlist, vocab)
    assert not p.actions and p.question.startswith("Glad you like it")


def test_more_slowly_said_by_a_non_native_speaker_slows_it_down(vocab, playlist):
    p = parse("Is too much fast, I want more slowly", playlist, vocab)
    assert p.actions and all(
        (a["name"], a["args"]["feature"], a["args"]["direction"]) == ("adjust", "tempo", "down") for a in p.actions
    )
    assert not p.notes


def test_english_before_a_genre_names_the_genre_not_the_language(vocab, playlist):
    assert acts("Please not put more of english rap", vocab, playlist) == [("exclude", {"genres": ["rap"]})]
    assert acts("no english songs", vocab, playlist) == [("narrow", {"genres": ["latin"]})]  # the language still


def test_more_of_an_artist_the_catalog_lacks_says_so_and_changes_nothing(vocab, playlist):
    said = "I should very much like to hear rather more of Elvis Presley, if that is at all possible."
    p = parse(said, playlist, vocab)
    assert not p.actions and "Elvis Presley" in p.question and "unchanged" in p.question
    assert [n for n, _ in acts("more of the same", vocab, playlist)] == ["more"]


def test_a_formal_add_of_an_unknown_artist_names_only_the_artist(vocab, playlist):
    p = parse("That is lovely. Might you also add a few songs by Frank Sinatra?", playlist, vocab)
    assert not p.actions and '"frank sinatra"' in p.question
