"""Reading the names a call passes (artists, genres as the catalog has them) and naming tracks in notes."""

from __future__ import annotations

from typing import Any, Sequence

from agent.tools.registry import ToolError
from agent.tools.work import Work


def catalog_artist(w: Work, name: str) -> str:
    """The catalog's name for the artist ``name`` means; a ToolError when there is none."""
    hit = w.deps.vocab.artist(name)
    if not hit:
        raise ToolError(f'I don\'t know an artist called "{name}" in the catalog.')
    return hit


def catalog_genres(w: Work, genres: Sequence[str], subgenres: Sequence[str]) -> tuple[list[str], list[str]]:
    """The catalog's (genres, subgenres) for the words given (a "genre" may be a subgenre); a ToolError names one
    it lacks."""
    g_out: list[str] = []
    s_out: list[str] = list(subgenres)
    for g in genres:
        hit = w.deps.vocab.term(g)
        if hit and "genre" in hit:
            g_out.append(hit["genre"])
        elif hit and "subgenre" in hit:
            s_out.append(hit["subgenre"])
        else:
            raise ToolError(f'I don\'t know the genre "{g}"; the catalog has {", ".join(w.catalog.genres)}.')
    bad = [s for s in s_out if s not in w.catalog.subgenres]
    if bad:
        raise ToolError(f'I don\'t know the subgenre "{bad[0]}".')
    return g_out, s_out


def titles(items: list[dict[str, Any]]) -> str:
    """'"Title" by Artist' for up to three tracks, else their count."""
    if len(items) > 3:
        return f"{len(items)} tracks"
    return ", ".join(f'"{p["title"]}" by {p["artist"]}' for p in items)


def removed_by(before: list[dict[str, Any]], after: list[dict[str, Any]], names: list[str]) -> str:
    """What an edit did to the playlist, in words: "removed 4 tracks (Drake); added 4 new ones"."""
    now = {p["track_id"] for p in after}
    was = {p["track_id"] for p in before}
    removed = [p for p in before if p["track_id"] not in now]
    added = [p for p in after if p["track_id"] not in was]
    if not removed:
        return f"nothing in the playlist was {', '.join(names)}"
    out = f"removed {len(removed)} track{'s' * (len(removed) != 1)} ({', '.join(names)})"
    if added:
        out += f"; added {len(added)} new one{'s' * (len(added) != 1)}"
    elif len(after) < len(before):
        out += f"; nothing else fits, so the playlist is {len(after)} tracks"
    return out
