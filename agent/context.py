"""Configuration of one graph run: a keyword-only dataclass, every field with a default and a description.

An explicit value beats the settings, and the settings beat the default (:meth:`Context.from_settings`).
The runtime clients (pipeline, LLM brain, user memory) travel in ``deps``; they are injected by the
service and never chosen by a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(kw_only=True)
class Context:
    """Per-run configuration of the PlayGenie agent."""

    default_length: int = field(default=20, metadata={"description": "Tracks in a new playlist when none is asked."})
    keep_turns: int = field(
        default=12, metadata={"description": "Turns of messages kept in the thread; older ones are trimmed."}
    )
    undo_depth: int = field(default=20, metadata={"description": "Previous playlists kept for undo."})
    relative_step: float = field(
        default=0.12, metadata={"description": "How far 'more upbeat' moves a 0-1 feature target."}
    )
    tempo_step: float = field(
        default=12.0, metadata={"description": "How far 'faster' / 'slower' moves the tempo target, in BPM."}
    )
    use_llm: bool = field(
        default=False, metadata={"description": "Let the LLM brain read the turn (falls back offline)."}
    )
    deps: Any = field(
        default=None, metadata={"description": "Runtime clients (agent.tools.Deps), injected by the service."}
    )

    @classmethod
    def from_settings(cls, settings: Any, **explicit: Any) -> "Context":
        """Settings give the defaults they know; explicit keyword values win."""
        base: dict[str, Any] = {"default_length": settings.default_length, "use_llm": bool(settings.llm_base_url)}
        known = {f.name for f in fields(cls)}
        base.update({k: v for k, v in explicit.items() if k in known})
        return cls(**base)
