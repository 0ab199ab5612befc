"""``playgenie eval continuation``: the PlayGenie VAE against baselines on held-out playlists.

Usage:
    playgenie eval continuation [--data CSV] [--test-playlists IDS.txt] [--json] [--out FILE]

Protocol. Test playlists come from IDS.txt, or else a seeded 15% of playlists stratified by genre
(``evals.split``). Everything is built without them: the catalog (leak-free genres, and so the
documents that are embedded), the graph, the VAE and every baseline. For each test playlist with at
least ``n + 5`` distinct tracks, the first ``n`` (n = 5, 10, 25) are the seed and the rest is the
truth; every system ranks the catalog (seed tracks removed) and the first 500 are scored.
Baseline hyper-parameters are tuned on a validation tenth of the training playlists (n = 10) and
then refit on all training playlists; the VAE early-stops on the same validation playlists.
``playgenie_vae_capped`` is the VAE as "add N more" runs it (``Continuer.ranking``: the product's
scores, no song twice and its per-artist cap ``generate.artist_cap``, the seed's own tracks counted:
``max_per_artist`` per artist, but an artist the seed itself stacks keeps its share);
``content_knn_capped`` is ``content_knn`` under the same masks and cap, and
``playgenie_vae_strict_cap`` the VAE when the person set the cap (every artist under it).
The table also prints the capped VAE / ``content_knn`` ratios with a 95% paired-bootstrap interval
(``ratio_interval``; issue 11's target is 1.1x) and the best any ranking under the cap can score
(``capped_ceiling``: the true tracks first, as far as no-song-twice and the cap let them).
``--validation`` scores a fifth of the training playlists instead (held out of everything as well),
for choosing settings without the test split; ``--max-playlists`` scores fewer, while iterating.

Metrics (binary relevance, truth = the held-out rest, averaged over test playlists):
- ``r_precision``: hits among the first R = |truth| recommendations, over R (RecSys Challenge 2018,
  without its artist partial credit).
- ``ndcg``: DCG over the 500 recommendations, over the ideal DCG of min(R, 500) hits at the top.
- ``clicks``: the number of 10-track pages a listener skips before the first relevant track,
  floor((rank of first hit - 1) / 10); 51 when none is in the 500.
- ``recall@50``: share of the truth among the first 50.
- ``engagement_minutes``: the summed duration, in minutes, of the truth's tracks that appear among
  the first 10 recommendations: the listening the continuation would have earned.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.settings import Settings

log = logging.getLogger(__name__)

SEED_LENGTHS = (5, 10, 25)
MIN_REST = 5  # a test playlist needs at least this many tracks after the seed
TOP = 500  # recommendations scored per playlist, as in the RecSys Challenge 2018
ABLATIONS: dict[str, dict] = {
    "beta0": {"beta": 0.0},
    "no_user_latent": {"use_latent": False},
    "no_graph": {"use_graph": False},
    "no_content": {"use_content": False},
    "no_copy": {"use_copy": False},
}
METRICS = ("r_precision", "ndcg", "clicks", "recall@50", "engagement_minutes")
# What each part of "add more" brings: the capped VAE on the same checkpoint with one part off (``--capped-ablations``;
# no retraining). ``use_latent`` is the model's (u = 0), the rest ``Continuer`` attributes.
CAPPED_ABLATIONS: dict[str, dict] = {
    "no_decoder_scores": {"decoder_weight": 0.0},
    "no_user_u": {"use_latent": False},
    "no_copy_gain": {"copy_gain": 1.0},
    "no_sound": {"sound_weight": 0.0},
    "no_era": {"era_weight": 0.0},
    "normal_era": {"era_df": math.inf},  # the era's density a normal, as before the Student t
    "no_artist_mass": {"artist_mass": 0.0},
}


def checkpoint_name(name: str, overrides: dict | None = None) -> str:
    """A split's checkpoint file for ``name`` trained with ``VAEConfig`` ``overrides`` ('playgenie_vae-latent=8.pt')."""
    return name + "".join(f"-{k}={v}" for k, v in sorted((overrides or {}).items())) + ".pt"


def parse_overrides(pairs: Sequence[str]) -> dict:
    """``VAEConfig`` fields from 'key=value' strings, each value cast to the field's type; unknown keys refused."""
    from dataclasses import fields

    from tools.continuation.model import VAEConfig

    types = {f.name: type(getattr(VAEConfig(), f.name)) for f in fields(VAEConfig)}
    out: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in types:
            raise ValueError(f"not a VAEConfig field=value: {pair!r} (fields: {', '.join(sorted(types))})")
        kind = types[key]
        out[key] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    return out


def top_n(scores: np.ndarray, seed: np.ndarray, n: int = TOP) -> np.ndarray:
    """Indices of the ``n`` best-scored tracks, best first, seed tracks excluded."""
    row = scores.astype(np.float64, copy=True)
    row[seed] = -np.inf
    n = min(n, len(row) - len(set(seed.tolist())))
    top = np.argpartition(-row, n - 1)[:n] if n < len(row) else np.arange(len(row))
    return top[np.argsort(-row[top], kind="stable")]


def clicks(answer: Sequence[str], truth: set[str], page: int = 10, worst: int = 51) -> int:
    """Pages of ``page`` tracks before the first relevant one; ``worst`` when none is listed."""
    for rank, t in enumerate(answer):
        if t in truth:
            return rank // page
    return worst


def engagement_minutes(answer: Sequence[str], truth: set[str], minutes: dict[str, float], k: int = 10) -> float:
    """Summed minutes of the true next tracks found among the first ``k`` recommended."""
    return float(sum(minutes[t] for t in dict.fromkeys(answer[:k]) if t in truth))


def evaluate_rankings(
    rankings: Sequence[list[str]],
    truths: Sequence[set[str]],
    minutes: dict[str, float],
    per_playlist: list[dict] | None = None,
) -> dict:
    """Mean of every metric over playlists; ``per_playlist``, when given, receives each playlist's row."""
    from evals.metrics import ndcg_at_k, r_precision

    rows = per_playlist if per_playlist is not None else []
    for answer, truth in zip(rankings, truths):
        rows.append(
            {
                "r_precision": r_precision(answer, truth),
                "ndcg": ndcg_at_k(answer, truth, k=TOP),
                "clicks": clicks(answer, truth),
                "recall@50": len(set(answer[:50]) & truth) / len(truth),
                "engagement_minutes": engagement_minutes(answer, truth, minutes),
            }
        )
    return {m: round(float(np.mean([r[m] for r in rows])), 4) if rows else float("nan") for m in METRICS}


def paired_gap(ours: Sequence[dict], theirs: Sequence[dict], metric: str, draws: int = 2000, seed: int = 0) -> dict:
    """Mean per-playlist difference ours - theirs and its 95% paired-bootstrap interval."""
    d = np.array([a[metric] - b[metric] for a, b in zip(ours, theirs)])
    if len(d) == 0:
        return {"diff": float("nan"), "ci95": [float("nan"), float("nan")]}
    boot = np.random.default_rng(seed).choice(d, (draws, len(d))).mean(1)
    return {"diff": round(float(d.mean()), 4), "ci95": [round(float(q), 4) for q in np.percentile(boot, [2.5, 97.5])]}


def ratio_interval(ours: Sequence[dict], theirs: Sequence[dict], metric: str, draws: int = 2000, seed: int = 0) -> dict:
    """mean(ours) / mean(theirs) over paired playlists and its 95% paired-bootstrap interval: whether a target ratio
    (issue 11's 1.1x) is missed beyond the noise of a few dozen playlists."""
    a = np.array([r[metric] for r in ours])
    b = np.array([r[metric] for r in theirs])
    if len(a) == 0 or b.sum() <= 0:
        return {"ratio": float("nan"), "ci95": [float("nan"), float("nan")]}
    idx = np.random.default_rng(seed).integers(0, len(a), (draws, len(a)))
    boot = a[idx].mean(1) / np.maximum(b[idx].mean(1), 1e-12)
    return {
        "ratio": round(float(a.mean() / b.mean()), 4),
        "ci95": [round(float(q), 4) for q in np.percentile(boot, [2.5, 97.5])],
    }


def capped_ceiling(product, seeds: Sequence[np.ndarray], truths: Sequence[np.ndarray], cap: int) -> list[np.ndarray]:
    """The best rankings the product's cap allows: each playlist's true tracks first (``Continuer.ranking`` of a
    score that is 1 on them, 0 elsewhere), so no-song-twice and ``artist_cap`` cut what they cut. Its NDCG is the
    most any system ranked as "add more" runs can score; uncapped, it is 1."""
    out = []
    for seed, truth in zip(seeds, truths):
        row = np.zeros(product.V)
        row[truth] = 1.0
        out.append(product.ranking(seed, TOP, cap, scores=row))
    return out


def stamp_split_checkpoint(path: Path, catalog: "Catalog") -> None:
    """Write the catalog's fingerprint (its tracks and training playlists) into a split checkpoint."""
    import torch

    from tools.catalog import catalog_fingerprint

    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    ckpt["extra"]["catalog"] = catalog_fingerprint(catalog)
    torch.save(ckpt, path)


def reusable(path: Path, catalog: "Catalog", train_ids: Sequence[str]) -> tuple[Any, int] | None:
    """(the model, its best epoch) of a split checkpoint trained on ``catalog``, or None. A stamped checkpoint
    (``stamp_split_checkpoint``) must carry the catalog's fingerprint; an older one (no stamp) must list the
    catalog's tracks in order and have trained on as many playlists as the catalog's training split gives (the
    split folder is named by its held-out playlists, so the rest is the same data)."""
    import torch

    from tools.catalog import catalog_fingerprint
    from tools.continuation.model import PlayGenieVAE
    from tools.continuation.train import TrainConfig, split_train_val

    if not path.exists():
        return None
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    extra = ckpt.get("extra", {})
    if "catalog" in extra:
        ok = extra["catalog"] == catalog_fingerprint(catalog)
    else:
        fit = split_train_val(list(train_ids), TrainConfig.val_fraction, TrainConfig.seed)[0]
        ok = ckpt["track_ids"] == [t.track_id for t in catalog.tracks] and extra.get("train_playlists") == len(fit)
    if not ok:
        log.warning("%s was trained on another catalog: trained again", path)
        return None
    return PlayGenieVAE.from_checkpoint(ckpt).eval(), int(extra.get("best_epoch", 0))


def _tune(make: Callable, grid: Sequence, fit_seqs, val_prefix, val_rest, n_items: int) -> tuple:
    """The grid value with the best validation R-precision + NDCG (n = 10)."""
    from tools.continuation.train import rank_metrics

    best, best_v = -1.0, grid[0]
    for v in grid:
        model = make(v).fit(fit_seqs, n_items)
        m = rank_metrics(model.score(val_prefix), val_prefix, val_rest)
        log.info("tune %s=%s: %s", type(model).__name__, v, m)
        if m["r_precision"] + m["ndcg"] > best:
            best, best_v = m["r_precision"] + m["ndcg"], v
    return best_v, best


def held_out_playlists(data: Path, test_ids: Sequence[str], validation: bool) -> tuple[Any, dict, list[str], list[str]]:
    """(the data frame, every playlist by id, the playlists scored, every playlist kept out of training): the test
    playlists, or
    with ``validation`` a seeded fifth of the others (the test playlists stay out of everything as well)."""
    from tools.catalog import playlists_of, read_csv
    from tools.continuation.train import split_train_val

    frame = read_csv(data)
    every = playlists_of(frame)
    test_ids = [t for t in test_ids if t in every]
    held_out = list(test_ids)
    if validation:
        test_ids = split_train_val(sorted(set(every) - set(held_out)), 0.2, 0)[1]
        held_out += test_ids
    return frame, every, test_ids, held_out


def run_eval(
    settings: "Settings",
    data: Path,
    test_ids: Sequence[str],
    epochs: int = 10,
    ablation_epochs: int | None = None,
    ablations: bool = True,
    progress: bool = True,
    validation: bool = False,
    max_playlists: int | None = None,
    baselines: bool = True,
    capped_ablations: bool = False,
    model_overrides: dict | None = None,
    reuse: bool = False,
) -> tuple[dict, dict]:
    """Train and score every system; returns (the stable JSON, meta: timings, sizes, tuned values).

    ``validation``: score a seeded fifth of the training playlists instead (the test playlists stay out of
    everything too); ``max_playlists``: score only the first that many; ``baselines``: False keeps
    ``content_knn`` only; ``capped_ablations``: also the capped VAE with each part of ``CAPPED_ABLATIONS`` off;
    ``model_overrides``: ``VAEConfig`` fields under study for the VAE (and its ablations), its checkpoint named by
    them (``checkpoint_name``) so that it never replaces the shipped settings' one; ``reuse``: a VAE whose checkpoint
    this split already holds, trained on this very catalog (``reusable``), is loaded instead of trained again."""
    import torch

    from evals import rec_baselines as rb
    from evals.split import split_home
    from tools.catalog import Catalog
    from tools.continuation import data as cdata
    from tools.continuation.generate import Continuer
    from tools.continuation.train import TrainConfig, score_prefixes, split_train_val, train_on_catalog

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    say = print if progress else log.info
    frame, every, test_ids, held_out = held_out_playlists(data, test_ids, validation)
    test_ids = test_ids[:max_playlists] if max_playlists else test_ids
    catalog: Catalog = Catalog.from_frame(frame, exclude_playlists=held_out)
    train_ids = sorted(catalog.playlists)
    assert not set(train_ids) & set(held_out)
    out_dir = split_home(settings.home, held_out) / "continuation"
    V = len(catalog)
    minutes = {t.track_id: t.duration_ms / 60000 for t in catalog.tracks}
    tests = [
        np.array(list(dict.fromkeys(catalog.index[t] for t in every[p].track_ids)), dtype=np.int64) for p in test_ids
    ]
    meta: dict = {
        "train_playlists": len(train_ids),
        "test_playlists": len(test_ids),
        "tracks": V,
        "seconds": {},
        "validation": validation,
    }
    say(f"continuation eval: {len(train_ids)} training playlists, {len(test_ids)} test playlists, {V} tracks")

    # ---- the VAE (its ablations run after the baselines, being the least important) -------------
    systems: dict[str, Callable[[list[np.ndarray]], np.ndarray]] = {}
    base = {"beta": settings.vae_beta} | (model_overrides or {})
    meta["model_overrides"] = model_overrides or {}
    variants = {"playgenie_vae": (base, epochs)}
    if ablations:  # the same budget as the model itself unless asked otherwise
        variants |= {name: (base | over, ablation_epochs or epochs) for name, over in ABLATIONS.items()}
    vae_file = out_dir / checkpoint_name("playgenie_vae", model_overrides)

    def train_variant(name: str) -> None:
        over, ep = variants[name]
        t0 = time.perf_counter()
        path = out_dir / checkpoint_name(name, model_overrides)
        if reuse and (saved := reusable(path, catalog, train_ids)) is not None:
            say(f"{name}: the split's saved checkpoint {path}")
            model, meta[f"{name}_best_epoch"] = saved
        else:
            say(f"training {name} ({ep} epochs at most) ...")
            res = train_on_catalog(
                catalog, settings.home, train_ids, TrainConfig(epochs=ep, progress=progress), path, **over
            )
            stamp_split_checkpoint(path, catalog)
            model, meta[f"{name}_best_epoch"] = res.model, res.best_epoch
        meta["seconds"][name] = round(time.perf_counter() - t0, 1)
        systems[name] = lambda pre, m=model: score_prefixes(m, pre)

    train_variant("playgenie_vae")
    # The VAE as "add N more" runs it: the product's continuer, its scores, masks and per-artist cap.
    product = Continuer.from_file(vae_file, catalog)
    assert product.track_ids == [t.track_id for t in catalog.tracks]
    cap = settings.max_per_artist
    systems["playgenie_vae_capped"] = lambda pre: ranked(pre, lambda s: product.ranking(s, TOP, cap), V)
    systems["playgenie_vae_strict_cap"] = lambda pre: ranked(
        pre, lambda s: product.ranking(s, TOP, cap, strict_cap=True), V
    )
    for name, off in CAPPED_ABLATIONS.items() if capped_ablations else ():
        part = Continuer.from_file(vae_file, catalog)
        for k, v in off.items():
            setattr(part.model.cfg if k == "use_latent" else part, k, v)
        systems[f"capped-{name}"] = lambda pre, part=part: ranked(pre, lambda s: part.ranking(s, TOP, cap), V)

    # ---- baselines, tuned on validation playlists then refit ---------------------------------
    fit_ids, val_ids = split_train_val(train_ids, 0.1, 0)
    fit_seqs, val_seqs = cdata.sequences(catalog, fit_ids), cdata.sequences(catalog, val_ids)
    val_seqs = [s for s in val_seqs if len(s) > 10 + MIN_REST]
    val_prefix, val_rest = [s[:10] for s in val_seqs], [s[10:] for s in val_seqs]
    all_seqs = cdata.sequences(catalog, train_ids)
    pop = catalog.popularity
    grids: dict[str, tuple[Callable, Sequence]] = {
        "popularity": (lambda v: rb.Popularity(pop), [None]),
        "itemknn": (lambda v: rb.ItemKNN(alpha=v, tiebreak=pop), [0.2, 0.35, 0.5, 0.65, 0.8]),
        "ease": (lambda v: rb.EASE(lam=v, tiebreak=pop), [1.0, 5.0, 20.0, 50.0, 100.0, 300.0]),
        "svd": (
            lambda v: rb.FoldInSVD(factors=v[0], reg=v[1], tiebreak=pop),
            [(32, 0.02), (64, 0.02), (64, 0.05), (128, 0.02)],
        ),
        "mult_vae": (lambda v: rb.MultVAE(epochs=v, tiebreak=pop), [30]),  # untuned: CPU time
    }
    content = cdata.content_features(catalog, settings.home, progress=progress)  # the VAE's own content features
    for name, (make, grid) in grids.items() if baselines else ():
        t0 = time.perf_counter()
        value, val_score = _tune(make, grid, fit_seqs, val_prefix, val_rest, V) if len(grid) > 1 else (grid[0], None)
        model = make(value).fit(all_seqs, V)
        meta["seconds"][name] = round(time.perf_counter() - t0, 1)
        meta[f"{name}_tuned"] = value
        say(
            f"{name}: tuned {value} (validation R-prec + NDCG "
            f"{val_score if val_score is None else round(val_score, 4)})"
        )
        systems[name] = model.score
    systems["content_knn"] = rb.ContentKNN(content).score
    systems["content_knn_capped"] = lambda pre, knn=systems["content_knn"]: ranked(
        pre, lambda s, row: product.ranking(s, TOP, cap, scores=row), V, knn(pre)
    )
    for name in variants:
        if name != "playgenie_vae":
            train_variant(name)

    # ---- scoring ------------------------------------------------------------------------
    results: dict[str, dict] = {}
    for n in SEED_LENGTHS:
        cases = [s for s in tests if len(s) >= n + MIN_REST]
        if not cases:
            continue
        prefixes = [s[:n] for s in cases]
        truths = [{catalog.tracks[i].track_id for i in s[n:]} for s in cases]
        meta[f"playlists_n{n}"] = len(cases)
        results[str(n)] = {}
        rows: dict[str, list[dict]] = {}
        for name, score in systems.items():
            scores = score(prefixes)
            rankings = [[catalog.tracks[i].track_id for i in top_n(row, seed)] for row, seed in zip(scores, prefixes)]
            rows[name] = []
            results[str(n)][name] = evaluate_rankings(rankings, truths, minutes, rows[name])
        ceiling = capped_ceiling(product, prefixes, [s[n:] for s in cases], cap)
        meta[f"capped_ceiling_n{n}"] = evaluate_rankings(
            [[catalog.tracks[i].track_id for i in r] for r in ceiling], truths, minutes
        )
        if "content_knn" in rows:  # issue 11's target, with its noise: the capped VAE at least 1.1x content_knn
            meta[f"capped_over_knn_n{n}"] = {
                m: ratio_interval(rows["playgenie_vae_capped"], rows["content_knn"], m) for m in ("r_precision", "ndcg")
            }
        # is the VAE's lead over each other system more than the noise of a few dozen playlists?
        meta[f"vae_minus_n{n}"] = {
            name: {m: paired_gap(rows["playgenie_vae"], r, m) for m in ("r_precision", "ndcg")}
            for name, r in rows.items()
            if name != "playgenie_vae"
        }
    meta["ablation_epochs_cap"] = ablation_epochs or epochs
    meta["vae_epochs_cap"] = epochs
    return {"task": "continuation", "results": results}, meta


# ----- users with histories (--histories) -----------------------------------------------------------
HISTORY_SEED_LENGTHS = (1, 5, 10)
HISTORY_HEADLINE = "mixed"  # the rule whose figures are the report's "results"; every rule is in "by_rule"
HISTORY_METRICS = ("r_precision", "ndcg", "engagement_minutes")  # with a paired interval of the gap
# content_knn's weight of D's mean, tuned on validation listeners (0 included: a baseline that D would hurt ignores it)
HISTORY_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


def listener_histories(pool, targets: Sequence, rule: str, seed: int = 0) -> list[np.ndarray]:
    """One synthetic listener's history D per target playlist (``data.ListenerPool``), seeded per rule."""
    from tools.continuation.data import LISTENER_RULES

    rng = np.random.default_rng([seed, LISTENER_RULES.index(rule)])
    return [pool.history(t, rule, rng) for t in targets]


def _tune_history_weight(content: np.ndarray, pool, val_members: Sequence, n: int) -> float:
    """content_knn's weight of D's mean with the best validation R-precision + NDCG at seed length n (every rule)."""
    from evals import rec_baselines as rb
    from tools.continuation.data import LISTENER_RULES
    from tools.continuation.train import rank_metrics

    cases = [m for m in val_members if len(m.rows) >= n + MIN_REST]
    if not cases:
        return HISTORY_WEIGHTS[0]
    prefixes, rests = [m.rows[:n] for m in cases], [m.rows[n:] for m in cases]
    best, best_w = -1.0, HISTORY_WEIGHTS[0]
    for w in HISTORY_WEIGHTS:
        knn, total = rb.ContentKNN(content, history_weight=w), 0.0
        for rule in LISTENER_RULES:
            hist = listener_histories(pool, cases, rule)
            m = rank_metrics(knn.score(prefixes, hist), prefixes, rests, hist)
            total += m["r_precision"] + m["ndcg"]
        if total > best:
            best, best_w = total, w
    return best_w


def run_histories(
    settings: "Settings",
    data: Path,
    test_ids: Sequence[str],
    epochs: int = 10,
    validation: bool = False,
    progress: bool = True,
    train_overrides: dict | None = None,
    **model_overrides,
) -> tuple[dict, dict]:
    """Held-out playlists of synthetic listeners, continued with and without the listener's history D.

    Each test playlist is one listener's; D is drawn from the training playlists by each rule of
    ``data.ListenerPool`` (never a playlist sharing a track or song with it). Every system ranks the
    catalog with the seeds and D removed (generation never returns a history track). ``validation``:
    the test playlists are instead a fifth of the training playlists (seeded), held out in the same way,
    for choosing settings without the test split. ``train_overrides`` (``TrainConfig`` fields) and
    ``model_overrides`` (``VAEConfig`` fields): settings under study. Returns (the stable JSON, meta)."""
    import torch

    from evals import rec_baselines as rb
    from evals.split import split_home
    from tools.catalog import Catalog
    from tools.continuation import data as cdata
    from tools.continuation.train import TrainConfig, score_prefixes, split_train_val, train_on_catalog

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    say = print if progress else log.info
    frame, every, test_ids, held_out = held_out_playlists(data, test_ids, validation)
    catalog: Catalog = Catalog.from_frame(frame, exclude_playlists=held_out)
    train_ids = sorted(catalog.playlists)
    assert not set(train_ids) & set(held_out)
    out_dir = split_home(settings.home, held_out) / "continuation"
    minutes = {t.track_id: t.duration_ms / 60000 for t in catalog.tracks}
    meta: dict = {
        "train_playlists": len(train_ids),
        "test_playlists": len(test_ids),
        "validation": validation,
        "history_playlists": cdata.HISTORY_PLAYLISTS,
        "history_cap": cdata.HISTORY_CAP,
        "seconds": {},
    }
    say(
        f"continuation eval with histories: {len(train_ids)} training playlists, {len(test_ids)} "
        f"{'validation' if validation else 'test'} playlists"
    )

    t0 = time.perf_counter()
    tcfg = TrainConfig(epochs=epochs, progress=progress, **(train_overrides or {}))
    name = "playgenie_vae" + "".join(
        f"-{k}={v}" for k, v in sorted({**(train_overrides or {}), **model_overrides}.items())
    )
    res = train_on_catalog(
        catalog,
        settings.home,
        train_ids,
        tcfg,
        out_dir / f"{name}.pt",
        **({"beta": settings.vae_beta} | model_overrides),
    )
    meta["seconds"]["playgenie_vae"] = round(time.perf_counter() - t0, 1)
    meta["playgenie_vae_best_epoch"] = res.best_epoch
    model = res.model
    artist_of = model.artist_of.numpy()
    pool = cdata.ListenerPool(catalog, train_ids, artist_of)
    targets = [pool.describe(p, every[p]) for p in test_ids]
    targets = [t for t in targets if t is not None]
    content = cdata.content_features(catalog, settings.home, progress=progress)
    fit_ids, val_ids = split_train_val(train_ids, 0.1, 0)
    fit_pool = cdata.ListenerPool(catalog, fit_ids, artist_of)
    val_members = [m for p in val_ids if (m := fit_pool.describe(p)) is not None]

    report: dict = {"task": "continuation", "histories": HISTORY_HEADLINE, "results": {}, "by_rule": {}}
    for rule in cdata.LISTENER_RULES:
        hists = listener_histories(pool, targets, rule)
        meta[f"history_tracks_{rule}"] = round(float(np.mean([len(h) for h in hists])), 1)
        report["by_rule"][rule] = {}
        for n in HISTORY_SEED_LENGTHS:
            keep = [i for i, t in enumerate(targets) if len(t.rows) >= n + MIN_REST]
            prefixes = [targets[i].rows[:n] for i in keep]
            hist = [hists[i] for i in keep]
            if not keep:
                continue
            truths = [{catalog.tracks[r].track_id for r in targets[i].rows[n:]} for i in keep]
            if rule == cdata.LISTENER_RULES[0]:
                meta[f"playlists_n{n}"] = len(keep)
            if f"content_knn_weight_n{n}" not in meta:
                meta[f"content_knn_weight_n{n}"] = _tune_history_weight(content, fit_pool, val_members, n)
            knn = rb.ContentKNN(content, history_weight=meta[f"content_knn_weight_n{n}"])
            scores = {
                "playgenie_vae": score_prefixes(model, prefixes),
                "playgenie_vae_with_history": score_prefixes(model, prefixes, hist),
                "content_knn": knn.score(prefixes),
                "content_knn_with_history": knn.score(prefixes, hist),
                "history_mean": rb.HistoryMean(content).score(prefixes, hist),
            }
            results, rows = {}, {}
            for name, sc in scores.items():
                masked = [np.concatenate([p, h]) for p, h in zip(prefixes, hist)]  # every system: seeds and D out
                rankings = [[catalog.tracks[i].track_id for i in top_n(row, m)] for row, m in zip(sc, masked)]
                rows[name] = []
                results[name] = evaluate_rankings(rankings, truths, minutes, rows[name])
            report["by_rule"][rule][str(n)] = results
            meta.setdefault("with_history_minus", {}).setdefault(rule, {})[str(n)] = {
                name: {m: paired_gap(rows["playgenie_vae_with_history"], r, m) for m in HISTORY_METRICS}
                for name, r in rows.items()
                if name != "playgenie_vae_with_history"
            }
    report["results"] = report["by_rule"][HISTORY_HEADLINE]
    meta["vae_epochs_cap"] = epochs
    return report, meta


def history_table(report: dict, meta: dict) -> str:
    """Per rule and seed length: every system's metrics, and the paired gap of the VAE with D to it."""
    lines = []
    for rule, by_n in report["by_rule"].items():
        lines.append(
            f"\n== listeners by rule '{rule}' (history of {meta.get(f'history_tracks_{rule}')} tracks on average)"
        )
        for n, systems in by_n.items():
            lines.append(f"seed n = {n}  ({meta.get(f'playlists_n{n}')} playlists)")
            lines.append(
                f"{'system':<28}"
                + "".join(f"{m:>20}" for m in METRICS)
                + "   with D - system: R-prec / NDCG / minutes [95% CI]"
            )
            gaps = meta["with_history_minus"][rule][n]
            for name, m in sorted(systems.items(), key=lambda kv: -kv[1]["r_precision"]):
                g = gaps.get(name)
                gap = (
                    (
                        "   "
                        + " / ".join(
                            f"{g[k]['diff']:+.4f} [{g[k]['ci95'][0]:+.4f}, {g[k]['ci95'][1]:+.4f}]"
                            for k in HISTORY_METRICS
                        )
                    )
                    if g
                    else ""
                )
                lines.append(f"{name:<28}" + "".join(f"{m[k]:>20.4f}" for k in METRICS) + gap)
    return "\n".join(lines)


def ranked(prefixes: Sequence[np.ndarray], rank: Callable, width: int, scores: np.ndarray | None = None) -> np.ndarray:
    """(B, ``width``) score rows whose top ``TOP`` is each prefix's ``rank(prefix)`` (``rank(prefix, its scores
    row)`` given ``scores``), in that order; every other row -inf."""
    out = np.full((len(prefixes), width), -np.inf, dtype=np.float64)
    for i, (row, seed) in enumerate(zip(out, prefixes)):
        order = rank(seed) if scores is None else rank(seed, scores[i])
        row[order] = np.arange(len(order), 0, -1, dtype=np.float64)
    return out


def table(report: dict, meta: dict | None = None) -> str:
    """The results as a readable text table, one block per seed length; with ``meta``, the VAE's
    paired R-precision gap to each system and its 95% bootstrap interval."""
    lines = []
    for n, systems in report["results"].items():
        lines.append(f"\nseed n = {n}" + (f"  ({meta.get(f'playlists_n{n}')} playlists)" if meta else ""))
        lines.append(
            f"{'system':<24}"
            + "".join(f"{m:>20}" for m in METRICS)
            + ("   VAE - system R-prec [95% CI]" if meta else "")
        )
        gaps = (meta or {}).get(f"vae_minus_n{n}", {})
        for name, m in sorted(systems.items(), key=lambda kv: -kv[1]["r_precision"]):
            g = gaps.get(name, {}).get("r_precision")
            gap = f"   {g['diff']:+.4f} [{g['ci95'][0]:+.4f}, {g['ci95'][1]:+.4f}]" if g else ""
            lines.append(f"{name:<24}" + "".join(f"{m[k]:>20.4f}" for k in METRICS) + gap)
        intervals = (meta or {}).get(f"capped_over_knn_n{n}", {})
        for a, b in (("playgenie_vae_capped", "content_knn"), ("playgenie_vae_capped", "content_knn_capped")):
            if a in systems and b in systems:  # issue 11's target: the capped VAE at least 1.1x content_knn
                ratio = "  ".join(
                    f"{k} {systems[a][k] / max(systems[b][k], 1e-9):.2f}x"
                    + (
                        f" [{ci[0]:.2f}, {ci[1]:.2f}]"
                        if b == "content_knn" and (ci := intervals.get(k, {}).get("ci95"))
                        else ""
                    )
                    for k in ("r_precision", "ndcg")
                )
                lines.append(f"{a} / {b}: {ratio}")
        if ceiling := (meta or {}).get(f"capped_ceiling_n{n}"):
            lines.append(
                f"best possible under the cap (true tracks first): r_precision {ceiling['r_precision']:.4f}  "
                f"ndcg {ceiling['ndcg']:.4f} (1 uncapped)"
            )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", dest="eval_data", type=Path, default=None, help="spotify_songs.csv (default: settings)."
    )
    parser.add_argument("--test-playlists", type=Path, default=None, help="Held-out playlist ids, one a line.")
    parser.add_argument("--json", action="store_true", help="Print the stable JSON only.")
    parser.add_argument(
        "--out", type=Path, default=None, help="Also write the JSON here (default: <home>/evals/continuation.json)."
    )
    parser.add_argument("--epochs", type=int, default=10, help="Most epochs for the VAE.")
    parser.add_argument(
        "--ablation-epochs", type=int, default=None, help="Most epochs for each ablation (default: --epochs)."
    )
    parser.add_argument("--no-ablations", action="store_true", help="Skip the four ablations.")
    parser.add_argument(
        "--histories",
        action="store_true",
        help="Synthetic listeners with histories: the VAE with and without D against baselines given D "
        "(n = 1, 5, 10; default output <home>/evals/continuation_histories.json).",
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="Score validation playlists (listeners, with --histories) carved from the training "
        "playlists instead of the test playlists.",
    )
    parser.add_argument("--max-playlists", type=int, default=None, help="Score only the first N playlists (iterating).")
    parser.add_argument("--no-baselines", action="store_true", help="Skip every baseline but content_knn.")
    parser.add_argument(
        "--capped-ablations",
        action="store_true",
        help="Also score the capped VAE with each of its parts off (same checkpoint: the decoder's own scores, u, "
        "the copy gain, the sound, era and artist terms).",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Load the split's saved VAE checkpoint when it was trained on this catalog instead of training again "
        "(add-more's scoring under study on one model).",
    )
    parser.add_argument(
        "--vae",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="Train the VAE with this VAEConfig field changed (repeatable; e.g. --vae latent=8 --vae beta=0.05): "
        "settings under study, chosen with --validation; the checkpoint is named by them.",
    )


def run(args: argparse.Namespace, settings: "Settings") -> int:
    from evals.split import load_test_ids, split_playlists
    from tools.catalog import ensure_data, read_csv

    data = args.eval_data or ensure_data(settings.data, settings.home, settings.data_url)
    if args.test_playlists:
        test_ids = load_test_ids(args.test_playlists)
    else:
        _, test_ids = split_playlists(read_csv(data))
    if args.histories:
        return _run_histories(args, settings, Path(data), test_ids)
    report, meta = run_eval(
        settings,
        Path(data),
        test_ids,
        epochs=args.epochs,
        ablation_epochs=args.ablation_epochs,
        ablations=not args.no_ablations,
        progress=not args.json,
        validation=args.validation,
        max_playlists=args.max_playlists,
        baselines=not args.no_baselines,
        capped_ablations=args.capped_ablations,
        model_overrides=parse_overrides(args.vae),
        reuse=args.reuse,
    )
    out = args.out or settings.home / "evals" / f"continuation{'_validation' if args.validation else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    out.with_name(out.stem + "_meta.json").write_text(json.dumps(meta, indent=2, default=str))
    if args.json:
        print(json.dumps(report))
    else:
        print(table(report, meta))
        print(f"\ntimes (s): {meta['seconds']}")
        print(f"written to {out}")
    return (
        0 if all(not math.isnan(v) for s in report["results"].values() for m in s.values() for v in m.values()) else 1
    )


def _run_histories(args: argparse.Namespace, settings: "Settings", data: Path, test_ids: Sequence[str]) -> int:
    report, meta = run_histories(
        settings, data, test_ids, epochs=args.epochs, validation=args.validation, progress=not args.json
    )
    name = "continuation_histories" + ("_validation" if args.validation else "")
    out = args.out or settings.home / "evals" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    out.with_name(out.stem + "_meta.json").write_text(json.dumps(meta, indent=2, default=str))
    print(
        json.dumps(report)
        if args.json
        else f"{history_table(report, meta)}\n\ntimes (s): {meta['seconds']}\nwritten to {out}"
    )
    return (
        0
        if all(
            not math.isnan(v)
            for r in report["by_rule"].values()
            for s in r.values()
            for m in s.values()
            for v in m.values()
        )
        else 1
    )
