"""What the tools work on: :class:`Deps`, the clients shared by every thread, and :class:`Work`, one turn's
draft with this user's memory and the retrieval helpers every edit uses (fetch new tracks under the query's
constraints, rebuild after a constraint changed, reshape after a relative change)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from agent.intents import Vocabulary
from agent.tools.draft import PlaylistDraft
from agent.tools.registry import ToolError
from memory.store import UserMemory, UserMemoryStore
from tools import reasons
from tools.catalog import Catalog, Track, fold, song_key
from tools.refine import (
    ALSO_LEAST,
    also_artists,
    artist_cap,
    GroupOf,
    named_artists,
    shared_groups,
    violations,
)
from tools.schema import MAX_LENGTH, PlaylistQuery, Tag

if TYPE_CHECKING:
    from tools.continuation.generate import ArtistCap

log = logging.getLogger(__name__)

POPULARITY_STEP = 15.0  # "more popular" / "more deep cuts" move the mean popularity (0-100) this far
# A relative change ("less mainstream", "a bit more upbeat") is a nudge: it replaces at most this share of the playlist,
# by the amount said, and the old tracks that move least the wrong way keep the other places. Aimed at the new target
# alone, "less basic pls" swapped 16 of 20 where most tracks sat just above the mean popularity (the product ranker's
# playlist kept 6-8). "a lot" may replace them all. Chosen on the like10 dialogues (ap06-ap09, ao03): see the commit.
NUDGE_SWAP_SHARE = {"bit": 0.5, "normal": 0.6, "lot": 1.0}
YEAR_STEP = 20.0  # a relative move in release years counts like one of 1/20 on a 0-1 feature


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
    """What one turn edits (the draft) and reads (this user's long-term memory, the clients), with the knobs of
    relative edits and what the turn's calls leave for the next ones."""

    deps: Deps
    user_id: str
    draft: PlaylistDraft
    memory: UserMemory
    relative_step: float = 0.12
    tempo_step: float = 12.0
    default_length: int = 20
    max_per_artist: int = 2
    pending: dict[str, tuple[int, float]] = field(default_factory=dict)  # relative changes: feature -> (sign, mean)
    nudge: str = "bit"  # the largest amount the pending changes were asked by (NUDGE_SWAP_SHARE)
    notes: list[str] = field(default_factory=list)  # what retrieval relaxed while filling this turn
    removed: set[str] = field(default_factory=set)  # track ids taken out this turn: later calls never bring them back
    # what a "less ..." thinned this turn ("too much drake and swap the 4th"): later calls bring in none of it
    held_back: list[Callable[[Track], bool]] = field(default_factory=list)
    # tracks this turn's calls pointed at as a sound to move toward or away from ("more like the 3rd but less like
    # the 5th"): a later call of the turn replaces neither
    anchored: set[str] = field(default_factory=set)
    found: Any = None  # what the last lookup found (extract_tags, search): the call's result
    seen: list[str] = field(init=False)  # the track ids positions in this turn's calls refer to

    def __post_init__(self) -> None:
        self.seen = self.draft.ids()  # positions mean the playlist the user saw

    @property
    def playlist(self) -> list[dict[str, Any]]:
        return self.draft.items

    @playlist.setter
    def playlist(self, items: list[dict[str, Any]]) -> None:
        self.draft.items = items

    @property
    def query(self) -> PlaylistQuery:
        return self.draft.query

    @query.setter
    def query(self, query: PlaylistQuery) -> None:
        self.draft.query = query

    @property
    def focus(self) -> int | None:
        return self.draft.focus

    @focus.setter
    def focus(self, position: int | None) -> None:
        self.draft.focus = position

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
        """The query plus this user's long-term blocklist, which applies in every thread: a copy whose three exclusion
        lists are its own (the rest is shared with ``query``: no caller changes a query in place; each ``model_copy``s
        it with an update, so a copy per call of every tag, ~0.5 ms a turn, bought nothing)."""
        q = query or self.query
        q = q.model_copy(
            update={
                "exclude_artists": list(q.exclude_artists),
                "exclude_genres": list(q.exclude_genres),
                "exclude_subgenres": list(q.exclude_subgenres),
            }
        )
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
        only_g = {t.value for t in q.genres + q.subgenres if t.scope == "only"}
        only_m = {t.value for t in q.moods if t.scope == "only"}

        def ok(track: Track) -> bool:
            if track.track_id in banned or violations(track, hard):
                return False
            if only_g and not only_g & set(track.genres + track.subgenres):
                return False
            return not (only_m and not only_m & set(track.moods))

        return ok

    def artist_room(
        self, keep: list[dict[str, Any]], query: PlaylistQuery | None = None, length: int | None = None
    ) -> Callable[[Track], bool]:
        """A test that a track's artist is still under the per-artist cap, counting ``keep`` and every track it
        accepts; artists the request names get room enough to fill the list between them (a ``length`` list: eleven
        artists named for 20 tracks share it, two each)."""
        q = query or self.query
        named = named_artists(q)  # the user asked for them: their share of the list, or no cap
        named_cap = artist_cap(q, length, self.cap) if length else None
        counts: dict[str, int] = {}
        for p in keep:
            counts[fold(p["artist"])] = counts.get(fold(p["artist"]), 0) + 1

        def room(track: Track) -> bool:
            a = fold(track.artist)
            cap = (named_cap if a in named else self.cap) or 0
            if (a not in named or named_cap) and counts.get(a, 0) >= cap:
                return False
            counts[a] = counts.get(a, 0) + 1
            return True

        return room

    def fetch(
        self,
        k: int,
        query: PlaylistQuery | None = None,
        keep: list[dict[str, Any]] | None = None,
        good: Callable[[Track], bool] | None = None,
        avoid: Sequence[dict[str, Any]] = (),
    ) -> list[dict[str, Any]]:
        """Up to ``k`` new tracks for ``query`` that break no constraint (nor ``good``), repeat no song of ``keep``
        or ``avoid`` (tracks on their way out) and keep every artist of ``keep`` under the cap; what retrieval
        relaxed goes to ``notes``."""
        if k <= 0:
            return []
        q = self.effective_query(query)
        ok = self.checker(query)
        keep = self.playlist if keep is None else keep
        room = self.artist_room(keep, q, len(keep) + k)
        decades = self.decade_counts(keep)
        seen_ids = {p["track_id"] for p in [*keep, *avoid]} | self.removed
        seen_songs = {song_key(p["title"], p["artist"]) for p in [*keep, *avoid]}
        exclude = list(seen_ids | set(self.memory.blocked_tracks) | set(self.memory.skipped))
        out: list[dict[str, Any]] = []
        # with ``good`` ("more like #5": nearer it than the playlist's median) a third look takes the longest answer:
        # the pipeline's first tracks are its best for the request, which need not be the nearest to one track
        for attempt in range(3 if good else 2):
            want = k - len(out)
            if want <= 0:
                break
            over = (3 if good else 2) + attempt * 3
            # a few more than asked, even for one: the per-artist cap and the checks turn some away
            n = MAX_LENGTH if attempt == 2 else min(MAX_LENGTH, max(want * over, 10 + 20 * attempt))
            result = self.deps.pipeline.run(q, n=n, history=self.memory.history(), exclude_ids=exclude)
            self.notes += [n for n in result.notes if n not in self.notes and not n.startswith("Only ")]
            for item in result.playlist:
                tr = self.catalog.get(item.track_id)
                key = song_key(item.title, item.artist)
                if tr is None or item.track_id in seen_ids or key in seen_songs or not ok(tr):
                    continue
                if good is not None and not good(tr):
                    continue
                if any(held(tr) for held in self.held_back) or self.decade_full(tr, decades) or not room(tr):
                    continue
                out.append(item.model_dump())
                self.decade_full(tr, decades, take=True)
                seen_ids.add(item.track_id)
                seen_songs.add(key)
                if len(out) >= k:
                    self._bring_in_also(out, result.playlist, q, seen_ids, seen_songs, ok, good)
                    self._balance_shares(out, result.playlist, q, seen_ids, seen_songs, ok, good, keep)
                    break
            exclude = list(seen_ids | set(exclude))
        return out

    def _bring_in_also(
        self,
        out: list[dict[str, Any]],
        found: Sequence[Any],
        q: PlaylistQuery,
        seen_ids: set[str],
        seen_songs: set[str],
        ok: Callable[[Track], bool],
        good: Callable[[Track], bool] | None,
    ) -> None:
        """ "90s hip hop with some 2pac": when the first ``len(out)`` tracks of the pipeline's longer answer hold
        fewer than ``ALSO_LEAST`` of an artist asked for beside the rest, later ones of theirs take the places of
        the last tracks by anyone else."""
        also = also_artists(q)
        if not also:
            return
        count = {a: sum(fold(p["artist"]) == a for p in out) for a in also}
        for item in found:
            a = fold(item.artist)
            if (
                a not in also
                or count[a] >= ALSO_LEAST
                or not (key := self._may_join(item, seen_ids, seen_songs, ok, good))
            ):
                continue
            slot = next((i for i in range(len(out) - 1, -1, -1) if fold(out[i]["artist"]) not in also), None)
            if slot is None:
                return
            out[slot] = item.model_dump()
            seen_ids.add(item.track_id)
            seen_songs.add(key)
            count[a] += 1

    def _may_join(
        self,
        item: Any,
        seen_ids: set[str],
        seen_songs: set[str],
        ok: Callable[[Track], bool],
        good: Callable[[Track], bool] | None,
    ) -> str | None:
        """The song key of a found track that may take a place (new, allowed, ``good``), else None."""
        tr = self.catalog.get(item.track_id)
        key = song_key(item.title, item.artist)
        if tr is None or item.track_id in seen_ids or key in seen_songs or not ok(tr):
            return None
        return key if good is None or good(tr) else None

    def _balance_shares(
        self,
        out: list[dict[str, Any]],
        found: Sequence[Any],
        q: PlaylistQuery,
        seen_ids: set[str],
        seen_songs: set[str],
        ok: Callable[[Track], bool],
        good: Callable[[Track], bool] | None,
        keep: list[dict[str, Any]],
    ) -> None:
        """ "hip hop and r&b", "90s and 2000s": the pipeline's longer answer gives each genre named side by side and
        each decade of a span said its share, and the first ``len(out)`` of it in flow order may not; a genre (decade)
        short of its share (over the playlist kept and ``out``) takes, from the end, the places of the one with the
        most."""

        def track(item: Any) -> Track | None:
            return self.catalog.get(item["track_id"] if isinstance(item, dict) else item.track_id)

        asked = also_artists(q) | named_artists(q)  # "with some eminem": his tracks keep their places
        for groups, group in shared_groups(q):

            def group_of(item: Any, group: GroupOf = group) -> Any:
                return None if (tr := track(item)) is None else group(tr)

            share = (len(out) + len(keep)) // len(groups)
            counts = {g: sum(group_of(p) == g for p in [*keep, *out]) for g in groups}
            for item in found:
                g = group_of(item)
                if (
                    g not in counts
                    or counts[g] >= share
                    or not (key := self._may_join(item, seen_ids, seen_songs, ok, good))
                ):
                    continue
                most = max(groups, key=lambda x: counts[x])
                free = [i for i in range(len(out) - 1, -1, -1) if fold(out[i]["artist"]) not in asked]
                slot = next((i for i in free if group_of(out[i]) == most), None)
                if slot is None or counts[most] <= share:
                    break
                out[slot] = item.model_dump()
                seen_ids.add(item.track_id)
                seen_songs.add(key)
                counts[g] += 1
                counts[most] -= 1

    def decade_counts(self, items: list[dict[str, Any]]) -> dict[int, int]:
        """Tracks per decade of release among ``items`` (what a decade cap counts)."""
        counts: dict[int, int] = {}
        for p in items:
            if p.get("year"):
                counts[int(p["year"]) // 10 * 10] = counts.get(int(p["year"]) // 10 * 10, 0) + 1
        return counts

    def decade_full(self, track: Track, counts: dict[int, int], take: bool = False) -> bool:
        """Whether the person's decade cap ("max 2 from each decade") leaves no room for ``track`` among ``counts``;
        with ``take``, the track is counted in (it joined)."""
        decade = track.year // 10 * 10 if track.year else None
        if decade is None:
            return False
        if take:
            counts[decade] = counts.get(decade, 0) + 1
            return False
        return bool(self.query.max_per_decade) and counts.get(decade, 0) >= (self.query.max_per_decade or 0)

    def playlist_cap(self) -> "ArtistCap":
        """The cap "add more" keeps, over folded artists: the person's own cap binds every artist; without one, an
        artist the playlist itself stacks keeps its share (``tools.continuation.generate.artist_cap``)."""
        from tools.continuation.generate import artist_cap as cap_of

        artists = [fold(p["artist"]) for p in self.playlist]
        q = self.effective_query()
        return cap_of(artists, self.cap, strict=bool(self.query.max_per_artist), uncapped=named_artists(q))

    def step(self, feature: str) -> float:
        """How far one relative move goes: BPM for tempo, points of popularity, else a share of the 0-1 range."""
        return {"tempo": self.tempo_step, "popularity": POPULARITY_STEP}.get(feature, self.relative_step)

    def mean(self, feature: str, items: list[dict[str, Any]] | None = None) -> float | None:
        items = self.playlist if items is None else items
        vals = [v for v in (feature_value(self.track(p), feature) for p in items) if not math.isnan(v)]
        return sum(vals) / len(vals) if vals else None

    def rebuild(self, reason: str) -> None:
        """Keep the tracks that still satisfy the query where they are; new ones take the freed places."""
        n = len(self.playlist) or self.query.length or self.default_length
        ok = self.checker()
        rule = self.playlist_cap()  # a new exclusion removes only what it excludes, not a share the playlist stacks
        counts: dict[str, int] = {}

        def room(track: Track) -> bool:
            a = fold(track.artist)
            counts[a] = counts.get(a, 0) + 1
            return counts[a] <= rule.limit(a, n)

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

    def keep_minutes(self) -> str:
        """A listening time asked for ("a 2 hour house set") holds through a nudge's swaps, which keep the count:
        tracks that run it past the time by more than half a track go from the end, and a playlist short of it by more
        than half a track is topped up. Says how, or nothing when the time held."""
        minutes, n = self.query.duration_min, len(self.playlist)
        if not minutes or not n:
            return ""
        total = sum(p["duration_ms"] for p in self.playlist) / 60_000
        half = total / n / 2
        if total > minutes + half:
            out, run = [], 0.0
            for p in self.playlist:
                if run + p["duration_ms"] / 60_000 <= minutes + half:
                    out.append(p)
                    run += p["duration_ms"] / 60_000
            self.playlist = out or self.playlist[:1]
        elif total < minutes - half and n < MAX_LENGTH:
            k = min(MAX_LENGTH - n, max(1, round((minutes - total) / (2 * half))))
            self.playlist = self.playlist + self.fetch(k, keep=self.playlist)
        if len(self.playlist) == n:
            return ""
        self.query = self.query.model_copy(update={"length": len(self.playlist)})
        now = sum(p["duration_ms"] for p in self.playlist) / 60_000
        return f"{len(self.playlist)} tracks to keep your {minutes:g} min (about {round(now)} min)"

    def reshape(self) -> str:
        """Apply this turn's relative changes at once: keep tracks already past the old mean in the asked
        direction, add new ones past it, and top up with the best of the old ones so the length holds."""
        moves = self.pending
        self.pending = {}
        n = len(self.playlist)
        swaps = math.floor(NUDGE_SWAP_SHARE.get(self.nudge, 1.0) * n)
        self.nudge = "bit"

        scale = {"tempo": 200.0, "year": YEAR_STEP}

        def gain(tr: Track) -> float:
            total = sum(sign * (feature_value(tr, f) - cur) / scale.get(f, 1.0) for f, (sign, cur) in moves.items())
            return -1.0 if math.isnan(total) else total  # a track without a year moves nothing

        def good(tr: Track) -> bool:
            return all(sign * (feature_value(tr, f) - cur) >= 0 for f, (sign, cur) in moves.items())

        ok = self.checker()
        # what the person picked stays through a move of the whole playlist (exclusions remove it, moves don't)
        kept = [p for p in self.playlist if p.get("chosen") or (good(self.track(p)) and ok(self.track(p)))]
        # a nudge replaces at most ``swaps``: those that move least the wrong way stay (never one that breaks a rule)
        room = min(n - len(kept), max(swaps, sum(not ok(self.track(p)) for p in self.playlist)))
        new = self.fetch(room, keep=kept, good=good)
        if not new:  # no track moves every feature: accept ones that move them on balance
            new = self.fetch(room, keep=kept, good=lambda tr: gain(tr) > 0)
        named = [t for t in self.query.artists if t.explicit]
        relaxed = ""
        if not new and named:  # the artists asked for go no further that way: similar artists may
            loose = self.query.model_copy(
                update={"artists": [t.model_copy(update={"explicit": False}) for t in self.query.artists]}
            )
            new = self.fetch(room, query=loose, keep=kept, good=good)
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
        rest = sorted(
            (p for p in self.playlist if p["track_id"] not in kept_ids and ok(self.track(p))),
            key=lambda p: -gain(self.track(p)),
        )
        # New tracks first, then the old ones that move least the wrong way, into the freed places.
        fill = iter(new + self._decade_room(kept + new, rest, n - len(kept) - len(new)))
        before = self.playlist
        out = [p if p["track_id"] in kept_ids else next(fill, None) for p in self.playlist]
        self.playlist = [p for p in out if p is not None] + list(fill)
        stay = len({p["track_id"] for p in before} & {p["track_id"] for p in self.playlist})
        held = self.keep_minutes()  # "more instrumental" on "a 2 hour house set": still about 2 hours
        parts = []
        for f, (sign, cur) in moves.items():
            fmt = "{:.0f}" if f in ("tempo", "year") else "{:.2f}"
            parts.append(f"{f} {fmt.format(cur)} → {fmt.format(self.mean(f))}")
        return f"{', '.join(parts)} (kept {stay}, replaced {n - stay}){relaxed}" + (f"; {held}" if held else "")

    def _decade_room(self, held: list[dict[str, Any]], rest: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
        """Up to ``k`` of ``rest`` (old tracks, best first) beside ``held`` under the person's decade cap ("max 3 from
        each decade"), topped up with new tracks under it where the cap leaves old ones out: a nudge's fetch counted
        only the tracks it kept, so the old ones it put back could pass the cap (rev33, dialogue at01)."""
        if k <= 0:
            return []
        if not self.query.max_per_decade:
            return rest[:k]
        counts = self.decade_counts(held)
        back = []
        for p in rest:
            if len(back) < k and not self.decade_full(self.track(p), counts):
                self.decade_full(self.track(p), counts, take=True)
                back.append(p)
        return back + self.fetch(k - len(back), keep=held + back, avoid=rest) if len(back) < k else back

    def positions(self, positions: list[int]) -> list[int]:
        """The 1-based ``positions``, sorted and once each; a ToolError names any the playlist lacks."""
        n = len(self.playlist)
        bad = [p for p in positions if not 1 <= p <= n]
        if bad:
            raise ToolError(f"There is no track {', '.join(map(str, bad))}: the playlist has {n} tracks (1-{n}).")
        return sorted(set(positions))

    def need_playlist(self) -> None:
        """A ToolError when there is no playlist to edit yet."""
        if not self.playlist:
            raise ToolError("There is no playlist yet. Tell me what you'd like to hear first.")


def feature_value(track: Track, feature: str) -> float:
    """A track's value of a feature (or its year); NaN when unknown."""
    v = getattr(track, feature)
    if v is None or (feature == "year" and not v):
        return float("nan")
    return float(v)
