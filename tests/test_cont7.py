"""Issue 11, continuation: held-out playlists never reach the VAE's training or its graph; a split's saved
checkpoint is reused only when it was trained on the very catalog the eval builds."""

from __future__ import annotations

import numpy as np

from tools.catalog import Catalog
from tools.continuation import data as cdata
from tools.continuation.train import TrainConfig, split_train_val, train_on_catalog

TINY = {"dim": 16, "latent": 8, "max_context": 16}


def _held_out(tiny_csv):
    full = Catalog.from_csv(tiny_csv)
    held = sorted(full.playlists)[::4]
    return full, held, Catalog.from_csv(tiny_csv, exclude_playlists=held)


def test_held_out_playlists_reach_neither_the_training_sequences_nor_the_graph(tiny_csv, tmp_path):
    full, held, catalog = _held_out(tiny_csv)
    assert not set(held) & set(catalog.playlists) and len(catalog) == len(full)
    inputs = cdata.build_inputs(catalog, sorted(catalog.playlists), tmp_path, progress=False)
    # every track's graph degree counts training playlists only: a track only held-out playlists list has none
    listed = np.zeros(len(catalog))
    for p in catalog.playlists.values():
        listed[[catalog.index[t] for t in set(p.track_ids)]] += 1
    assert np.array_equal(inputs.degree, listed)
    only_held = {t for p in held for t in full.playlists[p].track_ids} - {
        t for p in catalog.playlists.values() for t in p.track_ids
    }
    assert only_held  # the test can fail: such tracks exist
    rows = [catalog.index[t] for t in only_held]
    assert not inputs.degree[rows].any() and not inputs.graph_sum[rows].any() and not inputs.warm[rows].any()
    assert inputs.artist_playlists[0].max() + 1 == len(catalog.playlists)  # one graph row per training playlist
    # the sequences the VAE learns from and early-stops on are training playlists'
    fit, val = split_train_val(sorted(catalog.playlists), TrainConfig.val_fraction, TrainConfig.seed)
    seqs = cdata.sequences(catalog, fit + val)
    members = {tuple(catalog.index[t] for t in dict.fromkeys(full.playlists[p].track_ids)) for p in held}
    assert not members & {tuple(s.tolist()) for s in seqs}


def test_a_split_checkpoint_is_reused_only_on_its_own_catalog(tiny_csv, tmp_path):
    from evals.continuation import reusable, stamp_split_checkpoint

    full, held, catalog = _held_out(tiny_csv)
    path = tmp_path / "playgenie_vae.pt"
    res = train_on_catalog(
        catalog, tmp_path, sorted(catalog.playlists), TrainConfig(epochs=1, progress=False), path, **TINY
    )
    stamp_split_checkpoint(path, catalog)
    model, epoch = reusable(path, catalog, sorted(catalog.playlists))
    assert epoch == res.best_epoch
    for (name, x), (_, y) in zip(model.state_dict().items(), res.model.state_dict().items()):
        assert np.array_equal(x.numpy(), y.numpy()), name
    other = Catalog.from_csv(tiny_csv, exclude_playlists=held[1:])  # one held-out playlist back in training
    assert reusable(path, other, sorted(other.playlists)) is None
    assert reusable(tmp_path / "missing.pt", catalog, sorted(catalog.playlists)) is None
