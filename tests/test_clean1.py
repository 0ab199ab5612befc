"""Clean titles: the catalog has no explicit flag, so a title (or artist name) that swears stands for one. Asked for
outright or for children, such tracks are left out; for sleep or the office they come last."""

from __future__ import annotations

import random

import pytest

from test_intents import PLAYLIST, acts
from test_refine import _catalog, _cands, _track
from tools import vocab as words
from tools.extract import TagExtractor
from tools.refine import refine, violations
from tools.schema import PlaylistQuery


@pytest.mark.parametrize(
    "title", ["Go Fuck Yourself", "Shit, Damn, Motherfucker", "Bitch Please", "So F**kin' Romantic", "Rich Niggaz",
              "Stay Fly - Explicit Album Version", "Same Asshole"],
)  # fmt: skip
def test_a_title_that_swears_is_explicit(title):
    assert words.explicit_title(title)


@pytest.mark.parametrize(
    "title", ["Kashmir", "Assassin", "Moby Dick", "Hoedown", "Scunthorpe Nights", "Class", "Sexy Back", "Cocktail",
              "Shiitake Dreams", "Clean"],
)  # fmt: skip
def test_an_ordinary_title_is_not(title):
    assert not words.explicit_title(title)


def test_the_request_says_how_clean():
    assert words.clean_cue("birthday party for my 7 year old") == "only"
    assert words.clean_cue("kid friendly pop") == "only"
    assert words.clean_cue("songs to fall asleep to") == "prefer"
    assert words.clean_cue("background music for the office") == "prefer"
    assert words.clean_cue("hard rock anthems") is None
    assert words.clean_cue("old school hip hop") is None  # "school" is no child
    assert words.clean_cue("songs that are 20 years old") is None
    assert words.clean_cue("party for my 5-year-old") == "only"


@pytest.fixture(scope="module")
def ex(tiny_catalog) -> TagExtractor:
    return TagExtractor(tiny_catalog)


def test_extraction_reads_a_clean_ask_and_a_kids_occasion(ex):
    assert ex.extract("rap, clean versions only").clean == "only"
    assert ex.extract("birthday party for my 7 year old").clean == "only"
    assert ex.extract("songs to fall asleep to").clean == "prefer"
    assert ex.extract("gym rap").clean is None
    assert ex.extract("explicit rap").clean is None  # "explicit" said plainly asks for no filter


def _mixed(tiny_catalog):
    rng = random.Random(3)
    dirty = [_track(f"x{i}", f"Fuck It {i}", f"Rapper {i}", rng) for i in range(6)]
    clean = [_track(f"c{i}", f"Sunny Day {i}", f"Singer {i}", rng) for i in range(10)]
    return _catalog(dirty + clean, tiny_catalog)  # the explicit titles score highest


def test_clean_only_leaves_explicit_titles_out(tiny_catalog):
    cat = _mixed(tiny_catalog)
    out = refine(_cands(cat), PlaylistQuery(text="pop", clean="only"), cat, n=12)
    assert out and not any(words.explicit_title(i.title) for i in out)
    assert violations(cat["x0"], PlaylistQuery(text="pop", clean="only"))
    assert not violations(cat["x0"], PlaylistQuery(text="pop"))


def test_clean_prefer_puts_explicit_titles_last(tiny_catalog):
    cat = _mixed(tiny_catalog)
    out = refine(_cands(cat), PlaylistQuery(text="pop", clean="prefer"), cat, n=8)
    assert len(out) == 8 and not any(words.explicit_title(i.title) for i in out)
    more = refine(_cands(cat), PlaylistQuery(text="pop", clean="prefer"), cat, n=14)
    assert len(more) == 14  # only a penalty: with nothing else left they may fill the list


def test_no_explicit_in_conversation_asks_for_clean_titles(vocab):
    assert acts("no explicit stuff please", vocab, PLAYLIST) == [("exclude", {"clean_titles": True})]
    assert acts("clean versions only", vocab, PLAYLIST) == [("exclude", {"clean_titles": True})]


# ----- a calm occasion's implicit cue counts: "help me unwind" is chill at a low energy -------------------------------
def test_unwinding_is_searched_as_chill_at_a_low_energy(ex):
    from tools.pipeline import calm_target

    q = calm_target(ex.extract("help me unwind"))
    assert [(t.value, t.filters) for t in q.moods] == [("chill", True)]
    energy = q.feature("energy")
    assert energy is not None and not energy.explicit and energy.max is not None and energy.max <= 0.6
    rock = calm_target(ex.extract("chill rock"))  # said outright, with a genre: left to the mood's label
    assert rock.feature("energy") is None


def test_a_calm_request_plays_tracks_over_its_energy_ceiling_last(tiny_catalog, ex):
    from tools.pipeline import calm_target

    rng = random.Random(4)
    loud = [_track(f"l{i}", f"Loud {i}", f"Band {i}", rng, energy=0.85) for i in range(6)]
    soft = [_track(f"s{i}", f"Soft {i}", f"Singer {i}", rng, energy=0.3) for i in range(10)]
    cat = _catalog(loud + soft, tiny_catalog)  # the loud ones score highest
    q = calm_target(ex.extract("songs to fall asleep to")).model_copy(update={"moods": [], "activities": []})
    out = refine(_cands(cat), q, cat, n=8)
    assert len(out) == 8 and all(cat[i.track_id].energy < 0.5 for i in out)
