"""Tools that change this user's long-term memory, in every conversation: blocks, loves and skips, kept
playlists."""

from __future__ import annotations

from typing import Sequence

from pydantic import BaseModel, Field

from agent.tools.edits import Pos, Positions
from agent.tools.names import catalog_artist, catalog_genres, removed_by, titles
from agent.tools.registry import Empty, ToolError, tool
from agent.tools.work import Work
from tools.catalog import fold
from tools.schema import MAX_LENGTH


class Block(BaseModel):
    artists: list[str] = Field(default_factory=list, description="Artists never to play again for this user.")
    genres: list[str] = Field(default_factory=list, description="Genres or subgenres never to play again.")
    positions: list[Pos] = Field(
        default_factory=list, max_length=MAX_LENGTH, description="Tracks of the playlist never to play again."
    )


@tool(Block)
def block(w: Work, artists: Sequence[str] = (), genres: Sequence[str] = (), positions: Sequence[int] = ()) -> str:
    """Never play these artists, genres or tracks again for this user, in any conversation."""
    names = [catalog_artist(w, a) for a in artists]
    g, s = catalog_genres(w, genres, [])
    tids = [w.playlist[p - 1]["track_id"] for p in w.positions(positions)] if positions else []
    if not (names or g or s or tids):
        raise ToolError("Who or what should I never play?")
    w.memory = w.deps.memory.update(w.user_id, blocked_artists=names, blocked_genres=g + s, blocked_tracks=tids)
    said = names + g + s + [titles([w.playlist[p - 1]]) for p in positions]
    if w.playlist:
        before = list(w.playlist)
        w.rebuild("replaces a blocked track")
        return f"blocked {', '.join(said)} for good; " + removed_by(before, w.playlist, said)
    return f"blocked {', '.join(said)} for good"


class Feedback(Positions):
    liked: bool = Field(description="True: the user loves it; False: skip it (removed and replaced).")


@tool(Feedback)
def feedback(w: Work, positions: list[int], liked: bool) -> str:
    """Record that the user loves (liked=True) or wants to skip (liked=False) tracks; skipped ones are replaced."""
    w.need_playlist()
    pos = w.positions(positions)
    items = [w.playlist[p - 1] for p in pos]
    ids = [p["track_id"] for p in items]
    if liked:
        w.memory = w.deps.memory.update(w.user_id, liked=ids)
        for item in items:
            item["chosen"] = True
        w.focus = pos[-1]
        return f"noted that you love {titles(items)}; it shapes your next playlists"
    w.memory = w.deps.memory.update(w.user_id, skipped=ids)
    new = w.fetch(len(pos), keep=[x for i, x in enumerate(w.playlist, 1) if i not in pos], avoid=items)
    for p in sorted(pos, reverse=True):
        w.playlist.pop(p - 1)
    for p, item in zip(pos, new):
        w.playlist.insert(min(p - 1, len(w.playlist)), item)
    return f"skipped {titles(items)}" + (f"; added {titles(new)}" if new else "")


@tool(Empty)
def keep_playlist(w: Work) -> str:
    """The user keeps this playlist: its tracks join their taste history."""
    w.need_playlist()
    w.memory = w.deps.memory.update(w.user_id, kept=[p["track_id"] for p in w.playlist])
    return f"saved these {len(w.playlist)} tracks to your taste"


class Unblock(BaseModel):
    artists: list[str] = Field(default_factory=list, description="Artists blocked before that may play again.")
    genres: list[str] = Field(
        default_factory=list, description="Genres or subgenres blocked before that may play again."
    )


@tool(Unblock)
def unblock(w: Work, artists: Sequence[str] = (), genres: Sequence[str] = ()) -> str:
    """Lift a block ("unblock Drake", "actually Drake is fine again"): they may play again, in every conversation;
    a leaving-out of them in this playlist's request goes too. The tracks stay as they are."""
    names = [catalog_artist(w, a) for a in artists]
    g, s = catalog_genres(w, genres, [])
    if not (names or g or s):
        raise ToolError("Who or what may play again?")
    said = {fold(x) for x in names + g + s}
    mem = w.memory
    blocked = [x for x in mem.blocked_artists + mem.blocked_genres if fold(x) in said]
    if blocked:
        w.memory = w.deps.memory.remove(w.user_id, blocked_artists=blocked, blocked_genres=blocked)
    q = w.query
    kept = {
        "exclude_artists": [t for t in q.exclude_artists if fold(t.value) not in said],
        "exclude_genres": [t for t in q.exclude_genres if fold(t.value) not in said],
        "exclude_subgenres": [t for t in q.exclude_subgenres if fold(t.value) not in said],
    }
    lifted = any(len(v) != len(getattr(q, k)) for k, v in kept.items())
    if lifted:
        w.query = q.model_copy(update=kept)
    who = ", ".join(names + g + s)
    if not (blocked or lifted):
        return f"{who} wasn't blocked; nothing changed"
    return f'{who} may play again (unblocked); say "add some {(names + g + s)[0]}" to bring some in'
