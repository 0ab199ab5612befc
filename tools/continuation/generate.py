"""Continue a playlist with the PlayGenie VAE: beam search or top-k sampling under hard masks.

A continuation never repeats a track, never returns a track (or another version of a song) that is
already in the playlist or the user's history, never breaks the request's hard constraints
(excluded artists, genres, subgenres, moods and years; year range; included genres; feature
bounds), and keeps every artist under the per-artist cap (``max_per_artist``, counting the
playlist; artists the request names are ``uncapped``). All of these are masks on the scores: a
beam whose picks fill an artist's cap masks that artist's other tracks for its next steps.

The cap is the playlist's own rule (``artist_cap``): the person's cap, when they set one
(``strict_cap``), binds every artist; otherwise an artist the playlist itself stacks (more tracks
than the cap, or at least ``STACK_SHARE`` of it) keeps its share as the playlist grows, since only
the person puts an artist there that often, and every other artist stays under the cap. The same
rule and the same scores order the catalog in ``Continuer.ranking``, which the continuation eval
scores as ``playgenie_vae_capped``. Every step's scores also lean toward the playlist's sound and years
(``Continuer.playlist_terms``).

Usage:
    cont = Continuer.load(settings, catalog)          # None until `playgenie train vae` has run
    res = cont.continue_playlist(ids, k=10, context={"hour": 21, "tags": ["chill"]}, constraints=query,
                                 max_per_artist=2)
    res.track_ids, res.scores, res.notes
"""

from __future__ import annotations

import calendar
import datetime
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Hashable, Iterable, Literal, Mapping, Sequence

import numpy as np

from tools.catalog import fold
from tools.continuation.data import HISTORY_CAP, SOUND_COLUMNS
from tools.refine import STACK_SHARE, share_limit, stacked_shares

if TYPE_CHECKING:
    import torch

    from tools.catalog import Catalog
    from tools.continuation.model import PlayGenieVAE
    from tools.schema import PlaylistQuery
    from tools.settings import Settings

log = logging.getLogger(__name__)

CANDIDATES = 500  # steps after the first choose among the first step's best tracks
# Added to the model's own content-similarity weight when the product continues a playlist: under the cap,
# the places the copy path would give the seed's artists go to tracks that sound like the playlist. And the copy
# term (the seeds' artists, albums and co-listed artists) times COPY_GAIN: the model learned it for playlists that
# stack their artists, and under the cap each seed artist keeps one or two places, which its best track should
# take first. Both chosen together on the validation playlists (boost 2-20 x gain 1-10; mean capped NDCG over
# n = 5, 10, 25 flat within 0.01 for boost 10-20 x gain 4-8): capped / content_knn NDCG 0.93x, 1.01x, 1.02x at
# boost 5, gain 1 -> 0.99x, 1.07x, 1.07x; R-precision 1.05x, 1.17x, 1.22x -> 1.10x, 1.23x, 1.29x.
CONTENT_BOOST = 15.0
COPY_GAIN = 6.0
# The playlist's sound and era, added to every track's score at every step (``Continuer.playlist_terms``): SOUND_WEIGHT
# x the cosine of a track's sound columns (standardised audio features, popularity, year, duration) to the playlist's
# mean, and ERA_WEIGHT x the log-density of the track's date (below) under a Student t fitted to the playlist's
# dates (below), at least ERA_FLOOR years wide: most playlists here span a year or two (5 seed tracks: median spread
# one year), and a playlist of one year still admits its neighbours. Under the cap the VAE led content_knn in its
# first 30 places and trailed it below them (where the cap blocks artists the rest of the playlist stacks, which no
# order wins back): these terms find more of the true tracks there.
# Chosen on the validation playlists (sound 0-10 x era 0-8 x floor 0.5-11 years; CONTENT_BOOST, COPY_GAIN and the
# decoder's weight re-checked beside them): the mean capped / content_knn NDCG over n = 5, 10, 25 is within 0.02 of
# its best for sound 3-8, era 2-4, floor 0.75-1.1 years; NDCG 0.99x, 1.07x, 1.07x -> 1.10x, 1.21x, 1.27x, R-precision
# 1.10x, 1.23x, 1.29x -> 1.16x, 1.36x, 1.50x (one checkpoint, before and after).
# The era reads each track's release date (``release_time``: day, month or year, as a fractional year), not its
# year alone: a playlist's tracks often came out within months of each other (one summer's hits, a season's
# releases), which whole years blur. Chosen on the validation playlists (a VAE retrained as the eval trains it;
# ERA_FLOOR 0.35-1 year x ERA_WEIGHT 2-4, within 0.01 of the best mean NDCG for floor 0.4-0.6, weight 2-4): capped /
# content_knn NDCG at n = 5, 10, 25 1.126x, 1.211x, 1.268x -> 1.141x, 1.245x, 1.297x (R-precision 1.20x, 1.36x,
# 1.51x -> 1.20x, 1.40x, 1.59x); the floor alone at 0.5, on whole years: 1.099x, 1.217x, 1.272x. Test: NDCG 1.04x,
# 1.11x, 1.098x -> 1.035x, 1.137x, 1.0999x, R-precision 1.13x, 1.23x, 1.25x -> 1.12x, 1.25x, 1.23x.
# The density is a Student t with ERA_DF degrees of freedom, not a normal: a playlist's dates cluster, but one in
# several of its tracks comes from years away (an older classic beside this summer's releases), and under a normal
# such a track's penalty grows with the square of its distance, which buried it below hundreds of same-year tracks;
# the t's penalty grows with the log of it. Chosen on the validation playlists (df 1-10 x weight 2-5 x floor 0.3-0.75;
# within 0.005 of the best mean NDCG ratio for df 2-10, weight 2.5-3, floor 0.4-0.5), same checkpoint: capped /
# content_knn NDCG at n = 5, 10, 25 1.141x, 1.245x, 1.297x -> 1.173x, 1.249x, 1.300x, R-precision 1.20x, 1.40x,
# 1.59x -> 1.28x, 1.42x, 1.59x. Test: NDCG 1.035x, 1.137x, 1.0999x -> 1.049x, 1.142x, 1.107x, R-precision 1.12x,
# 1.25x, 1.23x -> 1.19x, 1.30x, 1.28x. ERA_DF = inf is the normal (``--capped-ablations``' normal_era).
SOUND_WEIGHT = 5.0
ERA_WEIGHT = 3.0
ERA_FLOOR = 0.5
ERA_DF = 3.0
# Each track's score also gains ARTIST_MASS / (seed length) x the log of its artist's share of the first step's
# distribution (the summed probability of the artist's tracks; ``Continuer.artist_terms``): under the cap an artist
# keeps one or two places, and after a short seed how much the model expects the artist says more about whether its
# best track belongs than that track's own score; a long seed pins the tracks themselves, so the term fades.
# Chosen on the validation playlists (the weight alone, c / n for c = 2.5, 5, and fixed 0.3-4 at n = 5 and 10):
# capped / content_knn NDCG 1.104x, 1.207x, 1.271x -> 1.126x, 1.211x, 1.268x (R-precision 1.16x, 1.36x, 1.51x ->
# 1.20x, 1.36x, 1.51x); 5 lost at n = 25, and fixed weights of 0.6-2.5 helped n = 5 only.
ARTIST_MASS = 2.5
ARTIST_MASS_FROM = 5  # the shortest seed it was chosen on: shorter ones weigh it as this


def release_time(date: str, year: int | None) -> float:
    """A release date ('2019-06-14', '2019-06' or '2019') as a fractional year, the middle of the day, month or year
    it names; ``year`` when the date does not parse, 0 when neither is known."""
    parts = str(date or "").split("-")
    try:
        y = int(parts[0])
        if len(parts) == 1:
            return y + 0.5
        m = int(parts[1])
        if len(parts) == 2:
            return y + (min(max(m, 1), 12) - 0.5) / 12
        day = datetime.date(y, m, int(parts[2])).timetuple().tm_yday
        return y + (day - 0.5) / (366 if calendar.isleap(y) else 365)
    except ValueError:
        return float(year or 0) + (0.5 if year else 0.0)


def era_penalty(z: np.ndarray, df: float) -> np.ndarray:
    """Minus the log-density, up to a constant, of dates ``z`` squared spreads from the playlist's mean under a
    Student t with ``df`` degrees of freedom: z / 2 for a normal (``df`` infinite), (df + 1) / 2 log(1 + z / df)."""
    return z / 2 if math.isinf(df) else (df + 1) / 2 * np.log1p(z / df)


@dataclass(frozen=True, slots=True)
class ArtistCap:
    """The most tracks each artist may hold in a playlist of a given length: ``cap``, but ``shares``
    (artists the playlist itself stacks) keep their share of it, and ``free`` artists have no limit."""

    cap: int
    shares: Mapping[Hashable, float] = field(default_factory=dict)
    free: frozenset = frozenset()

    def limit(self, artist: Hashable, length: int) -> float:
        """Tracks ``artist`` may hold in a playlist of ``length`` tracks."""
        if artist in self.free:
            return math.inf
        share = self.shares.get(artist)
        return self.cap if share is None else share_limit(share, self.cap, length)


def artist_cap(
    seed_artists: Sequence[Hashable],
    cap: int,
    strict: bool = False,
    uncapped: Iterable[Hashable] = (),
    stack_share: float = STACK_SHARE,
) -> ArtistCap:
    """The cap a playlist (its tracks' artists, in order) keeps as it grows. ``strict``: the person set ``cap``, so
    it binds every artist but the ``uncapped`` (named) ones; otherwise artists the playlist holds more than ``cap``
    of, or at least ``stack_share`` of with two tracks or more, keep that share (PlayGenie never stacks an artist
    unasked, so the person did: :func:`tools.refine.stacked_shares`, :data:`tools.refine.STACK_SHARE`)."""
    shares = {} if strict else stacked_shares(seed_artists, cap, stack_share)
    return ArtistCap(cap, shares, frozenset(uncapped))


@dataclass(slots=True)
class SessionContext:
    """Session context the encoder conditions on: hour of day (0-23) and the request's tags."""

    hour: int | None = None
    tags: list[str] = field(default_factory=list)

    @classmethod
    def coerce(cls, value: "SessionContext | Mapping | None") -> "SessionContext":
        if value is None:
            return cls()
        if isinstance(value, SessionContext):
            return value
        hour = value.get("hour")
        return cls(hour=int(hour) if hour is not None else None, tags=[str(t) for t in value.get("tags", ())])


@dataclass(slots=True)
class ContinuationResult:
    """The next tracks in order, their log-probabilities under the model, and notes for the user."""

    track_ids: list[str]
    scores: list[float]
    notes: list[str] = field(default_factory=list)


class Continuer:
    """The trained model, its vocabulary, and per-track arrays for fast constraint masks."""

    def __init__(self, model: "PlayGenieVAE", track_ids: list[str], tags: list[str], catalog: "Catalog"):
        self.model = model.eval()
        self.track_ids = track_ids
        self.row = {t: i for i, t in enumerate(track_ids)}
        self.tags = tags
        self.tag_index = {t: i for i, t in enumerate(tags)}
        self.catalog = catalog
        V = len(track_ids)
        tracks = [catalog.get(t) for t in track_ids]
        self.in_catalog = np.array([t is not None for t in tracks])
        self.artist = np.array([fold(t.artist) if t else "" for t in tracks], dtype=object)
        self.year = np.array([(t.year or 0) if t else 0 for t in tracks], dtype=np.int32)
        self.when = np.array([release_time(t.release_date, t.year) if t else 0.0 for t in tracks])  # (V,) in years
        self.song = np.array([t.song_key if t else "" for t in tracks], dtype=object)
        self.song_rows: dict[str, list[int]] = {}
        for i, k in enumerate(self.song):
            self.song_rows.setdefault(k, []).append(i)
        song_codes = {k: j for j, k in enumerate(self.song_rows)}
        self.song_code = np.array([song_codes[k] for k in self.song], dtype=np.int64)  # (V,) for capped_order
        self.label_rows: dict[tuple[str, str], np.ndarray] = {}
        for kind in ("genres", "subgenres", "moods"):
            acc: dict[str, list[int]] = {}
            for i, t in enumerate(tracks):
                for g in getattr(t, kind) if t else ():
                    acc.setdefault(g.lower(), []).append(i)
            self.label_rows |= {(kind, g): np.array(r) for g, r in acc.items()}
        self.artist_rows: dict[str, list[int]] = {}
        for i, a in enumerate(self.artist):
            self.artist_rows.setdefault(a, []).append(i)
        codes = {a: j for j, a in enumerate(self.artist_rows)}
        self.artist_code = np.array([codes[a] for a in self.artist], dtype=np.int64)  # (V,) for the cap
        self.code_rows = [np.array(r) for r in self.artist_rows.values()]
        self.feature = {
            f: np.array([getattr(t, f) if t else np.nan for t in tracks], dtype=np.float32)
            for f in (
                "energy",
                "valence",
                "danceability",
                "tempo",
                "acousticness",
                "instrumentalness",
                "speechiness",
                "popularity",
            )
        }
        sound = model.content[:, -SOUND_COLUMNS:].numpy()  # (V, S) the standardised sound columns of content
        self.sound = sound / (np.linalg.norm(sound, axis=1, keepdims=True) + 1e-8)
        self.V = V
        self.content_boost = CONTENT_BOOST
        self.copy_gain = COPY_GAIN
        self.decoder_weight = 1.0  # the decoder's own track scores (its state . track vectors); 0: an ablation
        self.sound_weight = SOUND_WEIGHT
        self.era_weight = ERA_WEIGHT
        self.era_df = ERA_DF
        self.artist_mass = ARTIST_MASS
        self.n_artists = len(self.artist_rows)
        self._table: "torch.Tensor | None" = None  # output layer, built on first use
        self._artist_rows: dict[int, tuple] = {}  # artist -> its co-listing row (indices, values), built on use

    # ----- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, settings: "Settings", catalog: "Catalog", path: Path | None = None) -> "Continuer | None":
        """The product's continuer, or None when no checkpoint has been trained yet (or it is outdated)."""
        from tools.continuation.train import checkpoint_path

        path = path or checkpoint_path(settings.home)
        if not Path(path).exists():
            log.info("no continuation checkpoint at %s (run `playgenie train vae`)", path)
            return None
        try:
            return cls.from_file(path, catalog)
        except (RuntimeError, KeyError, TypeError) as exc:  # made by another version of the model
            log.warning(
                "the continuation checkpoint at %s does not fit this version (%s): run `playgenie train vae`",
                path,
                str(exc).splitlines()[0],
            )
            return None

    @classmethod
    def from_file(cls, path: Path, catalog: "Catalog") -> "Continuer":
        import torch

        from tools.continuation.model import PlayGenieVAE

        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        return cls(PlayGenieVAE.from_checkpoint(ckpt), ckpt["track_ids"], ckpt["tags"], catalog)

    # ----- masks ---------------------------------------------------------------------------
    def allowed(self, constraints: "PlaylistQuery | None") -> np.ndarray:
        """(V,) bool: the tracks a continuation may use under the request's hard constraints."""
        ok = self.in_catalog.copy()
        if constraints is None:
            return ok
        q = constraints
        for kind, tags in (
            ("genres", q.exclude_genres),
            ("subgenres", q.exclude_subgenres),
            ("moods", q.exclude_moods),
        ):
            for t in tags:
                rows = self.label_rows.get((kind, t.value.lower()))
                if rows is not None:
                    ok[rows] = False
        for t in q.exclude_artists:
            ok[self.artist_rows.get(fold(t.value), [])] = False
        for y in q.exclude_years:
            ok &= ~((self.year >= (y.start or 0)) & (self.year <= (y.end or 9999)) & (self.year > 0))
        if q.years is not None and (q.years.start is not None or q.years.end is not None):
            lo, hi = q.years.start or 0, q.years.end or 9999
            ok &= (self.year >= lo) & (self.year <= hi) & (self.year > 0)
        if q.genres:
            keep = np.zeros(self.V, dtype=bool)
            for t in q.genres:
                rows = self.label_rows.get(("genres", t.value.lower()))
                if rows is not None:
                    keep[rows] = True
            ok &= keep
        for f in q.features:
            col = self.feature.get(f.feature)
            if col is None:
                continue
            if f.min is not None:
                ok &= col >= f.min
            if f.max is not None:
                ok &= col <= f.max
        return ok

    def _tag_vector(self, context: SessionContext, constraints: "PlaylistQuery | None") -> "torch.Tensor | None":
        import torch

        names = [t.lower() for t in context.tags]
        if constraints is not None:
            names += [t.value.lower() for t in constraints.genres + constraints.subgenres + constraints.moods]
        ids = [self.tag_index[n] for n in names if n in self.tag_index]
        if not ids:
            return None
        vec = torch.zeros(1, len(self.tags))
        vec[0, ids] = 1.0
        return vec

    # ----- generation ----------------------------------------------------------------------
    def continue_playlist(
        self,
        track_ids: Sequence[str],
        k: int = 10,
        history: Iterable[str] = (),
        context: "SessionContext | Mapping | None" = None,
        constraints: "PlaylistQuery | None" = None,
        method: Literal["beam", "topk"] = "beam",
        seed: int | None = None,
        max_per_artist: int | None = None,
        uncapped: Iterable[str] = (),
        strict_cap: bool = False,
    ) -> ContinuationResult:
        """The next ``k`` tracks for a playlist; notes say what was ignored, truncated or relaxed.

        With ``max_per_artist`` every artist (but the ``uncapped`` ones, folded names) keeps to ``artist_cap`` in
        the playlist and its continuation together: that many tracks at most, or, unless the person set the cap
        (``strict_cap``), the share of the playlist an artist it stacks already holds."""
        import torch

        notes: list[str] = []
        cfg = self.model.cfg
        seeds = [self.row[t] for t in dict.fromkeys(track_ids) if t in self.row]
        unknown = [t for t in dict.fromkeys(track_ids) if t not in self.row]
        if unknown:
            shown = ", ".join(unknown[:3]) + (" ..." if len(unknown) > 3 else "")
            notes.append(f"ignored {len(unknown)} track id(s) the model does not know: {shown}")
        hist = [self.row[t] for t in dict.fromkeys(history) if t in self.row]
        ctx = SessionContext.coerce(context)
        k = max(0, int(k))

        banned = np.zeros(self.V, dtype=bool)
        for r in seeds + hist:
            banned[self.song_rows.get(self.song[r], [r])] = True  # the track and its other versions
            banned[r] = True
        allowed = self.allowed(constraints) & ~banned
        cap = self._cap_state(seeds, max_per_artist, uncapped, strict_cap)
        if cap is not None:
            allowed &= ~self._full(cap, [])
        if allowed.sum() < k:
            notes.append(f"only {int(allowed.sum())} track(s) satisfy the request's constraints")
        if k == 0 or not allowed.any():
            return ContinuationResult([], [], notes)

        if len(seeds) > cfg.max_context:
            notes.append(f"the playlist has {len(seeds)} tracks; the model read the last {cfg.max_context}")
        tags = self._tag_vector(ctx, constraints)
        from tools.continuation.data import time_bucket

        tb = time_bucket(ctx.hour)
        with torch.inference_mode():
            if not seeds:
                notes.append(
                    "no known tracks to continue from: the most popular tracks"
                    + (" for the request's tags" if tags is not None else "")
                    + " instead"
                )
                return self._prior(k, allowed, tags, notes)
            first, h, u, reps, (csum, x, unit, seeded, past) = self._first_step(seeds, hist, tags, tb)
            if method == "topk":
                picks = self._sample(first, h, u, reps, k, allowed, seed, (csum, x, unit, seeded, past), cap=cap)
            else:
                picks = self._beam(first, h, u, reps, k, allowed, (csum, x, unit, seeded, past), cap=cap)
        ids = [self.track_ids[r] for r, _ in picks]
        return ContinuationResult(ids, [round(float(s), 4) for _, s in picks], notes)

    def generate(
        self,
        track_ids: Sequence[str],
        k: int = 10,
        history: Iterable[str] = (),
        context=None,
        constraints: "PlaylistQuery | None" = None,
        method: Literal["beam", "topk"] = "beam",
    ) -> list[tuple[str, float]]:
        """``continue_playlist`` as (track_id, log-probability) pairs; notes go to the log."""
        res = self.continue_playlist(track_ids, k, history, context, constraints, method)
        for n in res.notes:
            log.info("continuation: %s", n)
        return list(zip(res.track_ids, res.scores))

    def _first_step(self, seeds: Sequence[int], hist: Sequence[int], tags, time_bucket: int) -> tuple:
        """(first logits (1, V), decoder state, u, track vectors, the state later steps need) for seed rows."""
        import torch

        model, cfg = self.model, self.model.cfg
        reps = model.track_vectors()  # (V + 1, d)
        x = torch.tensor([list(seeds)[-cfg.max_context :]])  # (1, T)
        hist_t = torch.tensor([list(hist)[-HISTORY_CAP:]]) if len(hist) else None
        time_t = torch.tensor([time_bucket]) if time_bucket < cfg.n_time - 1 else None
        if cfg.use_latent:
            u, _ = model.encode(reps, x, hist_t, tags, time_t)  # (1, latent), the posterior mean
        else:
            u = reps.new_zeros(1, cfg.latent)
        out, h = model.decode(reps, x, u)  # (1, T, d), (1, 1, d)
        unit = model.unit_content()  # (V + 1, C)
        csum = unit[x[0]].sum(0, keepdim=True)  # (1, C) content of the playlist so far
        seeded = self._seed_colistings(x)
        # the history's terms and the playlist's sound and era are the same at every step: computed once (the
        # history's own tracks are banned anyway)
        past = self.playlist_terms(seeds)
        if hist_t is not None:
            past = past + model.history_logits(hist_t, u, torch.tensor([x.shape[1]])).clamp(min=-1e4)
        first = self._logits(out[:, -1], csum / x.shape[1], u, x, seeded=seeded, past=past)  # (1, V)
        if self.artist_mass:  # the artists' shares of this distribution: the same at every later step too
            extra = self.artist_terms(first[0], len(seeds))
            first, past = first + extra, past + extra
        return first, h, u, reps, (csum, x, unit, seeded, past)

    def artist_terms(self, logits: "torch.Tensor", length: int) -> "torch.Tensor":
        """(1, V) ``artist_mass`` / ``length`` x the log of each track's artist's share of softmax(``logits``) (V,):
        after a short playlist, the artists the model expects matter more than the tracks it ranks first."""
        import torch

        s = logits.double().numpy()
        top = float(s.max())
        mass = np.bincount(self.artist_code, weights=np.exp(s - top), minlength=self.n_artists)  # (A,)
        share = np.log(mass[self.artist_code] + 1e-300) - np.log(mass.sum())  # (V,) each track's artist's log-share
        weight = self.artist_mass / max(ARTIST_MASS_FROM, length)  # shorter seeds than validated: as the shortest
        return torch.from_numpy((weight * share).astype(np.float32))[None]

    def playlist_terms(self, seeds: Sequence[int]) -> "torch.Tensor":
        """(1, V) what the playlist of rows ``seeds`` adds to every track's score: ``sound_weight`` x the cosine of
        the track's sound columns to the playlist's mean, and ``era_weight`` x the log-density (up to a constant) of
        its release date (``release_time``) under a Student t (``era_df`` degrees of freedom; a normal when infinite)
        fitted to the playlist's known dates, ERA_FLOOR years wide at least. A track of unknown date counts as one
        spread away."""
        import torch

        out = np.zeros(self.V, dtype=np.float32)
        rows = np.asarray(seeds, dtype=np.int64)
        if not len(rows):
            return torch.from_numpy(out)[None]
        if self.sound_weight:
            out += self.sound_weight * (self.sound @ self.sound[rows].mean(0))
        dates = self.when[rows]
        dates = dates[dates > 0]
        if self.era_weight and len(dates):
            spread = dates.var() + ERA_FLOOR**2
            far = era_penalty(np.where(self.when > 0, (self.when - dates.mean()) ** 2 / spread, 1.0), self.era_df)
            out -= (self.era_weight * far).astype(np.float32)
        return torch.from_numpy(out)[None]

    def ranking(
        self,
        seeds: Sequence[int],
        n: int = CANDIDATES,
        max_per_artist: int | None = None,
        uncapped: Iterable[str] = (),
        strict_cap: bool = False,
        scores: np.ndarray | None = None,
    ) -> np.ndarray:
        """The first ``n`` catalog rows to add to the playlist of rows ``seeds``, in order: the first step's scores
        under the masks and the cap of ``continue_playlist`` (no seed song, no song twice, ``artist_cap``): the
        catalog ranked as the product continues a playlist, which the continuation eval scores. ``scores`` (V,):
        another system's scores, ranked under the same masks and cap."""
        import torch

        from tools.continuation.data import time_bucket

        if scores is None:
            with torch.inference_mode():
                scores = self._first_step(list(seeds), [], None, time_bucket(None))[0][0].numpy()
        first = np.where(self.in_catalog, np.asarray(scores, dtype=np.float64), -np.inf)
        state = self._cap_state(seeds, max_per_artist, uncapped, strict_cap)
        rule = state[0] if state is not None else ArtistCap(self.V)
        return capped_order(first, seeds, self.artist_code, self.song_code, rule, n)

    def _prior(self, k: int, allowed: np.ndarray, tags, notes: list[str]) -> ContinuationResult:
        import torch

        prior = self.model.prior.clone()  # (V,) log popularity in the training playlists
        if tags is not None:  # tracks carrying the request's tags first
            hit = torch.zeros(self.V)
            for i in tags[0].nonzero().flatten().tolist():
                name = self.tags[i]
                for kind in ("genres", "subgenres", "moods"):
                    rows = self.label_rows.get((kind, name))
                    if rows is not None:
                        hit[rows] += 1
            prior = prior + 10 * hit
        prior[torch.from_numpy(~allowed)] = -float("inf")
        top = torch.topk(prior, min(k, int(allowed.sum()))).indices.tolist()
        logp = torch.log_softmax(prior, 0)
        return ContinuationResult([self.track_ids[i] for i in top], [round(float(logp[i]), 4) for i in top], notes)

    def _step(
        self,
        reps,
        row: "torch.Tensor",
        h,
        u,
        content: "torch.Tensor",
        x: "torch.Tensor",
        cols: tuple | None = None,
        seeded=None,
        past=None,
    ):
        """Logits (B, V) for the track after ``row`` (B,) given the running mean content (B, C) and
        the playlists so far ``x`` (B, T); new state."""
        u = u.expand(row.shape[0], -1)
        out, h = self.model.decode(reps, row[:, None], u, h)
        return self._logits(out[:, -1], content, u, x, cols, seeded, past), h

    def _candidates(self, first: "torch.Tensor", mask: "torch.Tensor") -> tuple["torch.Tensor", "torch.Tensor"]:
        """The CANDIDATES best allowed tracks of the first step, the pool of later steps."""
        import torch

        allowed_logits = first[0].masked_fill(mask, -float("inf"))
        idx = torch.topk(allowed_logits, min(CANDIDATES, int((~mask).sum()))).indices
        return idx, self._table[:, idx].contiguous()  # (M,), (d + C, M)

    def _logits(
        self,
        out: "torch.Tensor",
        content: "torch.Tensor",
        u: "torch.Tensor",
        x: "torch.Tensor",
        cols: tuple | None = None,
        seeded: "tuple[int, torch.Tensor] | None" = None,
        past: "torch.Tensor | None" = None,
    ) -> "torch.Tensor":
        """(B, V) the model's output layer as one matmul against a cached (d + C, V) table, plus the
        copy term for the playlists so far ``x`` (B, T); ``seeded`` (from ``_seed_colistings``) saves
        recomputing the seeds' artist co-listings at every step; ``past`` (1, V) is the history's terms
        (``model.history_logits``), the same at every step.

        With ``cols`` (indices, their table columns) only those M tracks are scored, (B, M): after the first step a
        continuation stays among the first step's best candidates, which keeps generation fast.
        """
        import torch

        model = self.model
        if self._table is None:
            reps = model.track_vectors()[:-1]  # (V, d)
            if model.cfg.use_content:
                reps = torch.cat([reps, model.content_scale.detach() * model.unit_content()[:-1]], 1)  # (V, d + C)
            self._table = reps.T.contiguous()
        copy = None
        if model.copying:
            B = x.shape[0]
            last = (x != model.cfg.n_tracks).sum(1).clamp(min=1) - 1
            counts = model.prefix_counts(x, torch.stack([torch.arange(B), last], 1))
            colisted = self._colisted(x, seeded) if seeded is not None else None
            copy = self.copy_gain * model.copy_logits(
                out, u.expand(B, -1), *counts, None if cols is None else cols[0], colisted=colisted
            )
        if self.decoder_weight != 1.0:  # the eval's ablation: the decoder state reaches the copy gate only
            out = out * self.decoder_weight
        if model.cfg.use_content:  # the boost: boost x cosine(playlist's mean content, track's) on every logit
            gain = 1.0 + self.content_boost / float(model.content_scale)
            out = torch.cat([out, content * gain], 1)  # (B, d + C)
        table = self._table if cols is None else cols[1]
        if past is not None:  # the history's terms, (1, V) or (1, M)
            copy = (past if cols is None else past[:, cols[0]]) + (copy if copy is not None else 0)
        return out @ table + (copy if copy is not None else 0)  # (B, V), or (B, M) for the tracks cols[0]

    def _seed_colistings(self, x: "torch.Tensor") -> "tuple[int, torch.Tensor] | None":
        """(seed length, (1, A) ``model.colistings`` of the seeds ``x`` (1, T)), or None without the graph."""
        import torch

        model = self.model
        if not (model.copying and model.cfg.use_graph):
            return None
        artists, _ = model.prefix_counts(x, torch.tensor([[0, x.shape[1] - 1]]))  # (1, A)
        return x.shape[1], model.colistings(artists)

    def _colisted(self, x: "torch.Tensor", seeded: "tuple[int, torch.Tensor]") -> "torch.Tensor":
        """(B, A) ``model.colistings`` of each row of ``x`` (B, T): the seeds' part from ``seeded``, plus
        one cached row per added track (co-listings are linear in the tracks)."""
        import torch

        model = self.model
        n, out = seeded[0], seeded[1].repeat(x.shape[0], 1)  # (B, A)
        for b, row in enumerate(x[:, n:].tolist()):
            for r in row:
                a = int(model.artist_of[r])
                if a not in self._artist_rows:  # kept sparse: an artist is co-listed with a few others
                    one = torch.zeros(1, model.cfg.n_artists)
                    one[0, a] = 1.0
                    row = model.colistings(one)[0]
                    nz = row.nonzero().squeeze(1)
                    self._artist_rows[a] = (nz, row[nz])
                out[b].index_add_(0, *self._artist_rows[a])
        return out

    # ----- the per-artist cap ----------------------------------------------------------------------
    def _cap_state(
        self, seeds: Sequence[int], cap: int | None, uncapped: Iterable[str], strict: bool = False
    ) -> "tuple | None":
        """(``artist_cap`` over artist codes, seed counts per artist code, seed length), or None without a cap."""
        if not cap:
            return None
        free = {int(self.artist_code[rows[0]]) for a in uncapped if (rows := self.artist_rows.get(fold(a)))}
        codes = [int(self.artist_code[r]) for r in seeds]
        return artist_cap(codes, cap, strict, free), Counter(codes), len(codes)

    def _full(self, cap_state: tuple, picks: Sequence[int]) -> np.ndarray:
        """(V,) bool: the tracks of artists with no room for one more after the playlist plus ``picks``."""
        rule, counts, n = cap_state
        now = counts + Counter(int(self.artist_code[r]) for r in picks)
        full = np.zeros(self.V, dtype=bool)
        for c, m in now.items():
            if m + 1 > rule.limit(c, n + len(picks) + 1):
                full[self.code_rows[c]] = True
        return full

    def _capped(self, cap_state: "tuple | None", seq: Sequence[int], where: dict[int, int]) -> list[int]:
        """Candidate positions of the artists ``seq`` brought to their limit (with the playlist's own tracks).
        Only artists in ``seq`` can be at it: the others were, before it, as the first step's mask says."""
        if cap_state is None or not seq:
            return []
        rule, counts, n = cap_state
        out: list[int] = []
        for c, m in Counter(int(self.artist_code[r]) for r in seq).items():
            if counts.get(c, 0) + m + 1 > rule.limit(c, n + len(seq) + 1):
                out += [where[r] for r in self.code_rows[c].tolist() if r in where]
        return out

    def _beam(
        self, first, h, u, reps, k: int, allowed: np.ndarray, cstate, width: int = 4, cap: "tuple | None" = None
    ) -> list[tuple[int, float]]:
        """Beam search over k steps; each beam masks its own picks and their other versions.

        The first step ranks the allowed catalog; later steps rank its CANDIDATES best tracks only."""
        import torch

        cols = self._candidates(first, torch.from_numpy(~allowed))
        space = cols[0].tolist()  # candidate position -> catalog row
        where = {r: j for j, r in enumerate(space)}
        beams: list[tuple[list[int], list[float], float]] = [([], [], 0.0)]
        logits, hs = first.masked_fill(torch.from_numpy(~allowed), -float("inf")), h  # (1, V), then (B, M)
        for step in range(k):
            logp = torch.log_softmax(logits, 1)
            cands = []
            for b, (seq, _, total) in enumerate(beams):
                row = logp[b]
                if seq:  # later steps: positions among the candidates
                    row = row.clone()
                    row[self._banned(seq, where) + self._capped(cap, seq, where)] = -float("inf")
                top = torch.topk(row, min(width, row.numel()))
                for s, j in zip(top.values.tolist(), top.indices.tolist()):
                    if s > -float("inf"):
                        cands.append((total + s, b, j if step == 0 else space[j], s))
            if not cands:
                break
            cands.sort(key=lambda c: -c[0])
            chosen = cands[:width]
            beams = [(beams[b][0] + [r], beams[b][1] + [s], total) for total, b, r, s in chosen]
            if step == k - 1:
                break
            rows = torch.tensor([r for _, _, r, _ in chosen])
            prev = torch.tensor([b for _, b, _, _ in chosen])
            csum, x, unit, seeded, past = cstate
            n = x.shape[1]
            content = torch.stack([(csum[0] + unit[seq].sum(0)) / (n + len(seq)) for seq, _, _ in beams])  # (B, C)
            xs = torch.cat(
                [x.expand(len(beams), -1), torch.tensor([seq for seq, _, _ in beams])], 1
            )  # (B, T + step + 1)
            logits, hs = self._step(reps, rows, hs[:, prev], u, content, xs, cols, seeded, past)  # (B, M)
        seq, scores, _ = beams[0]
        return list(zip(seq, scores))

    def _banned(self, seq: Sequence[int], where: dict[int, int]) -> list[int]:
        """Candidate positions of the tracks in ``seq`` and of their other versions."""
        return [where[r] for p in seq for r in self.song_rows.get(self.song[p], [p]) if r in where]

    def _sample(
        self,
        first,
        h,
        u,
        reps,
        k: int,
        allowed: np.ndarray,
        seed: int | None,
        cstate,
        top: int = 20,
        temperature: float = 1.0,
        cap: "tuple | None" = None,
    ) -> list[tuple[int, float]]:
        """Top-k sampling: each step draws from the ``top`` best allowed tracks (later steps: among the
        first step's CANDIDATES best)."""
        import torch

        gen = torch.Generator().manual_seed(seed if seed is not None else int(time.time_ns() % 2**31))
        mask = torch.from_numpy(~allowed)
        cols = self._candidates(first, mask)
        space = cols[0].tolist()
        where = {r: j for j, r in enumerate(space)}
        picks: list[tuple[int, float]] = []
        logits = first[0].masked_fill(mask, -float("inf"))  # (V,), then (M,)
        for step in range(k):
            if picks:
                done = [p for p, _ in picks]
                logits = logits.index_fill(
                    0,
                    torch.tensor(self._banned(done, where) + self._capped(cap, done, where), dtype=torch.long),
                    -float("inf"),
                )
            logp = torch.log_softmax(logits / temperature, 0)
            best = torch.topk(logp, min(top, logp.numel()))
            keep = best.values > -float("inf")
            if not keep.any():
                break
            values, indices = best.values[keep], best.indices[keep]
            j = int(torch.multinomial(torch.softmax(values, 0), 1, generator=gen))
            r = int(indices[j]) if step == 0 else space[int(indices[j])]
            picks.append((r, float(values[j])))
            if step < k - 1:
                csum, x, unit, seeded, past = cstate
                content = (csum + unit[[p for p, _ in picks]].sum(0, keepdim=True)) / (x.shape[1] + len(picks))
                xs = torch.cat([x, torch.tensor([[p for p, _ in picks]])], 1)  # (1, T + steps)
                logits, h = self._step(reps, torch.tensor([r]), h, u, content, xs, cols, seeded, past)
                logits = logits[0]  # (M,)
        return picks


def bench_generation(
    continuer: Continuer, catalog: "Catalog", n_runs: int = 100, k: int = 10, seed_len: int = 10
) -> dict:
    """Latency of continuing a playlist by ``k`` tracks (beam search), over ``n_runs`` seeded playlists."""
    rng = np.random.default_rng(0)
    pls = [p for p in catalog.playlists.values() if len(p.track_ids) >= seed_len] or list(catalog.playlists.values())
    times = []
    continuer.continue_playlist(pls[0].track_ids[:seed_len], k=k)  # warm the cached track vectors
    for _ in range(n_runs):
        p = pls[int(rng.integers(len(pls)))]
        t0 = time.perf_counter()
        continuer.continue_playlist(p.track_ids[:seed_len], k=k)
        times.append((time.perf_counter() - t0) * 1000)
    arr = np.array(times)
    return {
        "p50_ms": float(np.percentile(arr, 50)),
        "p95_ms": float(np.percentile(arr, 95)),
        "mean_ms": float(arr.mean()),
        "n_runs": n_runs,
        "k": k,
        "seed_tracks": seed_len,
    }


def bench_history_cost(
    continuer: Continuer, catalog: "Catalog", n_runs: int = 100, k: int = 10, seed_len: int = 1, history_len: int = 200
) -> dict:
    """What a listener's history D of ``history_len`` tracks adds to continuing a playlist by ``k`` tracks:
    each run times the same playlist with and without a D drawn from the catalog, in alternating order. One
    seed track by default: the costliest case (``model.HISTORY_TERMS`` weighs D's terms only for short seeds)."""
    rng = np.random.default_rng(1)
    pls = [p for p in catalog.playlists.values() if len(p.track_ids) >= seed_len] or list(catalog.playlists.values())
    ids = [t.track_id for t in catalog.tracks]
    draw = min(history_len, len(ids))
    continuer.continue_playlist(pls[0].track_ids[:seed_len], k=k, history=ids[:draw])  # warm caches
    with_d, without, added = [], [], []
    for i in range(n_runs):
        p = pls[int(rng.integers(len(pls)))]
        hist = [ids[j] for j in rng.choice(len(ids), draw, replace=False)]
        times = {}
        for use in (True, False) if i % 2 else (False, True):
            t0 = time.perf_counter()
            continuer.continue_playlist(p.track_ids[:seed_len], k=k, history=hist if use else ())
            times[use] = (time.perf_counter() - t0) * 1000
        with_d.append(times[True]), without.append(times[False]), added.append(times[True] - times[False])
    return {
        "with_history_p50_ms": float(np.percentile(with_d, 50)),
        "with_history_p95_ms": float(np.percentile(with_d, 95)),
        "without_p50_ms": float(np.percentile(without, 50)),
        "added_p50_ms": float(np.percentile(added, 50)),
        "history_tracks": draw,
        "n_runs": n_runs,
    }


def capped_order(
    scores: np.ndarray,
    seed: Sequence[int],
    artist_code: np.ndarray,
    song_code: np.ndarray,
    cap: "int | ArtistCap",
    n: int = 500,
    uncapped: Iterable[int] = (),
) -> np.ndarray:
    """The best ``n`` rows of ``scores`` (V,) as the product adds them to a playlist ``seed``: no seed track or
    other version of a seed song, no song twice, and every artist within ``cap`` (an ``ArtistCap`` over artist
    codes, or a plain cap with ``uncapped`` codes free) counting the seed's tracks. A track of an artist that keeps
    a share of the playlist, passed over while the artist is at its share, comes back (in score order) as soon as
    the grown playlist has room for it. ``artist_code``/``song_code`` (V,) give each row's artist and song."""
    from collections import deque

    rule = cap if isinstance(cap, ArtistCap) else ArtistCap(cap, {}, frozenset(uncapped))
    counts = Counter(int(artist_code[r]) for r in seed)
    songs = {int(song_code[r]) for r in seed}
    base = len(seed)
    waiting: dict[int, deque] = {}  # artist -> rows passed over at its share, best first
    out: list[int] = []

    def room(a: int) -> bool:
        return counts[a] + 1 <= rule.limit(a, base + len(out) + 1)

    def take(r: int, a: int) -> None:
        out.append(r)
        songs.add(int(song_code[r]))
        counts[a] += 1

    for rank, r in enumerate(np.argsort(-scores, kind="stable").tolist()):
        if len(out) >= n:
            break
        while waiting and len(out) < n:  # waiting rows outrank r: those whose artist has room again go first
            ready = [a for a, q in waiting.items() if room(a)]
            if not ready:
                break
            a = min(ready, key=lambda a: waiting[a][0][0])
            _, w = waiting[a].popleft()
            if not waiting[a]:
                del waiting[a]
            if int(song_code[w]) not in songs:
                take(w, a)
        if len(out) >= n:
            break
        a, s = int(artist_code[r]), int(song_code[r])
        if s in songs:
            continue
        if not room(a):
            if a in rule.shares:
                waiting.setdefault(a, deque()).append((rank, r))
            continue
        take(r, a)
    return np.array(out, dtype=np.int64)
