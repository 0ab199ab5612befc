"""Tools that change the playlist's length: more tracks like these (the continuation model first), or a size."""

from __future__ import annotations

import logging
import math
from typing import Any, Callable, Literal

from pydantic import BaseModel, Field

from agent.tools.names import catalog_artist
from agent.tools.registry import ToolError, tool
from agent.tools.work import Work
from tools import reasons
from tools.catalog import Track, fold, song_key
from tools.refine import fair_shares, item_from, named_artists
from tools.schema import MAX_LENGTH, FeatureBound, Tag, listening_minutes

log = logging.getLogger(__name__)


class Resize(BaseModel):
    length: int | None = Field(default=None, ge=1, le=MAX_LENGTH, description="Number of tracks.")
    minutes: float | None = Field(default=None, gt=0, le=24 * 60, description="Listening time in minutes.")
    factor: float | None = Field(default=None, gt=0, le=4, description="Scale the current length (0.66 = shorter).")
    at_most: bool = Field(default=False, description="The length is a ceiling: a playlist within it stays.")
    at_least: bool = Field(default=False, description="The length is a floor: a playlist that long stays.")


@tool(Resize)
def resize(
    w: Work,
    length: int | None = None,
    minutes: float | None = None,
    factor: float | None = None,
    at_most: bool = False,
    at_least: bool = False,
) -> str:
    """Change the playlist's length: a number of tracks or a listening time in minutes (either at most or at least
    that), or a factor."""
    w.need_playlist()
    n = len(w.playlist)
    if minutes and (at_most or at_least):  # "keep it under 3 hours" on a 2-hour playlist: nothing to do
        now = listening_minutes(w.playlist)
        if (at_most and now <= minutes) or (at_least and now >= minutes):
            way = "under" if at_most else "over"
            return f"it is already about {round(now)} min ({n} tracks), {way} {minutes:g} min; nothing changed"
    if length and ((at_most and n <= length) or (at_least and n >= length)):  # "longer, like 15" on 20 tracks
        side = "no more" if at_most else "no fewer"
        return f"it already has {n} tracks, {side} than {length}; nothing changed"
    if minutes:
        per = sum(p["duration_ms"] for p in w.playlist) / n
        total = sum(p["duration_ms"] for p in w.playlist)
        if total > minutes * 60_000:  # "keep it under an hour": the tracks that fit the time, in order
            length = max(1, len(_fit_within(w.playlist, minutes)))
        else:
            length = max(1, min(MAX_LENGTH, n + math.floor((minutes * 60_000 - total) / per + 0.5)))
    elif factor:
        length = max(1, min(MAX_LENGTH, round(n * factor)))
    if not length:
        raise ToolError('How long should it be? Say "make it 30 tracks" or "make it an hour".')
    q = w.query.model_copy(update={"length": length, "duration_min": minutes})
    w.query = q
    if length < n:
        w.playlist = fair_cut(w, length, minutes)
        cut = len(w.playlist)
        return f"cut to {cut} tracks" + (f" (about {round(listening_minutes(w.playlist))} min)" if minutes else "")
    if length > n:
        note = more(w, length - n)
        if minutes and (added := len(w.playlist) - n) != len(_settle(w, minutes)) - n:
            note = note.replace(f"{added} more", f"{len(w.playlist) - n} more", 1)  # the count settled on
        if minutes and len(w.playlist) >= MAX_LENGTH and listening_minutes(w.playlist) < minutes - 5:
            note += f"; {MAX_LENGTH} tracks is the longest I make, so it stops short of {minutes:g} min"
        return note + (f" (about {round(listening_minutes(w.playlist))} min)" if minutes else "")
    if minutes:  # "make it an hour and a half" on a 92-minute playlist: the time is what was asked
        tracks = f"{length} track{'s' if length != 1 else ''}"
        return f"it is already about {round(listening_minutes(w.playlist))} min ({tracks}), close to {minutes:g}"
    return f"already {length} tracks"


class Toward(BaseModel):
    feature: Literal["energy", "valence", "tempo", "danceability", "acousticness"]
    direction: Literal["up", "down"]


class More(BaseModel):
    count: int = Field(default=10, ge=1, le=MAX_LENGTH, description="How many tracks to add.")
    not_artists: list[str] = Field(
        default_factory=list,
        description="None of the added tracks is by these artists; their tracks already there stay "
        "('add 5 more but not by Drake').",
    )
    toward: list[Toward] = Field(
        default_factory=list,
        max_length=5,
        description="The added tracks only are below (down) or above (up) the playlist's mean in these; the tracks "
        "already there stay ('add 4 more, not too upbeat': energy down).",
    )
    not_moods: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="None of the added tracks has these moods; the tracks already there stay ('add 5 more, nothing "
        "too sad': sad).",
    )
    lean: Literal["popular", "obscure"] | None = Field(
        default=None,
        description="The added tracks lean to the better known or the lesser known ('add some popular songs', "
        "'add a few singalongs'); the tracks there stay.",
    )


@tool(More)
def more(
    w: Work,
    count: int = 10,
    not_artists: list[str] | None = None,
    toward: list[dict | Toward] | None = None,
    not_moods: list[str] | None = None,
    lean: Literal["popular", "obscure"] | None = None,
) -> str:
    """Add tracks like these at the end (VAE continuation when built, else search), keeping every constraint:
    exclusions, years, bounds, the per-artist cap and no repeated song; none of the new ones by ``not_artists`` or of
    ``not_moods``; the new ones past the playlist's mean in each ``toward`` feature; with a ``lean`` the new ones are
    searched for the playlist's request leaning to the better or lesser known."""
    w.need_playlist()
    if lean:
        return _more_leaning(w, count, lean)
    if toward or not_moods:
        said = [t if isinstance(t, Toward) else Toward(**t) for t in toward or []]
        return _more_toward(w, count, not_artists, said, list(not_moods or []))
    if not_artists:  # only the new tracks leave them out: the query is the same after the turn
        query = w.query
        q = query.model_copy(deep=True)
        have = {fold(t.value) for t in q.exclude_artists}
        names = [catalog_artist(w, a) for a in not_artists]
        q.exclude_artists += [Tag(value=a, source=f"no {a}") for a in names if fold(a) not in have]
        w.query = q
        try:
            note = more(w, count)
        except BaseException:
            w.query = query  # nothing added: the query as it was
            raise
        w.query = query.model_copy(update={"length": len(w.playlist), "duration_min": None})
        return f"{note}, none by {', '.join(names)}"
    room_left = MAX_LENGTH - len(w.playlist)
    if room_left <= 0:
        raise ToolError(f"The playlist is at the longest I make ({MAX_LENGTH} tracks).")
    capped = f" (a playlist holds at most {MAX_LENGTH} tracks)" if count > room_left else ""
    count = min(count, room_left)
    new, how = _more_tracks(w, count)
    lifted = ""
    if not new and not w.query.max_per_artist:  # every track that fits is by an artist the playlist already holds
        cap, w.max_per_artist = w.max_per_artist, MAX_LENGTH  # enough of: say so, then add (a cap the user said stays)
        new, how = _more_tracks(w, count)
        w.max_per_artist = cap
        lifted = f"; only artists already in it have more that fit, so they pass {cap} tracks each" if new else ""
    if not new and (per := w.query.max_per_decade):
        raise ToolError(
            f"Nothing more fits your cap of {per} per decade: every decade with tracks that fit the request is full. "
            f'Say "max {per + 1} from each decade" or widen the years.'
        )
    if not new:
        raise ToolError("I found nothing more that fits every constraint. Try widening the request.")
    w.playlist = w.playlist + new
    w.query = w.query.model_copy(update={"length": len(w.playlist), "duration_min": None})
    short = f" (only {len(new)} more fit every constraint)" if len(new) < count else ""
    said = "".join(f"; {n}" for n in dict.fromkeys(w.notes) if n.startswith("no more tracks by"))
    return f"added {len(new)} more{' by continuation' if how == 'continuation' else ''}{short}{capped}{said}{lifted}"


def _more_toward(w: Work, count: int, not_artists: list[str] | None, toward: list[Toward], not_moods: list[str]) -> str:
    """``more`` whose new tracks only are held past the playlist's mean in each feature said and clear of the moods
    said (hard for this add alone: the query is the same after the turn)."""
    query = w.query
    q = query.model_copy(deep=True)
    have = {t.value for t in q.exclude_moods}
    q.exclude_moods += [Tag(value=m, source=f"no {m}") for m in not_moods if m not in have]
    said = [f"none {m}" for m in not_moods]
    for t in toward:
        mean = w.mean(t.feature)
        if mean is None:
            continue
        edge = round(mean, 3)
        side = {"max": edge} if t.direction == "down" else {"min": edge}
        q.features = [b for b in q.features if b.feature != t.feature] + [
            FeatureBound(feature=t.feature, explicit=True, source="the new ones", **side)
        ]
        said.append(f"with {t.feature} {'under' if t.direction == 'down' else 'over'} the playlist's {edge:.2f}")
    w.query = q
    try:
        note = more(w, count, not_artists)
    except BaseException:
        w.query = query  # nothing added: the query as it was
        raise
    w.query = query.model_copy(update={"length": len(w.playlist), "duration_min": None})
    return f"{note}, the new ones {' and '.join(said)}" if said else note


def _more_leaning(w: Work, count: int, lean: Literal["popular", "obscure"]) -> str:
    """``count`` tracks for the playlist's request leaning to ``lean``, added at the end; the playlist stays."""
    count = min(count, MAX_LENGTH - len(w.playlist))
    if count <= 0:
        raise ToolError(f"The playlist is at the longest I make ({MAX_LENGTH} tracks).")
    new = w.fetch(count, query=w.query.model_copy(update={"popularity": lean}))
    if not new:
        raise ToolError("I found nothing more that fits every constraint. Try widening the request.")
    w.playlist = w.playlist + new
    w.query = w.query.model_copy(update={"length": len(w.playlist), "duration_min": None})
    kind = "better-known" if lean == "popular" else "lesser-known"
    return f"added {len(new)} {kind} tracks"


def _more_tracks(w: Work, count: int) -> tuple[list[dict[str, Any]], str]:
    """Up to ``count`` tracks to add (continuation first, then search) and which way they came."""
    new: list[dict[str, Any]] = []
    how = "search"
    if w.deps.continuer is not None:
        try:
            res = _continue(w, min(count * 2, count + 20))  # a few spare for the checks; beam steps cost time
            seen_ids = {p["track_id"] for p in w.playlist} | w.removed
            seen_songs = {song_key(p["title"], p["artist"]) for p in w.playlist}
            ok = w.checker()
            room = _continuation_room(w)
            q = w.effective_query()
            decades = w.decade_counts(w.playlist)
            for tid, score in zip(res.track_ids, res.scores):
                tr = w.catalog.get(tid)
                if tr is None or tid in seen_ids or tr.song_key in seen_songs or not ok(tr):
                    continue
                if w.decade_full(tr, decades) or not room(tr):  # the person's decade cap, then the artist cap
                    continue
                w.decade_full(tr, decades, take=True)
                reason = reasons.for_track(tr, q, channel="continuation", seeds=w.playlist)
                new.append(item_from(tr, reason=reason, score=score).model_dump())
                seen_ids.add(tid)
                seen_songs.add(tr.song_key)
                if len(new) >= count:
                    break
            how = "continuation"
        except Exception:  # the continuation model is an improvement, never a reason to fail a turn
            log.exception("continuation failed; falling back to search")
    if len(new) < count:
        new += w.fetch(count - len(new), keep=w.playlist + new)
    named = [t for t in w.query.artists if t.explicit]
    if len(new) < count and named:  # the artists asked for ran out: similar tracks fill the rest, and the reply says so
        loose = w.query.model_copy(
            update={"artists": [t.model_copy(update={"explicit": False}) for t in w.query.artists]}
        )
        extra = w.fetch(count - len(new), query=loose, keep=w.playlist + new)
        if extra:
            new += extra
            w.notes.append(f"no more tracks by {', '.join(t.value for t in named)} fit, so similar ones fill the rest")
    return new, how


def _continue(w: Work, k: int) -> Any:
    """The continuation VAE's next tracks, with the user's taste as its history and the playlist's rules
    (constraints, the per-artist cap except for artists the request names) as masks."""
    q = w.effective_query()
    return w.deps.continuer.continue_playlist(
        [p["track_id"] for p in w.playlist],
        k,
        history=w.memory.history(),
        constraints=q,
        max_per_artist=w.cap,
        uncapped=named_artists(q),
        strict_cap=bool(w.query.max_per_artist),
    )


def _continuation_room(w: Work) -> Callable[[Track], bool]:
    """The continuation's per-artist test, counting the playlist and every track it accepts: the person's cap binds
    every artist; without one, an artist the playlist itself stacks keeps its share (``generate.artist_cap``)."""
    artists = [fold(p["artist"]) for p in w.playlist]
    rule = w.playlist_cap()
    counts: dict[str, int] = {}
    for a in artists:
        counts[a] = counts.get(a, 0) + 1

    def room(track: Track) -> bool:
        a = fold(track.artist)
        if counts.get(a, 0) + 1 > rule.limit(a, len(artists) + 1):
            return False
        counts[a] = counts.get(a, 0) + 1
        artists.append(a)
        return True

    return room


def fair_cut(w: Work, length: int, minutes: float | None = None) -> list[dict[str, Any]]:
    """The playlist cut to ``length`` tracks (and within ``minutes``, when said), in its order: the first tracks that
    fit, save that each genre listed side by side and each decade of a span said keeps its even share ("rock and
    rap", "90s and 2000s"). The first 13 of "rock and rap from the 2000s" were 10 rap and 3 rock."""
    items = w.playlist
    fair = fair_shares(w.query, length)
    budget = minutes * 60_000 if minutes else math.inf
    chosen: list[int] = []
    total = 0
    for shared in (True, False):  # each group up to its share, then the rest in order
        for i, p in enumerate(items):
            if len(chosen) >= length:
                break
            tr = w.track(p) if fair and shared else None
            if (
                i in chosen
                or total + p["duration_ms"] > budget
                or (tr is not None and not all(s.room(tr) for s in fair))
            ):
                continue
            chosen.append(i)
            total += p["duration_ms"]
            for s in fair if tr is not None else ():
                s.add(tr)
    return [items[i] for i in sorted(chosen)] or items[:1]


def _settle(w: Work, minutes: float) -> list[dict[str, Any]]:
    """After tracks were added toward a listening time, within half a track of it: the count was estimated from the
    playlist's mean length, and the added tracks run longer or shorter ("make it 3 hours" came to 193 minutes)."""
    for _ in range(3):
        now = listening_minutes(w.playlist)
        half = now / len(w.playlist) / 2
        if now > minutes + half:  # the last ones added that run past it go
            w.playlist = _fit_within(w.playlist, minutes + half)
        elif now < minutes - half and len(w.playlist) < MAX_LENGTH:
            try:
                more(w, min(MAX_LENGTH - len(w.playlist), max(1, round((minutes - now) / (2 * half)))))
            except ToolError:
                break  # nothing more to add: as long as it gets
            continue
        break
    w.query = w.query.model_copy(update={"length": len(w.playlist)})
    return w.playlist


def _fit_within(items: list[dict[str, Any]], minutes: float) -> list[dict[str, Any]]:
    """``items`` in order, less each that would run the listening time past ``minutes`` (a long track at the cut
    leaves room for the shorter ones after it)."""
    out, total = [], 0.0
    for p in items:
        if total + p["duration_ms"] <= minutes * 60_000:
            out.append(p)
            total += p["duration_ms"]
    return out
