"""``playgenie train vae``: train the PlayGenie continuation VAE on the catalog's playlists.

Usage:
    playgenie train vae [--epochs 40] [--beta 0.2] [--out DIR]

Every prefix of every training playlist is an example: each step cuts each playlist at a random
n, the encoder reads the first n tracks and the decoder predicts every next track. A tenth of the
playlists (seeded) is held out for validation each epoch (R-precision and NDCG at n = 10), which
drives early stopping; the best epoch's weights are kept. Nothing is timed: the same data and seed give
the same weights whatever the machine's load (``TrainConfig.threads`` pins torch's threads). The KL weight
rises linearly from 0 to beta over the first epochs. Prints training time and peak memory; saves the curve as a PNG.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from tools.catalog import catalog_fingerprint
from tools.continuation.data import LISTENER_RULES

if TYPE_CHECKING:
    import torch

    from tools.catalog import Catalog
    from tools.continuation.data import ListenerPlaylist, ListenerPool, ModelInputs
    from tools.continuation.model import PlayGenieVAE
    from tools.settings import Settings

log = logging.getLogger(__name__)

CHECKPOINT = "vae.pt"
MODEL_FORMAT = 3  # bump when the model's layers or buffers change: older checkpoints are retrained


def checkpoint_path(home: Path) -> Path:
    """Where the product's VAE checkpoint lives."""
    return Path(home) / "models" / CHECKPOINT


@dataclass
class TrainConfig:
    epochs: int = 40  # upper bound; early stopping usually ends sooner
    patience: int = 3  # epochs without validation gain before stopping
    batch_size: int = 32  # playlists per step
    positions: int = 16  # scored positions per playlist per step (sampled), to bound the softmax cost
    passes: int = 1  # random cuts of every playlist per epoch
    lr: float = 1e-3
    weight_decay: float = 1e-5
    anneal_epochs: int = 5  # KL weight goes 0 -> beta over these epochs
    tag_dropout: float = 0.5  # share of sequences trained without request tags
    val_fraction: float = 0.1
    val_n: int = 10  # seed length for validation
    seed: int = 0
    progress: bool = True
    # Torch's intra-op threads while training: pinned, so that float sums run in one order whatever the machine's
    # load or core count, and two runs with one seed give the same weights (no wall-clock budget either: the
    # number of epochs is ``epochs`` and early stopping on the validation playlists, nothing timed). One: a step
    # is hundreds of small ops (the GRU's backward runs per position), each of which a second thread only waits
    # for; two threads gave the same weights at 2.5x the CPU (4 steps 11.8 -> 4.6 s CPU at load 15-17), and one
    # leaves the other core to the build's other steps (``tools.build``).
    threads: int = 1
    history_p: float = 0.5  # share of training sequences given a synthetic listener's history D (the rest none)


@dataclass
class TrainResult:
    model: "PlayGenieVAE"
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0


def _pad(rows: Sequence[np.ndarray], pad: int, length: int | None = None) -> np.ndarray:
    length = length or max((len(r) for r in rows), default=1) or 1
    out = np.full((len(rows), length), pad, dtype=np.int64)
    for i, r in enumerate(rows):
        r = r[-length:]
        out[i, : len(r)] = r
    return out


def make_batch(
    seqs: Sequence[np.ndarray],
    tag_ids: Sequence[Sequence[int]],
    cfg,
    tcfg: TrainConfig,
    rng: np.random.Generator,
    n_fixed: int | None = None,
    messages: np.ndarray | None = None,
    artists: Sequence[np.ndarray] | None = None,
    histories: Sequence[np.ndarray] | None = None,
) -> dict:
    """Tensors for one step: a random cut n per playlist, sampled target positions and weights.

    ``messages`` (B, C) and ``artists`` (their artist rows): the playlists' own graph messages and
    artists, left out of the graph signals. ``histories``: each playlist's listener history D (rows,
    maybe empty), ``"history"`` (B, H) in the batch.
    """
    import torch

    pad, ctx = cfg.n_tracks, cfg.max_context
    xs, ts, ws, seen = [], [], [], []
    for s in seqs:
        if len(s) > ctx + 1:  # a random window of the long playlist
            start = int(rng.integers(0, len(s) - ctx))
            s = s[start : start + ctx + 1]
        n = n_fixed if n_fixed is not None else int(rng.integers(1, len(s)))
        n = min(max(n, 1), len(s) - 1)
        x, t = s[:-1], s[1:].copy()
        w = np.where(np.arange(1, len(s)) >= n, 1.0, cfg.prefix_weight).astype(np.float32)
        if len(t) > tcfg.positions:
            drop = rng.choice(len(t), len(t) - tcfg.positions, replace=False)
            t[drop] = -1
        if n_fixed is not None:
            t[: n - 1] = -1  # validation scores the continuation only
        xs.append(x), ts.append(t), ws.append(w), seen.append(s[:n])
    T = max(len(x) for x in xs)
    targets = np.full((len(xs), T), -1, dtype=np.int64)
    weights = np.zeros((len(xs), T), dtype=np.float32)
    for i, (t, w) in enumerate(zip(ts, ws)):
        targets[i, : len(t)], weights[i, : len(w)] = t, w
    tags = np.zeros((len(xs), cfg.n_tags), dtype=np.float32)
    for i, ids in enumerate(tag_ids):
        if ids and rng.random() >= tcfg.tag_dropout:
            tags[i, list(ids)] = 1.0
    return {
        "x": torch.from_numpy(_pad(xs, pad, T)),
        "targets": torch.from_numpy(targets),
        "weights": torch.from_numpy(weights),
        "seen": torch.from_numpy(_pad(seen, pad)),
        "tags": torch.from_numpy(tags),
        "history": torch.from_numpy(_pad(list(histories), pad)) if histories is not None else None,
        "leave_out": torch.from_numpy(messages) if messages is not None else None,
        "leave_out_artists": torch.from_numpy(own)
        if (own := _own_artists(artists, cfg.n_artists)) is not None
        else None,
    }


def _own_artists(artists: Sequence[np.ndarray] | None, n_artists: int) -> np.ndarray | None:
    """(B, A) 0/1 rows: the artists of each playlist."""
    if artists is None:
        return None
    out = np.zeros((len(artists), n_artists), dtype=np.float32)
    for i, a in enumerate(artists):
        out[i, a] = 1.0
    return out


def score_prefixes(
    model: "PlayGenieVAE",
    prefixes: Sequence[np.ndarray],
    history: Sequence[np.ndarray] | None = None,
    tags: "torch.Tensor | None" = None,
    batch_size: int = 64,
) -> np.ndarray:
    """(B, V) next-track logits for each prefix (rows); the model's ranking of the catalog."""
    import torch

    pad, ctx = model.cfg.n_tracks, model.cfg.max_context
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(prefixes), batch_size):
            chunk = [np.asarray(p[-ctx:]) for p in prefixes[i : i + batch_size]]
            x = torch.from_numpy(_pad(chunk, pad))
            hist = None
            if history is not None:
                hist = torch.from_numpy(_pad([np.asarray(h) for h in history[i : i + batch_size]], pad))
            t = tags[i : i + batch_size] if tags is not None else None
            logits, _ = model(x, history=hist, tags=t)
            out.append(logits.numpy())
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, model.cfg.n_tracks), dtype=np.float32)


def rank_metrics(
    scores: np.ndarray,
    prefixes: Sequence[np.ndarray],
    rests: Sequence[np.ndarray],
    histories: Sequence[np.ndarray] | None = None,
) -> dict[str, float]:
    """Mean R-precision and NDCG@500 of score rows against the held-out rests (seeds and histories masked)."""
    rp, nd = [], []
    for i, (row, seed, rest) in enumerate(zip(scores, prefixes, rests)):
        row = row.copy()
        row[seed] = -np.inf
        if histories is not None:
            row[histories[i]] = -np.inf
        top = np.argpartition(-row, 500)[:500] if len(row) > 500 else np.arange(len(row))
        top = top[np.argsort(-row[top])]
        truth = set(rest.tolist())
        hits = np.array([t in truth for t in top])
        R = len(truth)
        rp.append(hits[:R].sum() / R)
        dcg = (hits / np.log2(np.arange(2, len(hits) + 2))).sum()
        nd.append(dcg / (1 / np.log2(np.arange(2, min(R, 500) + 2))).sum())
    return {"r_precision": float(np.mean(rp)), "ndcg": float(np.mean(nd))}


def train_model(
    inputs: "ModelInputs",
    train_seqs: Sequence[np.ndarray],
    train_tags: Sequence[Sequence[int]],
    val_seqs: Sequence[np.ndarray],
    tcfg: TrainConfig | None = None,
    curve: Path | None = None,
    listeners: "tuple[ListenerPool, list[ListenerPlaylist]] | None" = None,
    **model_overrides,
) -> TrainResult:
    """Train a fresh model on ``train_seqs`` (catalog rows), early-stopped on ``val_seqs``.

    ``listeners``: the pool of ``train_seqs`` (its members, in order) and the validation playlists as
    listener playlists (in the order of ``val_seqs``). A ``tcfg.history_p`` share of the training
    sequences then get a synthetic listener's history D at each step (a random rule), and validation
    scores each playlist with and without a history ("mixed" rule).
    """
    import torch

    tcfg = tcfg or TrainConfig()
    threads = torch.get_num_threads()
    torch.set_num_threads(tcfg.threads)
    try:
        return _train(inputs, train_seqs, train_tags, val_seqs, tcfg, curve, listeners, **model_overrides)
    finally:
        torch.set_num_threads(threads)


def _train(
    inputs: "ModelInputs",
    train_seqs: Sequence[np.ndarray],
    train_tags: Sequence[Sequence[int]],
    val_seqs: Sequence[np.ndarray],
    tcfg: TrainConfig,
    curve: Path | None,
    listeners: "tuple[ListenerPool, list[ListenerPlaylist]] | None",
    **model_overrides,
) -> TrainResult:
    import torch
    from tqdm import tqdm

    from tools.continuation.data import playlist_messages
    from tools.continuation.model import from_inputs

    random.seed(tcfg.seed), np.random.seed(tcfg.seed), torch.manual_seed(tcfg.seed)
    rng = np.random.default_rng(tcfg.seed)
    model = from_inputs(inputs, **model_overrides)
    cfg = model.cfg
    opt = torch.optim.AdamW(model.parameters(), lr=tcfg.lr, weight_decay=tcfg.weight_decay)
    keep = [i for i, s in enumerate(train_seqs) if len(s) >= 2]
    usable = [(train_seqs[i], train_tags[i]) for i in keep]
    messages = playlist_messages(inputs.content, [s for s, _ in usable])  # (P, C), as in data.message_sums
    artists = [np.unique(inputs.artist_of[s]) for s, _ in usable]
    pool = listeners[0] if listeners is not None else None
    if pool is not None:
        assert len(pool.members) == len(train_seqs), "the listener pool must describe train_seqs, in order"
        members = [pool.members[i] for i in keep]
    val_keep = [i for i, s in enumerate(val_seqs) if len(s) > tcfg.val_n + 1]
    val = [val_seqs[i] for i in val_keep]
    val_prefix = [s[: tcfg.val_n] for s in val]
    val_rest = [s[tcfg.val_n :] for s in val]
    val_hist = None
    if pool is not None and listeners[1]:
        hist_rng = np.random.default_rng(tcfg.seed + 1)
        val_hist = [pool.history(listeners[1][i], "mixed", hist_rng) for i in val_keep]
    steps_per_epoch = max(1, math.ceil(len(usable) * tcfg.passes / tcfg.batch_size))
    anneal = max(1, tcfg.anneal_epochs * steps_per_epoch)
    history: list[dict] = []
    best, best_state, best_epoch, bad = -1.0, None, 0, 0
    t0, step = time.perf_counter(), 0
    for epoch in range(1, tcfg.epochs + 1):
        model.train()
        order = np.concatenate([rng.permutation(len(usable)) for _ in range(tcfg.passes)])
        terms = {"loss": 0.0, "recon": 0.0, "kl": 0.0, "ce": 0.0}
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}", disable=not tcfg.progress, leave=False)
        for b in bar:
            idx = order[b * tcfg.batch_size : (b + 1) * tcfg.batch_size]
            if len(idx) == 0:
                continue
            batch = listener_batch(idx, usable, messages, artists, cfg, tcfg, rng, pool, members if pool else None)
            model.kl_weight = cfg.beta * min(1.0, step / anneal)
            loss = train_step(model, opt, batch)
            step += 1
            terms["loss"] += loss.item() / steps_per_epoch
            for k in ("recon", "kl", "ce"):
                terms[k] += model.last_terms[k] / steps_per_epoch
            bar.set_postfix(ce=f"{model.last_terms['ce']:.2f}", kl=f"{model.last_terms['kl_raw']:.1f}")
        row = {"epoch": epoch, **terms, "beta": model.kl_weight}
        if val:
            row |= _validate(model, val, val_prefix, val_rest, val_hist, tcfg, rng)
        history.append(row)
        log.info("epoch %d: %s", epoch, {k: round(v, 4) for k, v in row.items()})
        if tcfg.progress:
            _print_epoch(epoch, row, terms, bool(val), val_hist is not None)
        score = sum(row.get(k, 0.0) for k in ("r_precision", "ndcg", "r_precision_with_history", "ndcg_with_history"))
        score = score if val else -row["loss"]
        # Keep the best epoch after annealing has begun, so a beta > 0 model is a real VAE.
        if score > best:
            best, best_epoch, bad = score, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if bad >= tcfg.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.kl_weight = cfg.beta
    model.eval()
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if curve is not None:
        save_curve(history, curve)
    return TrainResult(model, history, best_epoch, seconds, peak_mb)


def listener_batch(
    idx: np.ndarray,
    usable: Sequence[tuple[np.ndarray, Any]],
    messages: np.ndarray,
    artists: Sequence[np.ndarray],
    cfg: Any,
    tcfg: TrainConfig,
    rng: np.random.Generator,
    pool: Any = None,
    members: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """The :func:`make_batch` of the usable playlists at ``idx``, each given a synthetic listener's history D from
    ``pool`` (one of :data:`LISTENER_RULES`, at random) with chance ``tcfg.history_p``; none without a pool."""
    hists = None
    if pool is not None and tcfg.history_p > 0:
        empty = np.zeros(0, dtype=np.int64)
        hists = [
            pool.history(members[i], LISTENER_RULES[int(rng.integers(len(LISTENER_RULES)))], rng)
            if rng.random() < tcfg.history_p
            else empty
            for i in idx
        ]
    return make_batch(
        [usable[i][0] for i in idx],
        [usable[i][1] for i in idx],
        cfg,
        tcfg,
        rng,
        messages=messages[idx],
        artists=[artists[i] for i in idx],
        histories=hists,
    )


def train_step(model: "PlayGenieVAE", opt: Any, batch: dict[str, Any]) -> Any:
    """One optimiser step on a batch of :func:`make_batch` (gradients clipped at 1.0); the loss tensor."""
    import torch

    _, loss = model(
        batch["x"],
        batch["targets"],
        seen=batch["seen"],
        tags=batch["tags"],
        history=batch["history"],
        weights=batch["weights"],
        leave_out=batch["leave_out"],
        leave_out_artists=batch["leave_out_artists"],
    )
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss


def _validate(
    model: Any,
    val: list[np.ndarray],
    val_prefix: list[np.ndarray],
    val_rest: list[np.ndarray],
    val_hist: list[np.ndarray] | None,
    tcfg: TrainConfig,
    rng: np.random.Generator,
) -> dict[str, float]:
    """One epoch's validation: continuation metrics of the prefixes (with and without a history D) and the
    cross-entropy of the held-out tracks."""
    import torch

    row = rank_metrics(score_prefixes(model, val_prefix), val_prefix, val_rest)
    if val_hist is not None:
        with_d = rank_metrics(score_prefixes(model, val_prefix, val_hist), val_prefix, val_rest, val_hist)
        row |= {f"{k}_with_history": v for k, v in with_d.items()}
    vb = make_batch(
        val, [[]] * len(val), model.cfg, TrainConfig(positions=10**6, tag_dropout=1.0), rng, n_fixed=tcfg.val_n
    )
    model.eval()
    with torch.no_grad():
        model(vb["x"], vb["targets"], seen=vb["seen"])
    row["val_ce"] = model.last_terms["ce"]
    return row


def _print_epoch(epoch: int, row: dict, terms: dict, val: bool, with_history: bool) -> None:
    print(
        f"epoch {epoch:2d}  ce {terms['ce']:.3f}  kl {terms['kl']:.3f}  "
        + (f"val_ce {row['val_ce']:.3f}  val R-prec {row['r_precision']:.4f}  NDCG {row['ndcg']:.4f}" if val else "")
        + (f"  with D {row['r_precision_with_history']:.4f} / {row['ndcg_with_history']:.4f}" if with_history else "")
    )


def save_curve(history: list[dict], path: Path) -> None:
    """Training CE, validation CE and validation R-precision per epoch, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    ep = [h["epoch"] for h in history]
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].plot(ep, [h["ce"] for h in history], label="train CE per track")
    if "val_ce" in history[0]:
        ax[0].plot(ep, [h["val_ce"] for h in history], label="validation CE (n=10)")
    ax[0].plot(ep, [h["kl"] for h in history], label="weighted KL")
    ax[0].set_xlabel("epoch"), ax[0].legend()
    if "r_precision" in history[0]:
        ax[1].plot(ep, [h["r_precision"] for h in history], label="val R-precision")
        ax[1].plot(ep, [h["ndcg"] for h in history], label="val NDCG")
        ax[1].set_xlabel("epoch"), ax[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def split_train_val(playlist_ids: Sequence[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """A seeded validation share of the training playlists."""
    ids = sorted(playlist_ids)
    random.Random(seed).shuffle(ids)
    k = int(round(fraction * len(ids))) if len(ids) >= 5 else 0
    return sorted(ids[k:]), sorted(ids[:k])


def train_on_catalog(
    catalog: "Catalog",
    home: Path,
    playlist_ids: Sequence[str] | None = None,
    tcfg: TrainConfig | None = None,
    out: Path | None = None,
    **model_overrides,
) -> TrainResult:
    """Build inputs from ``catalog`` (interactions: ``playlist_ids``, default all), train, save to ``out``."""
    import torch

    from tools.continuation import data

    tcfg = tcfg or TrainConfig()
    ids = list(playlist_ids if playlist_ids is not None else catalog.playlists)
    train_ids, val_ids = split_train_val(ids, tcfg.val_fraction, tcfg.seed)
    inputs = data.build_inputs(catalog, train_ids, home, progress=tcfg.progress)
    train_tags = [data.playlist_tags(catalog, p, inputs.tags) for p in train_ids if p in catalog.playlists]
    train_seqs = data.sequences(catalog, train_ids)
    val_seqs = data.sequences(catalog, val_ids)
    pool = data.ListenerPool(catalog, train_ids, inputs.artist_of)
    val_members = [m for p in val_ids if (m := pool.describe(p)) is not None]
    curve = out.with_suffix(".png") if out is not None else None
    result = train_model(
        inputs, train_seqs, train_tags, val_seqs, tcfg, curve=curve, listeners=(pool, val_members), **model_overrides
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        extra = {
            "history": result.history,
            "best_epoch": result.best_epoch,
            "seconds": result.seconds,
            "train_playlists": len(train_ids),
            "val_playlists": len(val_ids),
        }
        tmp = out.with_suffix(".tmp")
        torch.save(result.model.checkpoint(inputs.track_ids, inputs.tags, extra), tmp)
        tmp.replace(out)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs", type=int, default=TrainConfig.epochs, help="Most epochs (early stopping ends sooner)."
    )
    parser.add_argument(
        "--beta", type=float, default=None, help="KL weight after annealing (default: settings.vae_beta)."
    )
    parser.add_argument("--dim", type=int, default=32, help="Width of track vectors and the GRU.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed.")
    parser.add_argument("--out", type=Path, default=None, help="Checkpoint path (default: <home>/models/vae.pt).")
    parser.add_argument("--quiet", action="store_true", help="No progress bar or per-epoch lines.")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    import torch

    from tools.catalog import Catalog, ensure_data

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    path = ensure_data(settings.data, settings.home, settings.data_url)
    catalog = Catalog.from_csv(path)
    out = args.out or checkpoint_path(settings.home)
    beta = settings.vae_beta if args.beta is None else args.beta
    tcfg = TrainConfig(epochs=args.epochs, seed=args.seed, progress=not args.quiet)
    print(f"training the PlayGenie VAE on {len(catalog.playlists)} playlists, {len(catalog)} tracks (beta={beta})")
    result = train_on_catalog(catalog, settings.home, None, tcfg, out, beta=beta, dim=args.dim)
    best = result.history[result.best_epoch - 1] if result.history else {}
    print(
        f"best epoch {result.best_epoch}: val R-precision {best.get('r_precision', float('nan')):.4f}, "
        f"NDCG {best.get('ndcg', float('nan')):.4f}"
    )
    print(f"training time {result.seconds:.1f} s, peak memory {result.peak_mb:.0f} MB")
    _stamp(out, catalog_fingerprint(catalog))
    print(f"checkpoint {out}\ncurve {out.with_suffix('.png')}")
    return 0


def _legacy_stamp(catalog: "Catalog") -> str:
    """The stamp checkpoints carried before ``tools.catalog.catalog_fingerprint`` (16 hex digits over the
    track and playlist ids, no members): a checkpoint with it is restamped, not retrained."""
    import hashlib

    h = hashlib.sha256()
    for t in catalog.tracks:
        h.update(t.track_id.encode())
    for pid in sorted(catalog.playlists):
        h.update(pid.encode())
    return h.hexdigest()[:16]


def build_step(ctx) -> str:
    """``playgenie build`` step: train the VAE unless an up-to-date checkpoint exists."""
    import torch

    assert ctx.catalog is not None
    out = checkpoint_path(ctx.settings.home)
    fp = catalog_fingerprint(ctx.catalog)
    if out.exists() and not ctx.force:
        extra = torch.load(out, map_location="cpu", weights_only=True).get("extra", {})
        if extra.get("catalog") == fp and extra.get("format") == MODEL_FORMAT:
            return f"vae: up to date at {out}"
        if extra.get("catalog") == _legacy_stamp(ctx.catalog) and extra.get("format") == MODEL_FORMAT:
            _stamp(out, fp)
            return f"vae: up to date at {out} (its catalog stamp rewritten in the current form)"
    res = train_on_catalog(
        ctx.catalog, ctx.settings.home, None, TrainConfig(progress=ctx.progress), out, beta=ctx.settings.vae_beta
    )
    _stamp(out, fp)
    return f"vae: trained in {res.seconds:.0f}s (best epoch {res.best_epoch}) -> {out}"


def _stamp(out: Path, fingerprint: str) -> None:
    import torch

    ckpt = torch.load(out, map_location="cpu", weights_only=True)
    ckpt["extra"]["catalog"] = fingerprint
    ckpt["extra"]["format"] = MODEL_FORMAT
    torch.save(ckpt, out)
