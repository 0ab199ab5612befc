"""The graph ``langgraph dev`` serves (``langgraph.json``), for LangGraph Studio and Agent Chat UI.

Usage:
    pip install -e '.[studio]'
    langgraph dev                          # http://127.0.0.1:2024, Studio opens on it

``make_graph`` is the graph factory: the first call loads the pipeline, the models and the user
memory once (settings from the environment and ``.env``, as ``playgenie`` reads them), and every
later call reuses them. The LangGraph server brings its own checkpointer (threads); long-term user
memory is PlayGenie's own store under ``PLAYGENIE_HOME``, so likes and blocklists are the same as
in the other front ends.

The agent's nodes read their runtime clients from ``Context.deps``, which no client can send over
HTTP; here each node gets the loaded context, with whatever plain fields the run's context sets
(``default_length``, ``use_llm``...) laid over it. Input: ``{"messages": [...], "user_id": "ana"}``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.context import Context
from agent.graph import act, plan, respond, route
from agent.state import InputState, State

log = logging.getLogger(__name__)
_lock = threading.Lock()


@functools.cache
def _service() -> Any:
    """The conversation service, built once per process from the environment (and ./.env)."""
    from agent.service import ChatService
    from tools.settings import Settings

    settings = Settings(_env_file=".env")
    log.info("loading PlayGenie from %s (first graph request)", settings.home)
    return ChatService(settings, progress=True)


def _context(given: Any) -> Context:
    """The loaded context, with the plain fields the run set (anything but ``deps``) laid over it."""
    base = _service().context
    if isinstance(given, Context):
        overrides = {f.name: getattr(given, f.name) for f in dataclasses.fields(Context) if f.name != "deps"}
        defaults = Context()
        overrides = {k: v for k, v in overrides.items() if v != getattr(defaults, k)}
    elif isinstance(given, dict):
        overrides = {
            k: v for k, v in given.items() if k != "deps" and k in {f.name for f in dataclasses.fields(Context)}
        }
    else:
        overrides = {}
    return dataclasses.replace(base, **overrides)


def _with_deps(node: Callable[[State, Runtime[Context]], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def run(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        return node(state, runtime.override(context=_context(runtime.context)))

    run.__name__ = node.__name__
    run.__doc__ = node.__doc__
    return run


def studio_builder() -> StateGraph:
    """agent.graph's wiring, each node handed the loaded context."""
    b = StateGraph(State, input_schema=InputState, context_schema=Context)
    b.add_node("plan", _with_deps(plan))
    b.add_node("act", _with_deps(act))
    b.add_node("respond", _with_deps(respond))
    b.add_edge(START, "plan")
    b.add_conditional_edges("plan", route)
    b.add_edge("act", "respond")
    b.add_edge("respond", END)
    return b


@functools.cache
def _compiled() -> Any:
    with _lock:
        _service()  # load before the first run, so its progress shows in the server's log
    graph = studio_builder().compile()  # the server attaches its own checkpointer and store
    graph.name = "PlayGenie"
    return graph


async def make_graph(config: Any = None) -> Any:
    """Graph factory for ``langgraph.json``: the compiled PlayGenie agent, loaded once per process in a worker
    thread (the server's event loop must not block on reading the catalog and models)."""
    return await asyncio.to_thread(_compiled)
