"""Tools that move through the thread's history: undo the last change, or start over."""

from __future__ import annotations

from agent.tools.registry import Empty, tool
from agent.tools.work import Work


@tool(Empty, waits=True)
def undo(w: Work) -> str:
    """Go back to the playlist and query before the last change."""
    w.draft.undo(w.catalog)
    return "undid the last change"


@tool(Empty, waits=True)
def start_over(w: Work) -> str:
    """Forget this thread's playlist and query (long-term memory stays)."""
    w.draft.start_over()
    w.seen = []  # positions after this point mean a playlist made later in the turn
    return "started over (your blocklist and likes stay)"
