"""Tools that move through the thread's history: undo the last change, or start over."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.tools.registry import Empty, tool
from agent.tools.work import Work


class Undo(BaseModel):
    if_any: bool = Field(
        default=False,
        description="True when taking back is one part of a message ('scratch that, no Drake'): "
        "with nothing to undo the rest still runs.",
    )


@tool(Undo, waits=True)
def undo(w: Work, if_any: bool = False) -> str:
    """Go back to the playlist and query before the last change."""
    if if_any and not w.draft.history:
        return "nothing to take back yet"
    w.draft.undo(w.catalog)
    return "undid the last change"


@tool(Empty, waits=True)
def start_over(w: Work) -> str:
    """Forget this thread's playlist and query (long-term memory stays)."""
    w.draft.start_over()
    w.seen = []  # positions after this point mean a playlist made later in the turn
    return "started over (your blocklist and likes stay)"
