"""Probe round 12: what strangers typed that the conversation misread (evals/dialogues/aa*.json), each fix alone.

Each test failed before its fix.
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from tools import vocab as V
from tools.extract import TagExtractor
from plans import acts


# French and Portuguese basics: "sem rock", "pas de rap", "sans Drake" made a playlist OF rock, rap, Drake
@pytest.mark.parametrize(
    ("said", "english"),
    [("pas de rap", "no rap"), ("sans Drake", "without Drake"), ("sem rock", "without rock"),
     ("sem Bad Bunny", "without Bad Bunny"), ("plus de chansons", "more songs"), ("menos músicas", "fewer songs"),
     ("mais animada", "more upbeat"), ("musique calme pour dormir", "music calm for sleep")],
)  # fmt: skip
def test_french_and_portuguese_basics_read_as_english(said, english):
    assert V.from_basics(said) == english


@pytest.mark.parametrize(
    "text", ["pour some sugar on me", "chill 90s rnb", "sin reggaeton", "musica feliz para festa", "Les Misérables"]
)
def test_words_other_languages_share_stay(text):
    assert V.from_basics(text) == text


def test_french_and_portuguese_exclusions_exclude(vocab, playlist):
    assert acts("sans Drake", vocab, playlist) == [("exclude", {"artists": ["Drake"]})]
    assert [a[0] for a in acts("sem rock", vocab, playlist)] == ["exclude"]
    assert [a[0] for a in acts("pas de rap", vocab, playlist)] == ["exclude"]
    assert [a[0] for a in acts("plus de chansons", vocab, playlist)] == ["more"]
    assert [a[0] for a in acts("menos musicas", vocab, playlist)] == ["resize"]


# "fun songs" was no mood at all ("New playlist for anything")
@pytest.mark.parametrize("text", ["i'm so bored give me fun songs", "I'M SO BORED GIVE ME FUN SONGS", "something fun"])
def test_fun_songs_are_happy(tiny_catalog, text):
    assert [m.value for m in TagExtractor(tiny_catalog).extract(text).moods] == ["happy"]


# A length corrected: "no wait, 12" after a resize asked what to change; "make it 12 no 14" made 12
def test_a_length_said_again_after_a_correction_cue(vocab, playlist):
    prev = {"name": "resize", "args": {"length": 10}}
    assert acts("no wait, 12", vocab, playlist, previous=prev) == [("resize", {"length": 12})]
    assert acts("sorry i meant 12", vocab, playlist, previous=prev) == [("resize", {"length": 12})]
    assert acts("make it 12 no 14", vocab, playlist) == [("resize", {"length": 14})]


def test_a_number_corrected_after_a_removal_is_no_length(vocab, playlist):
    p = parse("no wait, 5", playlist, vocab, previous={"name": "remove", "args": {"positions": [3]}})
    assert not [a for a in p.actions if a["name"] == "resize"]


# "tira a 3" ("take out the 3"): Portuguese's article before a number cut the playlist to 17 instead of removing #3
@pytest.mark.parametrize("text", ["tira a 3", "remova a musica 3", "enlève la 3"])
def test_a_track_said_by_its_number_in_portuguese_or_french_goes(vocab, playlist, text):
    assert acts(text, vocab, playlist) == [("remove", {"positions": [3]})]


def test_portuguese_last_ones_go(vocab, playlist):
    assert acts("tira as duas últimas", vocab, playlist) == [("remove", {"positions": [19, 20]})]
