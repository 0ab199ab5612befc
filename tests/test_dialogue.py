"""The dialogue evaluation: scripted dialogues are well formed, checks catch what they claim to,
and the whole set passes with the offline brain on the real catalog (slow)."""

from __future__ import annotations

import json

import pytest
from langgraph.checkpoint.memory import MemorySaver
from langgraph.store.memory import InMemoryStore

from agent.service import ChatService
from evals.dialogue import KNOWN_CHECKS, check, load_dialogues, run_dialogues


def test_at_least_30_dialogues_with_known_checks():
    dialogues = load_dialogues()
    assert len(dialogues) >= 30
    for d in dialogues:
        assert d["turns"], d["name"]
        for t in d["turns"]:
            for spec in t.get("checks", []):
                name = spec if isinstance(spec, str) else next(iter(spec))
                assert name in KNOWN_CHECKS, (d["name"], spec)


TINY = [
    {"name": "tiny-exclude", "turns": [
        {"say": "songs for a party", "checks": ["nonempty", {"length": 20}, "no_duplicates"]},
        {"say": "no Dua Lipa", "checks": [{"no_artist": "Dua Lipa"}, "same_length"]},
        {"say": "drop track 3", "checks": [{"removed": [3]}]},
        {"say": "undo", "checks": [{"same_as_turn": 1}]},
        {"say": "add 2 more", "checks": [{"grew": 2}, {"no_artist": "Dua Lipa"}]},
        {"say": "track 99", "checks": ["unchanged", {"reply_has": "no track 99"}]}]},
    {"name": "tiny-block", "turns": [
        {"say": "never play Queen", "checks": ["empty"]},
        {"say": "rock songs", "thread": "b", "checks": ["nonempty", {"no_artist": "Queen"}]}]},
]  # fmt: skip


def test_the_runner_counts_checks_and_reports_failures(settings, tiny_pipeline):
    svc = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    report = run_dialogues(svc, TINY)
    assert report["checks"] == 14 and report["share"] == 1.0, report["failures"]
    wrong = [{"name": "wrong", "turns": [{"say": "songs for a party", "checks": [{"length": 7}, {"no_genre": "pop"}]}]}]
    bad = run_dialogues(svc, wrong)
    assert bad["passed"] == 0 and [f["check"] for f in bad["failures"]] == [{"length": 7}, {"no_genre": "pop"}]


def test_checks_fail_when_the_playlist_breaks_them(tiny_catalog):
    from tools.refine import item_from

    tr = [t for t in tiny_catalog.tracks if t.artist == "Drake"][:4]  # released 2016-2018
    a = [item_from(t) for t in tr]
    assert check({"removed": [2]}, a[:1] + a[2:], a, "", [], tiny_catalog) is None
    assert check({"removed": [2]}, a[:2] + a[3:], a, "", [], tiny_catalog) is not None
    assert check({"years": [2010, 2030]}, a, a, "", [], tiny_catalog) is None
    assert check({"years": [1990, 1999]}, a, a, "", [], tiny_catalog) is not None
    assert check({"no_artist": tr[0].artist}, a, a, "", [], tiny_catalog) is not None
    assert check({"grew": 1}, a, a[:3], "", [], tiny_catalog) is None
    assert check({"grew": 1}, a[:3] + a[2:3], a[:3], "", [], tiny_catalog) is not None  # a duplicate is not growth


@pytest.mark.slow
def test_every_dialogue_passes_on_the_real_catalog(real_settings):
    from tools.pipeline import Pipeline

    svc = ChatService(
        real_settings, pipeline=Pipeline.load(real_settings), checkpointer=MemorySaver(), store=InMemoryStore()
    )
    report = run_dialogues(svc, load_dialogues())
    assert report["share"] == 1.0, json.dumps(report["failures"], indent=1)


def test_the_as_typed_checks_fail_when_the_playlist_breaks_them(tiny_catalog):
    from tools.refine import item_from

    drake = [item_from(t, reason=f"r{i}") for i, t in enumerate(t for t in tiny_catalog.tracks if t.artist == "Drake")][
        :3
    ]
    nas = [item_from(t, reason="same") for t in tiny_catalog.tracks if t.artist == "Nas"][:2]
    mix = drake + nas
    assert check({"max_per_artist": 3}, mix, mix, "", [], tiny_catalog) is None
    assert check({"max_per_artist": 2}, mix, mix, "", [], tiny_catalog) is not None
    assert check({"no_years": [1990, 1999]}, drake, drake, "", [], tiny_catalog) is None
    assert check({"no_years": [1990, 1999]}, mix, mix, "", [], tiny_catalog) is not None
    assert check({"share": {"artist": "Drake", "min": 0.6}}, mix, mix, "", [], tiny_catalog) is None
    assert check({"share": {"artist": "Drake", "max": 0.5}}, mix, mix, "", [], tiny_catalog) is not None
    assert check({"gone": [1]}, mix[1:], mix, "", [], tiny_catalog) is None
    assert check({"gone": [1]}, mix, mix, "", [], tiny_catalog) is not None
    assert check({"first_is": 4}, [mix[3]] + mix[:3] + mix[4:], mix, "", [], tiny_catalog) is None
    assert check({"distinct_reasons": 0.8}, mix, mix, "", [], tiny_catalog) is None  # 4 distinct of 5
    assert check({"distinct_reasons": 0.9}, mix, mix, "", [], tiny_catalog) is not None
    assert check({"reply_year": 1}, mix, mix, f"it is from {mix[0].year}", [], tiny_catalog) is None
    assert check({"reasons_lack": "same"}, mix, mix, "", [], tiny_catalog) is not None


def test_version_and_artist_count_checks_fail_when_the_playlist_breaks_them(tiny_catalog):
    from tools.refine import item_from

    a = [item_from(t) for t in tiny_catalog.tracks[:3]]
    live = [a[0].model_copy(update={"title": "Song - Live In Paris / 1992"}), *a[1:]]
    remix = [a[0].model_copy(update={"title": "Song (Tim Remix)"}), *a[1:]]
    titled = [a[0].model_copy(update={"title": "Live and Let Die"}), *a[1:]]  # the word in the title, not a version
    assert check({"no_version": "live"}, live, live, "", [], tiny_catalog) is not None
    assert check({"no_version": "remix"}, remix, remix, "", [], tiny_catalog) is not None
    assert check({"no_version": "live"}, titled, titled, "", [], tiny_catalog) is None
    n = len({t.artist for t in tiny_catalog.tracks[:3]})
    assert check({"distinct_artists": n}, a, a, "", [], tiny_catalog) is None
    assert check({"distinct_artists": n + 1}, a, a, "", [], tiny_catalog) is not None
