"""The occasion probe: does a request that names no genre ("music for a first date") get music that fits it?

The ranker learned from the catalog's playlists, nearly all named by a genre ("Tropical Vibes", "Hard Rock Classics"),
so its features that read the playlists named like a request (``label_sim``, ``names_*``, the genre prior) are strong
there and noise for an occasion or a mood: "chill vibes for a rainy afternoon" met "Tropical Vibes" by one word and
got 20 Latin tracks. Each request of :data:`REQUESTS` (occasions, moods and activities as people say them, naming no
genre, artist or song; written before the change they measure, never tuned to the playlists' names) is answered,
and the probe reports what a listener notices in the playlist's first 20:

- ``mood_fit``: the share of tracks carrying one of the request's inferred mood labels (the moods extraction read
  and those its activities imply, :meth:`tools.retrieve.Retriever.wanted_moods`), and ``mood_close`` the weighted mean
  of :func:`tools.refine.mood_closeness` (1 on the mood's sound, 0 far off); requests with no mood read stay out of
  both means;
- ``genre_top``: the largest genre's share (a track of several genres counts a part to each): a "first date" list
  that is all EDM scores 1.0;
- ``title_pull``: the share of titles holding one of the request's vocabulary tag words (:mod:`evals.title_pull`).

Each system is the pipeline with its learned ranker (``ranker``) and the same pipeline with the ranker off
(``no_ranker``, retrieval's fused order).

Usage:
    python -m evals.occasions [--split product|validation] [--json] [--rows]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from evals.title_pull import _pipeline, tag_words, title_share

# Occasions, moods and activities as people type them; no genre, artist or song named. Written before any change.
REQUESTS = (
    "music for a first date",
    "chill vibes for a rainy afternoon",
    "angry music",
    "songs for crying in the shower",
    "romantic dinner music",
    "something to study to",
    "cooking dinner with friends",
    "getting ready to go out tonight",
    "long drive alone at night",
    "songs to fall asleep to",
    "pregame before the party",
    "lazy sunday morning",
    "music for a candlelit bath",
    "heartbroken and can't stop thinking about her",
    "feeling on top of the world",
    "motivation to clean my apartment",
    "quiet music for reading a book",
    "upbeat songs for a summer barbecue",
    "calm music after a stressful day at work",
    "songs to dance around the house to",
    "background music for a dinner party",
    "hype songs before the big game",
    "mellow evening by the fireplace",
    "im so stressed help me relax",
    "slow morning with coffee",
    "feeling nostalgic and a little sad",
    "songs for a breakup",
    "pumped up for leg day",
    "music for yoga and stretching",
    "happy songs to cheer me up",
    "slow dance at our wedding",
    "focus music for coding",
    "sunday afternoon in the park",
    "road trip with the family",
    "meditation and deep breathing",
    "songs for when you feel lonely",
    "energy for a morning run",
    "cozy autumn evening",
    "songs to make out to",
    "winding down after a long shift",
    "celebrating a promotion tonight",
    "music to wind down before bed",
    "walking home in the snow",
    "rage and frustration",
    "sad but hopeful",
    "anniversary dinner for two",
)
N = 20


def genre_top(tracks) -> tuple[float, str | None]:
    """The largest genre's share of ``tracks`` (each labelled track counts 1, split evenly among its genres) and
    that genre; (0, None) with none labelled."""
    shares: Counter[str] = Counter()
    labelled = 0
    for t in tracks:
        if t.genres:
            labelled += 1
            for g in t.genres:
                shares[g] += 1.0 / len(t.genres)
    if not labelled:
        return 0.0, None
    g, w = shares.most_common(1)[0]
    return w / labelled, g


def mood_fit(tracks, moods: dict[str, float]) -> tuple[float, float]:
    """The share of ``tracks`` carrying one of ``moods``' labels, and their weighted mean mood closeness."""
    from tools.refine import mood_closeness

    if not tracks or not moods:
        return 0.0, 0.0
    total = sum(moods.values())
    tagged = sum(bool(set(t.moods) & set(moods)) for t in tracks) / len(tracks)
    close = sum(w * mood_closeness(t, m) for t in tracks for m, w in moods.items()) / (total * len(tracks))
    return tagged, close


def answer(pipe, text: str, n: int = N) -> dict:
    """One request's figures for ``pipe``'s playlist."""
    result = pipe.run(text, n=n)
    tracks = [pipe.catalog[i.track_id] for i in result.playlist][:n]
    moods = pipe.retriever.wanted_moods(result.query)
    tagged, close = mood_fit(tracks, moods)
    share, genre = genre_top(tracks)
    return {
        "moods": sorted(moods),
        "mood_fit": round(tagged, 3),
        "mood_close": round(close, 3),
        "genre_top": round(share, 3),
        "genre": genre,
        "title_pull": round(title_share([t.title for t in tracks], tag_words(text)), 3),
        "tracks": len(tracks),
        "first": [f"{t.artist} - {t.title}" for t in tracks[:3]],
    }


def summary(rows: list[dict]) -> dict:
    """Means over the requests (the mood figures over those with a mood read), and how many lists are one genre's
    for 70% or more."""
    moody = [r for r in rows if r["moods"]]

    def mean(key: str, of: list[dict]) -> float:
        return round(sum(r[key] for r in of) / len(of), 4) if of else 0.0

    return {
        "requests": len(rows),
        "with_mood": len(moody),
        "mood_fit": mean("mood_fit", moody),
        "mood_close": mean("mood_close", moody),
        "genre_top": mean("genre_top", rows),
        "one_genre": sum(r["genre_top"] >= 0.7 for r in rows),
        "title_pull": mean("title_pull", rows),
    }


def probe(pipe, requests=REQUESTS, n: int = N) -> dict:
    """Per system (``ranker`` when the pipeline has one, and ``no_ranker``): per-request figures and their means."""
    systems = {"no_ranker": pipe.without_ranker()}
    if pipe.ranker_model() is not None:
        systems = {"ranker": pipe, **systems}
    out = {}
    for name, p in systems.items():
        rows = [{"request": text} | answer(p, text, n) for text in requests]
        out[name] = {"mean": summary(rows), "rows": rows}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("product", "validation"), default="product")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rows", action="store_true", help="Print every request's figures too.")
    args = parser.parse_args(argv)
    from tools.settings import Settings

    out = probe(_pipeline(Settings(), args.split))
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    for name, got in out.items():
        if args.rows:
            print(f"== {name}: mood_fit mood_close genre_top title_pull  request [moods] (top genre) first tracks")
            for r in got["rows"]:
                print(
                    f"{r['mood_fit']:.2f} {r['mood_close']:.2f} {r['genre_top']:.2f} {r['title_pull']:.2f}  "
                    f"{r['request'][:40]:<40} [{','.join(r['moods'])}] ({r['genre']}) {'; '.join(r['first'])[:80]}"
                )
        m = got["mean"]
        print(
            f"{name:<10} mood_fit {m['mood_fit']:.4f}  mood_close {m['mood_close']:.4f} "
            f"({m['with_mood']} with a mood)  genre_top {m['genre_top']:.4f}  "
            f"one-genre lists {m['one_genre']}/{m['requests']}  title_pull {m['title_pull']:.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
