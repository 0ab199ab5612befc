"""The PlayGenie conversation agent: a LangGraph graph with an offline and an LLM brain.

``builder`` is the uncompiled graph; :func:`make_graph` compiles it with the persistence given
(in-memory by default, for tests and notebooks). Front ends use :class:`agent.service.ChatService`.
"""

from __future__ import annotations

from typing import Any

from agent.context import Context
from agent.graph import builder


def make_graph(checkpointer: Any = None, store: Any = None):
    """The compiled graph; a MemorySaver and an InMemoryStore unless others are given."""
    from langgraph.checkpoint.memory import MemorySaver
    from langgraph.store.memory import InMemoryStore

    return builder.compile(checkpointer=checkpointer or MemorySaver(), store=store or InMemoryStore())


__all__ = ["Context", "builder", "make_graph"]
