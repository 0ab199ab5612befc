"""One request through stages 1-4: text -> typed query -> Qdrant candidates -> rerank -> playlist.

Usage:
    pipe = Pipeline.load(settings)                  # the product: catalog and artifacts in settings.home
    result = pipe.run("90s hip hop for the gym, no Eminem", n=20)

``Pipeline.from_catalog(settings, catalog, home)`` builds the same pipeline over another catalog
(an evaluation split), with its own index under ``home`` and the shared embedding cache.

Every stage is a method that can be called alone (``embed``, ``extract``, ``retrieve``, ``rerank``,
``refine``). The request text is embedded once and the vector shared by extraction and retrieval.
A pipeline is safe to share between threads: stages keep no per-request state on the instance,
and the per-request stage timings (``last_timings``) are kept per thread.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, Sequence

import numpy as np

from tools import vocab
from tools.catalog import fold
from tools.extract import occasion_length
from tools.schema import Candidate, FeatureBound, PlaylistItem, PlaylistQuery, PlaylistResult, YearRange

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.embed import Encoder
    from tools.index import TrackIndex
    from tools.retrieve import Retrieval
    from tools.settings import Settings

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # characters of a request that are read (PlaylistQuery.text keeps as many)
# Intra-op threads for torch while serving. One request's query is one short sentence: a second
# thread saves little on an idle machine and, on the shared 2-core box, spin-waiting threads made the
# query embedding 8x slower (p50 1285 ms with 2 threads vs 159 ms with 1, measured under load).
SERVING_TORCH_THREADS = 1
# The same for numpy's BLAS (OpenBLAS), whose threads also spin: the ranker's small MLP (a few hundred rows
# through 35x64x32) took 11.5 ms of CPU per call with OpenBLAS's threads and 0.3 ms on one, under load.
SERVING_BLAS_THREADS = 1
STAGES = ("embed", "extract", "retrieve", "hybrid", "rank", "rerank", "refine")  # keys of last_timings, plus "request"


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for the block (nested blocks: the outermost resumes it).

    Loading makes millions of long-lived objects (tracks, sets, token tuples, dicts): each collection the
    allocations trigger walks them all again, 0.7 s of a 4.4 s cold start (measured with gc.callbacks). Cyclic
    garbage made meanwhile is collected once the block ends; refcounting frees the rest as always."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


GC_YOUNG = 20_000  # the collector's first threshold once a server is warm (Python's default: 700)


def settle_heap() -> None:
    """Once a long-running process holds what it keeps (catalog, tables, models): collect, freeze what survives, and
    let the youngest generation grow to :data:`GC_YOUNG` objects before a collection.

    Frozen, the half million objects loaded are not walked again by each full collection (2.6 -> 0.5 ms of CPU a
    request, `python -m evals.warm_cpu cpu`). The default young threshold (700) fired 3-4 collections a request or turn,
    set off by a request's own short-lived candidates, tuples and dicts (freed by reference counting anyway), not by
    garbage; at 20,000 the collector still runs, on cyclic garbage, just far less often (gc.callbacks: 0.5-0.9 -> 0 ms a
    request or turn over 100 of each). Only what refcounting cannot free waits longer: a few thousand objects at most.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


CALM_HEADROOM = 0.2  # a calm request's soft energy ceiling above its aim (sleep .45, unwind .6)


def calm_target(query: PlaylistQuery) -> PlaylistQuery:
    """``query`` with a low energy aimed at when it asks for sleep, meditation or reading and says nothing of the
    energy (a soft target the search and the ranker score, no filter, not a tag of the request): the tags alone let
    "music to fall asleep to" open with "No Sleep" at energy .69."""
    said = [t for t in query.activities + query.moods if t.value in vocab.CALM_ENERGY]
    aims = [vocab.CALM_ENERGY[t.value] for t in said]
    if not said and not query.genres + query.subgenres and vocab.calm_down(query.text):
        return _come_down(query)
    if not aims or any(b.feature == "energy" for b in query.features):  # the energy said wins, and its sound
        return query
    features = [*query.features, _calm_bound(min(aims), said[0].value)]
    bounded = {b.feature for b in features}
    for t in said:  # sleep's quiet, unsung sound: soft bounds on what the request says nothing of
        for feature, lo, hi in vocab.CALM_SOUNDS.get(t.value, ()):
            if feature not in bounded:
                bounded.add(feature)
                features.append(
                    FeatureBound(feature=feature, min=lo, max=hi, explicit=False, confidence=0.5, source=t.value)
                )
    return query.model_copy(update={"features": features})


LIKE_ERA_SLACK = 6  # years either side of a liked artist's era
LIKE_ERA_CONFIDENCE = 1.0  # its weight in the search (never a filter: the range is not explicit)


def like_era(query: PlaylistQuery, catalog: "Catalog") -> PlaylistQuery:
    """ "songs like ABBA", "party music like abba and madonna": when the request says no years, the era of the artists
    it is like is aimed at (soft: a lean the search and the ranker score, never a filter). Co-listing alone read
    "like ABBA" through the one playlist that holds ABBA, a latin one: 19 of 20 tracks from the 2010s. (Aiming at
    their sound as well lost the artist's own tracks: "music like drake" had no Drake.)

    An artist's era is the first quarter of their releases in the catalog (remasters, compilations and late
    remixes come later), give or take :data:`LIKE_ERA_SLACK` years."""
    liked = [t.value for t in query.artists if t.scope == "like"]
    if not liked or query.years is not None or query.exclude_years:
        return query
    years = [
        sorted(catalog.tracks[r].year for r in catalog.by_artist.get(fold(a), ()) if catalog.tracks[r].year)
        for a in liked
    ]
    eras = [ys[(len(ys) - 1) // 4] for ys in years if ys]
    if not eras:
        return query
    era = YearRange(
        start=max(1900, min(eras) - LIKE_ERA_SLACK), end=min(2100, max(eras) + LIKE_ERA_SLACK), explicit=False,
        confidence=LIKE_ERA_CONFIDENCE, source="like " + ", ".join(liked),
    )  # fmt: skip
    return query.model_copy(update={"years": era})


def _calm_bound(target: float, source: str) -> FeatureBound:
    """The low energy a calm request aims at: a soft target, and a soft ceiling :data:`CALM_HEADROOM` above it whose
    overshoot is penalised (still no filter: a track above it can play when nothing else fits)."""
    return FeatureBound(
        feature="energy", target=target, max=round(target + CALM_HEADROOM, 3), explicit=False, confidence=0.5,
        source=source,
    )  # fmt: skip


def _come_down(query: PlaylistQuery) -> PlaylistQuery:
    """ "help me unwind", "para relajarse": the chill the words imply is searched for as if said ("help me relax"
    says it), and a low energy aimed at as for sleep; the inferred mood alone only ordered, and trap at .7 led."""
    calm = [t for t in query.moods if t.value in vocab.CALM_INFERRED_ENERGY and not t.explicit]
    if not calm:
        return query
    moods = [t.model_copy(update={"explicit": True, "confidence": 1.0}) if t in calm else t for t in query.moods]
    features = list(query.features)
    if not any(b.feature == "energy" for b in features):
        features.append(_calm_bound(min(vocab.CALM_INFERRED_ENERGY[t.value] for t in calm), calm[0].value))
    return query.model_copy(update={"moods": moods, "features": features})


class Pipeline:
    """Stages 1-4 over one catalog and its Qdrant index."""

    def __init__(
        self,
        settings: "Settings",
        catalog: "Catalog",
        encoder: "Encoder",
        index: "TrackIndex",
        extractor=None,
        home: Path | None = None,
        *,
        vectors: np.ndarray | None = None,
        name_vectors: np.ndarray | None = None,
        label_vectors: dict[str, np.ndarray] | None = None,
        ranker="auto",
    ):
        """``vectors`` / ``name_vectors``: the catalog's document and playlist-name vectors (for the
        hybrid channels; embedded when absent). ``ranker``: a :class:`tools.ranker.Ranker`, None for
        none, or "auto" to load the one in ``home/ranker`` when it was trained for this catalog."""
        from tools.retrieve import Retriever

        self.settings = settings
        self.catalog = catalog
        self.encoder = encoder
        self.index = index
        self.home = Path(home or settings.home)
        if extractor is None:
            from tools.extract_llm import build_extractor

            extractor = build_extractor(settings, catalog, encoder)
        self.extractor = extractor
        self.retriever = Retriever(
            catalog,
            index,
            encoder,
            settings.candidates,
            settings.max_per_artist,
            vectors=vectors,
            name_vectors=name_vectors,
            label_vectors=label_vectors,
        )
        self._ranker = ranker
        self._ranker_lock = threading.Lock()
        mean_ms = float(np.mean([t.duration_ms for t in catalog.tracks])) if len(catalog) else 210_000.0
        self.mean_duration_ms = mean_ms or 210_000.0
        self._local = threading.local()
        limit_torch_threads(SERVING_TORCH_THREADS)
        limit_blas_threads(SERVING_BLAS_THREADS)
        self._cf = None  # tools.cf.CFModel, loaded (or trained) on first use by cf_model()
        self._cf_lock = threading.Lock()

    # --- construction --------------------------------------------------------------------------

    @classmethod
    @gc_paused()
    def load(cls, settings: "Settings", progress: bool = False) -> "Pipeline":
        """The product pipeline: catalog from ``settings.data``, artifacts in ``settings.home`` (built if missing)."""
        from tools.build import load_catalog

        return cls.from_catalog(settings, load_catalog(settings), settings.home, progress=progress)

    @classmethod
    @gc_paused()
    def from_catalog(
        cls, settings: "Settings", catalog: "Catalog", home: Path, progress: bool = False, in_memory: bool = False, **kw
    ) -> "Pipeline":
        """A pipeline over ``catalog`` whose index lives under ``home``; embeddings come from the shared cache.
        ``in_memory``: the index as arrays in this process (:class:`tools.index.MemoryBackend`) instead of
        Qdrant. ``kw`` go to the constructor (``ranker``)."""
        from tools.build import dense_vectors, label_vectors, name_vectors, open_served
        from tools.embed import get_encoder

        t0 = time.perf_counter()
        encoder = get_encoder()
        if in_memory:  # a short-lived catalog (a ranker training fold): arrays, no Qdrant build
            from tools.index import MemoryBackend, TrackIndex

            vectors = dense_vectors(settings, catalog, progress=progress)
            index = TrackIndex(MemoryBackend())
            index.ensure(catalog, vectors, progress=False)
        else:  # vectors memory-mapped from <home>/document-vectors.npy; reused as stamped when nothing changed
            index, vectors = open_served(settings, catalog, Path(home), progress=progress)
        names = name_vectors(settings, catalog, encoder)
        labels = sorted(set(catalog.genres) | set(catalog.subgenres))
        kw.setdefault("label_vectors", dict(zip(labels, label_vectors(settings, labels, encoder))))
        log.info("pipeline ready over %d tracks in %.1fs", len(catalog), time.perf_counter() - t0)
        return cls(settings, catalog, encoder, index, home=home, vectors=vectors, name_vectors=names, **kw)

    def close(self) -> None:
        self.index.close()

    def without_ranker(self) -> "Pipeline":
        """The same pipeline (index, extractor, vectors shared) with the learned ranker off."""
        r = self.retriever
        return Pipeline(
            self.settings,
            self.catalog,
            self.encoder,
            self.index,
            self.extractor,
            self.home,
            vectors=r.vectors,
            name_vectors=r.name_vectors,
            label_vectors=r.label_vectors,
            ranker=None,
        )

    # --- stage timings -------------------------------------------------------------------------

    @property
    def last_timings(self) -> dict[str, float]:
        """Milliseconds per stage of this thread's last request ("embed", ..., "request")."""
        return dict(getattr(self._local, "timings", {}))

    @property
    def last_candidates(self) -> list[str]:
        """Track ids of this thread's last request's candidates: the ``settings.candidates`` that the
        ranker (or without one, retrieval's fused order) passed on to the rerank and the refiner."""
        return list(getattr(self._local, "candidates", []))

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        """Add the block's milliseconds to ``stage``, less those of other stages timed inside it (extraction may
        embed the request)."""
        timings = getattr(self._local, "timings", None)
        if timings is None:
            timings = self._local.timings = {}
        others = sum(timings.values()) - timings.get(stage, 0.0)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            inner = sum(timings.values()) - timings.get(stage, 0.0) - others
            timings[stage] = timings.get(stage, 0.0) + (time.perf_counter() - t0) * 1000.0 - inner

    # --- the stages ----------------------------------------------------------------------------

    def embed(self, text: str) -> np.ndarray:
        """The request's vector (384 floats, normalised); repeated texts come from a cache."""
        with self._timed("embed"):
            return self.encoder.encode_one((text or "").strip() or "music")

    def extract(self, text: str, query_vector: np.ndarray | Callable[[], np.ndarray] | None = None) -> PlaylistQuery:
        """Stage 1: the typed query for ``text``. ``query_vector``: its embedding, or a function that gives it
        (called only when extraction needs it); without one the text is embedded when extraction needs it."""
        if query_vector is None:
            query_vector = cache(lambda: self.embed(text))
        with self._timed("extract"):
            return self.extractor.extract(text, query_vector=query_vector)

    def aimed(self, query: PlaylistQuery) -> PlaylistQuery:
        """``query`` with the soft aims searching and ranking add to what was said: a calm request's low energy
        (:func:`calm_target`), the era of the artists it is like (:func:`like_era`)."""
        return like_era(calm_target(query), self.catalog)

    def retrieve_full(
        self,
        query: PlaylistQuery,
        n: int | None = None,
        exclude_ids: Sequence[str] = (),
        query_vector: np.ndarray | None = None,
        limit: int | None = None,
    ) -> "Retrieval":
        """Stage 2 with everything it found out: candidates, notes, and the query as relaxed."""
        query = self.aimed(query)
        if query_vector is None:
            from tools.retrieve import search_text

            query_vector = self.embed(search_text(query))
        # the names channel's wide part is there for the ranker to order: without one (or while it is being trained,
        # tools.ranker.collect), the core pool alone
        self.retriever.core_pool = self.ranker_model() is None
        with self._timed("retrieve"):
            found = self.retriever.run(
                query, limit=limit, exclude_ids=exclude_ids, query_vector=query_vector, need=self.length_of(query, n)
            )
        # the hybrid channels (bm25, names) are timed apart from the tag-filtered search
        timings = self._local.timings
        hybrid = self.retriever.last_hybrid_ms
        timings["retrieve"] -= hybrid
        timings["hybrid"] = timings.get("hybrid", 0.0) + hybrid
        return found

    def ranker_model(self):
        """The learned ranker of this catalog (``home/ranker``); None when there is none that fits.

        A missing, stale or foreign model is never fatal: the fused retrieval order stands, and the
        log names the command that (re)builds it.
        """
        with self._ranker_lock:
            if isinstance(self._ranker, str):
                from tools.catalog import catalog_fingerprint
                from tools.ranker import Ranker, RankerMismatch, ranker_home

                try:
                    self._ranker = Ranker.load(ranker_home(self.home), catalog_fingerprint(self.catalog))
                except (FileNotFoundError, RankerMismatch) as exc:
                    log.warning("no learned ranker: %s", exc)
                    self._ranker = None
            if self._ranker is not None and getattr(self, "_featurizer", None) is None:
                from tools.ranker import Featurizer

                with gc_paused():
                    self._featurizer = Featurizer(self.retriever)
            return self._ranker

    def rank(self, found: "Retrieval", asked: PlaylistQuery, limit: int | None = None) -> list[Candidate]:
        """Stage 2b: the best ``limit`` (``settings.candidates``) of retrieval's pool in the learned
        ranker's order (retrieval's fused order without a ranker)."""
        limit = limit or self.settings.candidates
        asked = self.aimed(asked)  # as retrieve_full searched it
        ranker = self.ranker_model()
        with self._timed("rank"):
            if ranker is None:
                from tools.ranker import order_unranked

                ranked = order_unranked(self.retriever, found, asked)
            else:
                ranked = ranker.rank(self._featurizer, found, asked)
            out = self._with_genres(self._with_also(ranked, limit, asked), ranked, limit, found.query)
            return self._with_breadth(out, ranked, limit, found.query)

    def _with_genres(
        self, out: list[Candidate], ranked: list[Candidate], limit: int, asked: PlaylistQuery
    ) -> list[Candidate]:
        """``out``, and beyond ``limit`` the best ranked tracks of each genre named side by side ("rock and latin
        pop") and of each decade of a span said ("90s and 2000s") that ``out`` holds fewer than twice its share of:
        the refiner gives each its share (:func:`tools.refine.named_genres`, :func:`tools.refine.named_decades`),
        which it can only do with them among the candidates."""
        from tools.refine import shared_groups

        if len(ranked) <= limit:
            return out
        tracks, index = self.catalog.tracks, self.catalog.index
        for groups, group in shared_groups(asked):
            out = self._with_each(out, ranked, limit, asked, groups, lambda c, g=group: g(tracks[index[c.track_id]]))
        return out

    def _with_each(
        self,
        out: list[Candidate],
        ranked: list[Candidate],
        limit: int,
        asked: PlaylistQuery,
        groups: Sequence[object],
        group: Callable[[Candidate], object],
    ) -> list[Candidate]:
        """``out``, and the best ranked tracks past ``limit`` of each of ``groups`` it holds fewer than twice its
        share of."""
        need = 2 * -(-self.length_of(asked) // len(groups))
        counts: dict[object, int] = {}
        for c in out:
            g = group(c)
            counts[g] = counts.get(g, 0) + 1
        if all(counts.get(g, 0) >= need for g in groups):
            return out
        out, taken = list(out), {c.track_id for c in out}
        for c in ranked[limit:]:
            g = group(c)
            if g in groups and counts.get(g, 0) < need and c.track_id not in taken:
                out.append(c)
                counts[g] = counts.get(g, 0) + 1
        return out

    def _with_breadth(
        self, out: list[Candidate], ranked: list[Candidate], limit: int, asked: PlaylistQuery
    ) -> list[Candidate]:
        """``out``, and while the tracks of it that the refiner may keep cannot fill twice the playlist under the
        per-artist cap, the next ranked tracks past ``limit`` that it may keep, of artists with room. A ranker's first
        ``limit`` can be a handful of artists mostly outside the request's subgenre (retrieval filters on the parent
        genre): "rock and latin pop" for a 6-hour drive left the refiner 8 tracks of 56 by Don Omar and others."""
        from tools.refine import allowed

        if len(ranked) <= limit:
            return out
        cap = asked.max_per_artist or self.settings.max_per_artist
        want = 2 * self.length_of(asked)
        counts: dict[str, int] = {}
        room = 0

        def counted(c: Candidate) -> bool:  # a track the refiner may keep, of an artist with room: it counts
            nonlocal room
            tr = self.catalog[c.track_id]
            a = fold(tr.artist)
            if counts.get(a, 0) >= cap or not allowed(tr, asked):
                return False
            counts[a] = counts.get(a, 0) + 1
            room += 1
            return True

        for c in out:  # most requests have the room within their first tracks: the rest is never checked
            if counted(c) and room >= want:
                return out
        taken = {c.track_id for c in out}
        for c in ranked[limit:]:
            if c.track_id not in taken and counted(c):
                out.append(c)
                if room >= want:
                    break
        return out

    def _with_also(self, ranked: list[Candidate], limit: int, asked: PlaylistQuery) -> list[Candidate]:
        """The first ``limit`` of ``ranked``, and beyond them the best :data:`tools.refine.ALSO_LEAST` tracks of each
        artist asked for beside the rest ("90s hip hop with some 2pac") that did not make it: the refiner keeps
        their share whatever the ranker thought of them."""
        from tools.refine import ALSO_LEAST, also_artists

        out = ranked[:limit]
        also = also_artists(asked)
        if not also or len(ranked) <= limit:
            return out
        counts: dict[str, int] = {}
        for c in out:
            a = fold(self.catalog[c.track_id].artist)
            counts[a] = counts.get(a, 0) + 1
        for c in ranked[limit:]:
            a = fold(self.catalog[c.track_id].artist)
            if a in also and counts.get(a, 0) < ALSO_LEAST:
                out.append(c)
                counts[a] = counts.get(a, 0) + 1
        return out

    def warm_up(self) -> None:
        """Load now what requests otherwise load on first use: the learned ranker and every track's words for its
        features (and the word -> tracks index of each field), the CF model, the retriever's tables (versions, first
        years, holiday titles...), the extractor's song titles; then :func:`settle_heap`. A server calls it before it
        says it is ready; a one-off command does not (it would pay for tables one request never reads)."""
        with gc_paused():
            if self.ranker_model() is not None:
                self._featurizer.warm()
            self.cf_model()
            r = self.retriever
            _ = r.version_rows, r.artist_search
            # the playlist names' and labels' vectors, when not given (a catalog opened without them: at 1M its 16k
            # names took 22 s of CPU in the first request that searched by names)
            _ = r.name_vectors, r.label_vectors
            # the filters' tables a request reads on first use (first_years: 0.2-0.4 s, on the first "after 2010")
            _ = r.first_years, r.holiday_rows, r.explicit_rows, r.durations_ms
            # the song titles a request naming a song reads (1-3 s to build): on the first such request otherwise
            reader = getattr(self.extractor, "fallback", self.extractor)
            _ = getattr(reader, "title_rows", None)
        settle_heap()

    def cf_model(self):
        """The CF model of this catalog (``home/cf``, trained on first use when missing); None if unusable."""
        with self._cf_lock:
            if self._cf is None:
                from tools.cf import ensure_cf

                try:
                    self._cf = ensure_cf(self.catalog, self.home / "cf")
                except Exception:  # noqa: BLE001 - the rerank is an improvement, never a requirement
                    log.exception("no CF model; the retrieval order stands")
                    self._cf = False
            return self._cf or None

    def user_vector(self, history: Sequence[str] = ()):
        """The user's CF vector folded in from ``history`` (cold start when none is usable); None without CF."""
        with self._timed("rerank"):
            cf = self.cf_model()
            return None if cf is None else cf.fold_in(history)

    def rerank(
        self,
        candidates: list[Candidate],
        history: Sequence[str] = (),
        user_vector=None,
        exclude_ids: Sequence[str] = (),
        weight: float | None = None,
    ) -> list[Candidate]:
        """Stage 3: add the history's nearest tracks and blend retrieval score and CF affinity at
        ``weight``; by default the weight of a user who asked for their taste (:meth:`cf_weight`), while
        :meth:`run` passes the cold-start policy's. Without a CF model, or at weight 0, the retrieval
        order stands (``final`` = score)."""
        if user_vector is None:
            user_vector = self.user_vector(history)
        with self._timed("rerank"):
            cf = self.cf_model()
            w = self.cf_weight(user_vector, asked=True) if weight is None else weight
            if cf is None or user_vector is None or not w:
                for c in candidates:
                    c.final = c.score
                return candidates
            from tools.cf import NEIGHBOUR_POOL, history_kin

            kin = history_kin(self.catalog, history)
            return cf.rerank(candidates, user_vector, w, pool=NEIGHBOUR_POOL, exclude=[*history, *exclude_ids], kin=kin)

    def cf_weight(self, user_vector, asked: bool = False) -> float:
        """The rerank weight for this user: the cold-start policy's (``settings.cf_weight`` times
        :data:`tools.cf.CF_SHARE_BY_HISTORY` at the user's history size). ``asked``: the user asked
        for their taste (the agent's tool), so a history counts at ``settings.cf_weight`` whatever its size."""
        if user_vector is None:
            return 0.0
        if asked and not user_vector.cold_start:
            return self.settings.cf_weight
        from tools.cf import cf_weight_for

        return cf_weight_for(user_vector.n_played, self.settings.cf_weight)  # tracks played, as the ladder chose

    def refine(
        self,
        candidates: list[Candidate],
        query: PlaylistQuery,
        n: int | None = None,
        keep: Sequence[str] = (),
        artist_caps: Mapping[str, int] | None = None,
        taste_moods: float | None = None,
        flow_rank_weight: float | None = None,
    ) -> list[PlaylistItem]:
        """Stage 4: diversity, one version per song, length, flow, and a reason per track. ``artist_caps``: the
        artists a personal history stacks keep their share (:func:`tools.refine.history_caps`); ``taste_moods``: a
        track the history brought may miss an asked mood's label when its sound is this close (``tools.refine``);
        ``flow_rank_weight``: what the flow's order pays for moving a strong match down (``tools.refine``)."""
        from tools.refine import refine

        with self._timed("refine"):
            if self.settings.llm_enabled:
                from tools.llm import LLMClient
                from tools.refine_llm import LLMRefiner

                return LLMRefiner(LLMClient(self.settings), self.catalog).refine(
                    candidates,
                    query,
                    n or query.length,
                    max_per_artist=self.settings.max_per_artist,
                    keep=keep,
                    artist_caps=artist_caps,
                )
            return refine(
                candidates,
                query,
                self.catalog,
                n or query.length,
                max_per_artist=self.settings.max_per_artist,
                keep=keep,
                artist_caps=artist_caps,
                taste_moods=taste_moods,
                flow_rank_weight=flow_rank_weight,
            )

    # --- one request ---------------------------------------------------------------------------

    def length_of(self, query: PlaylistQuery, n: int | None = None) -> int:
        """Tracks to answer: ``n``, else the query's count, else its listening time, else the default."""
        if n:
            return int(n)
        if query.length:
            return int(query.length)
        if query.duration_min:
            return max(1, round(query.duration_min * 60_000 / self.mean_duration_ms))
        return self.settings.default_length

    def run(
        self,
        text_or_query: str | PlaylistQuery,
        n: int | None = None,
        history: Sequence[str] = (),
        exclude_ids: Sequence[str] = (),
        user_vector=None,
    ) -> PlaylistResult:
        """One request, stages 1-4: the typed query, the playlist and notes."""
        self._local.timings = {}
        self._local.candidates = []
        t0 = time.perf_counter()
        from tools.retrieve import search_text

        if isinstance(text_or_query, PlaylistQuery):
            query = text_or_query
            vector = self.embed(search_text(query))
        else:
            # The request's own vector is embedded only when needed: by extraction's inferred moods (free text left
            # over), or for the search when its words need no other word; otherwise the search's text alone.
            text = text_or_query
            own = cache(lambda: self.embed(text))
            query = occasion_length(self.extract(text, query_vector=own))
            searched = search_text(query)
            if searched != (query.text or query.free_text).strip():  # a word read as another: search its word too
                vector = self.embed(searched)
            else:
                vector = own()
        found = self.retrieve_full(query, n, exclude_ids, query_vector=vector)
        found.candidates = self.rank(found, query)
        self._local.candidates = [c.track_id for c in found.candidates]
        user = self.user_vector(history) if user_vector is None else user_vector
        weight = self.cf_weight(user)  # the cold-start policy: how much this history's size earns
        ranked = self.rerank(
            found.candidates, history=history, user_vector=user, exclude_ids=exclude_ids, weight=weight
        )
        # The refiner checks the constraints as retrieval finally applied them (relaxed ones soft); a history that
        # counts in the rerank also keeps its stacked artists.
        caps, taste, flow = None, None, None
        if weight and history:
            from tools.refine import FLOW_HISTORY_WEIGHT, TASTE_MOOD_CLOSE, history_caps

            caps = history_caps(self.catalog, history, self.length_of(query, n), self.settings.max_per_artist)
            taste, flow = TASTE_MOOD_CLOSE, FLOW_HISTORY_WEIGHT
        playlist = self.refine(ranked, found.query, n, artist_caps=caps, taste_moods=taste, flow_rank_weight=flow)
        notes = list(found.notes)
        notes += [f"Can't honour: {u}" for u in query.unsupported]
        if isinstance(text_or_query, str) and len(text_or_query) > MAX_TEXT:
            notes.append(f"Only the first {MAX_TEXT} characters of the request were read.")
        want = self.length_of(query, n)
        if found.candidates and len(playlist) < want and not query.duration_min:
            notes.append(f"Only {len(playlist)} of {want} tracks could be chosen without breaking the request's rules.")
        cold = bool(getattr(user, "cold_start", False))
        if cold and weight:
            notes.append("No listening history yet: personal ranking used a popularity-and-quality prior (cold start).")
        elif cold:
            notes.append("No listening history yet: the playlist is not personalized (cold start).")
        self._local.timings["request"] = (time.perf_counter() - t0) * 1000.0
        return PlaylistResult(query=query, playlist=playlist, notes=list(dict.fromkeys(notes)), cold_start=cold)


def limit_blas_threads(n: int) -> None:
    """Cap the BLAS threads numpy's matrix products use in this process (threadpoolctl), as
    :func:`limit_torch_threads` caps torch's; a process that builds or trains has done its batch work by then."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it numpy keeps its threads
        log.debug("threadpoolctl is not installed; numpy's BLAS keeps its threads")
        return
    threadpool_limits(limits=n, user_api="blas")


def limit_torch_threads(n: int) -> None:
    """Cap torch's intra-op threads for this process (never raises it; batch work is done by then).
    Only when torch is loaded already: serving needs no torch, and importing it costs a second; whoever
    loads a torch model for serving (the agent's continuation VAE) calls this after."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None:
        return
    if torch.get_num_threads() > n:
        torch.set_num_threads(n)
