"""LightGCN-style propagation of the MF factors over the playlist-track graph (torch, sparse).

Nodes are the training playlists, every catalog track, and every artist; edges join a playlist to
its tracks and a track to its artist (metadata, so tracks no training playlist holds are still
connected). Starting from the MF item factors of the trained tracks (every other node at zero),
each layer multiplies by the symmetric normalized adjacency D^-1/2 A D^-1/2, and the result is
the mean over layers 0..K, as in LightGCN (He et al., 2020).
No parameters are learned: propagation smooths a track's factors toward its co-members and
gives a track seen only through its artist a place in the same space.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Iterable

import numpy as np

from tools.catalog import Catalog, Playlist, fold

log = logging.getLogger(__name__)


def build_graph(
    catalog: Catalog, playlists: Iterable[Playlist]
) -> tuple[np.ndarray, np.ndarray, int, list[str], dict[str, int]]:
    """Edges (rows, cols) of the undirected graph over [tracks | playlists | artists], node count,
    the playlist ids in node order, and artist -> node."""
    n = len(catalog)
    plist = list(playlists)
    rows: list[int] = []
    cols: list[int] = []
    pids: list[str] = []
    for j, p in enumerate(plist):
        node = n + j
        pids.append(p.playlist_id)
        for tid in p.track_ids:
            i = catalog.index.get(tid)
            if i is not None:
                rows.append(node), cols.append(i)
    artists: dict[str, int] = defaultdict(lambda: n + len(plist) + len(artists))
    for i, t in enumerate(catalog.tracks):
        rows.append(artists[fold(t.artist)]), cols.append(i)
    r, c = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    edges_r, edges_c = np.concatenate([r, c]), np.concatenate([c, r])
    return edges_r, edges_c, n + len(plist) + len(artists), pids, dict(artists)


def normalized_adjacency(rows: np.ndarray, cols: np.ndarray, n_nodes: int):
    """D^-1/2 A D^-1/2 as a torch sparse COO tensor."""
    import torch

    deg = np.bincount(rows, minlength=n_nodes).astype(np.float64)
    inv = np.where(deg > 0, deg**-0.5, 0.0)
    vals = inv[rows] * inv[cols]
    idx = torch.from_numpy(np.stack([rows, cols]))
    values = torch.from_numpy(vals.astype(np.float32))
    return torch.sparse_coo_tensor(idx, values, (n_nodes, n_nodes), check_invariants=True).coalesce()


def propagate(
    catalog: Catalog, playlists: Iterable[Playlist], items: np.ndarray, trained: np.ndarray, layers: int = 2
) -> np.ndarray:
    """(n_tracks, k) float32 track embeddings: the layer-mean of propagated MF factors.

    ``items`` (n_tracks, k) are the item factors in catalog order and ``trained`` (n_tracks,) marks the
    rows whose factors were learnt; the other tracks, the playlists and the artists start at zero."""
    import torch

    plist = list(playlists)
    rows, cols, n_nodes, _, _ = build_graph(catalog, plist)
    adj = normalized_adjacency(rows, cols, n_nodes)
    k = items.shape[1]
    e0 = np.zeros((n_nodes, k), dtype=np.float32)
    e0[: len(catalog)][trained] = items[trained]
    with torch.no_grad():
        e = torch.from_numpy(e0)  # (nodes, k)
        total = e.clone()
        for _ in range(layers):
            e = torch.sparse.mm(adj, e)  # (nodes, k)
            total += e
        out = (total / (layers + 1))[: len(catalog)].numpy().astype(np.float32)
    log.info("graph_cf: %d nodes, %d edges, %d layers", n_nodes, len(rows), layers)
    return out
