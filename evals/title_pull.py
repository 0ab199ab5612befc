"""The title-word probe: do a request's mood and occasion words pull tracks by their titles?

"crying in the shower" should not bring songs titled "Shower", nor "wedding first dance" songs titled "Dance": a
word the vocabulary knows as a mood, activity, occasion or genre says what the music is for, not what it is called.
Each request of :data:`REQUESTS` (occasions and moods whose words are common in titles, written before the change
they measure) is answered by a pipeline; the probe reports the share of the playlist's tracks whose title holds one
of the request's vocabulary tag words (:func:`tools.ranker.vocabulary_tag_words`), and the same share of the
ranker's first 20.

Usage:
    python -m evals.title_pull [--split product|validation] [--json]
    (product: PLAYGENIE_HOME's pipeline; validation: the one built without the validation playlists, its own ranker)
"""

from __future__ import annotations

import argparse
import json
import sys
from tools.lexical import tokenize
from tools.ranker import vocabulary_tag_words

# Occasions and moods whose words are common in song titles. Written before any change, never tuned to.
REQUESTS = (
    "crying in the shower",
    "wedding first dance",
    "songs for a rainy day",
    "summer night drive",
    "dancing in the kitchen",
    "sad songs for a broken heart",
    "happy morning coffee",
    "party all night",
    "love songs for valentines day",
    "chill sunday morning",
    "road trip with friends",
    "late night feelings",
    "workout motivation fire",
    "beach day vibes",
    "christmas party dance",
    "heartbreak and tears",
    "falling asleep in the rain",
    "sunset on the beach",
    "dance party in the living room",
    "lonely night walk",
    "feel good summer",
    "home alone dancing",
    "morning run energy",
    "dreamy night sky",
    "angry gym session",
    "birthday party hits",
    "slow dance romance",
    "rainy night drive",
    "happy friday feeling",
    "crying over my ex",
)


def tag_words(text: str) -> set[str]:
    """The request's words that are vocabulary tag words."""
    return set(tokenize(text)) & vocabulary_tag_words()


def title_share(titles: list[str], words: set[str]) -> float:
    """Share of ``titles`` holding one of ``words``."""
    if not titles:
        return 0.0
    return sum(bool(set(tokenize(t)) & words) for t in titles) / len(titles)


def probe(pipe, requests=REQUESTS, n: int = 20) -> dict:
    """Per request and on average: the playlist's and the ranker's first ``n``'s share of titles with a tag word."""
    rows = []
    for text in requests:
        words = tag_words(text)
        result = pipe.run(text, n=n)
        ranked = pipe.last_candidates[:n]
        rows.append(
            {
                "request": text,
                "tag_words": sorted(words),
                "playlist": round(title_share([i.title for i in result.playlist], words), 3),
                "ranked": round(title_share([pipe.catalog[t].title for t in ranked], words), 3),
                "titles": [i.title for i in result.playlist if set(tokenize(i.title)) & words],
            }
        )
    mean = {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in ("playlist", "ranked")}
    return {"requests": len(rows), "mean": mean, "rows": rows}


def _pipeline(settings, where: str):
    """The product's pipeline, or the one built for the validation split of the training playlists (its own ranker:
    where settings are chosen)."""
    from tools.pipeline import Pipeline

    offline = settings.model_copy(update={"llm_base_url": None})
    if where == "product":
        return Pipeline.load(offline)
    from evals.personalized import validation_split
    from evals.split import split_playlists
    from tools.catalog import ensure_data, read_csv
    from tools.ranker import ensure_ranker

    data = ensure_data(settings.data, settings.home, settings.data_url)
    _, test_ids = split_playlists(read_csv(data))
    splits = validation_split(offline, data, test_ids)
    ranker = ensure_ranker(offline, splits.val_catalog, splits.val_home)
    return Pipeline.from_catalog(offline, splits.val_catalog, splits.val_home, ranker=ranker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("product", "validation"), default="product")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from tools.settings import Settings

    out = probe(_pipeline(Settings(), args.split))
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    for r in out["rows"]:
        print(f"{r['playlist']:.2f} {r['ranked']:.2f}  {r['request']:<34} {'; '.join(r['titles'])[:90]}")
    print(
        f"mean share of titles with a request's tag word: playlist {out['mean']['playlist']:.4f}, "
        f"ranker's first 20 {out['mean']['ranked']:.4f} over {out['requests']} requests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
