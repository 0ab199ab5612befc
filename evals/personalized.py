"""Personalized text-to-playlist: does knowing what a user played make the playlist better?

For each held-out playlist, its first :data:`HISTORY` tracks are the user's history and the rest
are the truth; the query is the playlist's name. History tracks never count as answers. Everything
(catalog genres, index, CF, graph) is built without the test playlists. The CF systems and ``full`` answer at the
rerank weight the product gives such a history (:func:`shipped_weight`); the grid of weights and spaces, and the
refiner's settings, are scored on *validation* splits carved out of the training playlists (each built without
its validation playlists either; :data:`VALIDATION_SPLITS` of them pooled), never on the test split.

Systems: ``retrieval`` (stage 2 as shipped: tags, hybrid retrieval and the learned ranker),
``retrieval+refine``, ``retrieval+cf`` (MF affinity; the history's :data:`tools.cf.NEIGHBOUR_POOL`
nearest tracks join the candidates), ``retrieval+cf+graph`` (the same with LightGCN-propagated factors),
``retrieval+cf_allowed`` (the same, less the tracks that break the request's hard constraints, which the refiner
never plays: ``full`` against it is the refiner's own cost), ``full`` (the product's CF rerank, then the
refiner), ``surprise_only`` (the whole catalog
ranked by CF affinity, no text), and the non-personal baselines of :mod:`evals.systems` (bm25, dense,
popularity). The pipeline is run offline (no LLM), so runs repeat exactly.

Usage:
    playgenie eval personalized [--test-playlists IDS.txt] [--ladder] [--json]
    (``playgenie eval text2playlist --personalized [--ladder]`` runs the same.)

Entry point: :func:`run_personalized`.

The cold-start ladder (:func:`run_ladder`, ``--ladder``): the same playlists at 0, 1,
3, 10 and 25 tracks of history (the first h tracks; the rest are the truth), answered with no
personal rerank, the popularity prior, the fixed CF weight and the shipped policy
(:data:`tools.cf.CF_SHARE_BY_HISTORY`), all through the refiner as the product answers; the policy is
the best share of ``settings.cf_weight`` per size on the validation split, none unless it beats no rerank.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from evals.split import add_split_arguments
from tools.cf import NEIGHBOUR_POOL, history_kin

if TYPE_CHECKING:
    from evals.split import Split
    from tools.catalog import Catalog, Playlist
    from tools.cf import CFModel
    from tools.schema import Candidate
    from tools.settings import Settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_split_arguments(parser)
    parser.add_argument(
        "--ladder",
        action="store_true",
        help="The cold-start ladder (history sizes 0-25) and the policy chosen on validation.",
    )
    parser.add_argument(
        "--refiner-steps",
        action="store_true",
        help="Where full loses to retrieval+cf: each refiner step's NDCG on validation and test.",
    )
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    from evals.split import load_test_ids
    from tools.catalog import ensure_data

    data = ensure_data(settings.data, settings.home, settings.data_url)
    test_ids = load_test_ids(args.test_playlists) if args.test_playlists else None
    return run_on(args, settings, data, test_ids)


def run_on(args: argparse.Namespace, settings: "Settings", data: Path, test_ids: Sequence[str] | None) -> int:
    """The evaluation (or, with ``args.ladder``, the ladder) on ``test_ids``, else on the default split."""
    if test_ids is None:
        from evals.split import split_playlists
        from tools.catalog import read_csv

        _, test_ids = split_playlists(read_csv(data), fraction=args.fraction, seed=args.seed)
    if getattr(args, "refiner_steps", False):  # eval text2playlist --personalized has no such flag
        print(json.dumps(run_refiner_steps(settings, data, test_ids, n=args.n), indent=None if args.json else 2))
        return 0
    if args.ladder:
        result = run_ladder(settings, data, test_ids, n=args.n)
        print(json.dumps(result) if args.json else format_ladder(result))
        return 0
    result = run_personalized(settings, data, test_ids, n=args.n)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


HISTORY = 10
WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.0, 1.0, 11))
SPACES = ("mf", "graph")
BASELINES = ("bm25", "dense", "popularity")
FLOW_WEIGHTS = (0.5, 2.0, 5.0, 20.0, 100.0)  # tools.refine.FLOW_HISTORY_WEIGHT candidates (full's flow weight)
QUALITY_PLACES = (0.0, 10.0, 20.0, 40.0, 80.0, float("inf"))  # tools.refine.QUALITY_PLACES candidates (inf: a floor)
# Validation splits (seeds seed, seed + 1, ...) whose cases are pooled to choose the CF weight and space: one split
# holds ~52 playlists, too few to tell the pairs apart (seed 0 chose mf 0.6 at .158, seed 1 graph 0.8 at .172, where
# seed 0 scores graph 0.8 .154); pooled, the 104 choose graph 0.8 (.165 against .160 for mf 0.6). Test full NDCG@20
# .193 (mf 0.6) -> .189 (graph 0.8), looked at once.
VALIDATION_SPLITS = 2


@dataclass
class Stages:
    """The offline pipeline built for one catalog, and its CF model."""

    catalog: "Catalog"
    pipeline: object  # tools.pipeline.Pipeline (None when only the CF is compared)
    cf: "CFModel"
    build_s: dict


def build_stages(settings: "Settings", catalog: "Catalog", home: Path, *, seed: int = 0) -> Stages:
    """The offline pipeline over ``catalog`` (index and CF under ``home``); no LLM, so runs repeat."""
    from tools.pipeline import Pipeline
    from tools.ranker import ensure_ranker

    t: dict[str, float] = {}
    offline = settings.model_copy(update={"llm_base_url": None})
    t0 = time.perf_counter()
    ranker = ensure_ranker(offline, catalog, home)
    t["ranker_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipe = Pipeline.from_catalog(offline, catalog, home, ranker=ranker)
    t["index_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cf = pipe.cf_model()
    if cf is None:
        raise RuntimeError("the CF model could not be built; see the log")
    t["cf_s"] = time.perf_counter() - t0
    t["cf_train_s"] = cf.train_seconds
    return Stages(catalog, pipe, cf, t)


@dataclass
class Case:
    """One held-out playlist as a personalized request."""

    name: str
    history: list[str]
    truth: list[str]
    genres: set[str]


def cases_of(
    playlists: Sequence["Playlist"], catalog: "Catalog", genres: dict[str, set[str]] | None = None
) -> list[Case]:
    """Playlists with more than :data:`HISTORY` tracks, split into history and truth."""
    out = []
    for p in playlists:
        ids = [t for t in p.track_ids if t in catalog.index]
        if len(ids) > HISTORY:
            g = (genres or {}).get(p.playlist_id) or {p.genre}
            out.append(Case(p.name, ids[:HISTORY], ids[HISTORY:], set(g)))
    return out


def _copy(cands: Sequence["Candidate"]) -> list["Candidate"]:
    return [dataclasses.replace(c, matched=list(c.matched)) for c in cands]


@dataclass
class Prepared:
    """A case with retrieval done once: its candidates, the query as applied, and user vectors."""

    case: Case
    query: object
    candidates: list
    users: dict  # space -> UserVector


def prepare(stages: Stages, cases: Sequence[Case], n: int) -> list[Prepared]:
    out = []
    pipe = stages.pipeline
    for case in cases:
        vector = pipe.embed(case.name)
        q = pipe.extract(case.name, query_vector=vector)
        r = pipe.retrieve_full(q, n, exclude_ids=case.history, query_vector=vector)
        r.candidates = pipe.rank(r, q)
        users = {s: stages.cf.fold_in(case.history, space=s) for s in SPACES}
        out.append(Prepared(case, r.query, r.candidates, users))
    return out


def answer(
    stages: Stages,
    p: Prepared,
    system: str,
    n: int,
    weight: float,
    space: str,
    max_per_artist: int = 2,
    flow: float | None = None,
    quality_places: float | None = None,
) -> list[str]:
    """The track ids one system answers for one prepared case."""
    from tools.refine import history_caps, refine

    hist = set(p.case.history)
    if system == "retrieval":
        return [c.track_id for c in p.candidates if c.track_id not in hist][:n]
    if system == "retrieval+refine":
        items = refine(_copy(p.candidates), p.query, stages.catalog, n, max_per_artist=max_per_artist)
        return [i.track_id for i in items]
    if system == "surprise_only":
        aff = stages.cf.affinity(p.users["mf"], np.arange(len(stages.catalog)))
        order = np.argsort(-aff, kind="stable")
        ids = stages.cf.track_ids
        return [ids[i] for i in order[: n + len(hist)] if ids[i] not in hist][:n]
    s = {"retrieval+cf": "mf", "retrieval+cf+graph": "graph"}.get(system, space)
    kin = history_kin(stages.catalog, p.case.history)
    ranked = stages.cf.rerank(
        _copy(p.candidates), p.users[s], weight, pool=NEIGHBOUR_POOL, exclude=p.case.history, kin=kin
    )
    if system == "retrieval+cf_allowed":
        from tools.refine import allowed

        ranked = [c for c in ranked if allowed(stages.catalog.tracks[c.idx], p.query)]
    if system == "full":
        from tools import refine as refine_module

        caps = history_caps(stages.catalog, p.case.history, n, max_per_artist) if weight else None
        if flow is None and weight:  # as Pipeline.run refines where a history counts
            flow = refine_module.FLOW_HISTORY_WEIGHT
        items = refine(
            ranked,
            p.query,
            stages.catalog,
            n,
            max_per_artist=max_per_artist,
            flow_rank_weight=flow,
            artist_caps=caps,
            quality_places=quality_places,
            taste_moods=refine_module.TASTE_MOOD_CLOSE if weight else None,  # as Pipeline.run refines
        )
        return [i.track_id for i in items]
    return [c.track_id for c in ranked if c.track_id not in hist][:n]


def _scores(catalog: "Catalog", case: Case, ids: list[str], n: int) -> dict[str, float]:
    from evals import metrics as m

    ids = [t for t in ids if t not in set(case.history)]
    tracks = [catalog[t] for t in ids if t in catalog.index]
    truth_tracks = [catalog[t] for t in case.truth]
    return {
        f"precision@{n}": m.precision_at_k(ids, case.truth, n),
        f"ndcg@{n}": m.ndcg_at_k(ids, case.truth, n),
        "genre_agreement": m.genre_agreement(tracks, case.genres),
        "decade_agreement": m.decade_agreement(tracks, truth_tracks),
        "feature_distance": m.feature_distance(tracks, truth_tracks),
        "artist_diversity": m.artist_diversity(tracks),
        "duplicate_rate": m.duplicate_rate(tracks),
        "max_per_artist": float(m.max_per_artist(tracks)),
        # the refiner's trade, beside NDCG (issue 16): repetition, spread and flow of the answer as played
        "artist_repetition": m.artist_repetition(tracks),
        "genre_spread": m.genre_spread(tracks),
        "decade_spread": m.decade_spread(tracks),
        "flow_step": m.flow_step(tracks),
    }


def _summarize(rows: list[dict[str, float]]) -> dict[str, float]:
    from evals import metrics as m

    out = {k: round(m.mean(r[k] for r in rows), 4) for k in rows[0]} if rows else {}
    if rows:
        out["max_per_artist_worst"] = max(r["max_per_artist"] for r in rows)
    return out


def shipped_weight(settings: "Settings") -> tuple[float, str]:
    """The rerank weight and CF space the product gives a :data:`HISTORY`-track history, as ``Pipeline.run`` does:
    :func:`tools.cf.cf_weight_for` the tracks played at ``settings.cf_weight``, the MF fold-in. ``full`` and the CF
    systems are scored at it, so the eval measures the product (it scored the grid's best, 1.0, where the product
    plays 0.8)."""
    from tools.cf import cf_weight_for

    return cf_weight_for(HISTORY, settings.cf_weight), "mf"


def choose_weight(
    stages: Stages | Sequence[tuple[Stages, Sequence[Prepared]]],
    prepared: Sequence[Prepared] = (),
    n: int = 20,
    max_per_artist: int = 2,
    shipped: tuple[float, str] | None = None,
) -> dict:
    """NDCG@n of ``full`` on the validation cases for every weight and space (``best_*``: the pair the grid alone
    would pick); ``weight`` and ``space`` are ``shipped`` (the product's, :func:`shipped_weight`) when given, else the
    grid's best, and the refiner's grids are at them. ``stages`` is one validation split's (its cases in
    ``prepared``) or a list of (stages, prepared) pairs whose cases are pooled (:data:`VALIDATION_SPLITS`): the rest
    of the figures are on the first pair."""
    from evals import metrics as m

    groups = [(stages, prepared)] if isinstance(stages, Stages) else list(stages)
    stages, prepared = groups[0]
    grid, best_space, best_w = weight_grid(groups, n, max_per_artist)
    space, w = (best_space, best_w) if shipped is None else (shipped[1], f"{shipped[0]:g}")
    # The same requests without any history: does the cold-start prior help or hurt?
    cold: dict[str, float] = {}
    for cw in WEIGHTS:
        vals = []
        for p in prepared:
            cold_p = Prepared(p.case, p.query, p.candidates, {s: stages.cf.cold_start(s) for s in SPACES})
            vals.append(m.ndcg_at_k(answer(stages, cold_p, "full", n, cw, "mf", max_per_artist), p.case.truth, n))
        cold[f"{cw:.1f}"] = round(m.mean(vals), 4)

    # The refiner's flow penalty and quality floor at the chosen weight, beside retrieval+cf's NDCG (the refiner's
    # cost): every figure on the validation splits pooled, as the weight was chosen; ``per_split`` shows their spread.
    def pooled(system: str, **kw) -> float:
        return round(m.mean(v for _, _, v in _per_case(groups, system, n, float(w), space, max_per_artist, **kw)), 4)

    flows = {f"{fw:g}": pooled("full", flow=fw) for fw in FLOW_WEIGHTS}
    places = {f"{qp:g}": pooled("full", quality_places=qp) for qp in QUALITY_PLACES}  # at the shipped flow weight
    per_split = {
        s: [round(m.mean(v), 4) for v in _by_split(groups, s, n, float(w), space, max_per_artist)]
        for s in ("retrieval", "retrieval+cf", "full")
    }
    return {
        "grid_ndcg": grid,
        "grid_cases": sum(len(group) for _, group in groups),
        "best_weight": float(best_w),
        "best_space": best_space,
        "best_ndcg": grid[best_space][best_w],
        "weight": float(w),
        "space": space,
        "ndcg": pooled("full"),
        "cold_start_grid_ndcg": cold,
        "retrieval_ndcg": pooled("retrieval"),
        "retrieval+cf_ndcg": pooled("retrieval+cf"),
        "retrieval+cf_allowed_ndcg": pooled("retrieval+cf_allowed"),
        "per_split_ndcg": per_split,
        "flow_rank_weight_ndcg": flows,
        "quality_places_ndcg": places,
    }


def weight_grid(groups, n: int, max_per_artist: int) -> tuple[dict[str, dict[str, float]], str, str]:
    """NDCG@n of ``full`` for every space and weight over the (stages, prepared) ``groups`` pooled, and the best
    (space, weight) of it; a tie goes to the smaller weight."""
    from evals import metrics as m

    grid: dict[str, dict[str, float]] = {}
    for space in SPACES:
        grid[space] = {}
        for w in WEIGHTS:
            vals = [v for _, _, v in _per_case(groups, "full", n, w, space, max_per_artist)]
            grid[space][f"{w:.1f}"] = round(m.mean(vals), 4)
    space, w = max(((s, w) for s in SPACES for w in grid[s]), key=lambda sw: (grid[sw[0]][sw[1]], -float(sw[1])))
    return grid, space, w


def _per_case(groups, system: str, n: int, weight: float, space: str, max_per_artist: int, **kw):
    """(split number, case, NDCG@n) of ``system`` for every case of every (stages, prepared) group."""
    from evals import metrics as m

    for k, (st, group) in enumerate(groups):
        for p in group:
            ids = answer(st, p, system, n, weight, space, max_per_artist, **kw)
            yield k, p, m.ndcg_at_k(ids, p.case.truth, n)


def _by_split(groups, system: str, n: int, weight: float, space: str, max_per_artist: int) -> list[list[float]]:
    """Per validation split, the NDCG@n of each of its cases."""
    out: list[list[float]] = [[] for _ in groups]
    for k, _, v in _per_case(groups, system, n, weight, space, max_per_artist):
        out[k].append(v)
    return out


def ratio_intervals(rows: dict[str, list[dict[str, float]]], n: int) -> dict:
    """``full`` against ``retrieval`` and ``retrieval+cf``: the ratio of mean NDCG@n over the same playlists and its
    95% paired-bootstrap interval (a target missed or met within the noise of a few dozen playlists)."""
    from evals.continuation import ratio_interval

    key = f"ndcg@{n}"
    return {f"full/{other}": ratio_interval(rows["full"], rows[other], key) for other in ("retrieval", "retrieval+cf")}


# ------------------------------------------------------------------------ where the refiner costs (--refiner-steps)
REFINER_STEPS = ("retrieval+cf", "hard_constraints", "selected", "selected_uncapped", "selected_no_floor", "full")


def refiner_steps(stages: Stages, p: Prepared, n: int, weight: float, space: str, max_per_artist: int = 2) -> dict:
    """Track ids per step from ``retrieval+cf`` (here in ``space``, as ``full`` reranks) to ``full`` for one case:
    ``hard_constraints`` drops what the refiner never plays (a track the history brought under the taste rules),
    ``selected`` is the refiner's choice in score order (one version per song, the artist caps, the quality floor's
    penalty; ``full`` less the flow's order), ``selected_uncapped`` the same without any artist cap and
    ``selected_no_floor`` without the floor's penalty."""
    from tools.refine import TASTE, TASTE_MOOD_CLOSE, allowed, history_caps, score_of, select, taste_allowed

    kin = history_kin(stages.catalog, p.case.history)
    ranked = stages.cf.rerank(
        _copy(p.candidates), p.users[space], weight, pool=NEIGHBOUR_POOL, exclude=p.case.history, kin=kin
    )
    hist, tracks = set(p.case.history), stages.catalog.tracks
    taste = TASTE_MOOD_CLOSE if weight else None  # as answer() refines "full"
    caps = history_caps(stages.catalog, p.case.history, n, max_per_artist) if weight else None

    def plays(c) -> bool:
        if taste is not None and TASTE in c.matched:
            return taste_allowed(tracks[c.idx], p.query, taste)
        return allowed(tracks[c.idx], p.query)

    def chosen(cap: int = max_per_artist, artist_caps=caps, quality_places: float | None = None) -> list[str]:
        picks = select(
            _copy(ranked), p.query, stages.catalog, n, max_per_artist=cap, artist_caps=artist_caps,
            quality_places=quality_places, taste_moods=taste,
        )  # fmt: skip
        return [q.track.track_id for q in sorted(picks, key=lambda q: score_of(q.cand), reverse=True)]

    return {
        "retrieval+cf": [c.track_id for c in ranked if c.track_id not in hist][:n],
        "hard_constraints": [c.track_id for c in ranked if c.track_id not in hist and plays(c)][:n],
        "selected": chosen(),
        "selected_uncapped": chosen(cap=n, artist_caps=None),
        "selected_no_floor": chosen(quality_places=0.0),
        "full": answer(stages, p, "full", n, weight, space, max_per_artist),
    }


def _step_table(groups, n: int, weight: float, space: str, max_per_artist: int) -> list[dict[str, list[float]]]:
    """Per group, each step's NDCG@n of every case."""
    from evals import metrics as m

    out = []
    for st, group in groups:
        rows: dict[str, list[float]] = {s: [] for s in REFINER_STEPS}
        for p in group:
            for s, ids in refiner_steps(st, p, n, weight, space, max_per_artist).items():
                rows[s].append(m.ndcg_at_k(ids, p.case.truth, n))
        out.append(rows)
    return out


def run_refiner_steps(settings: "Settings", data_path: Path, test_ids: Sequence[str], n: int = 20, *, seed: int = 0):
    """Where ``full`` loses to ``retrieval+cf``: each refiner step's NDCG@n on the validation splits (pooled and each)
    and on test, at the product's CF weight and space (:func:`shipped_weight`, as :func:`run_personalized`),
    with ``full`` over ``retrieval+cf`` and its 95% paired-bootstrap interval. Returns a JSON-ready dict."""
    from evals import metrics as m
    from evals.continuation import ratio_interval

    t_start = time.perf_counter()
    groups, split = [], None
    for offset in range(VALIDATION_SPLITS):
        carved = validation_split(settings, data_path, test_ids, seed + offset)
        st = build_stages(settings, carved.val_catalog, carved.val_home, seed=seed)
        groups.append((st, prepare(st, cases_of(carved.val_playlists, carved.val_catalog), n)))
        st.pipeline.close()
        split = split or carved.test
    w, space = shipped_weight(settings)
    stages = build_stages(settings, split.catalog, split.home, seed=seed)
    test = [
        (stages, prepare(stages, cases_of([split.truth[t] for t in split.test_ids], split.catalog, split.genres), n))
    ]
    stages.pipeline.close()
    val_rows = _step_table(groups, n, float(w), space, settings.max_per_artist)
    (test_rows,) = _step_table(test, n, float(w), space, settings.max_per_artist)

    def means(rows: dict[str, list[float]]) -> dict[str, float]:
        return {s: round(m.mean(v), 4) for s, v in rows.items()}

    pooled = {s: [v for rows in val_rows for v in rows[s]] for s in REFINER_STEPS}
    paired = {s: [{"ndcg": v} for v in test_rows[s]] for s in ("full", "retrieval+cf")}
    return {
        "task": "personalized-refiner-steps",
        "weight": float(w),
        "space": space,
        "steps": list(REFINER_STEPS),
        "validation": {
            "n_queries": len(pooled["full"]),
            "pooled": means(pooled),
            "per_split": list(map(means, val_rows)),
        },
        "test": {"n_queries": len(test_rows["full"]), **means(test_rows)},
        "full/retrieval+cf": ratio_interval(paired["full"], paired["retrieval+cf"], "ndcg"),
        "seconds": round(time.perf_counter() - t_start, 1),
    }


@dataclass
class Splits:
    """The test split, and the validation split carved from its training playlists (with its own home)."""

    test: "Split"
    val_catalog: "Catalog"  # built without the test and the validation playlists
    val_playlists: list["Playlist"]  # the validation playlists as in the full data
    val_home: Path


def validation_split(settings: "Settings", data_path: Path, test_ids: Sequence[str], seed: int = 0) -> Splits:
    """The test split of ``test_ids`` and a validation split carved from its training side, each leak-free."""
    from evals.split import prepare_split, split_home, split_playlists
    from tools.catalog import Catalog, playlists_of, read_csv

    split = prepare_split(settings, data_path, list(test_ids))
    frame = read_csv(data_path)
    everything = playlists_of(frame)
    _, val_ids = split_playlists(split.catalog, fraction=0.15, seed=seed + 1)
    val_catalog = Catalog.from_frame(frame, exclude_playlists=list(split.test_ids) + val_ids)
    val_home = split_home(settings.home, list(split.test_ids) + val_ids)
    return Splits(split, val_catalog, [everything[v] for v in val_ids], val_home)


def run_personalized(
    settings: "Settings",
    data_path: Path,
    test_ids: Sequence[str],
    n: int = 20,
    *,
    seed: int = 0,
    baselines: Sequence[str] = BASELINES,
    compare_svdpp: bool = False,
    validation_splits: int = VALIDATION_SPLITS,
) -> dict:
    """Build everything without the test playlists, score the CF weight grid and the refiner's settings on validation
    (``validation_splits`` splits pooled), then score every system on the test playlists at the product's weight
    (:func:`shipped_weight`). Returns a JSON-ready dict."""
    t_start = time.perf_counter()
    # Validation: playlists carved from the training side, with their own leak-free artifacts; the weight grid and the
    # refiner's grids are on the cases of every split in VALIDATION_SPLITS pooled, the other figures on the first.
    groups = []
    for offset in range(validation_splits):
        splits_k = validation_split(settings, data_path, test_ids, seed + offset)
        stages_k = build_stages(settings, splits_k.val_catalog, splits_k.val_home, seed=seed)
        groups.append((stages_k, prepare(stages_k, cases_of(splits_k.val_playlists, splits_k.val_catalog), n)))
        stages_k.pipeline.close()  # retrieval is done; one Qdrant shard open at a time
        if not offset:
            splits = splits_k
    split, val_catalog, val_home = splits.test, splits.val_catalog, splits.val_home
    val_stages, val_prepared = groups[0]
    chosen = choose_weight(groups, n=n, max_per_artist=settings.max_per_artist, shipped=shipped_weight(settings))
    chosen["n_queries"] = len(val_prepared)
    chosen["algo"] = "svd"
    if compare_svdpp:
        chosen["svdpp"] = _compare_svdpp(settings, val_catalog, val_home, val_prepared, chosen, n, seed)
    log.info(
        "validation: shipped weight %.1f (%s) ndcg %.4f; the grid's best %.1f (%s) %.4f",
        *(chosen[k] for k in ("weight", "space", "ndcg", "best_weight", "best_space", "best_ndcg")),
    )

    stages = build_stages(settings, split.catalog, split.home, seed=seed)
    cases = cases_of([split.truth[t] for t in split.test_ids], split.catalog, split.genres)
    t0 = time.perf_counter()
    prepared = prepare(stages, cases, n)
    prep_s = time.perf_counter() - t0
    stages.pipeline.close()

    names = [
        "retrieval",
        "retrieval+refine",
        "retrieval+cf",
        "retrieval+cf+graph",
        "retrieval+cf_allowed",
        "full",
        "surprise_only",
    ]
    rows: dict[str, list[dict[str, float]]] = {s: [] for s in names}
    for p in prepared:
        for s in names:
            ids = answer(stages, p, s, n, chosen["weight"], chosen["space"], settings.max_per_artist)
            rows[s].append(_scores(stages.catalog, p.case, ids, n))
    for name, recommend in _baselines(settings, split, baselines).items():
        rows[name] = []
        for c in cases:
            rows[name].append(_scores(split.catalog, c, recommend(c.name, n, c.history), n))

    systems = {s: _summarize(r) for s, r in rows.items()}
    base, full = systems["retrieval"][f"ndcg@{n}"], systems["full"][f"ndcg@{n}"]
    return {
        "task": "text2playlist-personalized",
        "split": split.home.name,
        "n_queries": len(cases),
        "history": HISTORY,
        "n": n,
        "validation": chosen,
        "cf": {
            "algo": stages.cf.algo_name,
            "params": stages.cf.params,
            "users": stages.cf.n_users,
            "tracks_trained": int(stages.cf.trained.sum()),
            "tracks_with_factors": int(stages.cf.known.sum()),
            "train_s": round(stages.cf.train_seconds, 2),
        },
        "settings_cf_weight": settings.cf_weight,
        "full_vs_retrieval_ndcg": round(full / base - 1.0, 4) if base else None,
        "ratios": ratio_intervals(rows, n),
        "systems": systems,
        "seconds": {
            "total": round(time.perf_counter() - t_start, 1),
            "prepare_test": round(prep_s, 1),
            **{k: round(v, 1) for k, v in stages.build_s.items()},
        },
    }


def _baselines(
    settings: "Settings", split, names: Sequence[str]
) -> dict[str, Callable[[str, int, list[str]], list[str]]]:
    """The non-personal baselines of :mod:`evals.systems`, asked to skip the history tracks."""
    if not names:
        return {}
    from evals.systems import build_systems

    systems = build_systems(settings, split, list(names))
    out = {}
    for name, rec in systems.items():

        def call(text: str, n: int, history: list[str], rec=rec) -> list[str]:
            out = rec(text, n, exclude=history)
            if isinstance(out, tuple):  # (answer, candidates)
                out = out[0]
            skip = set(history)
            return [t for t in out if t not in skip][:n]

        out[name] = call
    return out


def _compare_svdpp(settings, catalog, home, prepared, chosen, n, seed) -> dict:
    """SVD++ on the same validation cases at the chosen weight and space, and its training time."""
    from evals import metrics as m
    from tools.cf import ensure_cf

    t0 = time.perf_counter()
    model = ensure_cf(catalog, home / "cf-svdpp", seed=seed, algo="svdpp")
    secs = time.perf_counter() - t0
    stages = Stages(catalog, None, model, {})
    vals = []
    for p in prepared:
        p2 = Prepared(p.case, p.query, p.candidates, {s: model.fold_in(p.case.history, space=s) for s in SPACES})
        vals.append(m.ndcg_at_k(answer(stages, p2, "full", n, chosen["weight"], chosen["space"]), p.case.truth, n))
    return {"ndcg": round(m.mean(vals), 4), "train_s": round(model.train_seconds or secs, 1)}


# ------------------------------------------------------------------------------ the cold-start ladder
LADDER = (0, 1, 3, 10, 25)  # history sizes (tracks the user has played)
SHARES = (0.0, 0.125, 0.25, 0.5, 0.75, 1.0, 1.25)  # of settings.cf_weight (capped at weight 1)
LADDER_SYSTEMS = ("none", "popularity", "cf_fixed", "shipped")
POPULARITY_SHARE = 0.25  # the prior's share in the rerank before the ladder (0.2 at cf_weight 0.8)
MIN_GAIN = 0.002  # validation NDCG a share must add over no rerank to be chosen (noise, not gain)


def ladder_cases(
    playlists: Sequence["Playlist"], catalog: "Catalog", top: int, genres: dict[str, set[str]] | None = None
) -> list[Case]:
    """Playlists with more than ``top`` tracks, every track in ``truth`` (no history yet): at size h
    the first h are the history (never answers) and the rest the truth, as :data:`HISTORY` splits
    them in :func:`cases_of`. Every size asks the same playlists."""
    out = []
    for p in playlists:
        ids = [t for t in p.track_ids if t in catalog.index]
        if len(ids) > top:
            out.append(Case(p.name, [], ids, set((genres or {}).get(p.playlist_id) or {p.genre})))
    return out


def _at_size(p: Prepared, h: int) -> Prepared:
    """The case with its first ``h`` tracks as the history: they leave the candidates and the truth."""
    ids = p.case.truth
    hist = set(ids[:h])
    case = Case(p.case.name, ids[:h], ids[h:], p.case.genres)
    return Prepared(case, p.query, [c for c in p.candidates if c.track_id not in hist], {})


def _ladder_answer(stages: Stages, p: Prepared, user, weight: float, n: int, max_per_artist: int) -> list[str]:
    """What the product answers at one rerank weight: weight 0 is no personal rerank at all."""
    from tools.refine import FLOW_HISTORY_WEIGHT, TASTE_MOOD_CLOSE, history_caps, refine

    cands, caps = _copy(p.candidates), None
    if weight > 0:
        kin = history_kin(stages.catalog, p.case.history)
        cands = stages.cf.rerank(cands, user, weight, pool=NEIGHBOUR_POOL, exclude=p.case.history, kin=kin)
        caps = history_caps(stages.catalog, p.case.history, n, max_per_artist) if p.case.history else None
    taste = TASTE_MOOD_CLOSE if caps is not None else None  # as Pipeline.run: only where a history counts
    flow = FLOW_HISTORY_WEIGHT if caps is not None else None
    items = refine(
        cands, p.query, stages.catalog, n, max_per_artist=max_per_artist, artist_caps=caps, taste_moods=taste,
        flow_rank_weight=flow,
    )  # fmt: skip
    return [i.track_id for i in items]


def ladder_table(
    stages: Stages,
    prepared: Sequence[Prepared],
    n: int,
    cf_weight: float,
    *,
    sizes: Sequence[int] = LADDER,
    shipped: Sequence[tuple[int, float]] | None = None,
    popularity_share: float = POPULARITY_SHARE,
    max_per_artist: int = 2,
    grid: bool = False,
) -> dict:
    """Per history size and system, the mean NDCG@n and artist repetition over ``prepared``.

    Systems: ``none`` (retrieval and the refiner, no personal rerank), ``popularity`` (the
    popularity-and-quality prior at ``popularity_share`` whatever the history), ``cf_fixed`` (the
    fold-in at ``cf_weight`` for any history, the prior at :data:`POPULARITY_SHARE` of it for none:
    the rerank before the ladder) and ``shipped`` (the weights ``shipped`` gives each size: the product's
    :data:`tools.cf.CF_SHARE_BY_HISTORY` unless another table is passed). With ``grid``, also the
    NDCG of every share in :data:`SHARES` per size (the prior at size 0, the fold-in above).
    """
    from evals import metrics as m
    from tools.cf import CF_SHARE_BY_HISTORY, cf_weight_for

    shipped = CF_SHARE_BY_HISTORY if shipped is None else shipped
    cf = stages.cf
    cold = cf.cold_start()
    rows: dict[int, dict[str, list[dict[str, float]]]] = {h: {s: [] for s in LADDER_SYSTEMS} for h in sizes}
    shares: dict[int, dict[float, list[float]]] = {h: {s: [] for s in SHARES} for h in sizes}
    for whole in prepared:
        for h in sizes:
            p = _at_size(whole, h)
            cache: dict[tuple[bool, float], list[str]] = {}  # no rerank and the prior ignore the history

            def ask(user, weight: float, p: Prepared = p, cache: dict = cache) -> list[str]:
                w = round(min(1.0, max(0.0, weight)), 6)
                key = (user.cold_start, w)
                if user.cold_start or w == 0:
                    if key not in cache:
                        cache[key] = _ladder_answer(stages, p, user, w, n, max_per_artist)
                    return cache[key]
                return _ladder_answer(stages, p, user, w, n, max_per_artist)

            user = cf.fold_in(p.case.history)
            answers = {
                "none": ask(user, 0.0),
                "popularity": ask(cold, cf_weight * popularity_share),
                "cf_fixed": ask(user, cf_weight * (POPULARITY_SHARE if user.cold_start else 1.0)),
                "shipped": ask(user, cf_weight_for(user.n_played, cf_weight, shipped)),  # as Pipeline.cf_weight
            }
            for s, ids in answers.items():
                scored = _scores(stages.catalog, p.case, ids, n)
                rows[h][s].append({f"ndcg@{n}": scored[f"ndcg@{n}"], "artist_repetition": scored["artist_repetition"]})
            if grid:
                for share in SHARES:
                    shares[h][share].append(m.ndcg_at_k(ask(user, cf_weight * share), p.case.truth, n))
    out: dict = {
        "systems": {
            str(h): {
                s: {k: round(m.mean(r[k] for r in v), 4) for k in (f"ndcg@{n}", "artist_repetition")} if v else {}
                for s, v in rows[h].items()
            }
            for h in sizes
        },
        "n_queries": len(prepared),
    }
    if grid:
        out["grid_ndcg"] = {
            str(h): {f"{s:g}": round(m.mean(v), 4) if v else None for s, v in shares[h].items()} for h in sizes
        }
    return out


def choose_policy(grid_ndcg: dict[str, dict[str, float | None]]) -> dict[str, float]:
    """Per history size, the share with the best validation NDCG; a share must beat no rerank
    (share 0) by :data:`MIN_GAIN`, else the rerank is skipped there; ties go to the smaller share."""
    policy = {}
    for h, row in grid_ndcg.items():
        scored = {float(s): v for s, v in row.items() if v is not None}
        if not scored:  # no validation playlist long enough: no evidence, no rerank
            policy[h] = 0.0
            continue
        best = max(scored, key=lambda s: (scored[s], -s))
        gain = scored[best] - scored.get(0.0, 0.0)
        policy[h] = best if best > 0 and gain >= MIN_GAIN else 0.0
    return policy


def run_ladder(
    settings: "Settings",
    data_path: Path,
    test_ids: Sequence[str],
    n: int = 20,
    *,
    seed: int = 0,
    sizes: Sequence[int] = LADDER,
) -> dict:
    """The cold-start ladder: the policy chosen per history size on a validation split carved from
    the training playlists, then validation and test figures side by side. Returns a JSON-ready dict
    (its shape is documented in DEVELOPERS.md)."""
    t_start = time.perf_counter()
    sizes = sorted(set(sizes))
    top = sizes[-1]
    splits = validation_split(settings, data_path, test_ids, seed)
    split, val_catalog = splits.test, splits.val_catalog
    val_stages = build_stages(settings, val_catalog, splits.val_home, seed=seed)
    val_prepared = prepare(val_stages, ladder_cases(splits.val_playlists, val_catalog, top), n)
    val_stages.pipeline.close()
    kw = dict(sizes=sizes, max_per_artist=settings.max_per_artist)
    validation = ladder_table(val_stages, val_prepared, n, settings.cf_weight, grid=True, **kw)

    stages = build_stages(settings, split.catalog, split.home, seed=seed)
    cases = ladder_cases([split.truth[t] for t in split.test_ids], split.catalog, top, split.genres)
    prepared = prepare(stages, cases, n)
    stages.pipeline.close()
    test = ladder_table(stages, prepared, n, settings.cf_weight, **kw)
    return ladder_report(split.home.name, n, sizes, settings.cf_weight, validation, test, time.perf_counter() - t_start)


def ladder_report(
    split: str, n: int, sizes: Sequence[int], cf_weight: float, validation: dict, test: dict, seconds: float
) -> dict:
    """The ladder's JSON (``--personalized --ladder --json``; keys documented in DEVELOPERS.md)."""
    from tools.cf import CF_SHARE_BY_HISTORY

    return {
        "task": "cold-start-ladder",
        "split": split,
        "n": n,
        "sizes": list(sizes),
        "cf_weight": cf_weight,
        "shares": list(SHARES),
        "popularity_share": POPULARITY_SHARE,
        "chosen_policy": choose_policy(validation["grid_ndcg"]),
        "shipped_policy": {str(h): s for h, s in CF_SHARE_BY_HISTORY},
        "validation": validation,
        "test": test,
        "seconds": round(seconds, 1),
    }


def format_ladder(result: dict) -> str:
    """The ladder as one table: NDCG@n / artist repetition per size and system, validation | test."""
    n = result["n"]
    head = f"{'history':>7}  " + "  ".join(f"{s:>21}" for s in LADDER_SYSTEMS)
    lines = [
        f"cold-start ladder, NDCG@{n} / artist repetition, validation | test "
        f"({result['validation']['n_queries']} | {result['test']['n_queries']} playlists)",
        head,
    ]
    for h in result["sizes"]:
        cells = []
        for s in LADDER_SYSTEMS:
            v, t = result["validation"]["systems"][str(h)][s], result["test"]["systems"][str(h)][s]
            cells.append(
                f"{v.get(f'ndcg@{n}', 0):.3f}|{t.get(f'ndcg@{n}', 0):.3f} "
                f"{v.get('artist_repetition', 0):.2f}|{t.get('artist_repetition', 0):.2f}"
            )
        lines.append(f"{h:>7}  " + "  ".join(f"{c:>21}" for c in cells))
    lines.append(
        "chosen on validation (share of cf_weight "
        + f"{result['cf_weight']:g}): "
        + ", ".join(f"{h}: {s:g}" for h, s in result["chosen_policy"].items())
    )
    lines.append(
        "shipped (tools.cf.CF_SHARE_BY_HISTORY): "
        + ", ".join(f"{h}: {s:g}" for h, s in result["shipped_policy"].items())
    )
    return "\n".join(lines)
