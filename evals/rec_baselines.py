"""Baselines for playlist continuation, each scoring the whole catalog from a playlist's seed tracks.

- :class:`Popularity`: tracks by how many training playlists hold them (Spotify popularity breaks ties).
- :class:`ItemKNN`: item co-occurrence kNN with asymmetric cosine, alpha tuned.
- :class:`EASE`: Steck (2019), closed form B = I - P diag(1/diag P), P = (X'X + lambda I)^-1, computed
  exactly through the Woodbury identity in playlist space (X has few rows), so it covers every item.
- :class:`FoldInSVD`: surprise's SVD on positive and uniformly sampled negative (playlist, track)
  pairs (10 per positive, no biases: better on validation); a new playlist's factors are folded in,
  in closed form, under the same objective.
- :class:`MultVAE`: Liang et al. (2018), the non-sequential VAE with a multinomial likelihood,
  [items -> 600 -> 200] encoder, input dropout 0.5, KL annealed to 0.2.
- :class:`ContentKNN`: cosine between the mean content vector of the seeds and every track's (the
  VAE's own content features: PCA of MiniLM document vectors + audio); not in the brief's list, but
  the honest reference for a model that reads content. Given a listener's history D, the history's
  mean joins the seeds' at a weight tuned on validation listeners.
- :class:`HistoryMean`: cosine to the mean content vector of the history D alone.

Interface: ``fit(train_seqs, n_items)`` with playlists as arrays of catalog rows, then
``score(prefixes) -> (B, n_items)`` float array (higher is better). Collaborative baselines cannot
score a track no training playlist holds; they rank those after the others, by popularity.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)


def interactions(seqs: Sequence[np.ndarray], n_items: int) -> np.ndarray:
    """(P, n_items) binary float32 playlist-track matrix."""
    X = np.zeros((len(seqs), n_items), dtype=np.float32)
    for p, s in enumerate(seqs):
        X[p, s] = 1.0
    return X


def _seed_matrix(prefixes: Sequence[np.ndarray], n_items: int) -> np.ndarray:
    return interactions(prefixes, n_items)


class Popularity:
    name = "popularity"

    def __init__(self, tiebreak: np.ndarray | None = None):
        self.tiebreak = tiebreak  # (n_items,) e.g. Spotify popularity 0-100

    def fit(self, seqs: Sequence[np.ndarray], n_items: int) -> "Popularity":
        counts = np.bincount(np.concatenate(seqs), minlength=n_items).astype(np.float32) if seqs else np.zeros(n_items)
        tb = self.tiebreak if self.tiebreak is not None else np.zeros(n_items)
        self.scores = counts + tb.astype(np.float32) / (tb.max() + 1.0) if len(tb) else counts
        return self

    def score(self, prefixes: Sequence[np.ndarray]) -> np.ndarray:
        return np.tile(self.scores, (len(prefixes), 1))


class _CF:
    """Shared: a popularity tail so that untouched items are still ordered sensibly."""

    pop: np.ndarray

    def _fit_pop(self, seqs: Sequence[np.ndarray], n_items: int, tiebreak: np.ndarray | None) -> None:
        self.pop = Popularity(tiebreak).fit(seqs, n_items).scores
        self.pop = self.pop / (self.pop.max() + 1e-9) * 1e-6


class ItemKNN(_CF):
    """s_j = sum over seeds i of c_ij / (n_i^alpha n_j^(1-alpha)): asymmetric cosine co-occurrence."""

    name = "itemknn"

    def __init__(self, alpha: float = 0.5, tiebreak: np.ndarray | None = None):
        self.alpha, self.tiebreak = alpha, tiebreak

    def fit(self, seqs: Sequence[np.ndarray], n_items: int) -> "ItemKNN":
        self.X = interactions(seqs, n_items)
        n = self.X.sum(0)
        self.left = np.where(n > 0, np.power(np.maximum(n, 1), -self.alpha), 0).astype(np.float32)
        self.right = np.where(n > 0, np.power(np.maximum(n, 1), -(1 - self.alpha)), 0).astype(np.float32)
        self._fit_pop(seqs, n_items, self.tiebreak)
        return self

    def score(self, prefixes: Sequence[np.ndarray]) -> np.ndarray:
        x = _seed_matrix(prefixes, self.X.shape[1]) * self.left  # (B, V)
        return (x @ self.X.T) @ self.X * self.right + self.pop  # (B, V)


class EASE(_CF):
    """Exact EASE with P = (X'X + lI)^-1 = (I - X' (lI + XX')^-1 X) / l, never forming a V x V matrix."""

    name = "ease"

    def __init__(self, lam: float = 100.0, tiebreak: np.ndarray | None = None):
        self.lam, self.tiebreak = lam, tiebreak

    def fit(self, seqs: Sequence[np.ndarray], n_items: int) -> "EASE":
        X = interactions(seqs, n_items).astype(np.float64)  # (P, V)
        K = np.linalg.inv(self.lam * np.eye(X.shape[0]) + X @ X.T)  # (P, P)
        self.X, self.K = X, K
        self.KX = K @ X  # (P, V)
        self.diag = (1.0 - np.einsum("pv,pv->v", X, self.KX)) / self.lam  # diag(P), (V,)
        self._fit_pop(seqs, n_items, self.tiebreak)
        return self

    def score(self, prefixes: Sequence[np.ndarray]) -> np.ndarray:
        x = _seed_matrix(prefixes, self.X.shape[1]).astype(np.float64)  # (B, V)
        xP = (x - (x @ self.X.T) @ self.KX) / self.lam  # (B, V) = x P
        s = x - xP / self.diag  # x B with B = I - P diag(1/diag P)
        return (s + self.pop).astype(np.float32)


class FoldInSVD(_CF):
    """surprise's SVD on implicit feedback (1 = in the playlist, 0 = sampled negative), a new playlist folded in.

    Training: every playlist's tracks are rated 1 and ``negatives`` times as many tracks, drawn uniformly
    from the tracks the training playlists hold (popularity-sampled negatives would make the item biases
    anti-popular), are rated 0; rows are shuffled within a playlist, since surprise's SGD walks them in
    order. surprise regularises per rating, so ``reg`` acts on a playlist's factors ~(1 + negatives) x its
    length times per epoch: with 10 negatives reg >~ 0.1 shrinks every factor to 0, and the default
    learning rate (0.005) with 20 epochs barely moves the factors at all; lr 0.05 for 100 epochs converges.
    ``biased=False`` (surprise's own switch) was better on validation folds than item/user biases.

    Fold-in: the new playlist's factors (and user bias when biased) minimise the same objective the
    training playlists did, taken in expectation over its sampled negatives, in closed form: seeds target 1,
    every other known track target 0 with weight negatives * |seeds| / (known tracks - |seeds|), ridge
    ``fold_reg`` (default ``reg``) per rating. Seeds no training playlist holds have no factors and are
    ignored. Tracks no training playlist holds rank after all the others, by popularity (the shared tail).
    """

    name = "svd"

    def __init__(
        self,
        factors: int = 64,
        epochs: int = 100,
        reg: float = 0.05,
        lr: float = 0.05,
        negatives: int = 10,
        biased: bool = False,
        init_std: float = 0.1,
        fold_reg: float | None = None,
        seed: int = 0,
        tiebreak: np.ndarray | None = None,
    ):
        self.factors, self.epochs, self.reg, self.lr, self.negatives = factors, epochs, reg, lr, negatives
        self.biased, self.init_std, self.fold_reg = biased, init_std, fold_reg
        self.seed, self.tiebreak = seed, tiebreak

    def fit(self, seqs: Sequence[np.ndarray], n_items: int) -> FoldInSVD:
        import pandas as pd
        from surprise import SVD, Dataset, Reader

        rng = np.random.default_rng(self.seed)
        seqs = [np.unique(np.asarray(s, dtype=np.int64)) for s in seqs]
        known = np.unique(np.concatenate(seqs)) if seqs else np.zeros(0, dtype=np.int64)
        us, its, rs = [], [], []
        for p, s in enumerate(seqs):
            neg = known[rng.integers(0, len(known), self.negatives * len(s))]  # uniform over known tracks
            neg = neg[~np.isin(neg, s)]
            items = np.concatenate([s, neg])
            order = rng.permutation(len(items))
            us.append(np.full(len(items), p))
            its.append(items[order])
            rs.append(np.concatenate([np.ones(len(s)), np.zeros(len(neg))])[order])
        k = self.factors
        self.Q = np.zeros((n_items, k))
        self.bi = np.zeros(n_items)
        self.seen = np.zeros(n_items, dtype=bool)
        self.mu = 0.0
        if us and len(known):
            frame = pd.DataFrame({"u": np.concatenate(us), "i": np.concatenate(its), "r": np.concatenate(rs)})
            trainset = Dataset.load_from_df(frame, Reader(rating_scale=(0, 1))).build_full_trainset()
            algo = SVD(
                n_factors=k,
                n_epochs=self.epochs,
                biased=self.biased,
                lr_all=self.lr,
                reg_all=self.reg,
                init_std_dev=self.init_std,
                random_state=self.seed,
            )
            algo.fit(trainset)
            raw = np.array([trainset.to_raw_iid(inner) for inner in range(trainset.n_items)], dtype=np.int64)
            self.Q[raw] = algo.qi
            self.seen[raw] = True
            if self.biased:
                self.bi[raw] = algo.bi
                self.mu = trainset.global_mean
        # fold-in design over the known tracks: factors, plus a constant column for the user bias
        self.F = np.hstack([self.Q, self.seen[:, None].astype(float)]) if self.biased else self.Q
        self.base = np.where(self.seen, self.mu + self.bi, 0.0)  # prediction without the user's terms
        self.G = self.F.T @ self.F
        self.Fb = self.F.T @ self.base
        self.n_known = int(self.seen.sum())
        self._fit_pop(seqs, n_items, self.tiebreak)
        return self

    def fold_in(self, prefix: np.ndarray) -> np.ndarray:
        """The user vector (factors, then bias when biased) of a playlist holding ``prefix``."""
        s = np.unique(np.asarray(prefix, dtype=np.int64))
        s = s[self.seen[s]]
        d, n = self.F.shape[1], len(s)
        if n == 0:
            return np.zeros(d)
        lam = self.reg if self.fold_reg is None else self.fold_reg
        w = self.negatives * n / max(1, self.n_known - n)  # expected weight of each non-seed known track
        Fs, bs = self.F[s], self.base[s]
        A = w * (self.G - Fs.T @ Fs) + Fs.T @ Fs + lam * (1 + self.negatives) * n * np.eye(d)
        rhs = Fs.T @ (1.0 - bs) - w * (self.Fb - Fs.T @ bs)
        return np.linalg.solve(A, rhs)

    def score(self, prefixes: Sequence[np.ndarray]) -> np.ndarray:
        P = np.stack([self.fold_in(s) for s in prefixes]) if len(prefixes) else np.zeros((0, self.F.shape[1]))
        s = P[:, : self.factors] @ self.Q.T + self.bi  # (B, V); mu and the user bias shift a row uniformly
        if self.n_known:  # known tracks above every unknown one, which keeps only the popularity tail (<= 1e-6);
            # the offset is small so that float32 still resolves that tail where the model ties (no known seed)
            s = np.where(self.seen, s - s[:, self.seen].min(1, keepdims=True) + 1e-5, 0.0)
        return (s + self.pop).astype(np.float32)


class MultVAE(_CF):
    """Mult-VAE^PR (Liang et al. 2018) over the items of the training playlists."""

    name = "mult_vae"

    def __init__(
        self,
        hidden: int = 600,
        latent: int = 200,
        epochs: int = 60,
        beta: float = 0.2,
        lr: float = 1e-3,
        seed: int = 0,
        tiebreak: np.ndarray | None = None,
    ):
        self.hidden, self.latent, self.epochs, self.beta = hidden, latent, epochs, beta
        self.lr, self.seed, self.tiebreak = lr, seed, tiebreak

    def fit(self, seqs: Sequence[np.ndarray], n_items: int, val: tuple | None = None) -> "MultVAE":
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        torch.manual_seed(self.seed)
        self.n_items = n_items
        self.items = np.unique(np.concatenate(seqs))  # only items seen in training get an output
        col = np.full(n_items, -1)
        col[self.items] = np.arange(len(self.items))
        self.col = col
        X = torch.from_numpy(interactions([col[s] for s in seqs], len(self.items)))
        I, H, Z = len(self.items), self.hidden, self.latent
        self.enc = nn.Sequential(nn.Linear(I, H), nn.Tanh(), nn.Linear(H, 2 * Z))
        self.dec = nn.Sequential(nn.Linear(Z, H), nn.Tanh(), nn.Linear(H, I))
        params = list(self.enc.parameters()) + list(self.dec.parameters())
        opt = torch.optim.Adam(params, lr=self.lr, weight_decay=0.0)
        steps_total = self.epochs * max(1, int(np.ceil(len(X) / 64)))
        step = 0
        for _ in range(self.epochs):
            for idx in torch.randperm(len(X)).split(64):
                x = X[idx]
                h = F.normalize(F.dropout(x, 0.5, training=True), dim=1)
                mu, logvar = self.enc(h).chunk(2, 1)
                z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
                logp = F.log_softmax(self.dec(z), 1)
                nll = -(logp * x).sum(1).mean()
                kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()
                loss = nll + self.beta * min(1.0, step / (0.8 * steps_total)) * kl
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
        self._fit_pop(seqs, n_items, self.tiebreak)
        return self

    def score(self, prefixes: Sequence[np.ndarray]) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        rows = [self.col[s][self.col[s] >= 0] for s in prefixes]
        x = torch.from_numpy(interactions(rows, len(self.items)))
        with torch.no_grad():
            mu, _ = self.enc(F.normalize(x, dim=1)).chunk(2, 1)
            logits = self.dec(mu).numpy()
        out = np.full((len(prefixes), self.n_items), -1e9, dtype=np.float32)
        # softmax scale: items outside the model's vocabulary fall after all of its items
        out[:, self.items] = logits - logits.min(1, keepdims=True) + 1.0
        out[:, :] = np.where(out > -1e8, out, 0.0) + self.pop
        return out


class ContentKNN:
    """Cosine of each track's (normalised) content vector to the mean of the seeds'; given listeners'
    histories, to the seeds' mean plus ``history_weight`` times the history's mean."""

    name = "content_knn"

    def __init__(self, vectors: np.ndarray, history_weight: float = 0.0):
        self.vectors = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)
        self.history_weight = history_weight

    def fit(self, seqs: Sequence[np.ndarray], n_items: int) -> "ContentKNN":
        return self

    def _mean(self, rows: np.ndarray) -> np.ndarray:
        return self.vectors[rows].mean(0) if len(rows) else np.zeros(self.vectors.shape[1], dtype=self.vectors.dtype)

    def score(self, prefixes: Sequence[np.ndarray], histories: Sequence[np.ndarray] | None = None) -> np.ndarray:
        q = np.stack([self._mean(s) for s in prefixes])  # (B, D)
        if histories is not None and self.history_weight:
            q = q + self.history_weight * np.stack([self._mean(h) for h in histories])
        return q @ self.vectors.T  # (B, V)


class HistoryMean(ContentKNN):
    """Cosine of each track's content vector to the mean of the listener's history D (the seeds' when D
    is empty): what a history alone says, the simplest use of it."""

    name = "history_mean"

    def score(self, prefixes: Sequence[np.ndarray], histories: Sequence[np.ndarray] | None = None) -> np.ndarray:
        rows = [h if histories is not None and len(h) else s for s, h in zip(prefixes, histories or prefixes)]
        return np.stack([self._mean(r) for r in rows]) @ self.vectors.T  # (B, V)
