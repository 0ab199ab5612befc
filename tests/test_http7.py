"""A served turn's overhead around the agent: what it no longer does, and what it still answers the same."""

from __future__ import annotations

import threading

import pytest
from langgraph.checkpoint.memory import MemorySaver
from langgraph.store.memory import InMemoryStore

from agent import service as service_mod
from agent.service import ChatService, InlineExecutor
from memory.checkpoint import StaleThread


@pytest.fixture
def started(monkeypatch):
    """The names of the threads started while the test runs."""
    names: list[str] = []
    start = threading.Thread.start

    def counting(self, *a, **k):
        names.append(self.name)
        return start(self, *a, **k)

    monkeypatch.setattr(threading.Thread, "start", counting)
    return names


def test_a_turn_saves_its_checkpoint_without_starting_a_thread(settings, tiny_pipeline, started):
    svc = ChatService(settings, pipeline=tiny_pipeline, store=InMemoryStore())  # SQLite checkpoints in the home
    try:
        svc.turn("t", "ana", "songs for a party")
        started.clear()
        r = svc.turn("t", "ana", "drop track 1")
        assert started == []
        again = ChatService(settings, pipeline=tiny_pipeline, store=InMemoryStore())  # what was saved is read back
        try:
            cur = again.current("t")
            assert cur is not None and [p.track_id for p in cur.playlist] == [p.track_id for p in r.playlist]
        finally:
            again.close()
    finally:
        svc.close()


def test_a_graph_run_without_the_mark_keeps_langgraphs_pool(settings, tiny_pipeline, started):
    svc = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    try:
        svc.turn("t", "ana", "songs for a party")
        started.clear()
        svc.graph.invoke(
            {"messages": [("user", "drop track 1")], "user_id": "ana"}, svc._config("t"), context=svc.context
        )
        assert started, "a run that does not ask for it still saves from LangGraph's own thread"
    finally:
        svc.close()


class _StaleOnce(MemorySaver):
    """A saver whose first write is refused as stale, as when another process wrote the thread first."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    def put(self, config, checkpoint, metadata, new_versions):
        if not self.refused:
            self.refused += 1
            raise StaleThread("changed elsewhere")
        return super().put(config, checkpoint, metadata, new_versions)


def test_a_stale_save_in_the_turns_thread_still_runs_the_turn_again(settings, tiny_pipeline):
    saver = _StaleOnce()
    svc = ChatService(settings, pipeline=tiny_pipeline, checkpointer=saver, store=InMemoryStore())
    try:
        r = svc.turn("t", "ana", "songs for a party")
        assert saver.refused == 1 and r.playlist
        cur = svc.current("t")
        assert cur is not None and [p.track_id for p in cur.playlist] == [p.track_id for p in r.playlist]
    finally:
        svc.close()


def test_the_inline_executor_keeps_a_failure_for_later():
    def boom():
        raise StaleThread("x")

    ok, bad = InlineExecutor().submit(lambda a, b=0: a + b, 2, b=3), InlineExecutor().submit(boom)
    assert ok.done() and ok.result() == 5
    assert bad.done() and isinstance(bad.exception(), StaleThread)


def test_installing_twice_patches_once():
    assert service_mod.install_inline_executor() and service_mod.install_inline_executor()
    from langgraph.pregel import _executor

    assert _executor.get_executor_for_config.__name__ == "executor_for"
