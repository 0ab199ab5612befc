"""A turn is one graph step (agent.graph.turn: plan, act, respond in one node): it answers and saves what the three
steps did, and a conversation saved by the three-step graph goes on under the one-step graph."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import MemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.store.memory import InMemoryStore

from agent.context import Context
from agent.graph import act, plan, respond, route
from agent.service import ChatService
from agent.state import InputState, State

TURNS = [
    "upbeat rock for a road trip",
    "drop track 3",
    "why track 2",
    "something",  # may be asked about: a question turn skips act
    "no more than 2 songs per artist and make it calmer",
    "undo",
    "add 5 more",
    "redo",
]


def _three_steps():
    b = StateGraph(State, input_schema=InputState, context_schema=Context)
    b.add_node("plan", plan)
    b.add_node("act", act)
    b.add_node("respond", respond)
    b.add_edge(START, "plan")
    b.add_conditional_edges("plan", route)
    b.add_edge("act", "respond")
    b.add_edge("respond", END)
    return b


@pytest.fixture
def pair(settings, tiny_pipeline):
    """Two services over one pipeline: the product's one-step graph, and the three-step graph it replaced."""
    one = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    three = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    three.graph = _three_steps().compile(checkpointer=three.checkpointer, store=InMemoryStore())
    yield one, three
    one.close()
    three.close()


def _saved(svc, thread):
    values = svc.graph.get_state({"configurable": {"thread_id": thread}}).values
    shape = [(type(m).__name__, m.content if not isinstance(m, AIMessage) else (m.content, len(m.tool_calls)))
             for m in values["messages"]]  # fmt: skip
    rest = {k: v for k, v in values.items() if k != "messages"}
    return shape, rest


def test_one_step_answers_and_saves_what_three_steps_did(pair):
    one, three = pair
    for text in TURNS * 2:  # twice: the transcript is trimmed to the last turns
        a, b = one.turn("t", "u", text), three.turn("t", "u", text)
        assert (a.reply, [p.track_id for p in a.playlist], a.query, a.changed) == (
            b.reply,
            [p.track_id for p in b.playlist],
            b.query,
            b.changed,
        ), text
        assert _saved(one, "t") == _saved(three, "t"), text
    msgs = one.graph.get_state({"configurable": {"thread_id": "t"}}).values["messages"]
    assert sum(isinstance(m, HumanMessage) for m in msgs) == one.context.keep_turns
    answered = {m.tool_call_id for m in msgs if isinstance(m, ToolMessage)}
    assert answered == {c["id"] for m in msgs if isinstance(m, AIMessage) for c in m.tool_calls}


def test_a_thread_saved_by_the_three_step_graph_goes_on(settings, tiny_pipeline):
    saver, store = MemorySaver(), InMemoryStore()
    old = ChatService(settings, pipeline=tiny_pipeline, checkpointer=saver, store=store)
    old.graph = _three_steps().compile(checkpointer=saver, store=store)
    first = old.turn("t", "u", "upbeat rock for a road trip")
    second = old.turn("t", "u", "drop track 1")
    new = ChatService(settings, pipeline=tiny_pipeline, checkpointer=saver, store=store)
    assert [p.track_id for p in new.current("t").playlist] == [p.track_id for p in second.playlist]
    back = new.turn("t", "u", "undo")
    assert [p.track_id for p in back.playlist] == [p.track_id for p in first.playlist]
    new.reset("t", "u")  # the reset is recorded as the one step's
    assert new.current("t").playlist == []
    assert [p.track_id for p in new.turn("t", "u", "undo").playlist] == [p.track_id for p in first.playlist]


def test_the_queue_model_waits_only_past_a_cores_capacity():
    from evals.warm_cpu import simulate_queue

    light = simulate_queue([[1.0]], users=10, think_s=1.0, seconds=30)
    assert light["p95_ms"] < 5 and 9 < light["turns_per_s"] <= 10  # each person's turn runs when it comes
    heavy = [[30.0], [30.0]]  # 50 people a second want 50 turns, one process computes 33
    one, two = (simulate_queue(heavy, users=50, think_s=1.0, seconds=30, servers=s) for s in (1, 2))
    assert one["p95_ms"] > 300 and 32 <= one["turns_per_s"] <= 34
    assert two["p95_ms"] < 100 and two["turns_per_s"] > 45
