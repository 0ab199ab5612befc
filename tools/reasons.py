"""Why a track is in a playlist, told from that track's own facts.

A reason names the track's year, the asked-for tags it carries, how it sounds (energy, tempo), and
how it was chosen: the retrieval channel, the personal (CF) affinity, a learned ranker's push, or
the continuation model with what ties it to the playlist. It never repeats the request's leftover
words, so two tracks share a reason only when they share every fact.

Usage::

    reasons.for_track(track, query, matched=cand.matched, affinity=0.41, role="opener")
    # '2016; matches indie poptimism, sad; energy 0.42 at 96 BPM; close to your taste (0.41); opener'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from tools.catalog import fold

if TYPE_CHECKING:
    from tools.catalog import Track
    from tools.schema import PlaylistQuery

_CHANNELS = {
    "dense": "found by how it sounds and reads",
    "sparse": "found by its words",
    "keyword": "found by its words",
    "hybrid": "found by words and sound",
    "continuation": "continues the playlist (VAE)",
    "cf": "picked for your taste",
}


def tags_of(track: "Track", query: "PlaylistQuery | None", matched: Iterable[str] = ()) -> list[str]:
    """The asked-for tags this track carries: the query's genres, subgenres, moods and artists found on it,
    plus retrieval's feature matches; never "similar to '...'" (the request's leftover words)."""
    out: list[str] = []
    if query is not None:
        labels = set(track.genres) | set(track.subgenres)
        subs = [t.value for t in query.subgenres if t.value in labels]
        out += subs
        out += [t.value for t in query.genres if t.value in labels and not subs]
        out += [t.value for t in query.moods if t.value in track.moods]
        out += [t.value for t in query.artists if fold(t.value) == fold(track.artist)]
    for m in matched:
        m = str(m)
        if m.startswith("similar to") or m in out or m.endswith("mood") and m[: -len(" mood")] in out:
            continue
        if query is not None and query.years is not None and m == query.years.label():
            continue  # the year itself says it better
        if m.startswith(("energy", "tempo", "valence", "danceability", "acousticness")):
            continue  # the sound part says the track's own values
        out.append(m.removesuffix(" mood"))
    return list(dict.fromkeys(out))


def sound(track: "Track") -> str:
    """ "energy 0.42 at 96 BPM" """
    return f"energy {track.energy:.2f} at {track.tempo:.0f} BPM"


def for_track(
    track: "Track",
    query: "PlaylistQuery | None" = None,
    *,
    matched: Iterable[str] = (),
    channel: str | None = None,
    affinity: float | None = None,
    ranker: tuple[int, int] | None = None,
    role: str = "",
    kept: bool = False,
    filler: str = "",
    seeds: Sequence[dict[str, Any]] = (),
) -> str:
    """One track's reason: year; tags it matched; its sound; how it was chosen; its place in the flow."""
    parts: list[str] = []
    if kept:
        parts.append("kept from before")
    parts.append(str(track.year) if track.year else "year unknown")
    tags = tags_of(track, query, matched)
    if tags:
        parts.append("matches " + ", ".join(tags))
    parts.append(sound(track))
    if channel == "continuation":
        parts.append(_continuation(track, seeds))
    elif channel in _CHANNELS:
        parts.append(_CHANNELS[channel])
    if affinity is not None:
        parts.append(f"close to your taste ({affinity:.2f})")
    if ranker is not None:  # (place, of how many) in the learned ranker's order
        parts.append(f"the ranker's #{ranker[0]} of {ranker[1]}")
    if filler:  # "a deep cut", "a short one": it plays because it fits, not because people know it
        parts.append(filler)
    if role:
        parts.append(role)
    return "; ".join(parts)


def _continuation(track: "Track", seeds: Sequence[dict[str, Any]]) -> str:
    """What ties a continued track to the playlist: its artist or album already in it, or its sound alone."""
    artists = {fold(str(p.get("artist", ""))) for p in seeds}
    if fold(track.artist) in artists:
        return "continues the playlist: more by an artist in it (VAE)"
    return "continues the playlist (VAE)"


def moved(track: "Track", feature: str, sign: int, before: float) -> str:
    """ "energy 0.71 (the playlist was at 0.55)": a track brought in by a relative change, with its own value."""
    v = getattr(track, feature)
    if v is None:
        return f"{feature} unknown"
    fmt = "{:.0f}" if feature in ("tempo", "year") else "{:.2f}"
    way = "up" if sign > 0 else "down"
    if feature == "tempo":
        return f"{float(v):.0f} BPM ({way} from {before:.0f})"
    if feature == "year":
        return f"{'newer' if sign > 0 else 'older'} than the playlist's {before:.0f}"
    return f"{feature} {fmt.format(float(v))} ({way} from {fmt.format(before)})"
