"""The graph's state: what one conversation thread remembers between turns.

``InputState`` is what a caller sends (messages, user id); ``State`` adds what the agent keeps.
Playlist items are plain dicts (``PlaylistItem.model_dump()``) so checkpoints stay serialisable; a turn edits
``playlist``, ``query``, ``history`` and ``focus`` as one :class:`agent.tools.PlaylistDraft`. An item the person
picked (by title, by artist in a swap, or with a like) carries ``"chosen": True``: moves of the whole playlist
("more upbeat") keep it.
"""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class InputState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    """The conversation. Reducer: ``add_messages`` appends, replaces by id, and removes on ``RemoveMessage``."""

    user_id: str
    """Who is talking; keys long-term memory. Reducer: last value wins (the service sets it each turn)."""


class State(InputState, total=False):
    playlist: list[dict[str, Any]]
    """The current playlist: PlaylistItem dicts with track ids and reasons. Reducer: last value wins."""

    query: dict[str, Any]
    """The active typed query (``PlaylistQuery.model_dump()``); empty before the first request.
    Reducer: last value wins."""

    history: list[dict[str, Any]]
    """Earlier (playlist, query) snapshots of this thread, newest last, for undo (``agent.tools.draft.Snapshot``).
    Reducer: last value wins (bounded)."""

    redo: list[dict[str, Any]]
    """What undo took back, newest last, for "redo" (snapshots as in ``history``); emptied by a new change.
    Reducer: last value wins (bounded)."""

    actions: list[dict[str, Any]]
    """This turn's planned tool calls ``{"name", "args"}`` from a brain. Reducer: last value wins."""

    brain: str
    """Which brain planned this turn ("offline", "llm", "llm->offline"). Reducer: last value wins."""

    llm_down: bool
    """This turn's LLM endpoint gave no answer (refused, timed out, HTTP error, junk): the turn makes no more LLM
    requests. Reducer: last value wins."""

    changed: str
    """What this turn changed, in words ("removed 2 tracks by Drake; added 2 new ones"). Reducer: last value wins."""

    focus: int | None
    """1-based position the user last talked about ("why this one?"). Reducer: last value wins."""

    question: str | None
    """A clarifying question when the turn was unclear. Reducer: last value wins."""

    info: list[str]
    """Explanations produced this turn ("why track 4"). Reducer: last value wins."""

    export: str | None
    """Export format asked for this turn ("m3u", "csv", "json"); the front end delivers it. Reducer: last value wins."""
