"""The agent's tools: pipeline stages and playlist edits, each a function beside its typed argument model.

A tool is ``(work, **args) -> note`` over a :class:`Work` (this turn's :class:`PlaylistDraft` plus injected
clients). Its docstring is what a model reads; its pydantic model validates whatever a brain proposes. The user
id, the store and the pipeline are injected through ``Work``/``Deps``, never arguments a model fills in.

Modules by what a tool changes: ``playlist`` (a new one, its order), ``edits`` (tracks by position), ``length``,
``constraints`` (exclude, only, per-artist cap), ``mix`` (also, less), ``sound`` (a feature, toward a track),
``memory`` (the user's long-term memory: block, unblock, loves), ``history`` (undo, redo, restore, start over, the
last change, the first request), ``lookups`` (nothing: a track, the playlist, its name).
"""

from __future__ import annotations

from agent.tools import constraints, edits, history, length, lookups, memory, mix, playlist, sound  # noqa: F401
from agent.tools.draft import PlaylistDraft
from agent.tools.registry import REGISTRY, Call, Tool, ToolError, run_calls, validate
from agent.tools.work import Deps, Work

# The registry in the order a model reads it (the LLM brain's tool specs): making a playlist first, then edits.
MENU = ("new_playlist", "extract_tags", "search", "personalize", "refine", "remove", "replace", "move", "exclude",
        "narrow", "widen", "adjust", "resize", "more", "add_song", "shuffle", "sort", "explain", "explain_playlist",
        "last_change", "first_request", "playlist_name", "undo", "redo", "restore", "start_over", "block",
        "unblock", "feedback", "keep_playlist", "rename", "export", "cap_artists", "cap_decades", "more_like",
        "lessen")  # fmt: skip
if set(MENU) != set(REGISTRY) or len(MENU) != len(REGISTRY):
    raise ImportError(f"agent.tools.MENU and the registered tools differ: {sorted(set(MENU) ^ set(REGISTRY))}")
TOOLS: dict[str, Tool] = {name: REGISTRY[name] for name in MENU}

__all__ = ["TOOLS", "Call", "Deps", "PlaylistDraft", "Tool", "ToolError", "Work", "run_calls", "validate"]
