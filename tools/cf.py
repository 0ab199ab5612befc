"""Stage 3: collaborative filtering with surprise, fold-in for unseen users, cold start, rerank.

Training data. There are no user ids; as in playlist continuation (RecSys Challenge 2018) each
training playlist is one user. Interactions are implicit, so the ratings are built like this:
every (playlist, member track) pair is a positive with rating 1; for each positive one negative
with rating 0 is sampled from the tracks *not* in that playlist, drawn in proportion to how often
tracks occur in training playlists (popularity-matched), so that the factors learn taste rather
than popularity. Position in a playlist is not used: in this data it carries no preference.

Model. surprise's biased SVD (``SVD``); ``SVDpp`` can be chosen (``algo="svdpp"``) and is timed by
the eval. Tracks that no training playlist holds (most of the catalog: a track is usually in one
playlist) get the mean factors of the same artist's trained tracks, so a user's history and
candidates by known artists still have a place in the factor space.

Users. A chat user is never in the training set: their history is folded in by ridge regression
against the fixed item factors and biases (no retraining). A track's affinity to the user is
item-based (Sarwar et al., 2001): the mean cosine of its factors to the :data:`KNN_TOP` most similar
history tracks, so a history of two tastes keeps both instead of averaging them into neither; the
folded-in vector remains for users known only by it. No usable history gives the cold-start path:
a popularity-and-quality prior, flagged in :class:`UserVector`. How much the personal signal weighs
depends on the history's size (:data:`CF_SHARE_BY_HISTORY`, the cold-start policy chosen on validation).

Files. ``save`` writes ``cf.npz`` (the factor arrays, read back with ``allow_pickle=False``) and
``cf.json`` (metadata: the arrays' SHA-256, the catalog fingerprint, the scalars). No pickle is
written or read: a file can only ever hold numbers. ``load`` refuses files whose hash, catalog,
shapes or values do not check out, and ``ensure_cf`` then trains the model again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from tools.artifacts import sha256_file
from tools.catalog import Catalog, Playlist, catalog_fingerprint, fold
from tools.schema import Candidate

if TYPE_CHECKING:
    from tools.settings import Settings

log = logging.getLogger(__name__)

ARRAYS, SIDECAR = "cf.npz", "cf.json"
LEGACY_PICKLE = "cf.pkl"  # format 1; never read, deleted by the next save
FORMAT_VERSION = 2
FOLD_IN_REG = 1.0  # ridge per history track: strong, so the user leans to the history's centroid
# The cold-start policy: the share of ``settings.cf_weight`` the personal signal gets in a request, by
# how many history tracks the user has (with factors): (at least this many tracks, share). Row 0 weighs
# the popularity-and-quality prior; a share of 0 skips the rerank (retrieval's order stands). Chosen per
# history size on a validation split by ``playgenie eval personalized --ladder`` (a share
# must beat no rerank by 0.002 NDCG@20), with the item-kNN affinity: validation at 0/1/3/10/25 tracks, no
# rerank .097/.093/.089/.083/.062, chosen .097/.093/.098/.123/.115 (with the folded-in vector's cosine it was
# .097/.093/.092/.097/.066). With the old min-max blend no share ever beat no rerank. Again with the title pull
# (tools.ranker.TITLE_TAG_PULL) and the taste-mood rule (tools.refine.TASTE_MOOD_CLOSE): 25 tracks 0.75 .1342 against
# 1.0 .1284 (0/1/3/10 unchanged), so 0.75 from 3 tracks on. Again with the history's artists (ARTIST_AFFINITY, the
# guessed-genre rule): validation (48 playlists) at 0/1/3/10/25 tracks, no rerank .111/.105/.103/.095/.078, the full
# weight .103/.078/.132/.262/.227, the 0.75 shipped before .111/.105/.120/.211/.188: all of it from 10 tracks on.
# The ladder's sizes are tracks played, so the policy reads tracks played (``UserVector.n_played``) once any of them has
# factors. It read the tracks with factors, and a 10-track history has ~6 (1-2 of 3), so it gave 3's share at 10 and
# none at 3: the ladder's shipped system at 3/10/25 tracks, validation .127/.205/.207 -> .149/.257/.231 (now the
# policy chosen there), test .207/.283/.288 -> .246/.316/.312.
CF_SHARE_BY_HISTORY: tuple[tuple[int, float], ...] = ((0, 0.0), (1, 0.0), (3, 0.75), (10, 1.0), (25, 1.0))
# The rerank mixes the incoming order with the user's affinity by a weighted reciprocal-rank fusion inside each
# relaxation tier; its constant was chosen on the ladder's validation split (best sum over history sizes: 60
# .4446, 20 .4370, 5 .4423). The min-max blend of scores it replaced flattened the ranker's order against its
# tier offsets (best .4325: nothing beat no rerank).
BLEND_K = 60
NEIGHBOUR_POOL = 100  # history-nearest tracks added to retrieval's candidates (chosen on validation)
# The pool is the history's nearest tracks whatever the request's hard filters (the refiner drops the ones that break
# them). Filling it with the nearest tracks that pass the filters instead, scanning deeper, scored lower on both
# personalized validation splits (full NDCG@20, best of the weight grid: seed 0 .1581 -> .1488, seed 1 .1717 -> .1625),
# and so did dropping the ones that break them before the fusion (.1491), the affinity to the history tracks that fit
# the filters (.148-.155), a weight scaled by how many neighbours fit (.117-.157) and a deeper ranked pool of 450-1000
# candidates (.150-.155): past the first 100, the nearest allowed tracks hold 0.6% of the truth, against 4% for the
# allowed ones among the first 100 and 3% for retrieval's candidates.
# The history's artists. A track is usually in one playlist here, so a history of 10 tracks has ~2 with factors of
# their own and the truth's tracks mostly have none (test split: 13.5% are in a training playlist, 41% have no factors
# even through their artist); yet 16% of the truth is by an artist of the history and 4% from one of its albums. A
# track by an artist the person played has at least ARTIST_AFFINITY (a cosine: 1 is the history track itself), one
# from an album they played ALBUM_AFFINITY more, and up to ARTIST_POOL of the history's artists' tracks that retrieval
# and the neighbour pool missed join the candidates (most affine first). Chosen on the personalized eval's validation
# splits of seeds 0 and 1 pooled (104 playlists, full NDCG@20 at mf 0.8): none .1571; the pool alone .1571 (the
# artists' tracks without a raised affinity sink); ARTIST_AFFINITY 1.0 .2074, with ALBUM_AFFINITY 0.2 .2204-.2222
# (0.5 the same: the fusion reads ranks), ARTIST_AFFINITY 0.6/0.8/0.9 .2236/.2222/.2222: a plateau; a pool of 1000
# the same as 100 (the history's artists hold ~64 tracks).
ARTIST_AFFINITY = 0.6
ALBUM_AFFINITY = 0.2
ARTIST_POOL = 100
# Item-kNN affinity: the mean cosine to this many most similar history tracks. Chosen on the personalized
# eval's validation split (full NDCG@20, 10-track histories): 1 .1156, 3 .1261, 5 .1159, all 10 .1047;
# the folded-in user vector's cosine .1057.
KNN_TOP = 3
# The history tracks the kNN compares against, first first (memory lists likes, then kept tracks): a bound on its
# cost (the catalog's affinity for the neighbour pool: ~5 ms at 50 tracks, ~60 ms at 200 on a busy 2-core box).
KNN_HISTORY = 50


class ModelMismatch(RuntimeError):
    """A model file that this project did not write, or that was built for another catalog."""


@dataclass(slots=True)
class UserVector:
    """A user in the item-factor space, or the cold-start prior when there is no usable history."""

    factors: np.ndarray  # (k,) user factors; zeros for cold start
    bias: float = 0.0
    cold_start: bool = False
    n_history: int = 0  # history tracks that had factors
    space: str = "mf"  # "mf" or "graph": which item matrix the factors live in
    rows: np.ndarray | None = None  # catalog rows of the history tracks with factors (item-kNN); None: unknown
    # history tracks in the catalog, with factors or not: the size the cold-start policy reads (0 for a cold start)
    n_played: int = 0
    unit: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        norm = float(np.linalg.norm(self.factors))
        self.unit = (self.factors / norm if norm > 0 else self.factors).astype(np.float32)


@dataclass
class CFModel:
    """Item factors for every catalog track, and what is needed to fold users in and rerank."""

    algo_name: str
    params: dict
    track_ids: list[str]  # catalog order; row i of every array is catalog.tracks[i]
    items: np.ndarray  # (n_tracks, k) float32: trained factors, artist means, or zeros
    item_bias: np.ndarray  # (n_tracks,) float32
    known: np.ndarray  # (n_tracks,) bool: had factors of its own or through its artist
    trained: np.ndarray  # (n_tracks,) bool: held by a training playlist
    prior: np.ndarray  # (n_tracks,) float32 in 0-1: the cold-start popularity-and-quality prior
    global_mean: float
    n_users: int
    fingerprint: str
    graph_items: np.ndarray | None = None  # (n_tracks, k) LightGCN-propagated factors (tools.graph_cf)
    use_graph: bool = False
    algo: object | None = None  # the fitted surprise model
    train_seconds: float = 0.0
    _unit: dict = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------------------- training
    @classmethod
    def train(
        cls,
        catalog: Catalog,
        playlists: Iterable[Playlist] | None = None,
        seed: int = 0,
        *,
        algo: str = "svd",
        n_factors: int = 32,
        n_epochs: int = 30,
        lr: float = 0.01,
        reg: float = 0.05,
        graph_layers: int = 2,
    ) -> "CFModel":
        """Fit surprise on the playlists (default: the catalog's training playlists)."""
        import pandas as pd
        from surprise import SVD, Dataset, Reader, SVDpp

        plist = list(playlists if playlists is not None else catalog.playlists.values())
        rng = np.random.default_rng(seed)
        counts: dict[str, int] = defaultdict(int)
        for p in plist:
            for tid in p.track_ids:
                counts[tid] += 1
        pool = np.array(sorted(counts))
        weights = np.array([counts[t] for t in pool], dtype=np.float64)
        weights /= weights.sum()

        users, items, ratings = [], [], []
        for p in plist:
            members = set(p.track_ids)
            negs = rng.choice(pool, size=2 * len(members) + 10, p=weights)
            negs = [t for t in dict.fromkeys(negs) if t not in members][: len(members)]
            for tid in p.track_ids:
                users.append(p.playlist_id), items.append(tid), ratings.append(1.0)
            for tid in negs:
                users.append(p.playlist_id), items.append(str(tid)), ratings.append(0.0)
        frame = pd.DataFrame({"user": users, "item": items, "rating": ratings})
        data = Dataset.load_from_df(frame, Reader(rating_scale=(0.0, 1.0)))
        trainset = data.build_full_trainset()
        params = dict(n_factors=n_factors, n_epochs=n_epochs, lr_all=lr, reg_all=reg, random_state=seed)
        model = (SVDpp if algo == "svdpp" else SVD)(**params)
        t0 = time.perf_counter()
        model.fit(trainset)
        seconds = time.perf_counter() - t0
        log.info(
            "cf: %s on %d ratings, %d users, %d items in %.1fs",
            algo,
            len(frame),
            trainset.n_users,
            trainset.n_items,
            seconds,
        )

        out = cls._from_fit(catalog, model, algo, params | {"negatives_per_positive": 1}, plist)
        out.train_seconds = seconds
        if graph_layers > 0:
            from tools.graph_cf import propagate

            # Only the item factors seed the graph, as the shipped graph space was built: seeding the playlists
            # with surprise's user factors (model.pu) was once meant but never happened (a raw id was asked of
            # trainset.knows_user, which takes inner ids); doing it would change the space chosen on validation.
            out.graph_items = propagate(catalog, plist, out.items, out.trained, layers=graph_layers)
            out.params["graph_layers"] = graph_layers
        return out

    @classmethod
    def _from_fit(cls, catalog: Catalog, model, algo: str, params: dict, plist: list[Playlist]) -> "CFModel":
        ts = model.trainset
        n, k = len(catalog), model.qi.shape[1]
        items = np.zeros((n, k), dtype=np.float32)
        bias = np.zeros(n, dtype=np.float32)
        trained = np.zeros(n, dtype=bool)
        for inner in range(ts.n_items):
            i = catalog.index.get(ts.to_raw_iid(inner))
            if i is not None:
                items[i], bias[i], trained[i] = model.qi[inner], model.bi[inner], True
        # Tracks no playlist holds: the mean of the same artist's trained tracks (their bias too).
        by_artist: dict[str, list[int]] = defaultdict(list)
        for i in np.flatnonzero(trained):
            by_artist[fold(catalog.tracks[i].artist)].append(int(i))
        known = trained.copy()
        for i in np.flatnonzero(~trained):
            rows = by_artist.get(fold(catalog.tracks[i].artist))
            if rows:
                items[i], bias[i], known[i] = items[rows].mean(axis=0), bias[rows].mean(), True
        return cls(
            algo_name=algo,
            params=params,
            track_ids=[t.track_id for t in catalog.tracks],
            items=items,
            item_bias=bias,
            known=known,
            trained=trained,
            prior=quality_prior(catalog),
            global_mean=float(ts.global_mean),
            n_users=ts.n_users,
            fingerprint=catalog_fingerprint(catalog, plist),
            algo=model,
        )

    # ----------------------------------------------------------------------------- users
    def matrix(self, space: str | None = None) -> np.ndarray:
        """The item factors of one space ("mf" or "graph"); the model's default when None."""
        space = space or ("graph" if self.use_graph and self.graph_items is not None else "mf")
        return self.graph_items if space == "graph" and self.graph_items is not None else self.items

    def _has(self, space: str) -> np.ndarray:
        """Rows of one space that have factors (a nonzero vector)."""
        key = "_has_" + space
        if key not in self._unit:
            self._unit[key] = np.linalg.norm(self.matrix(space), axis=1) > 0
        return self._unit[key]

    def _units(self, space: str) -> np.ndarray:
        if space not in self._unit:
            m = self.matrix(space)
            norms = np.linalg.norm(m, axis=1, keepdims=True)
            self._unit[space] = (m / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        return self._unit[space]

    def fold_in(self, track_ids: Sequence[str], *, space: str | None = None, reg: float = FOLD_IN_REG) -> UserVector:
        """A user vector from a history, by ridge regression on the fixed item factors and biases.

        Solves min over (p, b) of sum_i (1 - mu - b_i - b - q_i.p)^2 + reg h (|p|^2 + b^2) over the
        h history tracks that have factors. A strong ridge keeps p near the (bias-weighted) sum of
        the history's factors instead of chasing low-variance directions of a few tracks, which
        ranked unseen tracks of the same taste better on the synthetic and real splits.
        None of them: the cold-start vector.
        """
        space = space or ("graph" if self.use_graph and self.graph_items is not None else "mf")
        index = self._index
        m = self.matrix(space)
        has = self._has(space)
        rows = [index[t] for t in dict.fromkeys(track_ids) if t in index and has[index[t]]]
        if not rows:
            return self.cold_start(space)
        q = m[rows].astype(np.float64)  # (h, k)
        x = np.hstack([q, np.ones((len(rows), 1))])  # (h, k+1): factors and the user bias
        y = 1.0 - self.global_mean - self.item_bias[rows].astype(np.float64)
        a = x.T @ x + reg * len(rows) * np.eye(x.shape[1])
        sol = np.linalg.solve(a, x.T @ y)
        first = np.asarray(rows[:KNN_HISTORY], dtype=np.int64)
        played = sum(t in index for t in dict.fromkeys(track_ids))
        return UserVector(sol[:-1].astype(np.float32), float(sol[-1]), False, len(rows), space, first, played)

    def cold_start(self, space: str = "mf") -> UserVector:
        """The vector for a user with no history: it ranks by the prior."""
        return UserVector(np.zeros(self.items.shape[1], dtype=np.float32), 0.0, True, 0, space)

    @property
    def _index(self) -> dict[str, int]:
        idx = self._unit.get("_index")
        if idx is None:
            idx = self._unit["_index"] = {t: i for i, t in enumerate(self.track_ids)}
        return idx

    def affinity(self, user: UserVector, idxs: np.ndarray) -> np.ndarray:
        """Per-track affinity for catalog rows ``idxs`` (-1..1, 0 for tracks without factors): the mean cosine
        to the user's :data:`KNN_TOP` most similar history tracks, or the cosine to the folded-in vector when the
        history's rows are unknown; for a cold-start user, the prior (0-1)."""
        idxs = np.asarray(idxs, dtype=np.int64)
        if user.cold_start:
            return self.prior[idxs]
        units = self._units(user.space)
        if user.rows is None or not len(user.rows):
            return np.einsum("ij,j->i", units[idxs], user.unit)
        sims = units[idxs] @ units[user.rows].T  # (len(idxs), h)
        top = min(KNN_TOP, sims.shape[1])
        return np.partition(sims, sims.shape[1] - top, axis=1)[:, -top:].mean(axis=1)

    def neighbours(self, user: UserVector, k: int, exclude: Iterable[str] = ()) -> list[Candidate]:
        """The ``k`` tracks of highest affinity to the user, among those with factors (none for a cold-start user)."""
        if user.cold_start or k <= 0:
            return []
        return self._nearest(self.affinity(user, np.arange(len(self.track_ids))), user.space, k, exclude)

    def _nearest(self, affinity: np.ndarray, space: str, k: int, exclude: Iterable[str]) -> list[Candidate]:
        """The ``k`` tracks of highest ``affinity`` (one value per catalog row) that have factors in ``space``."""
        aff = np.where(self._has(space), affinity, -np.inf)
        skip = {self._index[t] for t in exclude if t in self._index}
        top = np.argpartition(-aff, min(k + len(skip), len(aff) - 1))[: k + len(skip)]
        top = [int(i) for i in top[np.argsort(-aff[top])] if int(i) not in skip][:k]
        return [Candidate(self.track_ids[i], i, 0.0, ["your taste"]) for i in top]

    def rerank(
        self,
        candidates: Sequence[Candidate],
        user: UserVector,
        weight: float,
        *,
        pool: int = 0,
        exclude: Iterable[str] = (),
        kin: "HistoryKin | None" = None,
    ) -> list[Candidate]:
        """Candidates reordered by ``weight`` of the user's affinity: a weighted reciprocal-rank fusion of the
        incoming order and the affinity order within each relaxation tier (:data:`BLEND_K`); ``affinity`` is
        set on each (None for a cold-start user, whose affinity is the prior). The caller picks ``weight``
        (:func:`cf_weight_for`: less for a short history).

        ``pool`` > 0 first adds the user's ``pool`` nearest tracks (not in ``exclude``) that
        retrieval did not find, at the lowest retrieval score: tracks the words missed but the
        history points to. The refiner still checks them against the query's hard constraints.

        ``kin`` (:func:`history_kin`): the history's artists' and albums' tracks; with ``pool``, up to
        :data:`ARTIST_POOL` of them join the candidates the same way, and their affinity is raised
        (:data:`ARTIST_AFFINITY`, :data:`ALBUM_AFFINITY`).
        """
        cands = list(candidates)
        every = None  # the whole catalog's affinity, worked out once when the pool needs it
        if pool and cands and not user.cold_start:
            every = self.affinity(user, np.arange(len(self.track_ids)))
            have = {c.track_id for c in cands} | set(exclude)
            floor = min(c.score for c in cands)
            for c in self._nearest(every, user.space, pool, have):
                c.score = floor
                cands.append(c)
            if kin is not None and len(kin.artist_rows):
                have |= {c.track_id for c in cands}
                rows = [int(i) for i in kin.artist_rows if self.track_ids[i] not in have]
                rows.sort(key=lambda i: -every[i])
                cands += [Candidate(self.track_ids[i], i, floor, ["your taste"]) for i in rows[:ARTIST_POOL]]
        if not cands:
            return cands
        idxs = np.fromiter((c.idx for c in cands), dtype=np.int64, count=len(cands))
        aff = self.affinity(user, idxs) if every is None else every[idxs]
        if kin is not None and not user.cold_start:
            aff = kin.raise_affinity(idxs, aff)
        score = np.fromiter((c.score for c in cands), dtype=np.float64, count=len(cands))
        tiers = np.fromiter((c.tier for c in cands), dtype=np.float64, count=len(cands))
        final = _rank_blend(score, aff, tiers, weight)
        for c, a, f in zip(cands, aff, final):
            c.affinity = None if user.cold_start else float(a)
            c.final = float(f)
        return sorted(cands, key=lambda c: c.final, reverse=True)

    # ----------------------------------------------------------------------------- files
    _ARRAYS = ("items", "item_bias", "known", "trained", "prior", "graph_items")
    _SCALARS = ("algo_name", "params", "global_mean", "n_users", "fingerprint", "use_graph", "train_seconds")

    def save(self, folder: Path, extra: dict | None = None) -> Path:
        """Write ``cf.npz`` (arrays and track ids) and ``cf.json`` (metadata, scalars, the arrays' SHA-256).

        The fitted surprise object is not kept: serving needs only the arrays."""
        from tools.artifacts import replace_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {k: getattr(self, k) for k in self._ARRAYS if getattr(self, k) is not None}
        arrays["track_ids"] = np.array(self.track_ids, dtype=str)
        tmp = folder / f".{ARRAYS}.{os.getpid()}.tmp.npz"
        np.savez(tmp, **arrays)
        tmp.replace(folder / ARRAYS)
        meta = {
            "format": FORMAT_VERSION,
            "algo": self.algo_name,
            "catalog_fingerprint": self.fingerprint,
            "n_items": int(self.trained.sum()),
            "n_items_with_factors": int(self.known.sum()),
            "n_tracks": len(self.track_ids),
            "graph": self.graph_items is not None,
            "scalars": {k: getattr(self, k) for k in self._SCALARS},
            "sha256": sha256_file(folder / ARRAYS),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        } | (extra or {})
        replace_file(folder / SIDECAR, json.dumps(meta, indent=2).encode())
        (folder / LEGACY_PICKLE).unlink(missing_ok=True)
        log.info("cf: saved to %s", folder)
        return folder / ARRAYS

    @classmethod
    def load(
        cls, folder: Path, catalog: Catalog | None = None, playlists: Iterable[Playlist] | None = None
    ) -> "CFModel":
        """Read a model this project wrote; ModelMismatch for anything else (hash, catalog, shapes, values)."""
        folder = Path(folder)
        path, side = folder / ARRAYS, folder / SIDECAR
        if not side.exists() or not path.exists():
            raise FileNotFoundError(f"no CF model in {folder} (run `playgenie train cf` or `playgenie build`)")
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
            scalars = dict(meta["scalars"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelMismatch(f"{side} is unreadable ({type(exc).__name__}); run `playgenie train cf`") from None
        if meta.get("format") != FORMAT_VERSION:
            raise ModelMismatch(f"{side} is format {meta.get('format')}, not {FORMAT_VERSION}; rebuild it")
        data = path.read_bytes()  # hashed and parsed from the same bytes: the file cannot change in between
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            raise ModelMismatch(f"{path} does not match the SHA-256 recorded in {side.name}; run `playgenie train cf`")
        if catalog is not None and meta.get("catalog_fingerprint") != catalog_fingerprint(catalog, playlists):
            raise ModelMismatch(f"{path} was trained on another catalog or playlist split; rebuild it.")
        import io

        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            model = cls(track_ids=arrays.pop("track_ids").tolist(), **arrays, **{k: scalars[k] for k in cls._SCALARS})
        except Exception as exc:  # object arrays (pickles) are refused by numpy; missing or extra fields by us
            raise ModelMismatch(f"{path} is not a PlayGenie CF model ({type(exc).__name__}: {exc})") from None
        problem = model._problem()
        if problem:
            raise ModelMismatch(f"{path}: {problem}; rebuild with `playgenie train cf`")
        return model

    def _problem(self) -> str | None:
        """Why the arrays are inconsistent, or None."""
        n = len(self.track_ids)
        if self.items.ndim != 2 or self.items.shape[0] != n:
            return f"items of shape {self.items.shape} for {n} tracks"
        for name in ("item_bias", "known", "trained", "prior"):
            if getattr(self, name).shape != (n,):
                return f"{name} of shape {getattr(self, name).shape} for {n} tracks"
        if self.graph_items is not None and self.graph_items.shape != self.items.shape:
            return f"graph_items of shape {self.graph_items.shape}"
        for name in ("items", "item_bias", "prior") + (("graph_items",) if self.graph_items is not None else ()):
            if not np.isfinite(getattr(self, name)).all():
                return f"{name} holds values that are not finite"
        return None


@dataclass(frozen=True)
class HistoryKin:
    """Catalog rows of the tracks by the history's artists, and of those from its albums (:func:`history_kin`)."""

    artist_rows: np.ndarray
    album_rows: np.ndarray

    def raise_affinity(self, idxs: np.ndarray, aff: np.ndarray) -> np.ndarray:
        """``aff`` (one per row of ``idxs``) with the history's artists' tracks at least :data:`ARTIST_AFFINITY`
        and its albums' tracks :data:`ALBUM_AFFINITY` higher."""
        out = np.asarray(aff, dtype=np.float64).copy()
        by_artist = np.isin(idxs, self.artist_rows)
        out[by_artist] = np.maximum(out[by_artist], ARTIST_AFFINITY)
        out[np.isin(idxs, self.album_rows)] += ALBUM_AFFINITY
        return out


def history_kin(catalog: Catalog, history: Iterable[str]) -> HistoryKin:
    """The tracks of ``catalog`` by an artist of ``history`` and those from one of its albums (history tracks too)."""
    tracks = [catalog.tracks[catalog.index[t]] for t in history if t in catalog.index]
    albums = {t.album_id for t in tracks}
    rows = sorted({i for a in dict.fromkeys(fold(t.artist) for t in tracks) for i in catalog.by_artist.get(a, ())})
    on_album = [i for i in rows if catalog.tracks[i].album_id in albums]
    return HistoryKin(np.asarray(rows, dtype=np.int64), np.asarray(on_album, dtype=np.int64))


def cf_weight_for(n_history: int, cf_weight: float, table: Sequence[tuple[int, float]] = CF_SHARE_BY_HISTORY) -> float:
    """The rerank weight for a user with ``n_history`` history tracks: ``cf_weight`` times the share
    of the table's last row at or below ``n_history`` (0: no personal rerank), at most 1."""
    share = 0.0
    for at_least, s in sorted(table):
        if n_history >= at_least:
            share = s
    return min(1.0, max(0.0, cf_weight * share))


def _rank_blend(score: np.ndarray, aff: np.ndarray, tiers: np.ndarray, weight: float) -> np.ndarray:
    """Weighted reciprocal-rank fusion of the incoming order and the affinity order, a stricter relaxation
    tier first: the ranker's order survives (a min-max blend flattened it against its tier offsets)."""
    n = len(score)
    base, near = np.empty(n), np.empty(n)
    base[np.argsort(-score, kind="stable")] = np.arange(n)
    near[np.argsort(-aff, kind="stable")] = np.arange(n)
    return (1.0 - weight) / (BLEND_K + base) + weight / (BLEND_K + near) - tiers


def quality_prior(catalog: Catalog) -> np.ndarray:
    """Popularity-and-quality prior in 0-1: popularity, halved for skits, spoken word and near-zero
    popularity re-uploads (the refiner's quality floor)."""
    from tools.refine import MAX_SPEECHINESS, MIN_DURATION_MS, MIN_POPULARITY

    pop = catalog.popularity.astype(np.float32) / 100.0
    weak = np.array(
        [
            t.duration_ms < MIN_DURATION_MS or t.speechiness > MAX_SPEECHINESS or t.popularity < MIN_POPULARITY
            for t in catalog.tracks
        ],
        dtype=bool,
    )
    return np.where(weak, 0.5 * pop, pop).astype(np.float32)


def ensure_cf(catalog: Catalog, folder: Path, *, seed: int = 0, **params) -> CFModel:
    """The CF model in ``folder`` when it matches ``catalog`` (and ``algo``), else trained and saved.

    Damaged or foreign files are retrained, not raised; one process trains at a time (a lock file)."""
    from tools.artifacts import build_lock

    folder = Path(folder)
    algo = params.get("algo", "svd")

    def current() -> CFModel | None:
        try:
            model = CFModel.load(folder, catalog)
            return model if model.algo_name == algo else None
        except FileNotFoundError:
            return None
        except ModelMismatch as exc:
            log.warning("cf: %s; retraining", exc)
            return None

    model = current()
    if model is not None:
        return model
    with build_lock(folder / ".lock"):
        model = current()  # another process may have trained it while this one waited
        if model is None:
            model = CFModel.train(catalog, seed=seed, **params)
            model.save(folder)
    return model


def cf_home(settings: "Settings") -> Path:
    """Where the product's CF model lives."""
    return Path(settings.home) / "cf"


def build_step(ctx) -> str:
    """``playgenie build`` step "cf": the product's CF model, trained unless up to date."""
    assert ctx.catalog is not None
    folder = cf_home(ctx.settings)
    if ctx.force:
        (folder / SIDECAR).unlink(missing_ok=True)
    model = ensure_cf(ctx.catalog, folder)
    ctx.cf = model  # for later steps
    return (
        f"cf: {model.algo_name}, {model.n_users} playlists, {int(model.trained.sum())} tracks with factors "
        f"({int(model.known.sum())} with artist back-off) in {folder}"
    )


# ------------------------------------------------------------------------------------ CLI
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--algo", choices=("svd", "svdpp"), default="svd", help="surprise algorithm (default svd).")
    parser.add_argument("--factors", type=int, default=32, help="Latent factors (default 32).")
    parser.add_argument("--epochs", type=int, default=30, help="Training epochs (default 30).")
    parser.add_argument("--graph-layers", type=int, default=2, help="LightGCN propagation layers; 0 for none.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="Folder for the model (default <home>/cf).")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    from tools.catalog import ensure_data

    catalog = Catalog.from_csv(ensure_data(settings.data, settings.home, settings.data_url))
    model = CFModel.train(
        catalog,
        seed=args.seed,
        algo=args.algo,
        n_factors=args.factors,
        n_epochs=args.epochs,
        graph_layers=args.graph_layers,
    )
    path = model.save(args.out or cf_home(settings))
    print(
        f"trained {args.algo} in {model.train_seconds:.1f}s: {model.n_users} playlists, "
        f"{int(model.trained.sum())} tracks with factors ({int(model.known.sum())} with artist back-off) -> {path}"
    )
    return 0
