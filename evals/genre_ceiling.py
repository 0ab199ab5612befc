"""Probe: what the text2playlist genre agreement can reach on a split, and which kind of request misses it.

``eval text2playlist`` scores a track's genre by the split's leak-free catalog: the genres of the training playlists
that hold it. A held-out playlist's own tracks are often held by no training playlist, so they carry no genre there
and never agree. This probe answers a split's held-out playlists with the pipeline and prints:

- ``ours``: the pipeline's genre agreement (the eval's figure) and its NDCG@20;
- ``truth``: the same metric scored on the true playlist's own first 20 tracks (a perfect answer);
- ``labelled``: the agreement over the answered tracks that have a genre in the catalog (the unknown left out);
- the share of the true tracks without a genre in the split's catalog;
- per kind of request (``genre``: names a genre or subgenre; ``artist``: names an artist; ``occasion``: a mood or an
  activity; ``name``: none of these), the playlists, their mean agreement and what the kind loses below 1;
- with ``--misses``, each playlist below 0.8: name, kind, our label shares, the truth's genres, NDCG.

Usage:
    python -m evals.genre_ceiling --split val0 [--misses]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter


def kind_of(query) -> str:
    """The kind of request, by what its typed query names."""
    if query.genres or query.subgenres:
        return "genre"
    if query.artists:
        return "artist"
    if query.moods or query.activities:
        return "occasion"
    return "name"


def shares(tracks) -> dict[str, float]:
    """Label mass per genre over ``tracks`` (a track's mass split among its genres), largest first."""
    mass: Counter[str] = Counter()
    for t in tracks:
        for g in t.genres:
            mass[g] += 1.0 / len(t.genres)
    return {g: round(v / max(1, len(tracks)), 2) for g, v in mass.most_common()}


def probe(split, pipe, n: int = 20) -> list[dict]:
    """One record per held-out playlist."""
    from evals import metrics as m

    rows = []
    for pid in split.test_ids:
        playlist = split.truth[pid]
        wanted = split.genres[pid]
        result = pipe.run(playlist.name, n=n)
        tracks = [split.catalog[i.track_id] for i in result.playlist if i.track_id in split.catalog.index]
        truth = [split.catalog[t] for t in playlist.track_ids if t in split.catalog.index]
        labelled = [t for t in tracks if t.genres]
        rows.append(
            {
                "name": playlist.name,
                "kind": kind_of(result.query),
                "genres": sorted(wanted),
                "ours": m.genre_agreement(tracks, wanted),
                "ndcg": m.ndcg_at_k([i.track_id for i in result.playlist], playlist.track_ids, n),
                "truth": m.genre_agreement(truth[:n], wanted),
                "labelled": m.genre_agreement(labelled, wanted) if labelled else None,
                "unlabelled_truth": sum(1 for t in truth if not t.genres) / max(1, len(truth)),
                "shares": shares(tracks),
            }
        )
    return rows


def report(rows: list[dict], misses: bool) -> str:
    def mean(key: str, among: list[dict]) -> float:
        vals = [r[key] for r in among if r[key] is not None]
        return sum(vals) / len(vals) if vals else float("nan")

    n = len(rows)
    lines = [
        f"{n} playlists: ours genre {mean('ours', rows):.4f} (NDCG@20 {mean('ndcg', rows):.4f}); the truth's own "
        f"first 20 {mean('truth', rows):.4f}; ours over labelled tracks {mean('labelled', rows):.4f}; true tracks "
        f"without a genre in the catalog {mean('unlabelled_truth', rows):.3f}",
        "",
        f"{'kind':<10}{'playlists':>10}{'genre':>8}{'lost':>8}{'ndcg':>8}",
    ]
    for kind in ("genre", "artist", "occasion", "name"):
        among = [r for r in rows if r["kind"] == kind]
        if among:
            lost = sum(1 - r["ours"] for r in among) / n
            lines.append(
                f"{kind:<10}{len(among):>10}{mean('ours', among):>8.3f}{lost:>8.3f}{mean('ndcg', among):>8.3f}"
            )
    if misses:
        lines.append("")
        for r in sorted(rows, key=lambda r: r["ours"]):
            if r["ours"] < 0.8:
                lines.append(
                    f"  {r['ours']:.2f} [{r['kind']}] {r['name']!r}: truth {'/'.join(r['genres'])}, ours {r['shares']}"
                    f" (NDCG {r['ndcg']:.3f}, the truth's own {r['truth']:.2f})"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from evals.genre_coherence import load_split
    from evals.systems import build_pipeline
    from tools.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "val0", "val1"), default="val0")
    parser.add_argument("--misses", action="store_true", help="Print each playlist whose agreement is below 0.8.")
    args = parser.parse_args(argv)
    settings = Settings()
    split = load_split(settings, args.split)
    pipe = build_pipeline(settings, split)
    print(f"{args.split}: " + report(probe(split, pipe), args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
