"""Five strangers talking to PlayGenie (evals/dialogues/ar*, set probe18): what the conversation misread, each fix.

Each test failed before its fix: an Arabic or Chinese request read as "anything" (a fresh playlist of popular tracks)
or "I'm not sure what to change"; "😴" alone was "I can't read that" in chat while `playlist "😴"` made a sleep
playlist, and `playlist "🎸"` made popular tracks where chat could not read it; "rmv 3" and "rm 2 n 5" were not
understood; "swap the opener for something deeper" replaced the playlist; "put the highest energy songs at the end"
raised the energy instead of reordering; "track 3 is too slow, replace it" swapped in any track; "a 4 hour drive with
two kids (6 and 9)" was 9 tracks, not four hours.
"""

from __future__ import annotations

import argparse

import pytest

from agent.intents import parse
from plans import acts
from tools import vocab as words


@pytest.mark.parametrize("text", ["أريد موسيقى هادئة للنوم", "我想听一些安静的音乐", "Хочу спокойную музыку"])
def test_a_language_not_read_asks_for_english_or_spanish(vocab, playlist, text):
    for pl in ([], playlist):
        p = parse(text, pl, vocab)
        assert not p.actions
        assert "English" in p.question and "Spanish" in p.question and "anything" not in p.question


def test_a_request_with_readable_words_beside_another_script_is_read(vocab):
    p = parse("我想听 chill music", [], vocab)
    assert [a["name"] for a in p.actions] == ["new_playlist"]


def test_the_one_reader_of_unreadable_input():
    assert words.unreadable("我想听一些安静的音乐") == "language"
    assert words.unreadable("🎸🎸") == "symbols"
    assert words.unreadable("😴") is None  # an emoji the vocabulary reads (sleep)
    assert words.unreadable("chill 90s") is None
    assert words.unreadable("Beyoncé") is None


def test_an_emoji_the_vocabulary_reads_starts_a_playlist_in_chat(vocab):
    p = parse("😴", [], vocab)
    assert [a["name"] for a in p.actions] == ["new_playlist"]


def test_an_emoji_alone_after_a_playlist_is_still_a_verdict(vocab, playlist):
    p = parse("😴", playlist, vocab)
    assert not p.actions and "what's off" in p.question.lower()


def test_the_playlist_command_refuses_symbols_as_chat_does(capsys, tmp_path):
    from bots import terminal_playlist
    from tools.settings import Settings

    parser = argparse.ArgumentParser()
    terminal_playlist.add_arguments(parser)
    # the refusal comes before anything is loaded: a home and data that do not exist are enough
    settings = Settings(home=tmp_path / "home", data=tmp_path / "none.csv")
    assert terminal_playlist.run(parser.parse_args(["🎸"]), settings) == 2
    assert "can't read that as a request" in capsys.readouterr().err


def test_the_playlist_command_and_chat_say_the_same_of_another_language(tiny_catalog, vocab):
    from bots.terminal_playlist import unread_note

    text = "我想听一些安静的音乐"
    assert unread_note(text, tiny_catalog) == parse(text, [], vocab).question == words.UNREAD_LANGUAGE
    assert unread_note("quiet music", tiny_catalog) is None


@pytest.mark.parametrize(("text", "places"), [("rmv 3", [3]), ("rm 2 n 5", [2, 5]), ("dlt 4", [4])])
def test_texting_shorthand_for_remove(vocab, playlist, text, places):
    assert acts(text, vocab, playlist) == [("remove", {"positions": places})]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("swap the opener for something deeper", [("replace", {"positions": [1]})]),
        ("replace the opener", [("replace", {"positions": [1]})]),
        ("drop the opener", [("remove", {"positions": [1]})]),
        ("swap the closer", [("replace", {"positions": [20]})]),
    ],
)
def test_the_opener_and_closer_are_tracks(vocab, playlist, text, want):
    assert acts(text, vocab, playlist) == want


@pytest.mark.parametrize(
    "text",
    ["put the highest energy songs at the end for my sprint finish", "highest energy songs at the end please"],
)
def test_the_highest_at_the_end_reorders(vocab, playlist, text):
    assert acts(text, vocab, playlist) == [("sort", {"by": "energy", "descending": False})]


@pytest.mark.parametrize(
    ("text", "feature", "direction"),
    [
        ("track 3 is too slow, replace it", "tempo", "up"),
        ("number 3 is way too mellow, swap it", "energy", "up"),
        ("3 is too fast, swap it out", "tempo", "down"),
    ],
)
def test_a_complaint_about_a_track_steers_its_replacement(vocab, playlist, text, feature, direction):
    assert acts(text, vocab, playlist) == [("replace", {"positions": [3], "feature": feature, "direction": direction})]


def test_ages_in_brackets_are_not_a_length_and_hours_are_kept(tiny_catalog):
    from tools.extract import TagExtractor

    q = TagExtractor(tiny_catalog).extract(
        "we've got a 4 hour drive with two kids (6 and 9) - need fun singalong songs the whole family can enjoy"
    )
    assert q.length is None
    assert q.duration_min == 240


@pytest.mark.parametrize(
    ("text", "tool", "said"),
    [("tech house only", "narrow", "tech house"), ("add some deep house", "widen", "deep house")],
)
def test_a_style_the_catalog_lacks_says_which_label_stood_in(vocab, playlist, text, tool, said):
    p = parse(text, playlist, vocab)
    assert [a["name"] for a in p.actions] == [tool]
    assert any(f"no {said} label, so edm instead" in n for n in p.notes), p.notes


def test_a_refusal_says_nothing_changed_once():
    from agent.graph import _refused
    from agent.tools import ToolError

    assert _refused(ToolError("I found nothing calmer that fits. Nothing changed.")).count("Nothing changed.") == 1
    assert _refused(ToolError("No track 40.")) == "No track 40. Nothing changed."
