"""Tools that edit tracks by their place in the playlist: remove, replace, move."""

from __future__ import annotations

import math
import random
import zlib
from typing import Any, Annotated, Callable, Literal, Sequence

from pydantic import BaseModel, Field

from agent.tools.constraints import Bound, Names
from agent.tools.mix import aimed_at, asked_names
from agent.tools.names import titles
from agent.tools.registry import Empty, ToolError, tool
from agent.tools.work import Work, feature_value
from tools.catalog import Track, fold
from tools.tags import MOOD_TARGETS
from tools.refine import item_from
from tools.schema import FEATURE_RANGE, MAX_LENGTH, FeatureBound, PlaylistQuery, YearRange
from tools.vocab import tokenize


Pos = Annotated[int, Field(ge=1, le=MAX_LENGTH)]


class Positions(BaseModel):
    positions: list[Pos] = Field(
        min_length=1, max_length=MAX_LENGTH, description="1-based track numbers in the playlist."
    )


class Position(BaseModel):
    position: int = Field(ge=1, le=MAX_LENGTH, description="1-based track number in the playlist.")


class Move(Position):
    to: int = Field(ge=1, le=MAX_LENGTH, description="1-based position to move it to.")


@tool(Positions)
def remove(w: Work, positions: list[int]) -> str:
    """Remove tracks by their 1-based numbers in the playlist (nothing is added back)."""
    w.need_playlist()
    pos = w.positions(positions)
    gone = [w.playlist[p - 1] for p in pos]
    w.playlist = [p for i, p in enumerate(w.playlist, 1) if i not in pos]
    w.removed |= {p["track_id"] for p in gone}
    return "removed " + titles(gone)


SWAP_YEARS = 6.0  # "swap it for something older": at least half this many years older
SwapFeature = Literal["energy", "valence", "tempo", "danceability", "acousticness", "popularity", "year"]
# Words for a swap's direction: "swap #2 for something happier" -> "happier"
_SWAP_WORDS = {("valence", "up"): "happier", ("valence", "down"): "sadder", ("tempo", "up"): "faster",
               ("tempo", "down"): "slower", ("year", "up"): "newer", ("year", "down"): "older",
               ("popularity", "up"): "more popular", ("popularity", "down"): "less known",
               ("energy", "up"): "more energetic", ("energy", "down"): "calmer",
               ("danceability", "up"): "more danceable", ("danceability", "down"): "less danceable",
               ("acousticness", "up"): "more acoustic", ("acousticness", "down"): "less acoustic"}  # fmt: skip


class Replace(Positions, Names):
    """Tracks to swap out and, optionally, what to swap in ("swap it for something by Sade": artists=["Sade"];
    "swap #2 for something happier": feature="valence", direction="up")."""

    feature: SwapFeature | None = Field(default=None, description="Swap in a track higher or lower in this.")
    direction: Literal["up", "down"] | None = Field(default=None, description="Which way the feature goes.")
    year_start: int | None = Field(default=None, ge=1900, le=2100, description="The new track from this year on.")
    year_end: int | None = Field(default=None, ge=1900, le=2100, description="The new track up to this year.")
    bounds: list[Bound] = Field(
        default_factory=list, max_length=7, description="Audio bounds the new track keeps ('something over 120 bpm')."
    )


def _swap_test(year_start: int | None, year_end: int | None, bounds: Sequence[dict | Bound]) -> Callable | None:
    """What a track swapped in must be ("for something from the 90s", "with something over 120 bpm"), or None."""
    said = [b if isinstance(b, Bound) else Bound(**b) for b in bounds]
    if year_start is None and year_end is None and not said:
        return None

    def good(tr: Track) -> bool:
        if (year_start is not None or year_end is not None) and tr.year is None:
            return False
        if (year_start is not None and tr.year < year_start) or (year_end is not None and tr.year > year_end):
            return False
        values = [(feature_value(tr, b.feature), b) for b in said]
        return all((b.min is None or v >= b.min) and (b.max is None or v <= b.max) for v, b in values)

    return good


def _swap_query(
    query: PlaylistQuery, year_start: int | None, year_end: int | None, bounds: Sequence[dict | Bound]
) -> PlaylistQuery:
    """``query`` aimed at the years and bounds a swap said: retrieval looks there, not only among the request's."""
    q = query.model_copy(deep=True)
    if year_start is not None or year_end is not None:
        q.years = YearRange(start=year_start, end=year_end, explicit=True, source="swap")
    said = [b if isinstance(b, Bound) else Bound(**b) for b in bounds]
    q.features = [f for f in q.features if f.feature not in {b.feature for b in said}] + [
        FeatureBound(feature=b.feature, min=b.min, max=b.max, explicit=True, source="swap") for b in said
    ]
    return q


def _swap_said(year_start: int | None, year_end: int | None, bounds: Sequence[dict | Bound]) -> list[str]:
    """The words of a swap's years and bounds, for the reply ("from 1990-1999", "tempo over 120")."""
    out = (
        [f"from {year_start or ''}-{year_end or ''}".replace("from -", "up to ").rstrip("-")]
        if (year_start or year_end)
        else []
    )
    for b in bounds:
        b = b if isinstance(b, Bound) else Bound(**b)
        out.append(
            " and ".join(f"{b.feature} {w} {v:g}" for w, v in (("over", b.min), ("under", b.max)) if v is not None)
        )
    return out


@tool(Replace)
def replace(
    w: Work,
    positions: list[int],
    artists: Sequence[str] = (),
    genres: Sequence[str] = (),
    subgenres: Sequence[str] = (),
    moods: Sequence[str] = (),
    feature: str | None = None,
    direction: str | None = None,
    year_start: int | None = None,
    year_end: int | None = None,
    bounds: Sequence[dict | Bound] = (),
) -> str:
    """Swap tracks (1-based numbers) for new ones that fit the same request, or for ones by the artists / of the
    genres or moods named, or higher or lower in a feature than the tracks swapped out, or of the years or within
    the bounds said (the request itself stays as it is)."""
    w.need_playlist()
    pos = w.positions(positions)
    gone = [w.playlist[p - 1] for p in pos]
    stay = [x for i, x in enumerate(w.playlist, 1) if i not in pos]
    names = asked_names(w, artists, genres, subgenres, moods)
    asked = [n for group in names for n in group] + _swap_said(year_start, year_end, bounds)
    query = aimed_at(w.query, *names) if any(names) else None
    if feature and direction:
        word = _SWAP_WORDS.get((feature, direction)) or f"{'more' if direction == 'up' else 'less'} {feature}"
        asked.append(word)
        pos, gone, new = _swap_past(w, query, pos, gone, stay, feature, 1 if direction == "up" else -1)
    else:
        good = _swap_test(year_start, year_end, bounds)
        query = _swap_query(query or w.query, year_start, year_end, bounds) if good else query
        new = w.fetch(len(pos), query=query, keep=stay, avoid=gone, good=good)
    if not new:
        what = f"{', '.join(asked)} " if asked else "new "
        raise ToolError(f"I found nothing {what}that fits the request to swap in. Nothing changed.")
    for p, item in zip(pos, new):
        why = f"swapped in for {', '.join(asked)}" if asked else "swapped in"
        item["reason"] = f"{why}; {item.get('reason', '')}".strip("; ")
        if artists:
            item["chosen"] = True  # "swap it for something by Eminem": the person picked it
        w.playlist[p - 1] = item
    w.removed |= {g["track_id"] for g in gone[: len(new)]}  # swapped out: not back on the next swap
    if len(pos) == 1:
        w.focus = pos[0]  # "why that one?" next means the track just swapped in
    out = f"replaced {titles(gone[: len(new)])} with {titles(new)}"
    if feature and direction:
        was = ", ".join(_shown(feature, feature_value(w.track(p), feature)) for p in gone[: len(new)])
        now = ", ".join(_shown(feature, feature_value(w.track(p), feature)) for p in new)
        out += f" ({feature} {was} → {now})"
    if len(new) < len(pos):
        left = ", ".join(f"#{p}" for p in pos[len(new) :])
        stays = "it stays" if len(pos) - len(new) == 1 else "they stay"
        out += f"; nothing {asked[-1] if asked else 'new'} that fits the request for {left}, so {stays}"
    return out


def _swap_past(
    w: Work,
    query: PlaylistQuery | None,
    pos: list[int],
    gone: list[dict[str, Any]],
    stay: list[dict[str, Any]],
    feature: str,
    sign: int,
) -> tuple[list[int], list[dict[str, Any]], list[dict[str, Any]]]:
    """Each swapped-out track gets the best-ranked new one past it in ``feature``: a round aims past the easiest
    one still open, and the hardest to pass choose first. Returns the positions (those filled first, then those
    nothing passes, which stay as they are), their tracks and the new ones."""
    if all(math.isnan(feature_value(w.track(g), feature)) for g in gone):
        raise ToolError(f"I can't tell the {feature} of that track. Nothing changed.")
    past = _past(w, feature, sign)
    got: dict[int, dict[str, Any]] = {}
    seen: list[dict[str, Any]] = []
    for _ in range(3):
        open_ = [i for i in range(len(pos)) if i not in got]
        vals = [v for v in (feature_value(w.track(gone[i]), feature) for i in open_) if not math.isnan(v)]
        if not vals:
            break
        q = _aimed_past(w, query, feature, sign, min(vals) if sign > 0 else max(vals))
        pool = w.fetch(
            2 * len(open_),
            query=q,
            keep=stay + list(got.values()),
            avoid=gone + seen,
            good=lambda tr: any(past(tr, gone[i]) for i in open_),
        )
        if not pool:
            break
        seen += pool
        for i in sorted(open_, key=lambda i: sum(past(w.track(c), gone[i]) for c in pool)):
            c = next((c for c in pool if c not in got.values() and past(w.track(c), gone[i])), None)
            if c is not None:
                got[i] = c
    order = [i for i in range(len(pos)) if i in got] + [i for i in range(len(pos)) if i not in got]
    return [pos[i] for i in order], [gone[i] for i in order], [got[i] for i in order if i in got]


def _aimed_past(w: Work, query: PlaylistQuery | None, feature: str, sign: int, edge: float) -> PlaylistQuery:
    """The query aimed a step past ``edge`` in ``feature``, less the moods that pull the other way ("swap #2 for
    something happier" on a "kinda moody" playlist: the swap is not held to the sad label)."""
    q = (query or w.query).model_copy(deep=True)
    q.moods = [t for t in q.moods if not _pulls_back(t.value, feature, sign)]
    if feature == "year":
        q.years = YearRange(start=int(edge) + 1, explicit=False) if sign > 0 else YearRange(end=int(edge) - 1)
    else:
        lo, hi = FEATURE_RANGE.get(feature, (float("-inf"), float("inf")))
        target = min(hi, max(lo, edge + sign * w.step(feature)))  # energy .93 "too mellow": aimed at 1.0, not 1.05
        side = {"min": round(edge, 3)} if sign > 0 else {"max": round(edge, 3)}
        bound = FeatureBound(feature=feature, target=round(target, 3), explicit=False, source="swap", **side)
        q.features = [b for b in q.features if b.feature != feature] + [bound]
    return q


def _pulls_back(mood: str, feature: str, sign: int) -> bool:
    """Whether ``mood``'s sound sits on the other side of the middle from where the swap goes in ``feature``."""
    target = MOOD_TARGETS.get(mood, {}).get(feature)
    return target is not None and (target < 0.5 if sign > 0 else target > 0.5)


def _past(w: Work, feature: str, sign: int) -> Callable[[Track, dict[str, Any]], bool]:
    """A test that a track is past a swapped-out one by half a step (for "newer", by half the years the catalog
    has left after it, at least one)."""
    step = SWAP_YEARS if feature == "year" else w.step(feature)
    newest = int(w.catalog.years.max()) if feature == "year" and sign > 0 else None

    def past(tr: Track, out: dict[str, Any]) -> bool:
        v, was = feature_value(tr, feature), feature_value(w.track(out), feature)
        if math.isnan(v) or math.isnan(was):
            return False
        need = step / 2 if newest is None else max(1.0, min(step / 2, (newest - was) / 2))
        return sign * (v - was) >= need

    return past


def _shown(feature: str, v: float) -> str:
    return f"{v:.0f}" if feature in ("tempo", "year", "popularity") else f"{v:.2f}"


@tool(Move)
def move(w: Work, position: int, to: int) -> str:
    """Move one track (1-based) to another position (1 = top)."""
    w.need_playlist()
    (p,) = w.positions([position])
    (t,) = w.positions([to])
    item = w.playlist.pop(p - 1)
    w.playlist.insert(t - 1, item)
    w.focus = t
    was = w.seen.index(item["track_id"]) + 1 if item["track_id"] in (w.seen or []) else p  # the place the user saw
    return f"moved {titles([item])} from {was} to {t}" if was != t else f"put {titles([item])} at {t}"


@tool(Empty)
def shuffle(w: Work) -> str:
    """The same tracks in a new random order (the same playlist always shuffles the same way)."""
    w.need_playlist()
    if len(w.playlist) < 2:
        return "one track: nothing to shuffle"
    before = [p["track_id"] for p in w.playlist]
    rng = random.Random(zlib.crc32("|".join(before).encode()))
    order = list(w.playlist)
    while [p["track_id"] for p in order] == before:
        rng.shuffle(order)
    w.playlist = order
    return f"shuffled the {len(order)} tracks"


SortKey = Literal[
    "energy", "tempo", "year", "valence", "danceability", "popularity", "duration_ms", "flow", "reverse", "spread"
]


class Sort(BaseModel):
    by: SortKey = Field(
        description='What to order by; "flow": each track next to the one it sounds closest to; "reverse": the '
        'order turned around; "spread": no artist twice in a row.'
    )
    descending: bool = Field(default=False, description="Largest first (newest, fastest, most energetic first).")


_FLOW = (("energy", 1.0), ("valence", 1.0), ("danceability", 1.0), ("tempo", 1 / 200))  # tempo over 200 BPM


@tool(Sort)
def sort(w: Work, by: str, descending: bool = False) -> str:
    """The same tracks in another order: by a field ("oldest to newest", "start slow and build up", "put the
    upbeat ones first"), by flow (the first track stays, then each next one is the closest in sound), turned around
    ("reverse it"), or spread ("no back to back songs by the same artist")."""
    w.need_playlist()
    items = list(w.playlist)
    if by == "reverse":
        w.playlist = items[::-1]
        return f"turned the order of the {len(items)} tracks around"
    if by == "spread":
        return _spread(w, items)
    if by == "flow":
        order, rest = [items[0]], items[1:]
        while rest:
            last = order[-1]
            near = min(rest, key=lambda p: sum(((p.get(f) or 0) - (last.get(f) or 0)) ** 2 * k for f, k in _FLOW))
            rest.remove(near)
            order.append(near)
        w.playlist = order
        return f"reordered the {len(order)} tracks so each flows into the next by sound"
    known = [p for p in items if p.get(by) is not None]  # a track without the field (no year) goes last, in order
    known.sort(key=lambda p: p[by], reverse=descending)
    w.playlist = known + [p for p in items if p.get(by) is None]
    what = {"duration_ms": "length", "year": "year"}.get(by, by)
    way = {"year": ("oldest", "newest"), "duration_ms": ("shortest", "longest"), "tempo": ("slowest", "fastest")}.get(
        by, ("lowest", "highest")
    )
    first, last = way[::-1] if descending else way
    return f"ordered the {len(items)} tracks by {what}, {first} first and {last} last"


def _spread(w: Work, items: list[dict]) -> str:
    """No artist twice in a row where the tracks allow: each next track is the earliest whose artist differs from
    the one before and leaves the rest still arrangeable so (no artist over half of what is left)."""
    order: list[dict] = []
    rest = list(items)
    left: dict[str, int] = {}
    for p in rest:
        left[p["artist"]] = left.get(p["artist"], 0) + 1

    def arrangeable(after: str) -> bool:  # the rest, once a track of ``after`` is placed, can alternate
        n = sum(left.values())
        return all(k <= (n // 2 if a == after else (n + 1) // 2) for a, k in left.items())

    while rest:
        prev = order[-1]["artist"] if order else None
        pick = None
        for p in rest:
            if p["artist"] == prev:
                continue
            left[p["artist"]] -= 1
            ok = arrangeable(p["artist"])
            left[p["artist"]] += 1
            if ok:
                pick = p
                break
        pick = pick or next((p for p in rest if p["artist"] != prev), rest[0])
        left[pick["artist"]] -= 1
        rest.remove(pick)
        order.append(pick)
    w.playlist = order
    together = sum(a["artist"] == b["artist"] for a, b in zip(order, order[1:]))
    if together:
        return f"spread the artists out; {together} pair(s) stay side by side: one artist has too many tracks"
    return f"reordered the {len(order)} tracks so no artist plays twice in a row"


class Song(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="The song's title as in the catalog.")
    artist: str | None = Field(default=None, max_length=200, description="Its artist, when the user named one.")
    first: bool = Field(default=False, description="Put it first instead of last ('put Blinding Lights at the top').")
    at: int | None = Field(
        default=None, ge=1, le=MAX_LENGTH, description="Put it at this 1-based place ('in the middle': the middle one)."
    )
    middle: bool = Field(
        default=False, description="Put it in the middle of the playlist as it is then (after a new playlist's call)."
    )


@tool(Song)
def add_song(
    w: Work, title: str, artist: str | None = None, first: bool = False, at: int | None = None, middle: bool = False
) -> str:
    """Add one song by its title (and artist, when said) at the end of the playlist: "can we get Dancing Queen";
    ``first`` puts it at the top ("put Blinding Lights at the top"), ``at`` at that place ("in the middle"),
    ``middle`` in the middle. A song already there with a place said moves there."""
    w.need_playlist()
    key = tuple(t.text for t in tokenize(title))
    rows = w.deps.vocab.titles.get(key, [])
    if artist:
        rows = [r for r in rows if fold(w.catalog.tracks[r].artist) == fold(artist)]
    if not rows:
        raise ToolError(f'I can\'t find a song called "{title}"{f" by {artist}" if artist else ""} in the catalog.')
    track = w.catalog.tracks[rows[0]]
    if middle:
        at = len(w.playlist) // 2 + 1
    there = [i for i, p in enumerate(w.playlist) if p["track_id"] == track.track_id]
    if there and (first or at):
        item = w.playlist.pop(there[0])
        k = 0 if first else min(max(at or 1, 1), len(w.playlist) + 1) - 1
        w.playlist = [*w.playlist[:k], item, *w.playlist[k:]]
        w.focus = k + 1
        return f"moved {titles([item])} to #{k + 1}"
    if there:
        return f'"{track.title}" by {track.artist} is already in the playlist'
    q = w.effective_query()
    if fold(track.artist) in {fold(t.value) for t in q.exclude_artists} or track.track_id in (
        set(w.memory.blocked_tracks) | set(w.memory.skipped)
    ):  # a song asked for by name may break the sound or the years asked for before, never an exclusion
        raise ToolError(f'{track.artist} or "{track.title}" is excluded or blocked here; lift that first.')
    item = dict(item_from(track, reason="you asked for this song").model_dump(), chosen=True)
    k = 0 if first else len(w.playlist) if at is None else min(max(at, 1), len(w.playlist) + 1) - 1
    w.playlist = [*w.playlist[:k], item, *w.playlist[k:]]
    w.focus = k + 1
    where = "at the top" if k == 0 else "at the end" if k == len(w.playlist) - 1 else f"at #{k + 1}"
    return f"added {titles([item])} {where}"
