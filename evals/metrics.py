"""Metrics for answered playlists: ranking quality against a true playlist, and playlist hygiene.

Ranking metrics take the answer as an ordered list of track ids and the truth as a collection of
ids. Relevance is binary. A track id repeated in the answer counts once (at its first position),
so repeating a hit cannot raise a score.

Descriptive metrics take track-like objects (``tools.catalog.Track`` or ``tools.schema.PlaylistItem``):
anything with ``genres``, ``year`` (or ``decade``), ``artist``, ``title`` and the audio features.
An empty answer scores 0 on agreement metrics (it answers nothing) and ``nan`` on the feature
distance (there is no mean to compare).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterable, Sequence

import numpy as np

from tools.catalog import fold, song_key
from tools.metrics import ndcg_at_k, precision_at_k, r_precision, recall  # noqa: F401 - the ranking metrics, here too

FEATURES = ("energy", "valence", "danceability", "tempo")  # tempo scaled by /200 BPM


def _as_set(genre: str | Iterable[str]) -> set[str]:
    return {genre} if isinstance(genre, str) else set(genre)


def genre_agreement(tracks: Sequence[Any], genre: str | Iterable[str]) -> float:
    """Share of answered tracks whose (leak-free) genres include the playlist's genre.

    ``genre`` may be one genre or several (a playlist whose rows carry two genres): a track agrees
    when its genres include any of them.
    """
    if not tracks:
        return 0.0
    wanted = _as_set(genre)
    return sum(1 for t in tracks if wanted & set(t.genres)) / len(tracks)


def decade_of(track: Any) -> int | None:
    """A track's decade (1990 for 1994), from ``decade`` or else ``year``; None when unknown."""
    decade = getattr(track, "decade", None)
    if decade:
        return int(decade)
    year = getattr(track, "year", None)
    return int(year) // 10 * 10 if year else None


def decade_agreement(tracks: Sequence[Any], truth_tracks: Sequence[Any]) -> float:
    """Share of answered tracks whose release decade is one of the decades present in the true playlist.

    The true playlist's decades are the set of decades of its tracks with a known release year (every
    decade that occurs at least once). An answered track with no known year never agrees.
    """
    if not tracks:
        return 0.0
    decades = {d for d in (decade_of(t) for t in truth_tracks) if d is not None}
    return sum(1 for t in tracks if decade_of(t) in decades) / len(tracks)


def mean_features(tracks: Sequence[Any]) -> np.ndarray:
    """Mean (energy, valence, danceability, tempo/200) of the tracks."""
    rows = [[float(getattr(t, f)) / (200.0 if f == "tempo" else 1.0) for f in FEATURES] for t in tracks]
    return np.asarray(rows, dtype=np.float64).mean(axis=0)


def feature_distance(tracks: Sequence[Any], truth_tracks: Sequence[Any]) -> float:
    """Euclidean distance between the mean (energy, valence, danceability, tempo/200) of the answered
    and the true tracks; lower is closer. ``nan`` when either side is empty."""
    if not tracks or not truth_tracks:
        return float("nan")
    return float(np.linalg.norm(mean_features(tracks) - mean_features(truth_tracks)))


def artist_diversity(tracks: Sequence[Any]) -> float:
    """Distinct artists (case- and accent-folded) over the number of tracks; 1.0 when all differ."""
    if not tracks:
        return 0.0
    return len({fold(t.artist) for t in tracks}) / len(tracks)


def duplicate_rate(tracks: Sequence[Any]) -> float:
    """Share of tracks that repeat an earlier track's song (same ``song_key``: remixes, live, feat.)."""
    if not tracks:
        return 0.0
    keys = [song_key(t.title, t.artist) for t in tracks]
    return (len(keys) - len(set(keys))) / len(keys)


def max_per_artist(tracks: Sequence[Any]) -> int:
    """The most tracks any one artist has in the playlist (0 when empty)."""
    if not tracks:
        return 0
    return max(Counter(fold(t.artist) for t in tracks).values())


def artist_repetition(tracks: Sequence[Any]) -> float:
    """Share of tracks whose artist already played earlier in the list (0 when every artist differs)."""
    if not tracks:
        return 0.0
    return 1.0 - len({fold(t.artist) for t in tracks}) / len(tracks)


def genre_spread(tracks: Sequence[Any]) -> float:
    """Distinct genre labels among the tracks (a track without labels adds none)."""
    return float(len({g for t in tracks for g in (t.genres or ())}))


def decade_spread(tracks: Sequence[Any]) -> float:
    """Distinct release decades among the tracks (unknown years add none)."""
    return float(len({d for d in (decade_of(t) for t in tracks) if d is not None}))


def flow_step(tracks: Sequence[Any]) -> float:
    """Mean step between neighbours in (energy, tempo/200): lower is a smoother flow; nan under two tracks."""
    if len(tracks) < 2:
        return float("nan")
    x = np.array([[float(t.energy), float(t.tempo) / 200.0] for t in tracks], dtype=np.float64)
    return float(np.linalg.norm(np.diff(x, axis=0), axis=1).mean())


def mean(values: Iterable[float]) -> float:
    """Mean ignoring ``nan`` (a query with no comparable answer); ``nan`` when nothing is left."""
    vals = [v for v in values if not math.isnan(v)]
    return float(sum(vals) / len(vals)) if vals else float("nan")
