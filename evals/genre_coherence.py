"""Probe: genre coherence in the refiner (:data:`tools.refine.COHERE_PLACES`), on the text2playlist splits.

Real playlists keep to one genre. For a request naming no genre, the refiner can weigh down the tracks outside the
genre its own first candidates agree on. This probe answers the held-out playlists of a split (``test``: the default
split's test playlists; ``val0``/``val1``: the personalized eval's validation splits, carved from the training
playlists) once per setting of a grid and prints NDCG@20, genre agreement and candidate recall@300 per setting, and
with ``--misses`` each playlist whose answer agrees with its genre below 0.8: its name, the genre our answer leads
with, the truth's genres. The pipeline is loaded once per split; a setting changes only the refiner's constants.

Usage:
    python -m evals.genre_coherence --split val0 [--places 0,5,10,20] [--top 10,20] [--moods 0,1] [--misses]
    python -m evals.genre_coherence --split test --places 0,10 --details out.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from pathlib import Path


def load_split(settings, which: str):
    """The split ``which`` names, as ``eval text2playlist`` builds it (``--validation [--validation-split K]``)."""
    from evals.split import DEFAULT_SEED, prepare_split
    from evals.text2playlist import validation_as_split
    from tools.catalog import ensure_data

    data = ensure_data(settings.data, settings.home, settings.data_url)
    if which == "test":
        return prepare_split(settings, data, None, 0.15, DEFAULT_SEED)
    return validation_as_split(settings, data, None, 0.15, DEFAULT_SEED, int(which[-1]))


def lead_genre(tracks) -> str | None:
    """The genre with the most label mass among ``tracks`` (a track's mass split evenly among its genres)."""
    mass: Counter[str] = Counter()
    for t in tracks:
        for g in t.genres:
            mass[g] += 1.0 / len(t.genres)
    return mass.most_common(1)[0][0] if mass else None


def score(split, pipe, n: int = 20) -> list[dict]:
    """One record per held-out playlist: NDCG@n, genre agreement, candidate recall, our lead genre, the answer."""
    from evals import metrics as m
    from evals.systems import CANDIDATES
    from tools.refine import coheres

    rows = []
    for pid in split.test_ids:
        playlist = split.truth[pid]
        result = pipe.run(playlist.name, n=n)
        answer = [i.track_id for i in result.playlist]
        tracks = [split.catalog[t] for t in answer if t in split.catalog.index]
        truth = playlist.track_ids
        rows.append(
            {
                "playlist_id": pid,
                "name": playlist.name,
                "genres": sorted(split.genres[pid]),
                "ndcg": m.ndcg_at_k(answer, truth, n),
                "genre": m.genre_agreement(tracks, split.genres[pid]),
                "recall": m.recall(pipe.last_candidates[:CANDIDATES], truth),
                "ours": lead_genre(tracks),
                "reads": result.query.describe(),
                "coheres": coheres(result.query),
                "answer": answer,
            }
        )
    return rows


def mean(rows: list[dict], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows) if rows else float("nan")


def main(argv: list[str] | None = None) -> int:
    from tools import refine
    from tools.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "val0", "val1"), default="val0")
    parser.add_argument("--places", default="0", help="Comma-separated COHERE_PLACES values (0: off).")
    parser.add_argument("--top", default=str(refine.COHERE_TOP), help="Comma-separated COHERE_TOP values.")
    parser.add_argument("--moods", default=str(int(refine.COHERE_MOODS)), help="Comma-separated COHERE_MOODS (0/1).")
    parser.add_argument(
        "--mentions", default=str(int(refine.GENRE_MENTION_SHARES)), help="Comma-separated GENRE_MENTION_SHARES (0/1)."
    )
    parser.add_argument("--mood-places", default="", help="Comma-separated COHERE_MOOD_PLACES (default: = places).")
    parser.add_argument("--share", default=str(refine.COHERE_SHARE), help="Comma-separated COHERE_SHARE values.")
    parser.add_argument("--misses", action="store_true", help="Print each playlist whose genre agreement is below 0.8.")
    parser.add_argument("--details", type=Path, help="Write one JSON line per playlist and setting.")
    args = parser.parse_args(argv)

    from evals.systems import build_pipeline

    settings = Settings()
    split = load_split(settings, args.split)
    pipe = build_pipeline(settings, split)
    grid = itertools.product(
        [float(x) for x in args.places.split(",")],
        [int(x) for x in args.top.split(",")],
        [bool(int(x)) for x in args.moods.split(",")],
        [bool(int(x)) for x in args.mentions.split(",")],
        [float(x) for x in args.share.split(",")],
        [float(x) for x in args.mood_places.split(",")] if args.mood_places else [None],
    )
    out = open(args.details, "w", encoding="utf-8") if args.details else None
    print(f"{args.split}: {len(split.test_ids)} playlists")
    print(
        f"{'places':>7} {'top':>4} {'moods':>5} {'ment':>4} {'share':>5} {'moodpl':>6} {'ndcg@20':>8} {'genre':>6} "
        f"{'recall':>6}"
    )
    for places, top, moods, mentions, share, mood_places in grid:
        refine.COHERE_MOOD_PLACES = places if mood_places is None else mood_places
        refine.COHERE_PLACES, refine.COHERE_TOP, refine.COHERE_MOODS = places, top, moods
        refine.GENRE_MENTION_SHARES, refine.COHERE_SHARE = mentions, share
        rows = score(split, pipe)
        print(
            f"{places:>7g} {top:>4} {int(moods):>5} {int(mentions):>4} {share:>5g} {refine.COHERE_MOOD_PLACES:>6g} "
            f"{mean(rows, 'ndcg'):>8.4f} "
            f"{mean(rows, 'genre'):>6.3f} {mean(rows, 'recall'):>6.3f}",
            flush=True,
        )
        if out:
            out.writelines(
                json.dumps(
                    {
                        "places": places,
                        "top": top,
                        "moods": moods,
                        "mentions": mentions,
                        "share": share,
                        "mood_places": refine.COHERE_MOOD_PLACES,
                        **r,
                    }
                )
                + "\n"
                for r in rows
            )
        if args.misses:
            for r in sorted(rows, key=lambda r: r["genre"]):
                if r["genre"] < 0.8:
                    print(
                        f"    {r['genre']:.2f} {r['name']!r}: ours {r['ours']}, truth {'/'.join(r['genres'])}"
                        f" (reads {r['reads']!r}{', coheres' if r['coheres'] else ''})"
                    )
    if out:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
