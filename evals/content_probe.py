"""Probe: which texts should the continuation VAE's content features embed? No training, leak-free.

Usage:
    python -m evals.content_probe [--validation] [--weights 1,2] [--variants onnx-int8-all]

On the continuation eval's held-out split (test, or with ``--validation`` a fifth of the others) the catalog is built
without the held-out playlists, so no track's genre labels come from them. Each held-out playlist is seeded with its
first n tracks (n = 5, 10) and every other track ranked by cosine to the seed's mean content feature (the
``content_knn`` baseline of ``playgenie eval continuation``); R-precision and NDCG@10 of the rest of the playlist.
Text sources compared: ``document`` (``Track.document()``, what the VAE embeds), ``dense_text`` (the index's vectors,
no genre labels: reusing them would save the build a second embedding pass), and ``dense+Wlabels`` (the index's
vector plus W times the mean vector of the track's genre and subgenre names, renormalised: the labels put back
without embedding a document per track), and ``document@V``: the documents embedded by encoder variant V
(``tools.embed.VARIANTS``; the build embeds the VAE's with ``tools.continuation.data.CONTENT_VARIANT``). Texts
missing from the home's embedding cache are embedded (and cached).
"""

from __future__ import annotations

import argparse

import numpy as np


def _features(text: np.ndarray, audio: np.ndarray, dims: int = 128) -> np.ndarray:
    from tools.continuation import data as cdata

    centred = text - text.mean(0, keepdims=True)
    vt = np.linalg.svd(centred, full_matrices=False)[2]
    return np.concatenate([cdata.unit_rows(centred @ vt[:dims].T) * cdata.TEXT_WEIGHT, audio], 1)


def knn_scores(features: np.ndarray, seqs: list[list[int]], n: int) -> tuple[float, float, int]:
    """Mean R-precision and NDCG@10 of content kNN over ``seqs`` (catalog rows) seeded with their first ``n``."""
    from tools.continuation import data as cdata

    unit = cdata.unit_rows(features)
    rp, nd = [], []
    for rows in seqs:
        if len(rows) <= n + 1:
            continue
        seed, rest = rows[:n], set(rows[n:])
        s = unit @ unit[seed].mean(0)
        s[seed] = -np.inf
        k = len(rest)
        top = np.argsort(-s)[: max(k, 10)]
        rp.append(len(set(top[:k].tolist()) & rest) / k)
        gains = sum(1 / np.log2(i + 2) for i, r in enumerate(top[:10]) if r in rest)
        nd.append(gains / sum(1 / np.log2(i + 2) for i in range(min(10, k))))
    return float(np.mean(rp)), float(np.mean(nd)), len(rp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--validation", action="store_true", help="Score a fifth of the training playlists instead.")
    parser.add_argument("--weights", default="1,2", help="Label weights W of the dense+Wlabels variants.")
    parser.add_argument("--variants", default="", help="Encoder variants whose document vectors are compared too.")
    args = parser.parse_args(argv)

    from evals.continuation import held_out_playlists
    from evals.split import split_playlists
    from tools.build import dense_text, embeddings_folder
    from tools.catalog import Catalog, read_csv
    from tools.continuation import data as cdata
    from tools.embed import EmbeddingCache
    from tools.settings import Settings

    settings = Settings()
    _, test_ids = split_playlists(read_csv(settings.data))
    frame, every, test_ids, held_out = held_out_playlists(settings.data, test_ids, args.validation)
    cat = Catalog.from_frame(frame, exclude_playlists=held_out)
    cache = EmbeddingCache(embeddings_folder(settings))
    audio = cdata.content_features(cat, settings.home, progress=False)[:, -cdata.SOUND_COLUMNS :]
    seqs = [[cat.index[t] for t in dict.fromkeys(every[p].track_ids) if t in cat.index] for p in test_ids]

    dense = cache.embed([dense_text(t) for t in cat.tracks], progress=False)
    labels = sorted({x for t in cat.tracks for x in (*t.genres, *t.subgenres)})
    by_label = dict(zip(labels, cache.embed(labels, progress=False)))
    zero = np.zeros(dense.shape[1], np.float32)
    label_mean = np.stack([np.mean([by_label[x] for x in (*t.genres, *t.subgenres)] or [zero], 0) for t in cat.tracks])
    variants = {
        "document": lambda: cache.embed([t.document() for t in cat.tracks], progress=False),
        "dense_text": lambda: dense,
    }
    for v in (x for x in args.variants.split(",") if x):
        other = EmbeddingCache(embeddings_folder(settings), v)
        variants[f"document@{v}"] = lambda other=other: other.embed([t.document() for t in cat.tracks], progress=False)
    for w in (float(x) for x in args.weights.split(",") if x):
        variants[f"dense+{w:g}labels"] = lambda w=w: cdata.unit_rows(dense + w * label_mean)
    split = "validation" if args.validation else "test"
    for name, text in variants.items():
        features = _features(text(), audio)
        parts = []
        for n in (5, 10):
            rp, nd, count = knn_scores(features, seqs, n)
            parts.append(f"n={n}: R-precision {rp:.4f} NDCG@10 {nd:.4f} ({count} playlists)")
        print(f"{split} {name}: " + " | ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
