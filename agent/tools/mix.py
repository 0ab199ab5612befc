"""Tools that change the playlist's mix without a hard rule: also some of something, or less of it."""

from __future__ import annotations

import math
from typing import Any, Sequence

from pydantic import Field

from agent.tools.constraints import Names, YearSpan
from agent.tools.names import catalog_artist, catalog_genres
from agent.tools.registry import ToolError, tool
from agent.tools.work import Work
from tools.catalog import Track, fold
from tools.schema import MAX_LENGTH, PlaylistQuery, Tag, YearRange


class Widen(Names):
    year_start: int | None = Field(default=None, ge=1900, le=2100, description="Also tracks from this year on.")
    year_end: int | None = Field(default=None, ge=1900, le=2100, description="Also tracks up to this year.")
    count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_LENGTH,
        description="Add this many of them at the end ('add a couple of Drake songs') instead of swapping some in.",
    )


@tool(Widen)
def widen(
    w: Work,
    artists: Sequence[str] = (),
    genres: Sequence[str] = (),
    subgenres: Sequence[str] = (),
    moods: Sequence[str] = (),
    count: int | None = None,
    year_start: int | None = None,
    year_end: int | None = None,
) -> str:
    """Also include some artists, genres, moods or years ("also some rock", "add some 80s"); about a third of the
    playlist makes room (for artists alone, ``ARTIST_WIDEN_SHARE`` each: "maybe some adele" swaps 3 of 20)."""
    w.need_playlist()
    artists, genres, subgenres, moods = asked_names(w, artists, genres, subgenres, moods)
    q = w.query.model_copy(deep=True)
    earlier = {fold(t.value) for t in q.artists if t.scope == "also"}  # what earlier "also" asks brought in
    earlier_g = {t.value for t in q.genres + q.subgenres if t.scope == "also"}
    years = YearRange(start=year_start, end=year_end) if year_start or year_end else None
    names = artists + genres + subgenres + moods + ([years.label()] if years else [])
    if not names:
        raise ToolError("Also what? Name an artist, a genre, a mood or years.")
    if years and q.years is not None:  # the playlist's own years widen to take the new ones in
        q.years = _hull(q.years, years)
    w.query = q = _with_also(q, artists, genres, subgenres, moods)
    part = aimed_at(q, artists, genres, subgenres, moods)
    if years:
        part.years = years
    if count:  # "add a couple of Frank Ocean songs": that many more at the end, every track there stays
        if len(w.playlist) + count > MAX_LENGTH:
            raise ToolError(f"The playlist holds at most {MAX_LENGTH} tracks; it has {len(w.playlist)}.")
        added = w.fetch(count, query=part, keep=w.playlist)
        eased = ""
        if not added and artists and any(b.explicit for b in part.features):
            # "add a few more from beyonce": the artist asked for now outweighs a word said about the sound before
            part.features = [b.model_copy(update={"explicit": False}) for b in part.features]
            added = w.fetch(count, query=part, keep=w.playlist)
            eased = " (nearest to the sound asked for; none of theirs fits it exactly)" if added else ""
        if not added:
            per = w.query.max_per_decade
            capped = f" (and your cap of {per} per decade)" if per else ""  # "max 2 from each decade" holds
            raise ToolError(f"I found nothing more with {', '.join(names)} that fits the rest of the request{capped}.")
        for p in added:
            p["reason"] = f"you asked for {', '.join(names)} too; {p.get('reason', '')}".strip("; ")
        w.playlist = w.playlist + added
        short = f" (only {len(added)} fit)" if len(added) < count else ""
        return f"added {len(added)} {'/'.join(names)} track{'s' * (len(added) != 1)} at the end{short}{eased}"

    # Room is made by the tracks without any of it, from the end: "more pop" never swaps pop for pop, and what
    # earlier "also" asks brought in keeps its place ("add some drake", then "some sza too" keeps the Drake).
    def stays(p: dict[str, Any], artists_in: set[str], labels_in: set[str]) -> bool:
        t = w.track(p)
        return bool(
            fold(t.artist) in artists_in
            or labels_in & set(t.genres + t.subgenres)
            or set(moods) & set(t.moods)
            or (years is not None and years.contains(t.year))
        )

    asked_in, asked_labels = {fold(a) for a in artists}, set(genres) | set(subgenres)
    k = _widen_room(len(w.playlist), artists, names)
    order = list(reversed(range(len(w.playlist))))
    out = [i for i in order if not stays(w.playlist[i], asked_in | earlier, asked_labels | earlier_g)][:k]
    if not out:  # earlier asks' labels cover every track ("also some rock" after latin, adele, coldplay): those
        out = [i for i in order if not stays(w.playlist[i], asked_in, asked_labels)][:k]  # make room, from the end
    if not out:
        return f"every track already has {'/'.join(names)}; nothing to swap"
    keep = [p for i, p in enumerate(w.playlist) if i not in out]
    new = w.fetch(len(out), query=part, keep=keep, avoid=[w.playlist[i] for i in out])
    if not new and artists and not (genres or subgenres or moods or years) and _all_in(w, artists):
        return f"every {'/'.join(artists)} song in the catalog is already here"  # "less billie, more lana"
    if not new:
        raise ToolError(f"I found nothing with {', '.join(names)} that fits the rest of the request.")
    for p in new:
        p["reason"] = f"you asked for {', '.join(names)} too; {p.get('reason', '')}".strip("; ")
    dropped = sorted(out[: len(new)])
    playlist = [p for i, p in enumerate(w.playlist) if i not in dropped]
    w.playlist = spread_in(w, playlist, new)
    return f"added {len(new)} {'/'.join(names)} track{'s' * (len(new) != 1)} in place of {len(dropped)} without it"


def spread_in(w: Work, kept: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tracks an ask brings in, after the kept ones: at the end when none of them sits there beside a track by
    its own artist, else each at the place nearest its even share of the playlist where none does ("he also likes the
    eagles" beside 2 Eagles tracks: no 5 in a row)."""
    artist = {id(p): fold(w.track(p).artist) for p in kept + new}

    def apart(seq: list[dict[str, Any]], i: int, p: dict[str, Any]) -> bool:  # p put at i, between seq[i-1] and seq[i]
        return all(artist[id(seq[j])] != artist[id(p)] for j in (i - 1, i) if 0 <= j < len(seq))

    tail = kept + new
    if all(apart(tail[:k] + tail[k + 1 :], k, tail[k]) for k in range(len(kept), len(tail))):
        return tail
    out, size = list(kept), len(kept) + len(new)
    for j, p in enumerate(new):
        aim = min(len(out), max(0, round((j + 1) * size / len(new)) - 1))
        near = sorted(range(len(out) + 1), key=lambda i: (abs(i - aim), -i))
        out.insert(next((i for i in near if apart(out, i, p)), aim), p)
    return out


# "maybe some adele": an artist asked for beside the rest takes about this share of the playlist per artist (3 of 20),
# not the third a genre, mood or years take ("also some rock"): a third by one artist stacks them
ARTIST_WIDEN_SHARE = 0.15


def _widen_room(n: int, artists: Sequence[str], names: Sequence[str]) -> int:
    """How many tracks make room for a swap-in: a third of the playlist, or for artists alone their share each."""
    third = max(1, round(n / 3))
    if artists and len(names) == len(artists):
        return max(1, min(third, round(n * ARTIST_WIDEN_SHARE * len(artists))))
    return third


def _all_in(w: Work, artists: Sequence[str]) -> bool:
    """Whether every song of these artists in the catalog is on the playlist already (some version of it)."""
    held = {w.track(p).song_key for p in w.playlist}
    rows = [r for a in artists for r in w.catalog.by_artist.get(fold(a), [])]
    return bool(rows) and all(w.catalog.tracks[r].song_key in held for r in rows)


def asked_names(
    w: Work, artists: Sequence[str], genres: Sequence[str], subgenres: Sequence[str], moods: Sequence[str]
) -> tuple[list[str], list[str], list[str], list[str]]:
    """The catalog's names for what is asked for; a ToolError for an unknown one or an excluded artist."""
    artists = [catalog_artist(w, a) for a in artists]
    genres, subgenres = catalog_genres(w, genres, subgenres)
    blocked = {fold(t.value) for t in w.effective_query().exclude_artists}
    if any(fold(a) in blocked for a in artists):
        raise ToolError(
            f"{', '.join(a for a in artists if fold(a) in blocked)} is excluded or blocked; say so if you "
            'want them back in this playlist with "only".'
        )
    return artists, genres, subgenres, list(moods)


def aimed_at(
    q: PlaylistQuery, artists: Sequence[str], genres: Sequence[str], subgenres: Sequence[str], moods: Sequence[str]
) -> PlaylistQuery:
    """``q``'s constraints aimed at only what is asked for: the query of tracks added for it. Without a mood asked,
    the playlist's moods stay as preferences: "something by Ed Sheeran" in a chill acoustic playlist is a chill one."""
    kept_moods = [t.model_copy(update={"explicit": False, "scope": "prefer"}) for t in q.moods]
    # "add some sad ones at the end" to an angry playlist: the asked mood sets the added tracks' energy and valence
    features = [f for f in q.features if not (moods and f.feature in ("energy", "valence"))]
    return q.model_copy(
        deep=True,
        update={
            "features": features,
            "genres": [Tag(value=g, source=f"only {g}", scope="only") for g in genres],
            "subgenres": [Tag(value=s, source=f"only {s}", scope="only") for s in subgenres],
            "moods": [Tag(value=m) for m in moods] or kept_moods,
            "artists": [Tag(value=a) for a in artists],
            "free_text": " ".join([*artists, *genres, *subgenres, *moods]),
        },
    )


def _hull(a: YearRange, b: YearRange) -> YearRange | None:
    """The smallest range holding both (None: every year)."""
    start = None if a.start is None or b.start is None else min(a.start, b.start)
    end = None if a.end is None or b.end is None else max(a.end, b.end)
    return None if start is None and end is None else a.model_copy(update={"start": start, "end": end})


def _with_also(
    q: PlaylistQuery, artists: Sequence[str], genres: Sequence[str], subgenres: Sequence[str], moods: Sequence[str]
) -> PlaylistQuery:
    """``q`` (a copy) asking for these too: "only" lifted on the same dimension, their exclusions lifted."""
    if genres or subgenres:
        q.genres, q.subgenres = _lift_only(q.genres), _lift_only(q.subgenres)
    if moods:
        q.moods = _lift_only(q.moods)
    if artists and q.artists:
        q.artists = [t.model_copy(update={"explicit": False}) for t in q.artists]
    q.exclude_genres = [t for t in q.exclude_genres if t.value not in genres]
    q.exclude_subgenres = [t for t in q.exclude_subgenres if t.value not in subgenres]
    q.exclude_moods = [t for t in q.exclude_moods if t.value not in moods]
    q.exclude_artists = [t for t in q.exclude_artists if fold(t.value) not in {fold(a) for a in artists}]
    q.genres += [_also(g) for g in genres if g not in {t.value for t in q.genres}]
    q.subgenres += [_also(s) for s in subgenres if s not in {t.value for t in q.subgenres}]
    q.moods += [_also(m) for m in moods if m not in {t.value for t in q.moods}]
    q.artists += [Tag(value=a, explicit=False, source=f"also {a}", scope="also") for a in artists]
    return q


def _lift_only(tags: list[Tag]) -> list[Tag]:
    """``tags`` with "only" lifted: asking for something else too makes them a preference again."""
    return [t.model_copy(update={"scope": "prefer"}) if t.scope == "only" else t for t in tags]


def _also(value: str) -> Tag:
    return Tag(value=value, source=f"also {value}", scope="also")


class Lessen(Names):
    years: list[YearSpan] = Field(default_factory=list, max_length=10, description="Release years ('less 2010s').")
    keep: int | None = Field(
        default=None, ge=0, le=MAX_LENGTH, description="Tracks of them to keep at most ('max 2 bad bunny songs')."
    )
    sound: bool = Field(
        default=False,
        description="Said of the artists' sound ('too much usher vibes', 'fewer songs that sound like drake'): the "
        "tracks nearest it give way too.",
    )


@tool(Lessen)
def lessen(
    w: Work,
    artists: Sequence[str] = (),
    genres: Sequence[str] = (),
    subgenres: Sequence[str] = (),
    moods: Sequence[str] = (),
    years: Sequence[dict[str, int]] = (),
    keep: int | None = None,
    sound: bool = False,
) -> str:
    """Fewer tracks of some artists, genres, moods or release years ("less rap", "too much Drake", "less 2010s
    stuff"): about half of them, the later ones, give way to tracks without them that fit the request; the rest
    stay. With ``keep`` ("max 2 bad bunny songs"), all but the first ``keep`` of them give way."""
    w.need_playlist()
    names = {fold(catalog_artist(w, a)) for a in artists}
    genres, subgenres = catalog_genres(w, genres, subgenres)
    tags = set(genres) | set(subgenres)
    spans = [YearRange(start=y["start"], end=y["end"], source="less") for y in years if y["start"] <= y["end"]]

    def has(tr: Track) -> bool:
        return (
            fold(tr.artist) in names
            or bool(tags & set(tr.genres + tr.subgenres))
            or bool(set(moods) & set(tr.moods))
            or any(y.contains(tr.year) for y in spans)
        )

    said = [*(catalog_artist(w, a) for a in artists), *genres, *subgenres, *moods, *(y.label() for y in spans)]
    hits = [i for i, p in enumerate(w.playlist) if has(w.track(p))]
    if not hits and artists and not (genres or subgenres or moods or spans):
        # "too much usher vibes" with no Usher here: what sounds like them gives way
        return f"nothing in the playlist was {', '.join(said)}; " + _away_from_artists(w, said)
    if not hits:
        return f"nothing in the playlist was {', '.join(said)}"
    if keep is not None and len(hits) <= keep:
        return f"{len(hits)} {', '.join(said)} track{'s' * (len(hits) != 1)}, already at most {keep}"
    out = hits[keep:] if keep is not None else hits[len(hits) - max(1, math.ceil(len(hits) / 2)) :]
    gone = [w.playlist[i] for i in out]
    keep = [p for i, p in enumerate(w.playlist) if i not in out]
    q = w.query.model_copy(deep=True)  # what was asked for by name is no longer asked for
    q.artists = [t for t in q.artists if fold(t.value) not in names]
    q.genres = [t for t in q.genres if t.value not in tags] or q.genres
    q.subgenres = [t for t in q.subgenres if t.value not in tags]
    look = q.model_copy(deep=True)  # the new ones are searched without them, so retrieval's pool holds enough
    look.exclude_artists += [Tag(value=catalog_artist(w, a), source="less") for a in artists]
    look.exclude_genres += [Tag(value=g, source="less") for g in genres]
    look.exclude_subgenres += [Tag(value=g, source="less") for g in subgenres]
    look.exclude_moods += [Tag(value=m, source="less") for m in moods]
    look.exclude_years += spans
    w.query = q
    w.held_back.append(has)
    new = w.fetch(len(out), query=look, keep=keep, avoid=gone, good=lambda tr: not has(tr))
    if not new and len(keep) >= 5:  # "less billie" on a Billie-and-Lana playlist: fewer of them, none in their place
        w.playlist = keep
        return f"less {', '.join(said)}: took out {len(out)} of {len(hits)} (nothing else fits the request)"
    if not new:
        raise ToolError(f"I found nothing without {', '.join(said)} that fits the rest of the request.")
    for p in new:
        p["reason"] = f"in place of some {', '.join(said)}; {p.get('reason', '')}".strip("; ")
    slots = dict(zip(out[len(out) - len(new) :], new))
    w.playlist = [slots.get(i, p) for i, p in enumerate(w.playlist)]
    done = f"less {', '.join(said)}: replaced {len(new)} of {len(hits)}"
    if sound and artists:  # "too much usher vibes": what sounds like them goes too
        return f"{done}; {_away_from_artists(w, [catalog_artist(w, a) for a in artists])}"
    return done


def _away_from_artists(w: Work, artists: list[str]) -> str:
    from agent.tools.sound import away_from_artists  # sound -> edits -> this module

    return away_from_artists(w, artists)
