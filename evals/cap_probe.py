"""Which artists keep their share of a playlist as "add more" grows it, scored as ``playgenie eval continuation``
scores ``playgenie_vae_capped`` (issue 11, continuation at n = 5).

The capped VAE's first-step scores are computed once per split and seed length; each rule builds the ``ArtistCap``
``Continuer.ranking`` ranks under (same masks, same stepwise limit ``ArtistCap.limit``), and is scored against
``content_knn`` as the eval scores it (same playlists, metrics and paired bootstrap), and against the first rule named
(its paired NDCG gain and 95% interval). Rules:

- ``product``: ``generate.artist_cap`` as the code has it (its line is the eval's ``playgenie_vae_capped``);
- ``least:L:S``: ``tools.refine.stacked_shares`` with ``least`` L and ``share`` S: an artist holding more tracks than
  the cap, or L tracks or more and at least S of the seed, keeps that share (``tools.refine.share_limit``); the
  others stay under the cap. ``least:2:0.2`` is the rule before cont10, ``least:1:0.2`` cont10's;
- ``uncapped``: the VAE's own order, no masks or cap (a ceiling, not a product rule).

Usage (choose on validation, report test once):

    python -m evals.cap_probe validation least:2:0.2 least:1:0.2 product uncapped
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def _split(which: str):
    """(settings, catalog, the scored playlists as row arrays, the product's continuer) for the test or validation
    split, built as ``playgenie eval continuation --reuse`` builds it (the split's saved checkpoint)."""
    from evals import continuation as ce
    from evals.split import split_home, split_playlists
    from tools.catalog import Catalog, ensure_data, read_csv
    from tools.continuation.generate import Continuer
    from tools.settings import Settings

    settings = Settings()
    data = Path(ensure_data(settings.data, settings.home, settings.data_url))
    _, test_ids = split_playlists(read_csv(data))
    frame, every, ids, held = ce.held_out_playlists(data, test_ids, which == "validation")
    catalog = Catalog.from_frame(frame, exclude_playlists=held)
    assert not set(catalog.playlists) & set(held)
    tests = [np.array(list(dict.fromkeys(catalog.index[t] for t in every[p].track_ids)), dtype=np.int64) for p in ids]
    product = Continuer.from_file(split_home(settings.home, held) / "continuation" / "playgenie_vae.pt", catalog)
    return settings, catalog, tests, product


def rule_for(spec: str, seed_codes: list[int], cap: int):
    """The ``ArtistCap`` (over artist codes) of rule ``spec`` for a seed's artists."""
    from tools.continuation.generate import ArtistCap, artist_cap
    from tools.refine import stacked_shares

    if spec == "product":
        return artist_cap(seed_codes, cap)
    kind, *args = spec.split(":")
    if kind == "least":
        return ArtistCap(cap, stacked_shares(seed_codes, cap, float(args[1]), least=int(args[0])))
    raise ValueError(spec)


def main(argv: list[str]) -> None:
    import torch

    from evals import continuation as ce
    from evals import rec_baselines as rb
    from tools.continuation import data as cdata
    from tools.continuation.data import time_bucket
    from tools.continuation.generate import capped_order

    which, specs = argv[0], argv[1:] or ["product"]
    settings, catalog, tests, product = _split(which)
    minutes = {t.track_id: t.duration_ms / 60000 for t in catalog.tracks}
    knn = rb.ContentKNN(cdata.content_features(catalog, settings.home, progress=False))
    cap = settings.max_per_artist
    for n in (5, 10, 25):
        cases = [s for s in tests if len(s) >= n + ce.MIN_REST]
        prefixes = [s[:n] for s in cases]
        truths = [{catalog.tracks[i].track_id for i in s[n:]} for s in cases]
        with torch.inference_mode():
            vae = [product._first_step(list(p), [], None, time_bucket(None))[0][0].numpy() for p in prefixes]
        kscores = knn.score(prefixes).astype(np.float64)

        def scored(rankings: list) -> tuple[dict, list[dict]]:
            rows: list[dict] = []
            named = [[catalog.tracks[i].track_id for i in r] for r in rankings]
            return ce.evaluate_rankings(named, truths, minutes, rows), rows

        base = scored([ce.top_n(r, s) for r, s in zip(kscores, prefixes)])[1]
        ref: list[dict] = []  # the first rule's rows: each later rule's paired NDCG gain over it
        for spec in specs:
            if spec == "uncapped":
                ranks = [ce.top_n(r, p) for r, p in zip(vae, prefixes)]
            else:
                ranks = []
                for p, row in zip(prefixes, vae):
                    first = np.where(product.in_catalog, row.astype(np.float64), -np.inf)
                    rule = rule_for(spec, [int(product.artist_code[r]) for r in p], cap)
                    ranks.append(capped_order(first, p, product.artist_code, product.song_code, rule, ce.TOP))
            m, rows = scored(ranks)
            r = {k: ce.ratio_interval(rows, base, k) for k in ("r_precision", "ndcg")}
            gap = ce.paired_gap(rows, base, "ndcg")
            ref = ref or rows
            over = ce.paired_gap(rows, ref, "ndcg")
            print(
                f"{which} n={n} ({len(cases)}) {spec:<12} ndcg {m['ndcg']:.4f} {r['ndcg']['ratio']:.3f}x "
                f"{r['ndcg']['ci95']}  rp {m['r_precision']:.4f} {r['r_precision']['ratio']:.3f}x "
                f"{r['r_precision']['ci95']}  ndcg gain {gap['diff']:+.4f} {gap['ci95']}  over {specs[0]} "
                f"{over['diff']:+.4f} {over['ci95']}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
