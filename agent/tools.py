"""The agent's tools: pipeline stages and playlist edits, with typed arguments.

Each tool is a function ``(work, **args) -> note`` over a :class:`Work` (the playlist and query
being edited this turn, plus injected clients). Its docstring is what a model reads; its pydantic
argument model validates whatever a brain proposes. The user id, the store and the pipeline are
injected through ``Work``/``Deps``, never arguments a model fills in.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Literal

from pydantic import BaseModel, Field, ValidationError

from agent.intents import Vocabulary
from memory.store import UserMemory, UserMemoryStore
from tools import reasons, vocab
from tools.catalog import Catalog, Track, fold, song_key
from tools.refine import item_from, named_artists, violations
from tools.schema import MAX_LENGTH, Candidate, FeatureBound, PlaylistQuery, Tag, YearRange

log = logging.getLogger(__name__)

FEATURES = ("energy", "valence", "tempo", "danceability", "acousticness")
YEAR_STEP = 20.0  # a relative move in release years counts like one of 1/20 on a 0-1 feature


class ToolError(ValueError):
    """A tool call that cannot apply to this playlist; the message is shown to the user as is."""


@dataclass
class Deps:
    """Clients the tools use, created once by the service and shared by all threads."""

    pipeline: Any
    catalog: Catalog
    memory: UserMemoryStore
    continuer: Any = None  # tools.continuation Continuer when its model is built
    llm: Any = None  # agent.llm_brain.LLMBrain when an LLM is configured
    vocab: Vocabulary = field(init=False)

    def __post_init__(self) -> None:
        # The pipeline's offline extractor is the language layer's reader: one set of artist keys in memory.
        ex = getattr(self.pipeline, "extractor", None)
        reader = getattr(ex, "fallback", ex)
        self.vocab = Vocabulary(self.catalog, reader if hasattr(reader, "read") else None)


@dataclass
class Work:
    """The state one turn edits: the playlist (dicts), the query, and this user's long-term memory."""

    deps: Deps
    user_id: str
    playlist: list[dict[str, Any]]
    query: PlaylistQuery
    memory: UserMemory
    thread_id: str = ""
    focus: int | None = None
    data: list[Any] = field(default_factory=list)  # read-only tool results (extract_tags, search)
    pending: dict[str, tuple[int, float]] = field(
        default_factory=dict
    )  # relative changes to apply: feature -> (sign, mean)
    relative_step: float = 0.12
    tempo_step: float = 12.0
    default_length: int = 20
    max_per_artist: int = 2
    notes: list[str] = field(default_factory=list)  # what retrieval relaxed while filling this turn
    removed: set[str] = field(default_factory=set)  # track ids taken out this turn: later calls never bring them back

    # --- helpers ------------------------------------------------------------------------------
    @property
    def catalog(self) -> Catalog:
        return self.deps.catalog

    @property
    def cap(self) -> int:
        """Tracks per artist at most: what the user said ("one per artist"), else the setting."""
        return self.query.max_per_artist or self.max_per_artist

    def track(self, item: dict[str, Any]) -> Track:
        return self.catalog[item["track_id"]]

    def effective_query(self, query: PlaylistQuery | None = None) -> PlaylistQuery:
        """The query plus this user's long-term blocklist, which applies in every thread."""
        q = (query or self.query).model_copy(deep=True)
        have_a = {fold(t.value) for t in q.exclude_artists}
        q.exclude_artists += [
            Tag(value=a, source="blocklist") for a in self.memory.blocked_artists if fold(a) not in have_a
        ]
        have_g = {t.value for t in q.exclude_genres + q.exclude_subgenres}
        for g in self.memory.blocked_genres:
            if g in have_g:
                continue
            (
                q.exclude_subgenres
                if g in self.catalog.subgenres and g not in self.catalog.genres
                else q.exclude_genres
            ).append(Tag(value=g, source="blocklist"))
        return q

    def checker(self, query: PlaylistQuery | None = None) -> Callable[[Track], bool]:
        """A test of every hard constraint: the refiner's check, the blocklist, skipped tracks, 'only' genres/moods."""
        q = self.effective_query(query)
        # Moods, genres and activities are the pipeline's to relax when few tracks carry them; the agent
        # enforces what a conversation makes hard: exclusions, years, named artists, bounds, and "only".
        hard = q.model_copy(update={"moods": [], "genres": [], "subgenres": [], "activities": []})
        banned = set(self.memory.blocked_tracks) | set(self.memory.skipped)
        only_g = {t.value for t in q.genres + q.subgenres if (t.source or "").startswith("only")}
        only_m = {t.value for t in q.moods if (t.source or "").startswith("only")}

        def ok(track: Track) -> bool:
            if track.track_id in banned or violations(track, hard):
                return False
            if only_g and not only_g & set(track.genres + track.subgenres):
                return False
            return not (only_m and not only_m & set(track.moods))

        return ok

    def allowed(self, track: Track, query: PlaylistQuery | None = None) -> bool:
        return self.checker(query)(track)

    def artist_room(self, keep: list[dict[str, Any]], query: PlaylistQuery | None = None) -> Callable[[Track], bool]:
        """A test that a track's artist is still under the per-artist cap, counting ``keep`` and every track it
        accepts; artists the request names get room enough to fill the list between them."""
        named = named_artists(query or self.query)  # the user asked for them: no cap
        counts: dict[str, int] = {}
        for p in keep:
            counts[fold(p["artist"])] = counts.get(fold(p["artist"]), 0) + 1

        def room(track: Track) -> bool:
            a = fold(track.artist)
            if a not in named and counts.get(a, 0) >= self.cap:
                return False
            counts[a] = counts.get(a, 0) + 1
            return True

        return room

    def fetch(self, k: int, query: PlaylistQuery | None = None, keep: list[dict] | None = None,
              good: Callable[[Track], bool] | None = None, avoid: list[dict] = ()) -> list[dict[str, Any]]:  # fmt: skip
        """Up to ``k`` new tracks for ``query`` that break no constraint (nor ``good``), repeat no song of ``keep``
        or ``avoid`` (tracks on their way out) and keep every artist of ``keep`` under the cap; what retrieval
        relaxed goes to ``notes``."""
        if k <= 0:
            return []
        q = self.effective_query(query)
        ok = self.checker(query)
        keep = self.playlist if keep is None else keep
        room = self.artist_room(keep, q)
        seen_ids = {p["track_id"] for p in [*keep, *avoid]} | self.removed
        seen_songs = {song_key(p["title"], p["artist"]) for p in [*keep, *avoid]}
        exclude = list(seen_ids | set(self.memory.blocked_tracks) | set(self.memory.skipped))
        out: list[dict[str, Any]] = []
        for attempt in range(2):
            want = k - len(out)
            if want <= 0:
                break
            over = (3 if good else 2) + attempt * 3
            # a few more than asked, even for one: the per-artist cap and the checks turn some away
            n = min(MAX_LENGTH, max(want * over, 10 + 20 * attempt))
            result = self.deps.pipeline.run(q, n=n, history=self.memory.history(),
                                            exclude_ids=exclude)  # fmt: skip
            self.notes += [n for n in result.notes if n not in self.notes and not n.startswith("Only ")]
            for item in result.playlist:
                tr = self.catalog.get(item.track_id)
                key = song_key(item.title, item.artist)
                if tr is None or item.track_id in seen_ids or key in seen_songs or not ok(tr):
                    continue
                if good is not None and not good(tr):
                    continue
                if not room(tr):
                    continue
                out.append(item.model_dump())
                seen_ids.add(item.track_id)
                seen_songs.add(key)
                if len(out) >= k:
                    break
            exclude = list(seen_ids | set(exclude))
        return out

    def mean(self, feature: str, items: list[dict[str, Any]] | None = None) -> float | None:
        items = self.playlist if items is None else items
        vals = [v for v in (_value(self.track(p), feature) for p in items) if not math.isnan(v)]
        return sum(vals) / len(vals) if vals else None

    def rebuild(self, reason: str) -> None:
        """Keep the tracks that still satisfy the query where they are; new ones take the freed places."""
        n = len(self.playlist) or self.query.length or self.default_length
        ok = self.checker()
        room = self.artist_room([])
        slots: list[dict[str, Any] | None] = [
            p if ok(self.track(p)) and room(self.track(p)) else None for p in self.playlist
        ]
        kept = [p for p in slots if p is not None]
        new = self.fetch(n - len(kept), keep=kept)
        for p in new:
            p["reason"] = f"{reason}; {p['reason']}" if p.get("reason") else reason
        if not kept + new:
            raise ToolError(f"Nothing in the catalog fits {self.effective_query().describe()}.")
        fill = iter(new)
        out = [p if p is not None else next(fill, None) for p in slots]
        self.playlist = [p for p in out if p is not None] + list(fill)

    def reshape(self) -> str:
        """Apply this turn's relative changes at once: keep tracks already past the old mean in the asked
        direction, add new ones past it, and top up with the best of the old ones so the length holds."""
        moves = self.pending
        self.pending = {}
        n = len(self.playlist)

        scale = {"tempo": 200.0, "year": YEAR_STEP}

        def gain(tr: Track) -> float:
            total = sum(sign * (_value(tr, f) - cur) / scale.get(f, 1.0) for f, (sign, cur) in moves.items())
            return -1.0 if math.isnan(total) else total  # a track without a year moves nothing

        def good(tr: Track) -> bool:
            return all(sign * (_value(tr, f) - cur) >= 0 for f, (sign, cur) in moves.items())

        ok = self.checker()
        kept = [p for p in self.playlist if good(self.track(p)) and ok(self.track(p))]
        new = self.fetch(n - len(kept), keep=kept, good=good)
        if not new:  # no track moves every feature: accept ones that move them on balance
            new = self.fetch(n - len(kept), keep=kept, good=lambda tr: gain(tr) > 0)
        named = [t for t in self.query.artists if t.explicit]
        relaxed = ""
        if not new and named:  # the artists asked for go no further that way: similar artists may
            loose = self.query.model_copy(
                update={"artists": [t.model_copy(update={"explicit": False}) for t in self.query.artists]}
            )
            new = self.fetch(n - len(kept), query=loose, keep=kept, good=good)
            if new:
                self.query = loose
                relaxed = f"; nothing more by {', '.join(t.value for t in named)} goes that way, so similar artists do"
        if not new:
            words = ", ".join(f"{f} {'up' if s > 0 else 'down'}" for f, (s, _) in moves.items())
            raise ToolError(f"I can't find tracks that move {words} and still fit the request; it's as far as it goes.")
        for p in new:
            tr = self.track(p)
            moved = [reasons.moved(tr, f, s, cur) for f, (s, cur) in moves.items()]
            p["reason"] = "; ".join(filter(None, [", ".join(moved), p.get("reason", "")]))
        kept_ids = {p["track_id"] for p in kept}
        rest = sorted((p for p in self.playlist if p["track_id"] not in kept_ids and ok(self.track(p))),
                      key=lambda p: -gain(self.track(p)))  # fmt: skip
        # New tracks first, then the old ones that move least the wrong way, into the freed places.
        fill = iter(new + rest[: max(0, n - len(kept) - len(new))])
        before = self.playlist
        out = [p if p["track_id"] in kept_ids else next(fill, None) for p in self.playlist]
        self.playlist = [p for p in out if p is not None] + list(fill)
        stay = len({p["track_id"] for p in before} & {p["track_id"] for p in self.playlist})
        parts = []
        for f, (sign, cur) in moves.items():
            fmt = "{:.0f}" if f in ("tempo", "year") else "{:.2f}"
            parts.append(f"{f} {fmt.format(cur)} → {fmt.format(self.mean(f))}")
        return f"{', '.join(parts)} (kept {stay}, replaced {n - stay}){relaxed}"

    def _pos(self, positions: list[int]) -> list[int]:
        n = len(self.playlist)
        bad = [p for p in positions if not 1 <= p <= n]
        if bad:
            raise ToolError(f"There is no track {', '.join(map(str, bad))}: the playlist has {n} tracks (1-{n}).")
        return sorted(set(positions))

    def _need(self) -> None:
        if not self.playlist:
            raise ToolError("There is no playlist yet. Tell me what you'd like to hear first.")


# --- argument models ---------------------------------------------------------------------------
class NewPlaylist(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="The request in the user's words.")
    length: int | None = Field(default=None, ge=1, le=MAX_LENGTH, description="Number of tracks, if said.")


Pos = Annotated[int, Field(ge=1, le=MAX_LENGTH)]


class Positions(BaseModel):
    positions: list[Pos] = Field(
        min_length=1, max_length=MAX_LENGTH, description="1-based track numbers in the playlist."
    )


class Position(BaseModel):
    position: int = Field(ge=1, le=MAX_LENGTH, description="1-based track number in the playlist.")


class Move(Position):
    to: int = Field(ge=1, le=MAX_LENGTH, description="1-based position to move it to.")


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


class Narrow(Names):
    year_start: int | None = Field(default=None, ge=1900, le=2100, description="First release year allowed.")
    year_end: int | None = Field(default=None, ge=1900, le=2100, description="Last release year allowed.")


class Cap(BaseModel):
    per_artist: int = Field(ge=1, le=MAX_LENGTH, description="Tracks per artist at most ('one per artist' = 1).")


class MoreLike(Position):
    count: int = Field(
        default=0, ge=0, le=MAX_LENGTH, description="Tracks like it to add; 0 moves the playlist toward it."
    )


class Adjust(BaseModel):
    feature: Literal["energy", "valence", "tempo", "danceability", "acousticness", "instrumentalness", "year"] = Field(
        description="The audio feature to move, or 'year' for newer/older songs."
    )
    direction: Literal["up", "down"]
    amount: Literal["bit", "normal", "lot"] = "normal"


class Resize(BaseModel):
    length: int | None = Field(default=None, ge=1, le=MAX_LENGTH, description="Number of tracks.")
    minutes: float | None = Field(default=None, gt=0, le=24 * 60, description="Listening time in minutes.")
    factor: float | None = Field(default=None, gt=0, le=4, description="Scale the current length (0.66 = shorter).")


class More(BaseModel):
    count: int = Field(default=10, ge=1, le=MAX_LENGTH, description="How many tracks to add.")


class Block(BaseModel):
    artists: list[str] = Field(default_factory=list, description="Artists never to play again for this user.")
    genres: list[str] = Field(default_factory=list, description="Genres or subgenres never to play again.")
    positions: list[Pos] = Field(
        default_factory=list, max_length=MAX_LENGTH, description="Tracks of the playlist never to play again."
    )


class Feedback(Positions):
    liked: bool = Field(description="True: the user loves it; False: skip it (removed and replaced).")


class Export(BaseModel):
    fmt: Literal["m3u", "xspf", "jspf", "csv", "json"] = "m3u"


class Search(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="What to look for.")
    limit: int = Field(default=10, ge=1, le=50)


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="The request in the user's words.")


class Empty(BaseModel):
    pass


# --- tools ---------------------------------------------------------------------------------------
def new_playlist(w: Work, text: str, length: int | None = None) -> str:
    """Make a new playlist from a request in plain language (extract tags, search, CF rerank, refine).
    Replaces the current playlist and query."""
    q = w.deps.pipeline.extract(text)
    if length:
        q.length = length
    if q.is_empty():
        raise ToolError("I couldn't find anything to go on in that. Name a genre, mood, era, artist or activity.")
    unknown = [u for u in q.unsupported if "no artist of that name" in u]
    if unknown and q.model_copy(update={"free_text": ""}).is_empty():  # "songs by Zzyzx Qwerty" and nothing else
        raise ToolError(f"{'; '.join(unknown)}. Name another artist, or a genre, mood, era or activity.")
    blocked = {fold(t.value) for t in w.effective_query(q).exclude_artists}
    skipped = [t.value for t in q.artists if fold(t.value) in blocked]
    q.artists = [t for t in q.artists if fold(t.value) not in blocked]  # "like Drake" from someone who blocked Drake
    w.query = q
    w.playlist = []
    words = _words_not_names(w, text, q)  # "my little prince's party": the word, not the artist Prince
    good = (lambda tr: fold(tr.artist) not in words) if words else None
    w.playlist = w.fetch(q.length or (w.default_length if not q.duration_min else MAX_LENGTH), keep=[], good=good)
    if q.duration_min and w.playlist:
        w.playlist = _fit_minutes(w.playlist, q.duration_min)
    if not w.playlist:
        raise ToolError(f'Nothing in the catalog fits "{q.describe()}" with your blocklist. Try something broader.')
    note = f" (leaving out {', '.join(skipped)}: on your blocklist)" if skipped else ""
    said = list(q.unsupported) + [
        n.rstrip(".") for n in w.notes if not n.startswith("Can't honour") and "cold start" not in n
    ]
    if said:  # asked-for things the catalog can't honour, or had too few of: say so rather than ignore them
        note += ". Note: " + "; ".join(said)
    return f"new playlist for {q.describe()}{note}"


def extract_tags(w: Work, text: str) -> str:
    """Read a request into the typed query (genres, moods, years, exclusions, features) without changing anything."""
    q = w.deps.pipeline.extract(text)
    w.data.append(q.model_dump(exclude_defaults=True))
    return ""


def search(w: Work, text: str, limit: int = 10) -> str:
    """Look up tracks for a request without changing the playlist; returns ids, titles and artists."""
    q = w.deps.pipeline.extract(text)
    cands, _notes = w.deps.pipeline.retrieve(w.effective_query(q), limit=limit, exclude_ids=[])
    w.data.append([{"track_id": c.track_id, "title": w.catalog[c.track_id].title, "artist": w.catalog[c.track_id].artist}
                   for c in cands[:limit]])  # fmt: skip
    return ""


def personalize(w: Work) -> str:
    """Re-order the current playlist by this user's taste (CF rerank with their liked and kept tracks)."""
    w._need()
    cands = [Candidate(track_id=p["track_id"], idx=w.catalog.index[p["track_id"]], score=float(p.get("score") or 0.0))
             for p in w.playlist]  # fmt: skip
    ranked = w.deps.pipeline.rerank(cands, history=w.memory.history())
    by_id = {p["track_id"]: p for p in w.playlist}
    w.playlist = [by_id[c.track_id] for c in ranked if c.track_id in by_id]
    return "re-ordered by your taste" if w.memory.history() else "no taste history yet, so the order stays"


def refine(w: Work) -> str:
    """Re-run refinement on the current playlist: one version per song, artist spacing, smooth flow."""
    w._need()
    cands = [Candidate(track_id=p["track_id"], idx=w.catalog.index[p["track_id"]], score=float(p.get("score") or 0.0))
             for p in w.playlist]  # fmt: skip
    items = w.deps.pipeline.refine(cands, w.effective_query(), len(cands))
    reasons = {p["track_id"]: p.get("reason", "") for p in w.playlist}
    w.playlist = [dict(i.model_dump(), reason=reasons.get(i.track_id) or i.reason) for i in items]
    return "re-ordered for flow"


def remove(w: Work, positions: list[int]) -> str:
    """Remove tracks by their 1-based numbers in the playlist (nothing is added back)."""
    w._need()
    pos = w._pos(positions)
    gone = [w.playlist[p - 1] for p in pos]
    w.playlist = [p for i, p in enumerate(w.playlist, 1) if i not in pos]
    w.removed |= {p["track_id"] for p in gone}
    return "removed " + _titles(gone)


def replace(w: Work, positions: list[int]) -> str:
    """Swap tracks (1-based numbers) for new ones that fit the same request."""
    w._need()
    pos = w._pos(positions)
    gone = [w.playlist[p - 1] for p in pos]
    stay = [x for i, x in enumerate(w.playlist, 1) if i not in pos]
    new = w.fetch(len(pos), keep=stay, avoid=gone)
    if not new:
        raise ToolError("I found nothing new that fits the request to swap in.")
    for p, item in zip(pos, new):
        item["reason"] = f"swapped in; {item.get('reason', '')}".strip("; ")
        w.playlist[p - 1] = item
    return f"replaced {_titles(gone[: len(new)])} with {_titles(new)}"


def move(w: Work, position: int, to: int) -> str:
    """Move one track (1-based) to another position (1 = top)."""
    w._need()
    (p,) = w._pos([position])
    (t,) = w._pos([to])
    item = w.playlist.pop(p - 1)
    w.playlist.insert(t - 1, item)
    w.focus = t
    return f"moved {_titles([item])} from {p} to {t}"


def exclude(
    w: Work,
    artists: list[str] = [],
    genres: list[str] = [],
    subgenres: list[str] = [],
    moods: list[str] = [],  # noqa: B006
    years: list[dict[str, int]] = [],
    features: list[dict[str, str]] = [],
) -> str:  # noqa: B006
    """Exclude artists, genres, subgenres, moods, release years ("no 80s") or an end of an audio feature ("anything
    slow": tempo low) from this playlist; offending tracks are replaced."""
    w._need()
    q = w.query.model_copy(deep=True)
    artists = [_artist(w, a) for a in artists]
    genres, subgenres = _genres(w, genres, subgenres)
    only = {t.value for t in q.genres + q.subgenres + q.moods if (t.source or "").startswith("only")}
    clash = only & set(genres + subgenres + moods)
    if clash:
        raise ToolError(f"The playlist is only {', '.join(sorted(clash))}; excluding it would leave nothing. "
                        "Tell me what to play instead.")  # fmt: skip

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
    q.genres = [t for t in q.genres if t.value not in genres]
    q.subgenres = [t for t in q.subgenres if t.value not in subgenres]
    q.moods = [t for t in q.moods if t.value not in moods]
    if q.years is not None and q.years.explicit and any(y.start <= (q.years.start or 0) and (q.years.end or 9999) <= y.end
                                                        for y in spans):  # fmt: skip
        raise ToolError(f"The playlist is only {q.years.label()}; leaving that out would leave nothing. "
                        "Tell me which years instead.")  # fmt: skip
    w.query = q
    before = list(w.playlist)
    said = artists + genres + subgenres + moods + [y.label() for y in spans] + sides
    w.rebuild("fits without " + ", ".join(said))
    return _removed_by(before, w.playlist, said)


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


def lessen(
    w: Work, artists: list[str] = [], genres: list[str] = [], subgenres: list[str] = [], moods: list[str] = []
) -> str:  # noqa: B006
    """Fewer tracks of some artists, genres or moods ("less rap", "too much Drake"): about half of them, the later
    ones, give way to tracks without them that fit the request; the rest stay."""
    w._need()
    names = {fold(_artist(w, a)) for a in artists}
    genres, subgenres = _genres(w, genres, subgenres)
    tags = set(genres) | set(subgenres)

    def has(tr: Track) -> bool:
        return (
            fold(tr.artist) in names or bool(tags & set(tr.genres + tr.subgenres)) or bool(set(moods) & set(tr.moods))
        )

    said = [*(_artist(w, a) for a in artists), *genres, *subgenres, *moods]
    hits = [i for i, p in enumerate(w.playlist) if has(w.track(p))]
    if not hits:
        return f"nothing in the playlist was {', '.join(said)}"
    out = hits[len(hits) - max(1, math.ceil(len(hits) / 2)) :]
    gone = [w.playlist[i] for i in out]
    keep = [p for i, p in enumerate(w.playlist) if i not in out]
    q = w.query.model_copy(deep=True)  # what was asked for by name is no longer asked for
    q.artists = [t for t in q.artists if fold(t.value) not in names]
    q.genres = [t for t in q.genres if t.value not in tags] or q.genres
    q.subgenres = [t for t in q.subgenres if t.value not in tags]
    look = q.model_copy(deep=True)  # the new ones are searched without them, so retrieval's pool holds enough
    look.exclude_artists += [Tag(value=_artist(w, a), source="less") for a in artists]
    look.exclude_genres += [Tag(value=g, source="less") for g in genres]
    look.exclude_subgenres += [Tag(value=g, source="less") for g in subgenres]
    look.exclude_moods += [Tag(value=m, source="less") for m in moods]
    w.query = q
    new = w.fetch(len(out), query=look, keep=keep, avoid=gone, good=lambda tr: not has(tr))
    if not new:
        raise ToolError(f"I found nothing without {', '.join(said)} that fits the rest of the request.")
    for p in new:
        p["reason"] = f"in place of some {', '.join(said)}; {p.get('reason', '')}".strip("; ")
    slots = dict(zip(out[len(out) - len(new) :], new))
    w.playlist = [slots.get(i, p) for i, p in enumerate(w.playlist)]
    return f"less {', '.join(said)}: replaced {len(new)} of {len(hits)}"


def cap_artists(w: Work, per_artist: int) -> str:
    """At most ``per_artist`` tracks by any one artist ("one per artist"), from now on in this playlist; the
    extra ones are replaced by tracks of other artists."""
    w._need()
    w.query = w.query.model_copy(update={"max_per_artist": per_artist})
    before = list(w.playlist)
    w.rebuild(f"{per_artist} per artist")
    out = _removed_by(before, w.playlist, [f"over {per_artist} per artist"])
    return f"at most {per_artist} track{'s' * (per_artist != 1)} per artist: " + out


def more_like(w: Work, position: int, count: int = 0) -> str:
    """Move the playlist toward one track's sound ("more like the first one"): the tracks least like it are
    replaced by ones closer to it; with a count, that many tracks like it are added instead."""
    w._need()
    (p,) = w._pos([position])
    anchor = w.track(w.playlist[p - 1])

    def dist(tr: Track) -> float:
        return math.sqrt(
            sum(((_value(tr, f) - _value(anchor, f)) / (200.0 if f == "tempo" else 1.0)) ** 2 for f in FEATURES)
        )

    q = w.query.model_copy(deep=True)
    said = {b.feature for b in q.features if b.explicit}
    q.features = [b for b in q.features if b.explicit] + [
        FeatureBound(feature=f, target=round(min(hi, max(lo, _value(anchor, f))), 3), explicit=False, source=f"like #{p}")
        for f, (lo, hi) in (("energy", (0, 1)), ("valence", (0, 1)), ("danceability", (0, 1)), ("tempo", (40, 220)),
                            ("acousticness", (0, 1)))
        if f not in said and not math.isnan(_value(anchor, f))
    ]  # fmt: skip
    w.query = q
    title = f'"{anchor.title}"'
    if count:
        others = sorted(dist(w.track(x)) for x in w.playlist if x["track_id"] != anchor.track_id)
        median = others[len(others) // 2] if others else float("inf")
        new = w.fetch(count, keep=w.playlist, good=lambda tr: dist(tr) <= median)
        if not new:
            raise ToolError(f"I found nothing more like {title} that fits the rest of the request.")
        for x in new:
            x["reason"] = f"sounds like {title}; {x.get('reason', '')}".strip("; ")
        w.playlist = w.playlist + new
        return f"added {len(new)} like {title}"
    ranked = sorted((x for x in w.playlist if x["track_id"] != anchor.track_id), key=lambda x: -dist(w.track(x)))
    k = max(1, len(ranked) // 2)
    out_ids = {x["track_id"] for x in ranked[:k]}
    floor = min(dist(w.track(x)) for x in ranked[:k]) if ranked else float("inf")
    keep = [x for x in w.playlist if x["track_id"] not in out_ids]
    new = w.fetch(k, keep=keep, avoid=ranked[:k], good=lambda tr: dist(tr) < floor)
    if not new:
        raise ToolError(f"I found nothing closer to {title} that fits the rest of the request.")
    gone = {x["track_id"] for x in sorted(ranked[:k], key=lambda x: -dist(w.track(x)))[: len(new)]}
    for x in new:
        x["reason"] = f"closer to {title}; {x.get('reason', '')}".strip("; ")
    fill = iter(new)
    w.playlist = [next(fill) if x["track_id"] in gone else x for x in w.playlist]
    return f"moved toward the sound of {title}: replaced {len(new)} of the tracks least like it"


def narrow(w: Work, artists: list[str] = [], genres: list[str] = [], subgenres: list[str] = [], moods: list[str] = [],  # noqa: B006
           year_start: int | None = None, year_end: int | None = None) -> str:  # fmt: skip
    """Keep only some years, genres, moods or artists ("only 90s", "only rock"); others are replaced."""
    w._need()
    q = w.query.model_copy(deep=True)
    said: list[str] = []
    if year_start is not None or year_end is not None:
        old = q.years if q.years is not None and q.years.explicit else None
        wider = old is not None and (year_start is None or (old.start is not None and year_start <= old.start)) and (
            year_end is None or (old.end is not None and old.end <= year_end))  # fmt: skip
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
    genres, subgenres = _genres(w, genres, subgenres)
    excluded = {t.value for t in q.exclude_genres + q.exclude_subgenres + q.exclude_moods}
    clash = excluded & set(genres + subgenres + moods)
    if clash:
        raise ToolError(f"You excluded {', '.join(sorted(clash))} earlier; should I bring it back? Say \"also some "
                        f"{sorted(clash)[0]}\".")  # fmt: skip
    if genres or subgenres:
        q.genres = [Tag(value=g, source=f"only {g}") for g in genres]
        q.subgenres = [Tag(value=s, source=f"only {s}") for s in subgenres]
        said += genres + subgenres
    if moods:
        q.moods = [Tag(value=m, source=f"only {m}") for m in moods]
        said += moods
    if artists:
        names = [_artist(w, a) for a in artists]
        blocked = {fold(t.value) for t in w.effective_query().exclude_artists}
        if any(fold(a) in blocked for a in names):
            raise ToolError(
                f"{', '.join(a for a in names if fold(a) in blocked)} is excluded or blocked; I won't play them."
            )
        q.artists = [Tag(value=a, source=f"only {a}") for a in names]
        said += names
    if not said:
        raise ToolError("Only what? Name years, a genre, a mood or an artist.")
    w.query = q
    before = list(w.playlist)
    w.rebuild("fits only " + ", ".join(said))
    kept = len([p for p in before if p["track_id"] in {x["track_id"] for x in w.playlist}])
    return f"only {', '.join(said)}: kept {kept}, replaced {len(before) - kept}"


def widen(
    w: Work, artists: list[str] = [], genres: list[str] = [], subgenres: list[str] = [], moods: list[str] = []
) -> str:  # noqa: B006
    """Also include some artists, genres or moods ("also some rock"); about a third of the playlist makes room."""
    w._need()
    artists = [_artist(w, a) for a in artists]
    genres, subgenres = _genres(w, genres, subgenres)
    blocked = {fold(t.value) for t in w.effective_query().exclude_artists}
    if any(fold(a) in blocked for a in artists):
        raise ToolError(f"{', '.join(a for a in artists if fold(a) in blocked)} is excluded or blocked; say so if you "
                        "want them back in this playlist with \"only\".")  # fmt: skip
    q = w.query.model_copy(deep=True)
    names = artists + genres + subgenres + moods
    # Widening lifts "only" on the same dimension and any exclusion of what is now asked for.
    if genres or subgenres:
        q.genres = [t.model_copy(update={"source": None}) for t in q.genres]
        q.subgenres = [t.model_copy(update={"source": None}) for t in q.subgenres]
    if moods:
        q.moods = [t.model_copy(update={"source": None}) for t in q.moods]
    if artists and q.artists:
        q.artists = [t.model_copy(update={"explicit": False}) for t in q.artists]
    q.exclude_genres = [t for t in q.exclude_genres if t.value not in genres]
    q.exclude_subgenres = [t for t in q.exclude_subgenres if t.value not in subgenres]
    q.exclude_moods = [t for t in q.exclude_moods if t.value not in moods]
    q.exclude_artists = [t for t in q.exclude_artists if fold(t.value) not in {fold(a) for a in artists}]
    q.genres += [Tag(value=g, source=f"also {g}") for g in genres if g not in {t.value for t in q.genres}]
    q.subgenres += [Tag(value=s, source=f"also {s}") for s in subgenres if s not in {t.value for t in q.subgenres}]
    q.moods += [Tag(value=m, source=f"also {m}") for m in moods if m not in {t.value for t in q.moods}]
    q.artists += [Tag(value=a, explicit=False, source=f"also {a}") for a in artists]
    w.query = q
    # The new part: the same constraints, aimed at only what was added.
    part = q.model_copy(deep=True, update={
        "genres": [Tag(value=g, source=f"only {g}") for g in genres], "subgenres": [Tag(value=s, source=f"only {s}") for s in subgenres],
        "moods": [Tag(value=m) for m in moods], "artists": [Tag(value=a) for a in artists], "free_text": " ".join(names),
    })  # fmt: skip
    # Room is made by the tracks without any of it, from the end: "more pop" never swaps pop for pop.
    asked = {fold(a) for a in artists}

    def has_it(p: dict[str, Any]) -> bool:
        t = w.track(p)
        return bool(fold(t.artist) in asked or set(genres) & set(t.genres) or set(subgenres) & set(t.subgenres)
                    or set(moods) & set(t.moods))  # fmt: skip

    k = max(1, round(len(w.playlist) / 3))
    out = [i for i in reversed(range(len(w.playlist))) if not has_it(w.playlist[i])][:k]
    if not out:
        return f"every track already has {'/'.join(names)}; nothing to swap"
    keep = [p for i, p in enumerate(w.playlist) if i not in out]
    new = w.fetch(len(out), query=part, keep=keep, avoid=[w.playlist[i] for i in out])
    if not new:
        raise ToolError(f"I found nothing with {', '.join(names)} that fits the rest of the request.")
    for p in new:
        p["reason"] = f"you asked for {', '.join(names)} too; {p.get('reason', '')}".strip("; ")
    dropped = sorted(out[: len(new)])
    playlist = [p for i, p in enumerate(w.playlist) if i not in dropped]
    w.playlist = playlist + new
    return f"added {len(new)} {'/'.join(names)} track{'s' * (len(new) != 1)} in place of {len(dropped)} without it"


def adjust(w: Work, feature: str, direction: str, amount: str = "normal") -> str:
    """Shift one audio feature from where the playlist is now ("more upbeat": energy and valence up)."""
    w._need()
    cur = w.mean(feature)
    if cur is None:
        raise ToolError(f"I can't tell the {feature} of these tracks.")
    scale = {"bit": 0.5, "normal": 1.0, "lot": 2.0}[amount]
    sign = 1 if direction == "up" else -1
    if feature == "year":  # "newer stuff": the years move past where the playlist is, as a preference
        if (sign > 0 and cur >= getattr(w.deps.vocab.reader, "max_year", 2020) - 0.5) or (sign < 0 and cur <= 1950):
            raise ToolError(f"The songs are already as {'new' if sign > 0 else 'old'} as the catalog goes.")
        q = w.query.model_copy(deep=True)
        edge = round(cur)
        q.years = YearRange(start=edge, explicit=False, source="newer") if sign > 0 else \
            YearRange(end=edge, explicit=False, source="older")  # fmt: skip
        w.query = q
        w.pending[feature] = (sign, cur)
        return ""
    if feature == "tempo":
        target = min(210.0, max(50.0, cur + sign * w.tempo_step * scale))
    else:
        target = min(1.0, max(0.0, cur + sign * w.relative_step * scale))
    if (sign > 0 and cur >= 0.97 * (210.0 if feature == "tempo" else 1.0)) or (
        sign < 0 and target <= (50.0 if feature == "tempo" else 0.0) + 1e-6
    ):
        raise ToolError(f"The {feature} is already as {'high' if sign > 0 else 'low'} as it goes.")
    # A soft bound: retrieval aims at the target, but later edits never drop a track for missing it.
    bound = FeatureBound(feature=feature, target=round(target, 3), explicit=False, source=f"{direction} from {cur:.2f}",
                         **({"min": round(cur, 3)} if sign > 0 else {"max": round(cur, 3)}))  # fmt: skip
    q = w.query.model_copy(deep=True)
    q.features = [b for b in q.features if b.feature != feature] + [bound]
    w.query = q
    w.pending[feature] = (sign, cur)
    return ""


def resize(w: Work, length: int | None = None, minutes: float | None = None, factor: float | None = None) -> str:
    """Change the playlist's length: a number of tracks, a listening time in minutes, or a factor."""
    w._need()
    n = len(w.playlist)
    if minutes:
        per = sum(p["duration_ms"] for p in w.playlist) / n
        total = sum(p["duration_ms"] for p in w.playlist)
        if total > minutes * 60_000:  # "keep it under an hour": the longest start that fits the time
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
        w.playlist = w.playlist[:length]
        return f"cut to {length} tracks" + (f" (about {_minutes(w.playlist)} min)" if minutes else "")
    if length > n:
        note = more(w, length - n)
        return note + (f" (about {_minutes(w.playlist)} min)" if minutes else "")
    return f"already {length} tracks"


def more(w: Work, count: int = 10) -> str:
    """Add tracks like these at the end (VAE continuation when built, else search), keeping every constraint:
    exclusions, years, bounds, the per-artist cap and no repeated song."""
    w._need()
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
    if not new:
        raise ToolError("I found nothing more that fits every constraint. Try widening the request.")
    w.playlist = w.playlist + new
    w.query = w.query.model_copy(update={"length": len(w.playlist), "duration_min": None})
    short = f" (only {len(new)} more fit every constraint)" if len(new) < count else ""
    said = "".join(f"; {n}" for n in dict.fromkeys(w.notes) if n.startswith("no more tracks by"))
    return f"added {len(new)} more{' by continuation' if how == 'continuation' else ''}{short}{capped}{said}{lifted}"


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
            for tid, score in zip(res.track_ids, res.scores):
                tr = w.catalog.get(tid)
                if tr is None or tid in seen_ids or tr.song_key in seen_songs or not ok(tr) or not room(tr):
                    continue
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


def explain(w: Work, position: int) -> str:
    """Say why one track (1-based) is in the playlist: its reason, and how it fits the request."""
    w._need()
    (p,) = w._pos([position])
    item = w.playlist[p - 1]
    tr = w.track(item)
    reason = item.get("reason") or reasons.for_track(tr, w.query)
    bits = [reason]
    sound_said = reasons.sound(tr) in reason  # energy and tempo are in the reason already
    for f in dict.fromkeys([b.feature for b in w.query.features] + ["energy", "valence", "danceability"]):
        if not (sound_said and f in ("energy", "tempo")):
            v = float(getattr(tr, f))
            bits.append(f"{v:.0f} BPM" if f == "tempo" else f"{f} {v:.2f}")
    if tr.genres:
        bits.append("/".join(tr.genres))
    if tr.moods:
        bits.append(", ".join(tr.moods[:3]))
    w.focus = p
    w.data.append(f'#{p} "{tr.title}" by {tr.artist} ({tr.year or "year unknown"}): ' + "; ".join(bits))
    return ""


def undo(w: Work) -> str:
    """Go back to the playlist and query before the last change."""
    raise RuntimeError("undo is handled by the graph")  # the graph owns the thread history


def start_over(w: Work) -> str:
    """Forget this thread's playlist and query (long-term memory stays)."""
    raise RuntimeError("start_over is handled by the graph")


def block(w: Work, artists: list[str] = [], genres: list[str] = [], positions: list[int] = []) -> str:  # noqa: B006
    """Never play these artists, genres or tracks again for this user, in any conversation."""
    names = [_artist(w, a) for a in artists]
    g, s = _genres(w, genres, [])
    tids = [w.playlist[p - 1]["track_id"] for p in w._pos(positions)] if positions else []
    if not (names or g or s or tids):
        raise ToolError("Who or what should I never play?")
    w.memory = w.deps.memory.update(w.user_id, blocked_artists=names, blocked_genres=g + s, blocked_tracks=tids)
    said = names + g + s + [_titles([w.playlist[p - 1]]) for p in positions]
    if w.playlist:
        before = list(w.playlist)
        w.rebuild("replaces a blocked track")
        return f"blocked {', '.join(said)} for good; " + _removed_by(before, w.playlist, said)
    return f"blocked {', '.join(said)} for good"


def feedback(w: Work, positions: list[int], liked: bool) -> str:
    """Record that the user loves (liked=True) or wants to skip (liked=False) tracks; skipped ones are replaced."""
    w._need()
    pos = w._pos(positions)
    items = [w.playlist[p - 1] for p in pos]
    ids = [p["track_id"] for p in items]
    if liked:
        w.memory = w.deps.memory.update(w.user_id, liked=ids)
        w.focus = pos[-1]
        return f"noted that you love {_titles(items)}; it shapes your next playlists"
    w.memory = w.deps.memory.update(w.user_id, skipped=ids)
    new = w.fetch(len(pos), keep=[x for i, x in enumerate(w.playlist, 1) if i not in pos], avoid=items)
    for p, item in zip(sorted(pos, reverse=True), [None] * len(pos)):
        w.playlist.pop(p - 1)
    for p, item in zip(pos, new):
        w.playlist.insert(min(p - 1, len(w.playlist)), item)
    return f"skipped {_titles(items)}" + (f"; added {_titles(new)}" if new else "")


def keep_playlist(w: Work) -> str:
    """The user keeps this playlist: its tracks join their taste history."""
    w._need()
    w.memory = w.deps.memory.update(w.user_id, kept=[p["track_id"] for p in w.playlist])
    return f"saved these {len(w.playlist)} tracks to your taste"


def export(w: Work, fmt: str = "m3u") -> str:
    """Export the playlist as M3U, XSPF, JSPF, CSV or JSON (the front end delivers the file)."""
    w._need()
    w.data.append({"export": fmt})
    return ""


# name -> (function, argument model); the registry both brains plan against.
TOOLS: dict[str, tuple[Callable[..., str], type[BaseModel]]] = {
    "new_playlist": (new_playlist, NewPlaylist), "extract_tags": (extract_tags, Text), "search": (search, Search),
    "personalize": (personalize, Empty), "refine": (refine, Empty), "remove": (remove, Positions),
    "replace": (replace, Positions), "move": (move, Move), "exclude": (exclude, Exclude), "narrow": (narrow, Narrow),
    "widen": (widen, Names), "adjust": (adjust, Adjust), "resize": (resize, Resize), "more": (more, More),
    "explain": (explain, Position), "undo": (undo, Empty), "start_over": (start_over, Empty), "block": (block, Block),
    "feedback": (feedback, Feedback), "keep_playlist": (keep_playlist, Empty), "export": (export, Export),
    "cap_artists": (cap_artists, Cap), "more_like": (more_like, MoreLike), "lessen": (lessen, Names),
}  # fmt: skip


def validate(action: dict[str, Any]) -> dict[str, Any]:
    """A planned call from either brain, its counts bounded and its arguments checked against the tool's model;
    raises ValueError on junk. What was capped is said in the call's ``note`` ("add 99999 more" adds at most 200)."""
    name = action.get("name")
    if name not in TOOLS:
        raise ValueError(f"unknown tool {name!r}")
    args = action.get("args") or {}
    if not isinstance(args, dict):
        raise ValueError(f"arguments of {name} are not an object")
    model = TOOLS[name][1]
    args, capped = _bounded(model, args)
    parsed = model.model_validate(args)
    out: dict[str, Any] = {"name": name, "args": parsed.model_dump()}
    note = "; ".join(filter(None, [str(action.get("note") or "")[:300], *capped]))
    if note:
        out["note"] = note
    return out


_COUNT_WORDS = {"count": "tracks to add", "length": "tracks", "minutes": "minutes", "factor": "times the length",
                "limit": "results"}  # fmt: skip


def _bounded(model: type[BaseModel], args: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``args`` with numbers past a field's bounds clamped to them (said in the notes), so a huge count never
    allocates, fails or reaches storage; lists longer than allowed are cut."""
    out = dict(args)
    notes: list[str] = []
    for name, info in model.model_fields.items():
        v = out.get(name)
        lo = next(
            (x for m in info.metadata for x in (getattr(m, "ge", None), getattr(m, "gt", None)) if x is not None), None
        )
        hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and name in _COUNT_WORDS:
            if hi is not None and v > hi:
                notes.append(f"{_short(v)} {_COUNT_WORDS[name]} is more than I do at once, so {hi:g}")
                out[name] = type(v)(hi) if isinstance(v, int) else float(hi)
            elif lo is not None and v < lo and name != "factor":
                out[name] = lo if isinstance(v, int) else float(lo)
        elif isinstance(v, list):
            limit = next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)
            if limit and len(v) > limit:
                out[name] = v[:limit]
            if v and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
                out[name] = list(dict.fromkeys(out[name]))  # "drop 3, 3 and 3" is one track
    return out, notes


def _short(v: float) -> str:
    s = f"{v:g}" if isinstance(v, float) else str(v)
    return s if len(s) <= 12 else s[:6] + "…" + f" ({len(s)} digits)"


def run_tool(w: Work, action: dict[str, Any]) -> str:
    fn, _model = TOOLS[action["name"]]
    return fn(w, **action["args"])


# --- small helpers ---------------------------------------------------------------------------
def _artist(w: Work, name: str) -> str:
    hit = w.deps.vocab.artist(name)
    if not hit:
        raise ToolError(f'I don\'t know an artist called "{name}" in the catalog.')
    return hit


def _genres(w: Work, genres: list[str], subgenres: list[str]) -> tuple[list[str], list[str]]:
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


def _titles(items: list[dict[str, Any]]) -> str:
    if len(items) > 3:
        return f"{len(items)} tracks"
    return ", ".join(f'"{p["title"]}" by {p["artist"]}' for p in items)


def _removed_by(before: list[dict[str, Any]], after: list[dict[str, Any]], names: list[str]) -> str:
    """ "removed 4 tracks (Drake); added 4 new ones" """
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


def _minutes(items: list[dict[str, Any]]) -> int:
    return round(sum(p["duration_ms"] for p in items) / 60_000)


def _fit_within(items: list[dict[str, Any]], minutes: float) -> list[dict[str, Any]]:
    """The longest start of ``items`` whose listening time is at most ``minutes``."""
    out, total = [], 0.0
    for p in items:
        if total + p["duration_ms"] > minutes * 60_000:
            break
        out.append(p)
        total += p["duration_ms"]
    return out


def _fit_minutes(items: list[dict[str, Any]], minutes: float) -> list[dict[str, Any]]:
    out, total = [], 0.0
    for p in items:
        if total >= minutes * 60_000:
            break
        out.append(p)
        total += p["duration_ms"]
    return out


def _continue(w: Work, k: int) -> Any:
    """The continuation VAE's next tracks, with the user's taste as its history and the playlist's rules
    (constraints, the per-artist cap except for artists the request names) as masks."""
    q = w.effective_query()
    return w.deps.continuer.continue_playlist([p["track_id"] for p in w.playlist], k, history=w.memory.history(),
                                              constraints=q, max_per_artist=w.cap, uncapped=named_artists(q),
                                              strict_cap=bool(w.query.max_per_artist))  # fmt: skip


def _continuation_room(w: Work) -> Callable[[Track], bool]:
    """The continuation's per-artist test, counting the playlist and every track it accepts: the person's cap binds
    every artist; without one, an artist the playlist itself stacks keeps its share (``generate.artist_cap``)."""
    from tools.continuation.generate import artist_cap

    artists = [fold(p["artist"]) for p in w.playlist]
    rule = artist_cap(artists, w.cap, strict=bool(w.query.max_per_artist), uncapped=named_artists(w.effective_query()))
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


def _words_not_names(w: Work, text: str, q: PlaylistQuery) -> set[str]:
    """Folded artists whose name is a word or phrase of the request that was not read as a name: their tracks
    would come only from the word's similarity ("music for my little prince's party" is not Prince)."""
    keys = getattr(w.deps.vocab.reader, "artist_keys", {})
    words = []
    for t in vocab.tokenize(text[:500]):
        base = fold(t.orig).replace("’", "'")
        words.append(base[:-2] if base.endswith("'s") else t.text)  # "prince's" -> "prince"
    asked = {fold(t.value) for t in q.artists + q.exclude_artists}
    out: set[str] = set()
    for i in range(len(words)):
        for k in (1, 2, 3):
            hit = keys.get(tuple(words[i : i + k])) if i + k <= len(words) else None
            if hit and fold(hit[0]) not in asked:
                out.add(fold(hit[0]))
    return out


def _value(track: Track, feature: str) -> float:
    """A track's value of a feature (or its year); NaN when unknown."""
    v = getattr(track, feature)
    if v is None or (feature == "year" and not v):
        return float("nan")
    return float(v)
