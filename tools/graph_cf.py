"""LightGCN-style propagation of the MF factors over the playlist-track graph (torch, sparse).

Nodes are the training playlists, every catalog track, and every artist; edges join a playlist to
its tracks and a track to its artist (metadata, so tracks no training playlist holds are still
connected). Starting from the surprise factors (playlists: user factors; trained tracks: item
factors; everything else zero), each layer multiplies by the symmetric normalized adjacency
D^-1/2 A D^-1/2, and the result is the mean over layers 0..K, as in LightGCN (He et al., 2020).
No parameters are learned: propagation smooths a track's factors toward its co-members and
gives a track seen only through its artist a place in the same space.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

import numpy as np

from tools.catalog import Catalog, Playlist, fold

if TYPE_CHECKING:
    from tools.cf import CFModel

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


def propagate(catalog: Catalog, playlists: Iterable[Playlist], model: "CFModel", layers: int = 2) -> np.ndarray:
    """(n_tracks, k) float32 track embeddings: the layer-mean of propagated MF factors."""
    import torch

    plist = list(playlists)
    rows, cols, n_nodes, pids, _ = build_graph(catalog, plist)
    adj = normalized_adjacency(rows, cols, n_nodes)
    k = model.items.shape[1]
    e0 = np.zeros((n_nodes, k), dtype=np.float32)
    e0[: len(catalog)][model.trained] = model.items[model.trained]
    algo = model.algo
    if algo is not None:
        ts = algo.trainset
        for j, pid in enumerate(pids):
            if ts.knows_user(pid):
                e0[len(catalog) + j] = algo.pu[ts.to_inner_uid(pid)]
    with torch.no_grad():
        e = torch.from_numpy(e0)  # (nodes, k)
        total = e.clone()
        for _ in range(layers):
            e = torch.sparse.mm(adj, e)  # (nodes, k)
            total += e
        out = (total / (layers + 1))[: len(catalog)].numpy().astype(np.float32)
    log.info("graph_cf: %d nodes, %d edges, %d layers", n_nodes, len(rows), layers)
    return out
