"""Stage 2: a typed query -> hundreds of scored candidates from Qdrant, filters relaxed step by step.

Hard constraints become Qdrant filters: explicit genres or subgenres, explicit years, explicit
artists, explicit moods, explicit feature bounds, and every exclusion. Soft preferences become
scores on the fetched candidates: similarity of the request's embedding to the track's document,
closeness to each wanted mood's feature target (:data:`tools.tags.MOOD_TARGETS`, for moods said or
inferred from context and for activities), feature targets, inferred genres and years, and a
small popularity prior.

When the filters leave fewer tracks than the playlist needs, they are relaxed one step at a time,
in this order (each step runs only if it applies, and each adds a note saying what it did):

1. ``moods``: explicit moods stop filtering and only score.
2. ``features``: feature bounds ("not too fast") stop filtering and only score.
3. ``subgenre``: subgenres widen to their parent genres.
4. ``years``: the year range widens by 2, then 5 years each side, then is dropped (still scoring).
5. ``genre``: genres stop filtering and only score.
6. ``artists``: named artists stop filtering; their tracks still come first.

A track with no genre label at all (in a leak-free catalog, tracks only in held-out playlists
whose artist has no other rows) is unknown, not wrong: under a genre or subgenre filter it is
fetched too, a little below the labelled tracks (``W_UNKNOWN_GENRE``).

Exclusions (genres, subgenres, artists, moods, track ids) are never relaxed. Candidates that pass
a stricter level always rank above those admitted by a later step. Nothing is returned without a
note saying why (for instance when every track is excluded).

Hybrid candidates. Under the filter retrieval ended with, two more channels join the tag-filtered
dense search: ``bm25`` (Qdrant's sparse BM25 vectors of the track documents, :mod:`tools.lexical`)
and ``names`` (the catalog's playlists whose names read like the request, by embedding: the tracks
of the artists they hold, weighted by how alike the names are). The channels are fused by
reciprocal rank fusion within each relaxation tier, and each candidate carries every channel's rank
and score (``Candidate.channels``: ``tags`` the soft score below, ``dense`` the cosine, ``bm25``,
``names``) for the learned ranker (:mod:`tools.ranker`) and the track's reason.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from tools import vocab
from tools.catalog import fold
from tools.index import PAYLOAD_FIELDS, RRF_K, ArtistSearch, Constraints, TrackIndex
from tools.lexical import request_vector as sparse_query
from tools.lexical import tokenize
from tools.schema import FEATURE_RANGE, Candidate, PlaylistQuery, Tag, YearRange
from tools.tags import MOOD_TARGETS
from tools.vocab import ACTIVITY_MOODS

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.embed import Encoder

log = logging.getLogger(__name__)

TIER = 10.0  # score gap between relaxation levels: a stricter match always ranks first
# Weights of the soft score; similarity of embeddings is in [-1, 1], the others in [0, 1].
W_SIM = 1.0
W_MOOD = 0.6  # closeness to the wanted moods' feature targets (mean over moods)
W_MOOD_TAG = 0.15  # the track carries the wanted mood tag
W_FEATURE = 0.5  # closeness to an asked feature target
W_GENRE = 0.3  # soft genre or subgenre match (inferred, or relaxed)
W_YEAR = 0.25  # soft year match (inferred, or relaxed), decaying by 10 years
# A song the catalog also holds in an earlier release ("Africa" on a 2010 compilation, first out in 1982; "Milkshake"
# dated 2008 and 2003) is a re-release: under years said outright, a row dated in them whose song is older by more
# than this is left out with the years' filter (relaxed with it). A remix is a new record of its own year, kept.
RERELEASE_SLACK = 1
# An album that gathers songs released before: a track on an artist's hits album ("Greatest Hits", "The Essential")
# that is remastered ("Big Poppa - 2007 Remaster") or whose artist's own albums centre twice COMPILATION_AGE years
# or more before it (John Lennon's "Power To The People - The Hits", 2010) is dated at the artist's first release
# or COMPILATION_AGE years before the album, whichever is earlier. A hits album alone says too little: "Dynamite"
# first came out on "The Rokstarr Hits Collection". A decade's album ("70s 100 Hits", "Disco 90's") dates its songs
# in that decade.
_COMPILATION = re.compile(
    r"\b(greatest hits|the hits|best of|very best|essential|anthology|collection|the singles|number ones|\d+ hits)\b",
    re.IGNORECASE,
)
COMPILATION_AGE = 5
_ALBUM_DECADE = re.compile(r"(?<![\d])(?:19)?([5-9]0)'?s\b|(?<![\d])(20[01]0)'?s\b", re.IGNORECASE)
W_ARTIST = 0.6  # a named artist whose filter was relaxed
# A track with no genre label admitted under a genre filter scores this much less. Chosen on the
# validation split among penalties >= 0 (a bonus would reward missing labels, which in a split
# marks the held-out playlists' own tracks): 0 scored best, 0.03 within 2% of it with better genre
# agreement, and labelled tracks should win ties.
W_UNKNOWN_GENRE = 0.03
W_POP = 0.15  # popularity prior; tripled for "popular", negated for "obscure"
SIMILAR_SHOWN = 0.35  # similarity above which the reason says "similar to ..."
# Free text alone whose best similarity is below this reads like nothing in the catalog (measured on
# the real catalog: gibberish and emoji score 0.19-0.30, "rainy afternoon" 0.51): fall back on popularity.
NOTHING_CLOSE = 0.35
FALLBACK_POPULARITY_Q = 0.8  # the fallback draws from the most popular 20% of the catalog
# The names channel: the playlists whose names are nearest the request (cosine of MiniLM vectors),
# weighted by softmax(sim / NAME_TEMPERATURE) times how far the best one clears NAME_FLOOR (names
# below it read like anything), and their NAME_ARTISTS most weighted artists' tracks.
NAME_NEIGHBOURS = 25
NAME_TEMPERATURE = 0.05
NAME_FLOOR = 0.25
# The names channel fetches NAME_FETCH times the candidate limit from its NAME_ARTISTS artists: a playlist named
# like the request holds its artists' other songs, and the learned ranker picks among them. 80 x3 looked better
# with a ranker trained on the 40 x1 pool (text2playlist --validation NDCG@20 .1095 -> .1127, recall@300 .158 ->
# .174), but a ranker trained on the 80 x3 pool itself scores far lower (its validation NDCG@20 .130 against .175
# for 40 x1): the ranker must be chosen with the pool it is trained on, and `playgenie build` trains it.
NAME_ARTISTS = 40
NAME_FETCH = 1
# So the ranker learns on that core pool, and at serving the channel goes on past it: after the core's hits, in the
# same order, the tracks of the WIDE_NAME_ARTISTS most weighted artists (WIDE_NAME_FETCH times the limit) that the
# core did not hold; the ranker orders them by the same features (the core's hits keep their ranks and scores).
# Chosen on `playgenie eval text2playlist --validation` with the core-trained ranker (NDCG@20 / recall@300): none
# .1142/.158, 120 x3 .1152/.183, 160 x4 .1152/.185, 200 x3 .1093/.186, 300 x6 .1159/.189; a ranker trained on a
# wide pool itself (80 x3) .1105/.161. Test: .159/.193 -> .160/.228. About 3 ms of CPU per request.
WIDE_NAME_ARTISTS = 160
WIDE_NAME_FETCH = 4
_MOOD_FEATURES = sorted({f for t in MOOD_TARGETS.values() for f in t})


@dataclass
class Retrieval:
    """What retrieval found: candidates (best first), notes, and the query as finally applied.

    ``query`` is the request with every relaxed constraint marked soft (``explicit=False``), so the
    refiner checks exactly the constraints the candidates were filtered by.
    """

    candidates: list[Candidate]
    notes: list[str]
    query: PlaylistQuery
    relaxed: list[str] = field(default_factory=list)  # names of the relaxation steps applied
    matching: int = 0  # tracks that pass the final filter (counted up to the fetch limit)
    names: "NameNeighbours | None" = None  # the playlists named like the request (hybrid retrieval)
    vector: np.ndarray | None = None  # the request's vector the candidates were found with


@dataclass
class NameNeighbours:
    """The catalog playlists named like a request: weight per playlist (position in
    ``catalog.playlists``), and the weighted shares of their artists, subgenres and genres."""

    playlists: dict[int, float]
    artists: dict[str, float]
    subgenres: dict[str, float]
    genres: dict[str, float]
    best: float  # cosine of the nearest name
    track_scores: np.ndarray | None = field(default=None, repr=False)  # Retriever.track_name_scores, once computed
    # what readers work out from these weights alone (tools.ranker.Featurizer: the artists' weights by artist id), kept
    # with the cached neighbours: ``dataclasses.replace`` copies share it
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


NEAR_CACHE = 128  # name_neighbours kept for this many recent query vectors (~100 kB each: their artists' weights)
_YEAR_WORD = re.compile(r"\b(?:19|20)\d\d\b")


_LIKE_CUE = re.compile(r"\b(?:sounds?\s+like|similar\s+to|in\s+the\s+style\s+of|like)\b", re.IGNORECASE)


def search_text(query: PlaylistQuery) -> str:
    """The request's words for the dense and lexical channels, plus the catalog's own word for every
    explicit tag read from other words (a typo, a synonym, another language): "acustic chill" also
    searches "acoustic"."""
    text = (query.text or query.free_text).strip()
    span = query.years
    if span is not None and span.explicit and span.start and span.end and span.end > span.start:
        # "graduated in 2008" (2004-2008), "between 2005 and 2010": the filter holds the years; the words would
        # pull toward tracks whose document says that one year
        text = _YEAR_WORD.sub(lambda m: " " if span.start <= int(m.group(0)) <= span.end else m.group(0), text)
    text = vocab.LIFE_STAGE_WORDS.sub(" ", text)  # "music from high school" is no search for "High School Musical"
    if any(t.scope == "like" for t in query.artists):  # "songs like abba": no search for titles saying "like"
        text = _LIKE_CUE.sub(" ", text)
    have = set(tokenize(text))
    tags = (*query.genres, *query.subgenres, *query.moods, *query.activities)
    extra = [t.value for t in tags if t.explicit and not set(tokenize(t.value)) <= have]
    return " ".join([text, *dict.fromkeys(extra)]) if extra else text


def _hard(tags: Iterable[Tag]) -> list[Tag]:
    return [t for t in tags if t.filters]


def _soft(tags: Iterable[Tag]) -> list[Tag]:
    return [t for t in tags if not t.filters]


def _soften(tags: Sequence[Tag], values: set[str] | None = None) -> list[Tag]:
    return [t.model_copy(update={"explicit": False}) if values is None or t.value in values else t for t in tags]


def _label(tags: Sequence[Tag]) -> str:
    return ", ".join(dict.fromkeys(t.value for t in tags))


class LazyTags:
    """The tags a candidate matched (a list's reading side), worked out on first read: retrieval's pool holds hundreds
    of candidates and only the few the ranker keeps reach the refiner and a reason. ``matcher(row, similarity)``
    gives the list; it depends only on the request, so when it runs changes nothing."""

    __slots__ = ("_matcher", "_row", "_sim", "_tags")

    def __init__(self, matcher: Any, row: int, sim: float) -> None:
        self._matcher, self._row, self._sim, self._tags = matcher, row, sim, None

    def _get(self) -> list[str]:
        tags = self._tags
        if tags is None:
            tags = self._tags = self._matcher(self._row, self._sim)
            self._matcher = None
        return tags

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, tag: object) -> bool:
        return tag in self._get()

    def __getitem__(self, i):
        return self._get()[i]

    def __eq__(self, other: object) -> bool:
        return self._get() == (other._get() if isinstance(other, LazyTags) else other)

    __hash__ = None  # type: ignore[assignment]  # a list's: unhashable

    def __repr__(self) -> str:
        return repr(self._get())


class Retriever:
    """PlaylistQuery -> candidates, over a catalog indexed in Qdrant."""

    def __init__(
        self,
        catalog: "Catalog",
        index: TrackIndex,
        encoder: "Encoder",
        candidates: int = 300,
        max_per_artist: int = 2,
        *,
        vectors: np.ndarray | None = None,
        name_vectors: np.ndarray | None = None,
        label_vectors: dict[str, np.ndarray] | None = None,
        hybrid: bool = True,
    ):
        """``vectors``: the catalog's document vectors (the cosine of every candidate, not only those
        the dense search found); ``name_vectors``: the playlists' name vectors in ``catalog.playlists``
        order (embedded here when absent); ``label_vectors``: genre/subgenre name -> vector (embedded
        when absent); ``hybrid=False`` keeps the tag-filtered dense channel alone."""
        self.catalog = catalog
        self.hybrid = hybrid
        # True where no learned ranker orders the pool (none built, or its examples being collected,
        # tools.ranker.collect): the names channel's core alone, without its wide part (WIDE_NAME_ARTISTS)
        self.core_pool = False
        self._local = threading.local()
        self._near_cache: OrderedDict[bytes, NameNeighbours] = OrderedDict()  # name_neighbours of recent vectors
        self._near_lock = threading.Lock()
        self.vectors = None if vectors is None else np.asarray(vectors, dtype=np.float32)
        self.max_per_artist = max_per_artist
        self.index = index
        if self.vectors is not None and getattr(index, "arrays", None) is None:
            # a large catalog's narrow filtered searches read these arrays (tools.index.IndexConfig.scan_below)
            index.arrays = lambda: self.artist_search
            hold = getattr(getattr(index, "backend", None), "hold_vectors", None)
            if hold is not None:  # kept in RAM when the index's config says so (IndexConfig.resident "vectors")
                hold(self.vectors)
        self.encoder = encoder
        self.default_limit = candidates
        tracks = catalog.tracks
        feats = set(_MOOD_FEATURES) | set(FEATURE_RANGE)
        self.features = {f: np.array([float(getattr(t, f)) for t in tracks], dtype=np.float32) for f in feats}
        self.scaled = {f: (v / 200.0 if f == "tempo" else v) for f, v in self.features.items()}  # as in MOOD_TARGETS
        self.mood_sets = [frozenset(t.moods) for t in tracks]
        self.mood_tagged = {m: np.array([m in t.moods for t in tracks], dtype=np.float32) for m in MOOD_TARGETS}
        self.genre_sets = [frozenset(t.genres) for t in tracks]
        self.subgenre_sets = [frozenset(t.subgenres) for t in tracks]
        self.all_genres = sorted(frozenset().union(*self.genre_sets))
        self.some_unlabelled = not all(self.genre_sets)  # a track with no genre (leak-free split catalogs have some)
        self.artists = [fold(t.artist) for t in tracks]
        self.track_ids = [t.track_id for t in tracks]
        self.years = catalog.years.astype(np.float32)  # 0 where unknown
        self.popularity = catalog.popularity / 100.0
        self.parent = self._subgenre_parents(catalog)
        self.activity_mood: dict[str, str | None] = dict(ACTIVITY_MOODS)  # activity -> the mood it implies
        self.popular_floor = float(np.quantile(catalog.popularity, FALLBACK_POPULARITY_Q)) if len(catalog) else 0.0
        self.playlists = list(catalog.playlists.values())
        self._name_vectors = name_vectors
        self._label_vectors = label_vectors
        # per playlist: its artists' shares of its tracks, and its tracks' rows
        self.playlist_artists: list[dict[str, float]] = []
        self.playlist_rows: list[np.ndarray] = []  # per playlist, its tracks' rows (a track listed twice twice)
        for p in self.playlists:
            rows = [r for r in (catalog.index.get(t) for t in p.track_ids) if r is not None]
            self.playlist_rows.append(np.array(rows, dtype=np.int64))
            share: dict[str, float] = {}
            for r in rows:
                share[self.artists[r]] = share.get(self.artists[r], 0.0) + 1.0 / len(rows)
            self.playlist_artists.append(share)

    @property
    def last_hybrid_ms(self) -> float:
        """Milliseconds this thread's last :meth:`run` spent in the bm25 and names channels."""
        return float(getattr(self._local, "hybrid_ms", 0.0))

    @property
    def name_vectors(self) -> np.ndarray:
        """(n_playlists, 384) vectors of the catalog's playlist names (embedded on first use when not given)."""
        if self._name_vectors is None:
            names = [p.name for p in self.playlists]
            self._name_vectors = self.encoder.encode(names) if names else np.zeros((0, 384), dtype=np.float32)
        return self._name_vectors

    @property
    def label_vectors(self) -> dict[str, np.ndarray]:
        """Genre and subgenre name -> its vector (embedded on first use when not given)."""
        if self._label_vectors is None:
            labels = sorted(frozenset().union(*self.genre_sets, *self.subgenre_sets))
            self._label_vectors = dict(zip(labels, self.encoder.encode(labels))) if labels else {}
        return self._label_vectors

    def name_neighbours(self, vector: np.ndarray) -> "NameNeighbours":
        """The playlists named most like the request and what they hold, by weight.

        Kept for the last :data:`NEAR_CACHE` vectors: a conversation's edits search the same words again ("more
        upbeat", "drop the 3rd"), as a query's vector comes from the encoder's cache. What is returned is shared and
        only read; each caller gets its own ``track_scores``."""
        key = np.asarray(vector, dtype=np.float32).tobytes()
        with self._near_lock:
            kept = self._near_cache.get(key)
            if kept is not None:
                self._near_cache.move_to_end(key)
        if kept is not None:
            return dataclasses.replace(kept)  # its own track_scores: a catalog-long array is not kept
        near = self._name_neighbours(vector)
        with self._near_lock:
            self._near_cache[key] = dataclasses.replace(near)
            while len(self._near_cache) > NEAR_CACHE:
                self._near_cache.popitem(last=False)
        return near

    def clear_cache(self) -> None:
        """Forget the name neighbours of past vectors (a benchmark that must work every request out)."""
        with self._near_lock:
            self._near_cache.clear()

    def _name_neighbours(self, vector: np.ndarray) -> "NameNeighbours":
        nv = self.name_vectors
        if not len(nv):
            return NameNeighbours({}, {}, {}, {}, 0.0)
        sims = np.einsum("ij,j->i", nv, np.asarray(vector, dtype=np.float32))
        k = min(NAME_NEIGHBOURS, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        best = float(sims[top[0]])
        w = np.exp((sims[top] - best) / NAME_TEMPERATURE)
        w = w / w.sum() * max(0.0, best - NAME_FLOOR) / (1.0 - NAME_FLOOR)
        artists: dict[str, float] = {}
        subgenres: dict[str, float] = {}
        genres: dict[str, float] = {}
        weight = {}
        for j, wj in zip(top.tolist(), w.tolist()):
            weight[j] = wj
            for a, share in self.playlist_artists[j].items():
                artists[a] = artists.get(a, 0.0) + wj * share
            p = self.playlists[j]
            subgenres[p.subgenre] = subgenres.get(p.subgenre, 0.0) + wj
            genres[p.genre] = genres.get(p.genre, 0.0) + wj
        return NameNeighbours(weight, artists, subgenres, genres, best)

    def track_name_score(self, row: int, near: "NameNeighbours") -> float:
        """Weight of the name-alike playlists that hold this very track."""
        return float(self.track_name_scores(near)[row])

    def track_name_scores(self, near: "NameNeighbours") -> np.ndarray:
        """Per catalog row, the weight of the name-alike playlists that hold it (worked out once per request).
        Each row's weights are added in playlist order, as a sum over the row's own playlists would add them."""
        if near.track_scores is None:
            acc = np.zeros(len(self.catalog), dtype=np.float64)
            for j in sorted(near.playlists):
                np.add.at(acc, self.playlist_rows[j], near.playlists[j])
            near.track_scores = acc
        return near.track_scores

    @staticmethod
    def _subgenre_parents(catalog: "Catalog") -> dict[str, str]:
        """Each subgenre's genre, as the playlists label them (the most common pairing)."""
        counts: dict[str, dict[str, int]] = {}
        for p in catalog.playlists.values():
            counts.setdefault(p.subgenre, {}).setdefault(p.genre, 0)
            counts[p.subgenre][p.genre] += 1
        return {s: max(g, key=g.get) for s, g in counts.items()}

    # --- the public entry points --------------------------------------------------------------

    def run(
        self,
        query: PlaylistQuery,
        limit: int | None = None,
        exclude_ids: Iterable[str] = (),
        query_vector: np.ndarray | None = None,
        need: int = 20,
    ) -> Retrieval:
        """Candidates (best first), notes on what was relaxed or fallen back on, and the query as finally
        applied (see :class:`Retrieval`).

        ``need`` is how many tracks the playlist needs: filters are relaxed while fewer pass them, or
        while the artist cap (``max_per_artist``) would leave fewer.
        """
        limit = limit or self.default_limit
        need = max(1, min(need, limit))
        vector = query_vector if query_vector is not None else self._embed(query)
        self._local.hybrid_ms = 0.0
        base = self._exclusions(query, exclude_ids)
        notes: list[str] = []
        if self._understood_nothing(query, vector):
            found = self._popular_fallback(query, vector, base, limit, notes)
            return found if found.candidates else self._all_excluded(query, base)

        # No separate counts: a search returns every match when fewer than ``limit`` pass a filter.
        levels = self._levels(query, base)
        wanted = self.wanted_moods(query)
        tried: list[tuple[PlaylistQuery, int]] = []
        relaxed: list[str] = []
        step_notes: dict[str, str] = {}  # one note per step: a later widening replaces an earlier one
        pool: dict[int, tuple[int, float]] = {}  # row -> (level, similarity)
        unknown: set[int] = set()  # rows admitted with no genre label under a genre filter
        for level, (step, flt, q, note) in enumerate(levels):
            if step:
                relaxed.append(step)
                step_notes[step] = note
            n = self._search_level(vector, flt, limit, wanted, level, pool, unknown)
            tried.append((q, n))
            if n >= need and self._capacity(pool, q) >= need:
                break
        if not pool:  # the last level keeps only the exclusions
            return self._all_excluded(query, base)
        final_q, matching = tried[-1]
        notes += list(step_notes.values())
        if matching < need:
            notes.append(f"Only {matching} track(s) match even after relaxing; the playlist may be shorter.")
        self._also_artists(query, vector, levels[len(tried) - 1][1], limit, len(tried) - 1, pool)
        self._like_era(query, vector, levels[len(tried) - 1][1], limit, len(tried) - 1, pool)
        t_hybrid = time.perf_counter()
        extra, near = self._hybrid(query, vector, levels[len(tried) - 1][1], limit, len(tried) - 1, pool)
        self._local.hybrid_ms = (time.perf_counter() - t_hybrid) * 1000.0
        cands = self._score(pool, final_q, query, len(tried), limit, unknown, extra)
        return Retrieval(cands, notes, final_q, relaxed, matching, near, vector)

    def _search_level(
        self,
        vector: np.ndarray,
        flt: Constraints,
        limit: int,
        wanted: dict[str, float],
        level: int,
        pool: dict[int, tuple[int, float]],
        unknown: set[int],
    ) -> int:
        """Add one relaxation level's hits to ``pool`` (row -> (level, similarity)); how many passed its filter
        (exact below ``limit``; at ``limit`` there are at least that many)."""
        hits = self.index.search_rows(vector, flt, limit)
        n = len(hits)
        if wanted and n == limit:
            # Make sure tracks tagged with a wanted mood are in the pool, however their text reads.
            mood_flt = flt.copy()
            mood_flt.any_of["mood"] = sorted(set(mood_flt.any_of.get("mood", ())) | set(wanted))
            hits += self.index.search_rows(vector, mood_flt, limit // 2)
        for row, sim in hits:
            pool.setdefault(row, (level, sim))
        unlabelled = self._unknown_genre(flt)
        if unlabelled is not None:  # rows admitted with no genre label under a genre filter
            for row, sim in self.index.search_rows(vector, unlabelled, limit // 2):
                if row not in pool:
                    pool[row] = (level, sim)
                    unknown.add(row)
        return n

    def _also_artists(
        self,
        query: PlaylistQuery,
        vector: np.ndarray,
        flt: Constraints,
        limit: int,
        level: int,
        pool: dict[int, tuple[int, float]],
    ) -> None:
        """ "classic rock with some Guns N' Roses", "workout mix with drake": the tracks of an artist asked for beside a
        genre or mood join the pool under the final filter without its genre and mood parts (their labels may
        differ); the refiner keeps their share."""
        from tools.refine import also_artists

        also = sorted(also_artists(query))
        if not also or not ({"genre", "subgenre", "mood"} & set(flt.any_of)):
            return
        c = flt.copy()
        c.any_of.pop("genre", None)
        c.any_of.pop("subgenre", None)
        c.any_of.pop("mood", None)  # the refiner keeps those near the mood (tools.refine.ALSO_MOOD_CLOSE)
        c.any_of["artist"] = also
        for row, sim in self.index.search_rows(vector, c, limit // 4):
            pool.setdefault(row, (level, sim))

    def _like_era(
        self,
        query: PlaylistQuery,
        vector: np.ndarray,
        flt: Constraints,
        limit: int,
        level: int,
        pool: dict[int, tuple[int, float]],
    ) -> None:
        """ "songs like ABBA" without a ranker (``core_pool``): the request's nearest tracks from the era of the artists
        it is like (``tools.pipeline.like_era``, soft) join the pool under the final filter, as a wanted mood's do. With
        a ranker the names channel's wide part brings the artists listed beside them; without one the request's words
        alone ("songs like abba") found 39 tracks of 300 from before 1990."""
        y = query.years
        if not self.core_pool or y is None or y.explicit or not (y.source or "").startswith("like "):
            return
        if "year" in flt.ranges or not (y.start or y.end):
            return
        c = flt.copy()
        c.ranges["year"] = (y.start, y.end)
        for row, sim in self.index.search_rows(vector, c, limit // 2):
            pool.setdefault(row, (level, sim))

    def _hybrid(
        self,
        query: PlaylistQuery,
        vector: np.ndarray,
        flt: Constraints,
        limit: int,
        level: int,
        pool: dict[int, tuple[int, float]],
    ) -> tuple[dict[str, list[tuple[int, float]]], Any]:
        """The BM25 and playlist-name channels under the final filter (their new rows join ``pool`` at
        ``level``), and the request's nearest playlist names; nothing when hybrid retrieval is off."""
        if not self.hybrid:
            return {}, None
        near = self.name_neighbours(vector)
        extra = {
            "bm25": self.index.search_sparse(sparse_query(search_text(query)), flt, limit),
            "names": self._names_channel(vector, near, flt, NAME_FETCH * limit, NAME_ARTISTS),
        }
        vectors, q = self.vectors, np.asarray(vector, dtype=np.float32)
        for rows in extra.values():
            for row, _ in rows:
                if row not in pool:  # its cosine (0 without vectors), a row at a time: a batch's sums round otherwise
                    pool[row] = (level, 0.0 if vectors is None else float(vectors[row] @ q))
        if not self.core_pool and WIDE_NAME_FETCH:  # the served channel goes on past the ranker's core pool
            names = extra["names"]
            seen = {row for row, _ in names}
            wide = self._names_channel(vector, near, flt, WIDE_NAME_FETCH * limit, WIDE_NAME_ARTISTS)
            wide = [hit for hit in wide if hit[0] not in seen]
            names += wide
            new = [row for row, _ in wide if row not in pool]
            if new and self.vectors is not None:  # hundreds of rows: their cosines in one product
                sims = (self.vectors[new] @ np.asarray(vector, dtype=np.float32)).tolist()
            else:
                sims = [0.0] * len(new)
            pool.update(zip(new, zip([level] * len(new), sims)))
        return extra, near

    @staticmethod
    def _all_excluded(query: PlaylistQuery, base: Constraints) -> Retrieval:
        what = base.describe() if not base.is_empty() else "the catalog is empty"
        return Retrieval([], [f"No track is left: every track in the catalog is excluded ({what})."], query)

    # --- pieces -------------------------------------------------------------------------------

    def _capacity(self, pool: dict[int, tuple[int, float]], q: PlaylistQuery) -> int:
        """How many tracks a playlist could take from the pool under the artist cap."""
        if _hard(q.artists):  # the refiner lifts the cap for named artists
            return len(pool)
        per: dict[str, int] = {}
        for row in pool:
            per[self.artists[row]] = per.get(self.artists[row], 0) + 1
        return sum(min(self.max_per_artist, c) for c in per.values())

    def _unknown_genre(self, flt: Constraints) -> Constraints | None:
        """``flt`` for the tracks with no genre label in place of its genre/subgenre part, else None (also when every
        track has a label, as in the product's catalog: the search would find nothing, at a full scan's cost)."""
        if not self.some_unlabelled or ("genre" not in flt.any_of and "subgenre" not in flt.any_of):
            return None
        c = flt.copy()
        c.any_of.pop("genre", None)
        c.any_of.pop("subgenre", None)
        # "none of every genre" is "no genre label": the backends share no is-empty condition
        c.none_of["genre"] = sorted(set(c.none_of.get("genre", [])) | set(self.all_genres))
        return c

    def _embed(self, query: PlaylistQuery) -> np.ndarray:
        text = search_text(query)
        return self.encoder.encode_one(text or "music")

    def _understood_nothing(self, query: PlaylistQuery, vector: np.ndarray) -> bool:
        if not query.is_empty() and not self._only_free_text(query):
            return False
        text = (query.free_text or query.text).strip()
        if not any(ch.isalpha() for ch in text):  # empty, emoji, punctuation or bare numbers
            return True
        # Free text only: fall back when nothing in the catalog reads like it.
        best = self.index.search_rows(vector, None, 1)
        return not best or best[0][1] < NOTHING_CLOSE

    @staticmethod
    def _only_free_text(query: PlaylistQuery) -> bool:
        return query.model_copy(update={"free_text": ""}).is_empty()

    def _exclusions(self, query: PlaylistQuery, exclude_ids: Iterable[str]) -> Constraints:
        c = Constraints()
        for name, tags in (
            ("genre", query.exclude_genres),
            ("subgenre", query.exclude_subgenres),
            ("mood", query.exclude_moods),
        ):
            if tags:
                c.none_of[name] = sorted({t.value for t in tags})
        if query.exclude_artists:
            c.none_of["artist"] = sorted({fold(t.value) for t in query.exclude_artists})
        if query.exclude_years:  # "no 80s": the years themselves, as a payload match
            c.none_of["year"] = sorted(
                {
                    y
                    for r in query.exclude_years
                    for y in range(max(1900, r.start or 1900), min(2100, r.end or 2100) + 1)
                }
            )
        rows = {i for i in (self.catalog.index.get(t) for t in exclude_ids) if i is not None}
        for kind in query.exclude_versions:  # "no remixes": the rows whose title's tail says so
            rows |= self.version_rows.get(kind, set())
        if not vocab.HOLIDAY_WORDS & set(vocab.key(f"{query.text} {query.free_text}")):
            rows |= self.holiday_rows  # "Jingle Bells" in a July barbecue playlist: only when the season is asked
        if query.clean == "only":  # "no explicit", kids: titles or artist names that swear (vocab.EXPLICIT_TITLE)
            rows |= self.explicit_rows
        if query.track_minutes_max:  # "nothing over 3 min": each track's own length
            rows |= set(np.flatnonzero(self.durations_ms > query.track_minutes_max * 60_000).tolist())
        c.exclude_rows = sorted(rows)
        return c

    @cached_property
    def artist_search(self) -> ArtistSearch | None:
        """The names channel's search among a few artists' tracks, from the arrays (None without document vectors)."""
        return None if self.vectors is None else ArtistSearch(self.catalog, self.vectors)

    @cached_property
    def durations_ms(self) -> np.ndarray:
        """Per catalog row, the track's length in milliseconds."""
        return np.array([t.duration_ms for t in self.catalog.tracks], dtype=np.int64)

    @cached_property
    def explicit_rows(self) -> set[int]:
        """The catalog rows whose title or artist name carries an explicit word (``vocab.explicit_title``)."""
        return {row for row, t in enumerate(self.catalog.tracks) if vocab.explicit_title(t.title, t.artist)}

    @cached_property
    def holiday_rows(self) -> set[int]:
        """The catalog rows whose title names a holiday song (``vocab.HOLIDAY_TITLE``)."""
        return {row for row, t in enumerate(self.catalog.tracks) if vocab.HOLIDAY_TITLE.search(t.title)}

    @cached_property
    def first_years(self) -> np.ndarray:
        """Per row, the earliest year the catalog dates a release of its song (:func:`tools.catalog.song_key`: versions
        and "feat." variants are one song) in; a remix counts as its own song, a row of no known year as 9999."""
        tracks = self.catalog.tracks
        remixes = self.version_rows.get("remix", set())
        remastered = self.version_rows.get("remaster", set())
        years = np.where(self.years > 0, self.years, 9999.0).astype(np.float32)
        artist_first: dict[str, float] = {}
        for a, y in zip(self.artists, years.tolist()):
            artist_first[a] = min(y, artist_first.get(a, 9999.0))
        eras: dict[str, list[float]] = {}  # per artist, the years of their rows on albums of their own (no hits album)
        for row, t in enumerate(tracks):
            if years[row] < 9999.0 and not _COMPILATION.search(t.album or ""):
                eras.setdefault(self.artists[row], []).append(float(years[row]))
        artist_era = {a: float(np.median(ys)) for a, ys in eras.items()}
        own = years.copy()  # each row's own earliest: its year, or what its album says it gathers
        for row, t in enumerate(tracks):
            if row in remixes or not t.album:
                continue
            if _COMPILATION.search(t.album):
                era = artist_era.get(self.artists[row], 9999.0)
                if row in remastered or era <= years[row] - 2 * COMPILATION_AGE:  # an old song on a hits album
                    own[row] = min(own[row], artist_first[self.artists[row]], years[row] - COMPILATION_AGE)
            for m in _ALBUM_DECADE.finditer(t.album):
                decade = int(m.group(2)) if m.group(2) else 1900 + int(m.group(1))
                if decade + 9 < years[row]:
                    own[row] = min(own[row], float(decade))
        keys = [None if row in remixes else t.song_key for row, t in enumerate(tracks)]
        first: dict[str, float] = {}
        for k, y in zip(keys, own.tolist()):
            if k is not None and y < first.get(k, 9999.0):
                first[k] = y
        return np.array([own[r] if k is None else first[k] for r, k in enumerate(keys)], dtype=np.float32)

    @cached_property
    def version_rows(self) -> dict[str, set[int]]:
        """Kind of version ("remix", "live", ...) -> the catalog rows whose title's tail names it."""
        from tools.refine import version_kinds

        out: dict[str, set[int]] = {}
        for row, t in enumerate(self.catalog.tracks):
            for kind in version_kinds(t.title):
                out.setdefault(kind, set()).add(row)
        return out

    def _levels(self, query: PlaylistQuery, base: Constraints) -> list[tuple[str, Constraints, PlaylistQuery, str]]:
        """The strict filter, then one (step, filter, query, note) per relaxation that applies."""
        q = query
        out: list[tuple[str, Constraints, PlaylistQuery, str]] = [("", self._filter(q, base), q, "")]

        def add(step: str, new_q: PlaylistQuery, note: str) -> None:
            nonlocal q
            q = new_q
            out.append((step, self._filter(q, base), q, note))

        if _hard(q.moods):
            moods = _label(_hard(q.moods))
            add(
                "moods",
                q.model_copy(update={"moods": _soften(q.moods)}),
                f"Too few tracks are tagged {moods} under the other filters; {moods} now only guides the order.",
            )
        hard_bounds = [b for b in q.features if b.explicit and (b.min is not None or b.max is not None)]
        if hard_bounds:
            names = ", ".join(dict.fromkeys(b.feature for b in hard_bounds))
            soft = [b.model_copy(update={"explicit": False}) if b in hard_bounds else b for b in q.features]
            add(
                "features",
                q.model_copy(update={"features": soft}),
                f"Relaxed the {names} limit to find enough tracks; it now only guides the order.",
            )
        subs = _hard(q.subgenres)
        if subs:
            parents = sorted({self.parent.get(t.value, "") for t in subs} - {""})
            genres = list(q.genres) + [
                Tag(value=g, source="parent of " + _label(subs))
                for g in parents
                if g not in {t.value for t in q.genres}
            ]
            add(
                "subgenre",
                q.model_copy(update={"subgenres": _soften(q.subgenres), "genres": genres}),
                f"Few tracks in {_label(subs)}; widened to {', '.join(parents) or 'any genre'}.",
            )
        y = q.years
        if y is not None and y.explicit and (y.start or y.end):
            for pad in (2, 5):
                wide = YearRange(
                    start=max(1900, y.start - pad) if y.start else None,
                    end=min(2100, y.end + pad) if y.end else None,
                    source=y.source,
                )
                add(
                    "years",
                    q.model_copy(update={"years": wide}),
                    f"Few tracks from {y.label()}; widened to {wide.label()}.",
                )
            add(
                "years",
                q.model_copy(update={"years": y.model_copy(update={"explicit": False})}),
                f"Too few tracks from {y.label()}; other years added, nearest first.",
            )
        if _hard(q.genres):
            g = _label(_hard(q.genres) + _hard(q.subgenres))
            add(
                "genre",
                q.model_copy(update={"genres": _soften(q.genres), "subgenres": _soften(q.subgenres)}),
                f"Too few {g} tracks under the other filters; other genres added after them.",
            )
        if _hard(q.artists):
            a = _label(_hard(q.artists))
            add(
                "artists",
                q.model_copy(update={"artists": _soften(q.artists)}),
                f"Only a few tracks by {a} fit the request; similar tracks fill the rest.",
            )
        return out

    def _filter(self, q: PlaylistQuery, base: Constraints) -> Constraints:
        c = base.copy()
        subs = _hard(q.subgenres)
        genres = _hard(q.genres)
        sub_parents = {self.parent.get(t.value) for t in subs}
        if subs and all(t.value in sub_parents for t in genres):
            c.any_of["subgenre"] = sorted({t.value for t in subs})
        elif genres:  # a genre with no subgenre asked for it: filter on genres, subgenres only score
            # "classic rock and motown": a subgenre asked beside another genre keeps its parent in the filter
            parents = {p for p in sub_parents if p} - {t.value for t in genres}
            c.any_of["genre"] = sorted({t.value for t in genres} | parents)
        if _hard(q.moods):
            c.any_of["mood"] = sorted({t.value for t in _hard(q.moods)})
        if _hard(q.artists):
            c.any_of["artist"] = sorted({fold(t.value) for t in _hard(q.artists)})
        if q.years is not None and q.years.explicit and (q.years.start or q.years.end):
            c.ranges["year"] = (q.years.start, q.years.end)
            if q.years.start:  # "throwback hits 2008-2012": a song first out before, released again, is not of then
                older = self.first_years < q.years.start - RERELEASE_SLACK
                reissued = np.flatnonzero(older & (self.years >= q.years.start)).tolist()
                c.exclude_rows = sorted(set(c.exclude_rows) | set(reissued))
        for b in q.features:
            if b.explicit and (b.min is not None or b.max is not None) and b.feature not in PAYLOAD_FIELDS:
                # "songs with vocals": no payload index on instrumentalness, so its rows out of bounds are skipped
                v = self.features[b.feature]
                out = np.zeros(len(v), dtype=bool)
                if b.min is not None:
                    out |= v < b.min
                if b.max is not None:
                    out |= v > b.max
                c.exclude_rows = sorted(set(c.exclude_rows) | set(np.flatnonzero(out).tolist()))
            elif b.explicit and (b.min is not None or b.max is not None):
                lo, hi = c.ranges.get(b.feature, (None, None))
                lo = b.min if lo is None else max(lo, b.min if b.min is not None else lo)
                hi = b.max if hi is None else min(hi, b.max if b.max is not None else hi)
                c.ranges[b.feature] = (lo, hi)
        return c

    def wanted_moods(self, query: PlaylistQuery) -> dict[str, float]:
        """Mood -> weight, from moods (said or inferred) and the moods activities imply."""
        out: dict[str, float] = {}
        for t in query.moods:
            if t.value in MOOD_TARGETS:  # a mood read surely enough to filter counts in full (a typo is still said)
                out[t.value] = max(out.get(t.value, 0.0), 1.0 if _hard([t]) else t.confidence)
        for t in query.activities:
            m = self.activity_mood.get(t.value, t.value if t.value in MOOD_TARGETS else None)
            if m in MOOD_TARGETS:
                out[m] = max(out.get(m, 0.0), t.confidence)
        return out

    def mood_fit(self, rows: np.ndarray, moods: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the weighted mean closeness to ``moods``' sound (1 on it, 0 far off) and the weighted share of
        ``moods``' tags it carries (both 0-1)."""
        closeness, tagged, total = self._mood_sums(rows, moods)
        return closeness / total, tagged / total

    def _mood_sums(self, rows: np.ndarray, moods: dict[str, float]) -> tuple[np.ndarray, np.ndarray, float]:
        """Per row, the closeness to ``moods``' sound and their tags, each summed by the moods' weights; the weights'
        total."""
        total = sum(moods.values())
        closeness = np.zeros(len(rows), dtype=np.float32)
        tagged = np.zeros(len(rows), dtype=np.float32)
        for m, w in moods.items():
            target = MOOD_TARGETS[m]
            dist = np.mean([np.abs(self.scaled[f][rows] - v) for f, v in target.items()], axis=0)
            closeness += w * np.clip(1.0 - 2.0 * dist, 0.0, 1.0)
            tagged += w * self.mood_tagged[m][rows]
        return closeness, tagged, total

    def _score(
        self,
        pool: dict[int, tuple[int, float]],
        q: PlaylistQuery,
        asked: PlaylistQuery,
        n_levels: int,
        limit: int,
        unknown: set[int] | frozenset[int] = frozenset(),
        extra: dict[str, list[tuple[int, float]]] | None = None,
    ) -> list[Candidate]:
        """The pool scored by tags and similarity (channel ``tags``), fused with the ``extra`` channels
        by reciprocal rank within each relaxation tier: the best ``limit`` alone, or with ``extra``
        channels the tag channel's best ``limit`` and every extra channel's hits (bm25's ``limit``, names'
        :data:`NAME_FETCH` times ``limit`` and the wide part's), best fused first."""
        if not pool:
            return []
        rows = np.fromiter(pool, dtype=np.int64, count=len(pool))
        found = list(pool.values())  # in the rows' order
        level = np.fromiter(map(itemgetter(0), found), dtype=np.float32, count=len(found))
        sim = np.fromiter(map(itemgetter(1), found), dtype=np.float32, count=len(found))
        score = W_SIM * sim + TIER * (n_levels - 1 - level)

        moods = self.wanted_moods(q)
        self._add_preferences(score, rows, q, moods, unknown)
        soft = score - TIER * (n_levels - 1 - level)  # the tag score without the tier
        by_tags, order, fused = self._fuse(rows, score, level, n_levels, limit, extra)
        tag_rank = np.empty(len(rows), dtype=np.int64)
        tag_rank[by_tags] = np.arange(len(rows))
        dense_rank = np.empty(len(rows), dtype=np.int64)
        dense_rank[np.argsort(-sim, kind="stable")] = np.arange(len(rows))
        ranks = {name: {row: (rank, s) for rank, (row, s) in enumerate(hits)} for name, hits in (extra or {}).items()}
        matched = self._matcher(q, asked, moods)
        ids = self.track_ids
        # Python numbers once for the whole pool: the loop below makes a Candidate of each kept row
        rows_, fused_, sim_, soft_ = rows.tolist(), fused.tolist(), sim.tolist(), soft.tolist()
        level_, tag_rank_, dense_rank_ = level.astype(np.int64).tolist(), tag_rank.tolist(), dense_rank.tolist()
        out = []
        extras = list(ranks.items())
        for i in order.tolist():
            row, s = rows_[i], sim_[i]
            channels = {"tags": (tag_rank_[i], soft_[i]), "dense": (dense_rank_[i], s)}
            for name, found in extras:
                if row in found:
                    channels[name] = found[row]
            # positional: track_id, idx, score, matched (worked out when read), affinity, final, channels, tier
            out.append(Candidate(ids[row], row, fused_[i], LazyTags(matched, row, s), None, 0.0, channels, level_[i]))
        return out

    def _add_preferences(
        self,
        score: np.ndarray,
        rows: np.ndarray,
        q: PlaylistQuery,
        moods: dict[str, float],
        unknown: set[int] | frozenset[int],
    ) -> None:
        """Add the soft preferences to ``score`` in place: moods, feature targets and soft bounds, soft genres,
        soft years, soft artists, a penalty for unlabelled rows under a genre filter, popularity."""
        if moods:
            closeness, tagged, total = self._mood_sums(rows, moods)
            score += (W_MOOD * closeness + W_MOOD_TAG * tagged) / total

        for b in q.features:
            lo, hi = FEATURE_RANGE[b.feature]
            v = self.features[b.feature][rows]
            if b.target is not None:
                score += W_FEATURE * b.confidence * np.clip(1.0 - 2.0 * np.abs(v - b.target) / (hi - lo), 0.0, 1.0)
            if not b.explicit:  # a soft bound: penalise the distance outside it
                out = np.maximum(0.0, (b.min if b.min is not None else lo) - v) + np.maximum(
                    0.0, v - (b.max if b.max is not None else hi)
                )
                score -= W_FEATURE * b.confidence * np.clip(4.0 * out / (hi - lo), 0.0, 1.0)

        soft_genres = {t.value: t.confidence for t in _soft(q.genres)}
        soft_subs = {t.value: t.confidence for t in _soft(q.subgenres)}
        if soft_genres or soft_subs:
            g = np.array(
                [
                    max(
                        [soft_genres.get(x, 0.0) for x in self.genre_sets[r]]
                        + [soft_subs.get(x, 0.0) for x in self.subgenre_sets[r]]
                        + [0.0]
                    )
                    for r in rows
                ],
                dtype=np.float32,
            )
            score += W_GENRE * g

        y = q.years
        if y is not None and not y.explicit and (y.start or y.end):
            years = self.years[rows]
            gap = np.maximum(0.0, (y.start or 0) - years) + np.maximum(0.0, years - (y.end or 9999))
            gap = np.where(years > 0, gap, 30.0)
            score += W_YEAR * y.confidence * np.clip(1.0 - gap / 10.0, 0.0, 1.0)

        soft_artists = {fold(t.value) for t in _soft(q.artists)}
        if soft_artists:
            score += W_ARTIST * np.array([self.artists[r] in soft_artists for r in rows], dtype=np.float32)

        if unknown:
            unlabelled = np.fromiter((r in unknown for r in rows.tolist()), dtype=np.float32, count=len(rows))
            score -= W_UNKNOWN_GENRE * unlabelled

        pop = self.popularity[rows]
        w_pop = {"popular": 3 * W_POP, "obscure": -3 * W_POP}.get(q.popularity or "", W_POP)
        score += w_pop * pop

    @staticmethod
    def _fuse(
        rows: np.ndarray,
        score: np.ndarray,
        level: np.ndarray,
        n_levels: int,
        limit: int,
        extra: dict[str, list[tuple[int, float]]] | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the tag channel's order, the pool's order, the fused scores): the best ``limit`` by tag score alone,
        or with ``extra`` channels the tag channel's best ``limit`` and every extra channel's hits, by reciprocal rank
        fusion within each tier."""
        by_tags = np.argsort(-score, kind="stable")
        if not extra:
            order = by_tags[:limit]
            fused = score
        else:
            # Reciprocal rank fusion of the channels, inside each tier (a stricter tier still comes first).
            # each channel's hits as positions in ``rows`` (every hit is in the pool), in the channel's order
            at = np.full(int(rows.max()) + 1, -1, dtype=np.int64)
            at[rows] = np.arange(len(rows))
            hit_at = [at[np.fromiter(map(itemgetter(0), hits), np.int64, len(hits))] for hits in extra.values()]
            rrf = np.zeros(len(rows), dtype=np.float64)
            rrf[by_tags] += 1.0 / (RRF_K + np.arange(len(rows)))
            for where in hit_at:  # unbuffered and in order: each row's shares are added as a loop over hits added them
                np.add.at(rrf, where, 1.0 / (RRF_K + np.arange(len(where))))
            fused = TIER * (n_levels - 1 - level) + rrf
            # The pool: the tag channel's best ``limit`` (by its score) and the other channels' hits, in fused order.
            # The learned ranker orders the pool and keeps ``limit``; without one the fused order does.
            keep = np.zeros(len(rows), dtype=bool)
            keep[by_tags[:limit]] = True
            for where in hit_at:
                keep[where] = True
            order = np.argsort(-fused, kind="stable")
            order = order[keep[order]]
        return by_tags, order, fused

    def _names_channel(
        self, vector: np.ndarray, near: NameNeighbours, flt: Constraints, limit: int, artists: int
    ) -> list[tuple[int, float]]:
        """Tracks of the ``artists`` most weighted artists the name-alike playlists hold, under ``flt``: each scored by
        its artist's weight plus its own playlists' weight, the request's cosine breaking ties."""
        if not near.artists:
            return []
        # by weight, heaviest first, ties in the order met (a stable sort, reversed: as a key of -weight would)
        top = sorted(near.artists.items(), key=itemgetter(1), reverse=True)[:artists]
        c = flt.copy()
        wanted = [a for a, _ in top]
        if "artist" in c.any_of:  # named artists already filter: keep the ones both allow
            allowed = set(c.any_of["artist"])
            wanted = [a for a in wanted if a in allowed]
            if not wanted:
                return []
        c.any_of["artist"] = wanted
        arrays = self.artist_search  # a few hundred rows read, not the shard scanned
        if arrays is not None:
            hits = arrays.search(vector, wanted, c, limit)
        else:
            hits = self.index.search_rows(vector, c, limit)
        own = self.track_name_scores(near)[[row for row, _ in hits]].tolist()
        weight, artists = near.artists.get, self.artists
        scored = [(row, weight(artists[row], 0.0) + o + 0.01 * sim) for (row, sim), o in zip(hits, own)]
        scored.sort(key=itemgetter(1), reverse=True)
        return scored

    def _matcher(self, q: PlaylistQuery, asked: PlaylistQuery, moods: dict[str, float]):
        """A function (row, similarity) -> the tags that track matched, for its reason.

        Everything that depends only on the query is worked out once here, not per candidate.
        """
        subs = [(g.value, self.parent.get(g.value)) for g in q.subgenres]
        genres = [g.value for g in q.genres]
        years = asked.years if q.years is not None and asked.years and (asked.years.start or asked.years.end) else None
        year_label = years.label() if years else ""
        artists = {fold(a.value): a.value for a in q.artists}
        mood_labels = [(m, f"{m} mood") for m in moods]
        targets = [
            (
                self.features[b.feature],
                b.target,
                0.1 * (FEATURE_RANGE[b.feature][1] - FEATURE_RANGE[b.feature][0]),
                f"{b.feature} ~{b.target:g}",
            )
            for b in q.features
            if b.target is not None
        ]
        free = (q.free_text or "").strip()
        similar = f"similar to '{free[:40]}'" if free else ""
        popular = q.popularity == "popular"
        tracks = self.catalog.tracks

        sub_sets, genre_sets, mood_sets, names = self.subgenre_sets, self.genre_sets, self.mood_sets, self.artists
        popular_floor = self.popular_floor

        def matched(row: int, sim: float) -> list[str]:  # called for every candidate: only the asked parts run
            out: list[str] = []
            if subs:
                sub_set = sub_sets[row]
                parents = set()
                for value, parent in subs:
                    if value in sub_set:
                        out.append(value)
                        parents.add(parent)
                if genres:
                    out += [g for g in genres if g in genre_sets[row] and g not in parents]
            elif genres:
                genre_set = genre_sets[row]
                out += [g for g in genres if g in genre_set]
            if years is not None and years.contains(tracks[row].year):
                out.append(year_label)
            if artists and names[row] in artists:
                out.append(artists[names[row]])
            if mood_labels:
                out += [label for m, label in mood_labels if m in mood_sets[row]]
            if targets:
                out += [label for values, target, tol, label in targets if abs(values[row] - target) <= tol]
            if similar and sim >= SIMILAR_SHOWN:
                out.append(similar)
            if popular and tracks[row].popularity >= popular_floor:
                out.append("popular")
            return out

        return matched

    def _popular_fallback(
        self, query: PlaylistQuery, vector: np.ndarray, base: Constraints, limit: int, notes: list[str]
    ) -> Retrieval:
        """Nothing was understood: popular tracks, nearest to whatever was said, with a note."""
        if (query.text or query.free_text).strip():
            notes.append(
                "Nothing in the request matched a genre, mood, era or artist; here are popular tracks instead."
            )
        else:
            notes.append("The request was empty; here are popular tracks.")
        flt = base.copy()
        flt.ranges["popularity"] = (self.popular_floor, None)
        hits = self.index.search_rows(vector, flt, limit)
        if len(hits) < limit:
            seen = {r for r, _ in hits}
            hits += [h for h in self.index.search_rows(vector, base, limit) if h[0] not in seen]
        cands = [
            Candidate(self.catalog.tracks[r].track_id, r, float(self.popularity[r] + 0.1 * s), ["popular"])
            for r, s in hits
        ]
        cands.sort(key=lambda c: -c.score)
        return Retrieval(cands[:limit], notes, query, [], len(hits))
