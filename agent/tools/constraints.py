"""Tools that change what the playlist must or may hold: exclude, only, a cap per artist or per decade; offending
tracks are replaced where they stand."""

from __future__ import annotations

from typing import Any, Literal, Sequence

from pydantic import BaseModel, Field, ValidationError

from agent.tools.names import catalog_artist, catalog_genres, removed_by
from agent.tools.registry import ToolError, tool
from agent.tools.work import Work
from tools import vocab
from tools.catalog import Track, fold
from tools.schema import FEATURE_RANGE, MAX_LENGTH, FeatureBound, PlaylistQuery, Tag, YearRange
from tools.tags import MOOD_TARGETS


class Names(BaseModel):
    artists: list[str] = Field(default_factory=list, description="Artist names as in the catalog.")
    genres: list[str] = Field(default_factory=list, description="Genres: edm, rap, pop, r&b, latin, rock.")
    subgenres: list[str] = Field(default_factory=list, description="Subgenres, e.g. 'hip hop', 'neo soul'.")
    moods: list[str] = Field(default_factory=list, description="Moods: chill, happy, sad, energetic, party, focus, ...")


class YearSpan(BaseModel):
    start: int = Field(ge=1900, le=2100, description="First release year left out.")
    end: int = Field(ge=1900, le=2100, description="Last release year left out.")


class FeatureSide(BaseModel):
    feature: Literal["energy", "valence", "tempo", "danceability", "acousticness", "instrumentalness", "speechiness"]
    side: Literal["high", "low"] = Field(description="Which end of the feature goes ('anything slow': tempo low).")


class Exclude(Names):
    years: list[YearSpan] = Field(
        default_factory=list, max_length=10, description="Release years to leave out ('no 80s')."
    )
    features: list[FeatureSide] = Field(
        default_factory=list,
        max_length=7,
        description="Ends of audio features to leave out ('get rid of anything slow').",
    )
    versions: list[Literal["remix", "live", "acoustic", "remaster", "feature", "interlude"]] = Field(
        default_factory=list,
        max_length=6,
        description="Versions to leave out ('no remixes', 'no live versions', 'no features', 'no intros').",
    )
    except_artists: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Artists whose tracks stay in spite of the exclusion ('drop the rap ones but keep Eminem').",
    )
    clean_titles: bool = Field(
        default=False,
        description="Leave out tracks whose title or artist name is explicit ('no explicit stuff', 'clean versions').",
    )


@tool(Exclude)
def exclude(
    w: Work,
    artists: Sequence[str] = (),
    genres: Sequence[str] = (),
    subgenres: Sequence[str] = (),
    moods: Sequence[str] = (),
    years: Sequence[dict[str, int]] = (),
    features: Sequence[dict[str, str]] = (),
    versions: Sequence[str] = (),
    except_artists: Sequence[str] = (),
    clean_titles: bool = False,
) -> str:
    """Exclude artists, genres, subgenres, moods, release years ("no 80s"), an end of an audio feature ("anything
    slow": tempo low) or versions ("no remixes", "no live versions") from this playlist; offending tracks are
    replaced, but those of ``except_artists`` stay ("drop the rap ones but keep Eminem")."""
    w.need_playlist()
    q = w.query.model_copy(deep=True)
    artists = [catalog_artist(w, a) for a in artists]
    kept = [catalog_artist(w, a) for a in except_artists]
    if {fold(a) for a in kept} & {fold(a) for a in artists}:
        raise ToolError("The same artist can't both go and stay. Nothing changed.")
    if kept and not (genres or subgenres or moods or years or features or versions or clean_titles):
        raise ToolError(f"{', '.join(kept)} can only stay in spite of a genre, mood, years or versions that go.")
    genres, subgenres = catalog_genres(w, genres, subgenres)
    moods = list(moods)
    only = {t.value for t in q.genres + q.subgenres + q.moods if t.scope == "only"}
    clash = only & set(genres + subgenres + moods)
    if clash:
        raise ToolError(
            f"The playlist is only {', '.join(sorted(clash))}; excluding it would leave nothing. "
            "Tell me what to play instead."
        )

    def add(lst: list[Tag], values: list[str]) -> None:
        have = {fold(t.value) for t in lst}
        lst += [Tag(value=v, source=f"no {v}") for v in values if fold(v) not in have]

    add(q.exclude_artists, artists)
    add(q.exclude_genres, genres)
    add(q.exclude_subgenres, subgenres)
    add(q.exclude_moods, moods)
    spans = [YearRange(start=y["start"], end=y["end"], source="no") for y in years if y["start"] <= y["end"]]
    q.exclude_years += [y for y in spans if (y.start, y.end) not in {(x.start, x.end) for x in q.exclude_years}]
    sides = []
    for f in features:
        bound = _side_bound(w, f["feature"], f["side"])
        old = q.feature(f["feature"])
        if old is not None and old.explicit:  # both limits hold: the tighter of each
            lo = max((x for x in (old.min, bound.min) if x is not None), default=None)
            hi = min((x for x in (old.max, bound.max) if x is not None), default=None)
            if lo is not None and hi is not None and lo > hi:
                raise ToolError(
                    f"That would leave no {f['feature']} at all with the limits already set. Nothing changed."
                )
            bound = bound.model_copy(update={"min": lo, "max": hi, "target": old.target})
        q.features = [b for b in q.features if b.feature != f["feature"]] + [bound]
        sides.append(
            {("tempo", "low"): "slow", ("tempo", "high"): "fast"}.get(
                (f["feature"], f["side"]), f"{f['side']} {f['feature']}"
            )
        )
    gone = {fold(a) for a in artists}
    q.artists = [t for t in q.artists if fold(t.value) not in gone]
    q.keep_artists = [t for t in q.keep_artists if fold(t.value) not in gone]
    have_kept = {fold(t.value) for t in q.keep_artists}
    q.keep_artists += [Tag(value=a, source="keep") for a in kept if fold(a) not in have_kept]
    q.genres = [t for t in q.genres if t.value not in genres]
    q.subgenres = [t for t in q.subgenres if t.value not in subgenres]
    q.moods = [t for t in q.moods if t.value not in moods]
    if q.years is not None and q.years.explicit and any(_covers(y, q.years) for y in spans):
        raise ToolError(
            f"The playlist is only {q.years.label()}; leaving that out would leave nothing. "
            "Tell me which years instead."
        )
    q.exclude_versions = list(dict.fromkeys([*q.exclude_versions, *versions]))  # type: ignore[list-item]
    if clean_titles:
        q.clean = "only"
    w.query = q
    before = list(w.playlist)
    said = (
        artists
        + genres
        + subgenres
        + moods
        + [y.label() for y in spans]
        + sides
        + [vocab.version_label(v) for v in versions]
        + ["explicit titles"] * clean_titles
    )
    w.rebuild("fits without " + ", ".join(said))
    if not kept:
        return removed_by(before, w.playlist, said) + (CLEAN_NOTE if clean_titles else "")
    held = {fold(p["artist"]) for p in w.playlist}
    stay = [a for a in kept if fold(a) in held]
    absent = [a for a in kept if fold(a) not in held]
    out = removed_by(before, w.playlist, said)
    if stay:
        who = ", ".join(stay)
        out = f"kept {who}; nothing else was {', '.join(said)}" if out.startswith("nothing") else f"{out}; kept {who}"
    return out + (f"; {', '.join(absent)} wasn't on it" if absent else "")


# What a clean list is, said honestly wherever one is made
CLEAN_NOTE = (
    "; I leave out tracks whose titles are explicit, but the catalog has no lyrics flag, so some explicit songs may "
    "remain"
)


def _covers(out: YearRange, years: YearRange) -> bool:
    """Whether leaving out ``out`` leaves none of ``years``."""
    return out.start <= (years.start or 0) and (years.end or 9999) <= out.end


def _side_bound(w: Work, feature: str, side: str) -> FeatureBound:
    """A hard bound that leaves out one end of a feature: tempo's slow (< 90 BPM) or fast (>= 120 BPM) bucket, or
    the catalog's bottom or top third of another feature."""
    if feature == "tempo":
        limit = {"min": 90.0} if side == "low" else {"max": 120.0}
    else:
        q = w.catalog.thresholds.q.get(feature)
        lo, hi = (q[0.33], q[0.67]) if q else (0.33, 0.67)
        limit = {"min": round(lo, 3)} if side == "low" else {"max": round(hi, 3)}
    return FeatureBound(feature=feature, explicit=True, source=f"no {side} {feature}", **limit)


class Bound(BaseModel):
    feature: Literal["energy", "valence", "tempo", "danceability", "acousticness", "instrumentalness", "speechiness"]
    min: float | None = Field(default=None, ge=0, le=250, description="Lowest value allowed (tempo in BPM, else 0-1).")
    max: float | None = Field(default=None, ge=0, le=250, description="Highest value allowed.")


class Narrow(Names):
    year_start: int | None = Field(default=None, ge=1900, le=2100, description="First release year allowed.")
    year_end: int | None = Field(default=None, ge=1900, le=2100, description="Last release year allowed.")
    bounds: list[Bound] = Field(
        default_factory=list, max_length=7, description="Audio bounds every track keeps ('nothing under 120 bpm')."
    )
    track_minutes_max: float | None = Field(
        default=None, ge=1, le=15, description="Each track's length at most, in minutes ('shorter songs')."
    )


@tool(Narrow)
def narrow(
    w: Work,
    artists: Sequence[str] = (),
    genres: Sequence[str] = (),
    subgenres: Sequence[str] = (),
    moods: Sequence[str] = (),
    year_start: int | None = None,
    year_end: int | None = None,
    bounds: Sequence[dict | Bound] = (),
    track_minutes_max: float | None = None,
) -> str:
    """Keep only some years, genres, moods, artists or audio bounds ("only 90s", "only rock", "nothing under 120
    bpm", "shorter songs": each track at most so long); others are replaced."""
    w.need_playlist()
    q = w.query.model_copy(deep=True)
    said: list[str] = []
    said += _track_bound(q, track_minutes_max)
    for b in (Bound.model_validate(b) for b in bounds):
        if b.min is None and b.max is None:
            continue
        if b.min is not None and b.max is not None and b.min > b.max:
            raise ToolError(f"Those {b.feature} bounds contradict each other ({b.min:g}-{b.max:g}).")
        try:
            bound = FeatureBound(feature=b.feature, min=b.min, max=b.max, explicit=True, source=f"only {b.feature}")
        except ValidationError as exc:
            lo, hi = FEATURE_RANGE[b.feature]
            raise ToolError(f"The catalog's {b.feature} runs from {lo:g} to {hi:g}.") from exc
        q.features = [f for f in q.features if f.feature != b.feature] + [bound]
        limits = [f"{word} {v:g}" for word, v in (("at least", b.min), ("at most", b.max)) if v is not None]
        said.append(f"{b.feature} {' and '.join(limits)}{' BPM' if b.feature == 'tempo' else ''}")
    if year_start is not None or year_end is not None:
        old = q.years if q.years is not None and q.years.explicit else None
        wider = (
            old is not None
            and (year_start is None or (old.start is not None and year_start <= old.start))
            and (year_end is None or (old.end is not None and old.end <= year_end))
        )
        if old is not None and not wider:
            # "only after 2000" within 1995-2005 keeps 2005 as the end; disjoint years replace, and so do years
            # that hold the old ones ("only after 1995 then", after "only after 2000": the person widens)
            lo = max((y for y in (old.start, year_start) if y is not None), default=None)
            hi = min((y for y in (old.end, year_end) if y is not None), default=None)
            if lo is None or hi is None or lo <= hi:
                year_start, year_end = lo, hi
        try:
            q.years = YearRange(start=year_start, end=year_end, explicit=True, source="only")
        except ValidationError as exc:
            raise ToolError(f"Those years contradict each other ({year_start}-{year_end}).") from exc
        said.append(q.years.label())
    genres, subgenres = catalog_genres(w, genres, subgenres)
    moods = list(moods)
    excluded = {t.value for t in q.exclude_genres + q.exclude_subgenres + q.exclude_moods}
    clash = excluded & set(genres + subgenres + moods)
    if clash:
        raise ToolError(
            f"You excluded {', '.join(sorted(clash))} earlier; should I bring it back? "
            f'Say "also some {sorted(clash)[0]}".'
        )
    if genres or subgenres:
        q.genres = [Tag(value=g, source=f"only {g}", scope="only") for g in genres]
        q.subgenres = [Tag(value=s, source=f"only {s}", scope="only") for s in subgenres]
        said += genres + subgenres
    if moods:
        # "no vocals" on a chill playlist stays chill: the moods before that agree with the new ones are kept
        kept = [
            # leaning that way, never a filter beside the new one: "only" moods are any-of, so an old "only
            # instrumental" left as "only" would let every instrumental track pass "only happy"
            t.model_copy(update={"explicit": False, "scope": "prefer"})
            for t in q.moods
            if t.value not in moods and all(moods_agree(t.value, m) for m in moods)
        ]
        q.moods = kept + [Tag(value=m, source=f"only {m}", scope="only") for m in moods]
        said += moods
    if artists:
        names = [catalog_artist(w, a) for a in artists]
        blocked = {fold(t.value) for t in w.effective_query().exclude_artists}
        if any(fold(a) in blocked for a in names):
            raise ToolError(
                f"{', '.join(a for a in names if fold(a) in blocked)} is excluded or blocked; I won't play them."
            )
        q.artists = [Tag(value=a, source=f"only {a}", scope="only") for a in names]
        said += names
    if not said:
        raise ToolError("Only what? Name years, a genre, a mood, an artist or a bound like 'over 120 bpm'.")
    w.query = q
    before = list(w.playlist)
    w.rebuild("fits only " + ", ".join(said))
    kept = len([p for p in before if p["track_id"] in {x["track_id"] for x in w.playlist}])
    # "only 120-128 bpm" on "a 2 hour house set": the tracks that fit may run shorter, and the time asked for holds
    held = w.keep_minutes()
    return f"only {', '.join(said)}: kept {kept}, replaced {len(before) - kept}" + (f"; {held}" if held else "")


MOOD_CLASH = 0.4  # two moods whose targets on a shared feature lie further apart than this contradict each other


def moods_agree(a: str, b: str) -> bool:
    """Whether a playlist can be both moods: chill and instrumental can, sad and happy cannot."""
    ta, tb = MOOD_TARGETS.get(a, {}), MOOD_TARGETS.get(b, {})
    return all(abs(ta[f] - tb[f]) <= MOOD_CLASH for f in ta.keys() & tb.keys())


def _track_bound(q: PlaylistQuery, minutes: float | None) -> list[str]:
    """A bound on each track's length set on ``q`` (the tighter of it and one already there); what to say of it."""
    if minutes is None:
        return []
    q.track_minutes_max = min(minutes, q.track_minutes_max or minutes)
    return [f"tracks up to {q.track_minutes_max:g} min"]


class Cap(BaseModel):
    per_artist: int = Field(ge=1, le=MAX_LENGTH, description="Tracks per artist at most ('one per artist' = 1).")


@tool(Cap)
def cap_artists(w: Work, per_artist: int) -> str:
    """At most ``per_artist`` tracks by any one artist ("one per artist"), from now on in this playlist; the
    extra ones are replaced by tracks of other artists."""
    w.need_playlist()
    # artists asked for beside the rest ("add 3 drake songs", "with some Queen") are bound too: "less repetitive"
    # after them must not leave (or bring) more of theirs; artists the playlist is about stay as asked
    main = [t for t in w.query.artists if t.scope != "also"]
    held = {fold(str(p["artist"])) for p in w.playlist}
    held = {a for a in held if sum(fold(str(p["artist"])) == a for p in w.playlist) > per_artist}
    over = [t for t in main if fold(t.value) in held]
    rest = w.query.model_copy(update={"artists": [t for t in main if t not in over]})
    if over and not rest.is_empty():
        main = [t for t in main if t not in over]  # "70s queen" then "no more than two by the same group": the cap,
        # said after the request, binds the artist too; the rest of the request (the 70s) fills the places
    w.query = w.query.model_copy(update={"max_per_artist": per_artist, "artists": main})
    before = list(w.playlist)
    w.rebuild(f"{per_artist} per artist")
    out = removed_by(before, w.playlist, [f"over {per_artist} per artist"])
    still = [t.value for t in main if t in over or fold(t.value) in held]
    if still and before == w.playlist:  # the playlist is about that artist alone: never claim nothing was over
        out = f"{', '.join(still)} is what this playlist is about, so their tracks stay"
    return f"at most {per_artist} track{'s' * (per_artist != 1)} per artist: " + out


class DecadeCap(BaseModel):
    per_decade: int = Field(ge=1, le=MAX_LENGTH, description="Tracks per decade of release at most ('2 per decade').")


@tool(DecadeCap)
def cap_decades(w: Work, per_decade: int) -> str:
    """At most ``per_decade`` tracks released in any one decade ("no more than 3 songs per decade"): the extra ones
    (latest in the playlist first) are replaced by tracks of decades under the cap, or dropped when none fits."""
    w.need_playlist()
    w.query = w.query.model_copy(update={"max_per_decade": per_decade})  # later additions keep it ("add 2 more")
    counts: dict[int, int] = {}
    kept: list[dict[str, Any]] = []
    for p in w.playlist:
        decade = p["year"] // 10 * 10 if p.get("year") else None
        if decade is not None and counts.get(decade, 0) >= per_decade:
            continue
        if decade is not None:
            counts[decade] = counts.get(decade, 0) + 1
        kept.append(p)
    gone = len(w.playlist) - len(kept)
    if not gone:
        return f"no decade has more than {per_decade} tracks already"

    def room(track: Track) -> bool:
        decade = track.year // 10 * 10 if track.year else None
        if decade is None or counts.get(decade, 0) >= per_decade:
            return False
        counts[decade] = counts.get(decade, 0) + 1  # a track let through here takes its decade's room
        return True

    new = w.fetch(gone, keep=kept, good=room)
    w.playlist = kept + new
    return f"at most {per_decade} per decade: removed {gone}, added {len(new)} from other decades"
