"""Tools that move through the thread's history: undo the last change, start over, or say what the last change did."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.tools.names import titles
from agent.tools.registry import Empty, ToolError, tool
from agent.tools.work import Work
from tools.catalog import fold
from tools.refine import item_from
from tools.schema import MAX_LENGTH, PlaylistQuery


class Undo(BaseModel):
    if_any: bool = Field(
        default=False,
        description="True when taking back is one part of a message ('scratch that, no Drake'): "
        "with nothing to undo the rest still runs.",
    )
    # no upper bound: more steps than the history holds go back as far as it goes, and the reply says so
    steps: int = Field(default=1, ge=1, description="How many changes to take back ('undo the last two').")
    to_start: bool = Field(
        default=False, description="True for 'go back to how it was at the start': the first playlist."
    )
    with_artist: str | None = Field(
        default=None, description="'go back to the version with Rihanna': the latest earlier playlist with this artist."
    )
    order: bool = Field(
        default=False,
        description="True for 'undo the shuffle' / 'undo the sort': the order before the last reordering comes back; "
        "the changes made since stay.",
    )


@tool(Undo, waits=True)
def undo(
    w: Work,
    if_any: bool = False,
    steps: int = 1,
    to_start: bool = False,
    with_artist: str | None = None,
    order: bool = False,
) -> str:
    """Go back to the playlist and query before the last change (or further: the first one, the one with an artist;
    or only the order before the last reordering)."""
    history = w.draft.history
    if order:
        return _undo_order(w)
    if if_any and not history:
        return "nothing to take back yet"
    if to_start or with_artist:
        if to_start:  # the first playlist since the thread last started over (an empty snapshot)
            empty = [i for i, snap in enumerate(history) if not snap["playlist"]]
            found = [i for i, snap in enumerate(history) if snap["playlist"] and i > (empty[-1] if empty else -1)][:1]
        else:
            who = fold(with_artist or "")
            found = [
                i
                for i, snap in enumerate(history)
                if any(tid in w.catalog.index and fold(w.catalog[tid].artist) == who for tid, *_ in snap["playlist"])
            ][-1:]
        if not found:
            raise ToolError(
                "There is no earlier playlist " + ("to go back to." if to_start else f"with {with_artist} in it.")
            )
        steps = len(history) - found[0]
        del history[found[0] + 1 :]
        w.draft.undo(w.catalog)
        return (
            "went back to the first playlist"
            if to_start
            else f"went back {steps} changes, to the one with {with_artist}"
        )
    if steps > 1:  # "undo the last two changes": as far back as the history goes
        taken = min(steps, len(history))
        del history[len(history) - taken + 1 :]
        w.draft.undo(w.catalog)
        return f"undid the last {taken} changes" + (f" (only {taken} to take back)" if taken < steps else "")
    w.draft.undo(w.catalog)
    return "undid the last change"


def _undo_order(w: Work) -> str:
    """The order before the latest change that only reordered the tracks (a shuffle, a sort): that change undone when
    it was the last one; else the tracks there now go back to that order, the changes made since (removals,
    additions) kept. Tracks it did not have keep their places."""
    w.need_playlist()
    states = [[row[0] for row in snap["playlist"]] for snap in w.draft.history] + [[p["track_id"] for p in w.playlist]]
    for k in range(len(states) - 2, -1, -1):
        was, then = states[k], states[k + 1]
        if was and set(was) == set(then) and was != then:
            break
    else:
        raise ToolError('No change so far only put the tracks in another order; say "undo" to take back the last one.')
    if k == len(states) - 2:
        w.draft.undo(w.catalog)
        return "put the tracks back in the order they had before"
    rank = {tid: i for i, tid in enumerate(states[k])}
    placed = iter(sorted((p for p in w.playlist if p["track_id"] in rank), key=lambda p: rank[p["track_id"]]))
    before = [p["track_id"] for p in w.playlist]
    w.playlist = [next(placed) if p["track_id"] in rank else p for p in w.playlist]
    if [p["track_id"] for p in w.playlist] == before:
        return "the tracks are already in the order they had before it; nothing changed"
    return "put the tracks back in the order they had before it was reordered (the changes since stay)"


class Restore(BaseModel):
    count: int | None = Field(
        default=None, ge=1, le=MAX_LENGTH, description="How many of them to bring back (unset: all that change took)."
    )
    artists: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="Bring back the latest track of these artists an earlier version of the playlist had ('keep the "
        "adele one' after a change took it out).",
    )


@tool(Restore)
def restore(w: Work, count: int | None = None, artists: list[str] | None = None) -> str:
    """Bring back the tracks the latest change that took some out removed ("put back the one you removed earlier"),
    each at its old place; the changes made since stay (unlike undo). A change that replaced most of the playlist
    is a new playlist, not a removal, and is passed over. With ``artists``, the latest track of theirs that an
    earlier version had, whatever change took it out."""
    w.need_playlist()
    if artists:
        return _back_by(w, artists)
    now = {p["track_id"] for p in w.playlist}
    states = [snap["playlist"] for snap in w.draft.history] + [[[p["track_id"]] for p in w.playlist]]
    for k in range(len(states) - 2, -1, -1):
        after = {row[0] for row in states[k + 1]}
        gone = [(i, row) for i, row in enumerate(states[k]) if row[0] not in after and row[0] in w.catalog.index]
        if gone and len(gone) <= max(3, len(states[k]) // 2):
            back = [(i, row) for i, row in gone if row[0] not in now][:count]
            break
    else:
        raise ToolError("No track has been taken out of this playlist yet.")
    if not back:
        raise ToolError("The tracks taken out last are back already. Nothing changed.")
    if k == len(states) - 2 and len(back) == len(gone):  # the removal was the last change: that change taken back
        w.draft.undo(w.catalog)
        return "brought back " + titles([x for x in w.playlist if x["track_id"] in {row[0] for _, row in back}])
    items = list(w.playlist)
    for i, (tid, reason, score) in back:
        items.insert(min(i, len(items)), item_from(w.catalog[tid], reason=reason, score=score).model_dump())
    w.playlist = items
    return "brought back " + titles([x for x in items if x["track_id"] in {row[0] for _, row in back}])


def _back_by(w: Work, artists: list[str]) -> str:
    """The latest track of ``artists`` an earlier version of the playlist had, back at its old place."""
    names = {fold(a) for a in artists}
    now = {p["track_id"] for p in w.playlist}
    for snap in reversed(w.draft.history):
        for i, (tid, reason, score) in enumerate(snap["playlist"]):
            if tid in w.catalog.index and tid not in now and fold(w.catalog[tid].artist) in names:
                item = item_from(w.catalog[tid], reason=reason, score=score).model_dump()
                item["chosen"] = True  # asked for by name: later changes keep it
                w.playlist = [*w.playlist[:i], item, *w.playlist[i:]]
                return "brought back " + titles([item])
    raise ToolError(f"No track by {' or '.join(artists)} was in this playlist before, so none came back.")


@tool(Empty, waits=True)
def redo(w: Work) -> str:
    """Make again the change the last undo took back ("redo"); undo takes it back again."""
    w.draft.redo_last(w.catalog)
    return "redid the change the undo took back"


@tool(Empty, waits=True)
def start_over(w: Work) -> str:
    """Forget this thread's playlist and query (long-term memory stays)."""
    w.draft.start_over()
    w.seen = []  # positions after this point mean a playlist made later in the turn
    return "started over (your blocklist and likes stay)"


@tool(Empty)
def last_change(w: Work) -> str:
    """Say what the last change did ("what did you change?"): tracks added and removed, a new order, and the
    request's words before and after; nothing changes."""
    w.need_playlist()
    if not w.draft.history:
        raise ToolError("Nothing has changed yet: this is the conversation's first playlist.")
    prev = w.draft.history[-1]
    before = [tid for tid, *_ in prev["playlist"]]
    now = [x["track_id"] for x in w.playlist]
    was_there, is_there = set(before), set(now)
    added = [t for t in now if t not in was_there]
    removed = [t for t in before if t not in is_there and t in w.catalog.index]
    kept = [t for t in now if t in was_there]
    parts = []
    if added:
        parts.append(f"added {len(added)} ({_titles(w, added)})")
    if removed:
        parts.append(f"removed {len(removed)} ({_titles(w, removed)})")
    if kept != [t for t in before if t in is_there]:
        parts.append("changed the order")
    was, is_now = PlaylistQuery.model_validate(prev["query"]).describe(), w.query.describe()
    if was != is_now:
        parts.append(f'the request went from "{was}" to "{is_now}"')
    said = "; ".join(parts) or "nothing you can see in the tracks"
    w.draft.info.append(f'The last change {said}. Say "undo" to take it back.')
    return ""


@tool(Empty)
def first_request(w: Work) -> str:
    """Say what the person asked for at the start of this playlist ("what did I ask for at the start?", "what was my
    first request?") and what it is for now; nothing changes."""
    w.need_playlist()
    history = w.draft.history
    blank = [i for i, snap in enumerate(history) if not snap["playlist"]]  # where the thread last started over
    earlier = history[(blank[-1] + 1 if blank else 0) :]
    first = PlaylistQuery.model_validate(earlier[0]["query"]) if earlier else w.query
    said = f'"{first.text}" ({first.describe()})' if first.text.strip() else first.describe()
    now = w.query.describe()
    w.draft.info.append(
        f"At the start you asked for {said}"
        + (f"; now it's for {now}." if now != first.describe() else "; it's still for that.")
    )
    return ""


def _titles(w: Work, ids: list[str], most: int = 5) -> str:
    """ "A" by X, "B" by Y and 3 more."""
    named = [f'"{w.catalog[t].title}" by {w.catalog[t].artist}' for t in ids[:most]]
    return ", ".join(named) + (f" and {len(ids) - most} more" if len(ids) > most else "")
