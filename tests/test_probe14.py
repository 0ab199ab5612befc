"""Probe round 14: long conversations, the state they carry (evals/dialogues/ac*.json), each fix alone.

Each test failed before its fix.
"""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import MemorySaver
from langgraph.store.memory import InMemoryStore

from agent.service import ChatService
from plans import acts


@pytest.fixture
def chat(settings, tiny_pipeline):
    svc = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    yield svc
    svc.close()


def ids(r):
    return [p.track_id for p in r.playlist]


def talk(chat, *said, thread="t"):
    return [chat.turn(thread, "u", s) for s in said]


# "why track 4?", then a change that keeps that track ("add 5 more", "reverse the order"), then "remove it": "it"
# was forgotten as soon as any track moved ("Which tracks should I remove?")
@pytest.mark.parametrize("change", ["add 2 more", "reverse the order"])
def test_it_still_means_the_track_explained_after_a_change_that_kept_it(chat, change):
    first, _, moved = talk(chat, "rap and rock", "why track 4?", change)
    explained = ids(first)[3]
    assert explained in ids(moved)
    gone = chat.turn("t", "u", "remove it")
    assert gone.changed and explained not in ids(gone)
    assert len(gone.playlist) == len(moved.playlist) - 1


