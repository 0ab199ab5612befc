"""Probe round 11: what forty strangers typed that the conversation misread (evals/dialogues/z*.json), each fix alone.

Each test failed before its fix.
"""

from __future__ import annotations

import pytest

from agent.intents import parse
from tools import vocab as V


def acts(text, vocab, playlist, **kw):
    p = parse(text, playlist, vocab, **kw)
    assert p.question is None, p.question
    return [(a["name"], a["args"]) for a in p.actions]


# German basics: "ohne Drake" made a playlist of Drake, "lösche Lied 3" and "die letzten zwei weg" were not read
@pytest.mark.parametrize(
    ("german", "english"),
    [("ohne Drake", "without Drake"), ("lösche Lied 3", "remove song 3"),
     ("die letzten zwei weg", "remove the last two"), ("mehr wie das", "more like this"),
     ("noch 5 mehr", "5 more"), ("warum Lied 4?", "why song 4?"),
     ("ruhige Musik zum Einschlafen", "calm music for sleep"),
     ("Partymusik aus den 2000ern", "party music from the 2000s"),
     ("etwas ruhiger", "a bit calmer"), ("ohne rap bitte", "without rap")],
)  # fmt: skip
def test_german_basics_read_as_english(german, english):
    assert V.from_german(german) == english


@pytest.mark.parametrize(
    "text", ["die hard rock", "Die Antwoord songs", "das racist", "chill 90s rnb", "sin reggaeton"]
)
def test_words_german_shares_with_other_languages_stay(text):
    assert V.from_german(text) == text


def test_german_follow_ups_act(vocab, playlist):
    assert acts("ohne Drake", vocab, playlist) == [("exclude", {"artists": ["Drake"]})]
    assert acts("lösche Lied 3", vocab, playlist) == [("remove", {"positions": [3]})]
    assert acts("die letzten zwei weg", vocab, playlist) == [("remove", {"positions": [19, 20]})]
    assert acts("noch 5 mehr", vocab, playlist) == [("more", {"count": 5})]
