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


# --- turns queue apart from everything else -----------------------------------------------------------------------
class _HeldTurns:
    """A conversation service whose turns wait until the test lets them go (each counted as it starts)."""

    notices: list[str] = []

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.go = threading.Event()
        self.entered = 0

    def turn(self, thread_id: str, user_id: str, text: str, **_: object):
        from agent.service import TurnResult

        self.entered += 1
        self.started.release()
        assert self.go.wait(60), "the test never let the turn go"
        return TurnResult(reply="ok", playlist=[], query={}, changed="", thread_id=thread_id)

    def owner(self, thread_id: str) -> None:
        return None

    def current(self, thread_id: str) -> None:
        return None

    def ready_check(self) -> None:
        return None

    def close(self) -> None:
        pass


def test_a_turn_in_progress_never_holds_up_the_routes_that_run_no_turn(settings):
    """With one turn at a time (`--workers 1`), a turn being computed used to hold the only worker thread every
    blocking route waited for: /readyz (a load balancer's probe), /metrics, the web page, a thread's playlist."""
    import httpx

    from bots.asgi import BackgroundServer
    from bots.http_api import create_app

    service = _HeldTurns()
    with (
        BackgroundServer(create_app(settings, service, workers=1)) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        answers: dict[str, int] = {}

        def get(path: str) -> None:
            answers[path] = client.get(path).status_code

        def post(thread: str) -> None:
            answers[thread] = client.post(
                "/v1/chat", json={"thread_id": thread, "user_id": "ana", "text": "x"}
            ).status_code

        first = threading.Thread(target=post, args=("t1",))
        first.start()
        try:
            assert service.started.acquire(timeout=60), "the first turn never started"
            second = threading.Thread(target=post, args=("t2",))
            second.start()
            paths = ["/readyz", "/metrics", "/v1/models", "/", "/v1/threads/t9"]
            others = [threading.Thread(target=get, args=(p,)) for p in paths]
            for t in others:
                t.start()
            for t in others:
                t.join(30)
            assert {p: answers.get(p) for p in paths} == {
                "/readyz": 200,
                "/metrics": 200,
                "/v1/models": 200,
                "/": 200,
                "/v1/threads/t9": 404,
            }
            assert service.entered == 1, "the second turn waits for the first (one turn at a time)"
        finally:
            service.go.set()
        first.join(60)
        second.join(60)
        assert answers["t1"] == answers["t2"] == 200 and service.entered == 2
