"""conv6: "add" grows the playlist for artists and genres too (issue 11; dialogues as01-as08, set conv6).

The decision: "add some <artist>", "add a few <artist> songs", "add some <genre> songs" (and "añade" / "agrega")
bring the number said, else a handful (5), at the end, every track kept; conv5 did this for moods, decades and
"love songs". Without the verb "add" ("also some rock", "throw in some latin", "maybe some X", "a bit of X too") some
tracks are swapped in, the size kept, as before. Before conv6 "add some drake" swapped a third of the playlist,
"añade algo de bad bunny" made a new playlist of Bad Bunny alone, and "throw in some latin" grew the playlist.
"""

from __future__ import annotations

import pytest

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
