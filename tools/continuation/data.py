"""Inputs of the continuation model, built from a catalog and its training playlists.

- ``content``: per track, the MiniLM embedding of ``Track.document()`` reduced by PCA, plus
  standardised audio features, popularity, year and duration. It gives every track, also one
  that no training playlist holds, a representation (91% of tracks sit in one playlist only).
- ``graph``: the content propagated over the playlist-track bipartite graph of the training
  playlists (LightGCN-style symmetric normalisation, layers averaged): a track's vector moves
  towards the tracks it is listed with. Tracks in no training playlist keep their own content.
- sequences of vocabulary indices, one per training playlist, and tag ids per playlist (its
  genre, subgenre and dominant moods) that stand in for a conversation's request tags.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from tools.catalog import Catalog, fold
from tools.tags import MOODS

log = logging.getLogger(__name__)

TIME_BUCKETS = ("night", "morning", "afternoon", "evening")  # 0-6, 6-12, 12-18, 18-24 h
AUDIO = ("danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
         "loudness", "tempo", "mode")  # fmt: skip


def time_bucket(hour: int | None) -> int:
    """Index of the time-of-day bucket; ``len(TIME_BUCKETS)`` means unknown."""
    if hour is None or not 0 <= hour <= 23:
        return len(TIME_BUCKETS)
    return hour // 6


def tag_vocabulary(catalog: Catalog) -> list[str]:
    """Tags the model conditions on: genres, subgenres and moods (lower case)."""
    return sorted({*(g.lower() for g in catalog.genres), *(s.lower() for s in catalog.subgenres), *MOODS})


@dataclass(slots=True)
class ModelInputs:
    """Everything the model needs about the catalog, row ``i`` describing ``track_ids[i]``."""

    track_ids: list[str]
    content: np.ndarray  # (V, C) float32
    graph: np.ndarray  # (V, C) float32
    artist_of: np.ndarray  # (V,) int64, index into artists
    artist_known: np.ndarray  # (A,) bool: the artist has a track in a training playlist
    warm: np.ndarray  # (V,) bool: the track is in a training playlist
    popularity: np.ndarray  # (V,) float32: training playlist count + Spotify popularity / 1000
    tags: list[str]


def content_features(catalog: Catalog, home: Path, text_dims: int = 64, progress: bool = True) -> np.ndarray:
    """(V, text_dims + audio) float32: PCA of MiniLM document vectors and standardised audio features."""
    from tools.embed import EmbeddingCache

    text = EmbeddingCache(home / "embeddings").embed([t.document() for t in catalog.tracks], progress=progress)
    centred = text - text.mean(0, keepdims=True)
    # PCA by SVD of the (V, 384) matrix: cheap, and keeps the checkpoint small.
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    k = min(text_dims, vt.shape[0])
    reduced = centred @ vt[:k].T
    reduced /= reduced[:, 0].std() + 1e-8  # first component to unit variance, the rest keep their ratio
    cols = [np.array([getattr(t, a) for t in catalog.tracks], dtype=np.float32) for a in AUDIO]
    cols.append(np.array([t.popularity for t in catalog.tracks], dtype=np.float32))
    cols.append(np.array([t.year or 2000 for t in catalog.tracks], dtype=np.float32))
    cols.append(np.log1p(np.array([t.duration_ms for t in catalog.tracks], dtype=np.float32)))
    audio = np.stack(cols, 1)
    audio = (audio - audio.mean(0)) / (audio.std(0) + 1e-6)
    return np.concatenate([reduced, audio], 1).astype(np.float32)


def propagate(features: np.ndarray, sequences: Sequence[np.ndarray], layers: int = 2) -> np.ndarray:
    """LightGCN propagation of track features over the playlist-track graph, layers averaged.

    Track -> playlist -> track hops with 1/sqrt(deg) normalisation at both ends; tracks in no
    playlist keep their own features.
    """
    import torch

    n = features.shape[0]
    rows = np.concatenate([np.full(len(s), p) for p, s in enumerate(sequences)]) if sequences else np.zeros(0)
    cols = np.concatenate(list(sequences)) if sequences else np.zeros(0)
    if len(cols) == 0:
        return features.copy()
    deg_t = np.bincount(cols, minlength=n).astype(np.float32)
    deg_p = np.array([len(s) for s in sequences], dtype=np.float32)
    vals = 1.0 / np.sqrt(deg_p[rows] * deg_t[cols])
    adj = torch.sparse_coo_tensor(np.stack([rows, cols]), vals.astype(np.float32), (len(sequences), n), check_invariants=True).coalesce()
    x = torch.from_numpy(features)
    out, t = [x], x
    for _ in range((layers + 1) // 2):
        p = torch.sparse.mm(adj, t)  # (P, C) playlist messages
        t = torch.sparse.mm(adj.t(), p)  # (V, C) back to tracks
        # rescale so a hop keeps the feature scale (the normalisation shrinks it)
        t = t / (t.norm(dim=1, keepdim=True) + 1e-8) * x.norm(dim=1, keepdim=True)
        out.append(t)
    g = torch.stack(out).mean(0).numpy()
    g[deg_t == 0] = features[deg_t == 0]
    return g.astype(np.float32)


def build_inputs(catalog: Catalog, train_playlists: Iterable[str], home: Path, progress: bool = True) -> ModelInputs:
    """Content, graph and masks for ``catalog`` with ``train_playlists`` as the only interactions."""
    train = [catalog.playlists[p] for p in train_playlists if p in catalog.playlists]
    content = content_features(catalog, home, progress=progress)
    seqs = sequences(catalog, [p.playlist_id for p in train])
    graph = propagate(content, seqs)
    artists = sorted({fold(t.artist) for t in catalog.tracks})
    a_index = {a: i for i, a in enumerate(artists)}
    artist_of = np.array([a_index[fold(t.artist)] for t in catalog.tracks], dtype=np.int64)
    counts = np.bincount(np.concatenate(seqs), minlength=len(catalog)) if seqs else np.zeros(len(catalog))
    warm = counts > 0
    known = np.zeros(len(artists), dtype=bool)
    known[artist_of[warm]] = True
    pop = counts.astype(np.float32) + catalog.popularity / 1000.0
    return ModelInputs([t.track_id for t in catalog.tracks], content, graph, artist_of, known, warm, pop,
                       tag_vocabulary(catalog))  # fmt: skip


def sequences(catalog: Catalog, playlist_ids: Iterable[str]) -> list[np.ndarray]:
    """Each playlist as an array of catalog rows, in order, known tracks only."""
    out = []
    for pid in playlist_ids:
        p = catalog.playlists.get(pid)
        if p is None:
            continue
        rows = [catalog.index[t] for t in p.track_ids if t in catalog.index]
        if rows:
            out.append(np.array(rows, dtype=np.int64))
    return out


def playlist_tags(catalog: Catalog, playlist_id: str, tags: list[str]) -> list[int]:
    """Tag ids describing a training playlist: genre, subgenre, moods held by 40%+ of its tracks."""
    p = catalog.playlists[playlist_id]
    index = {t: i for i, t in enumerate(tags)}
    found = {p.genre.lower(), p.subgenre.lower()}
    tracks = [catalog[t] for t in p.track_ids if t in catalog.index]
    for m in MOODS:
        if tracks and sum(m in t.moods for t in tracks) >= 0.4 * len(tracks):
            found.add(m)
    return sorted(index[t] for t in found if t in index)
