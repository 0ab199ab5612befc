"""Derived tags: moods, tempo and energy buckets, from audio features.

This is the one place where mood thresholds live. Each threshold is a quantile of the
catalog's own feature distribution (so "high energy" means high *for this catalog*), computed
by :func:`calibrate` when the catalog loads.

| mood       | rule (q(f, p) is the p-quantile of feature f over the catalog)                     |
|------------|-------------------------------------------------------------------------------------|
| chill      | energy <= q(energy,.35) and tempo <= q(tempo,.70) and speechiness <= q(speech,.80) |
| happy      | valence >= q(valence,.65) and energy >= q(energy,.35)                               |
| sad        | valence <= q(valence,.30) and energy <= q(energy,.55)                               |
| energetic  | energy >= q(energy,.70)                                                             |
| party      | danceability >= q(dance,.60) and energy >= q(energy,.55)                            |
| focus      | speechiness <= q(speech,.40) and q(energy,.10) <= energy <= q(energy,.65)            |
|            | and (instrumentalness >= 0.3 or acousticness >= q(acoustic,.60))                    |
| romantic   | acousticness >= q(acoustic,.45) and energy <= q(energy,.50)                         |
|            | and q(valence,.25) <= valence <= q(valence,.85)                                     |
| workout    | energy >= q(energy,.60) and tempo >= q(tempo,.55) and danceability >= q(dance,.35)  |
| sleep      | energy <= q(energy,.12) and loudness <= q(loudness,.25)                             |
| acoustic   | acousticness >= q(acoustic,.85)                                                     |
| instrumental | instrumentalness >= 0.5                                                           |
| dance      | danceability >= q(dance,.75)                                                        |

Tempo buckets use absolute BPM (slow < 90 <= medium < 120 <= fast < 140 <= very fast).
Energy buckets are the catalog's tertiles (low, medium, high).

Each mood also has a *target* in feature space (:data:`MOOD_TARGETS`) that retrieval uses as a
soft score for moods inferred from context, where a hard filter would be too strict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MOODS: tuple[str, ...] = (
    "chill",
    "happy",
    "sad",
    "energetic",
    "party",
    "focus",
    "romantic",
    "workout",
    "sleep",
    "acoustic",
    "instrumental",
    "dance",
)
TEMPO_BUCKETS: tuple[str, ...] = ("slow", "medium", "fast", "very fast")
ENERGY_BUCKETS: tuple[str, ...] = ("low", "medium", "high")

# Soft targets per mood on 0-1 scaled features (tempo scaled by /200 BPM).
MOOD_TARGETS: dict[str, dict[str, float]] = {
    "chill": {"energy": 0.35, "valence": 0.45, "acousticness": 0.45, "tempo": 0.47},
    "happy": {"valence": 0.80, "energy": 0.72, "danceability": 0.70},
    "sad": {"valence": 0.20, "energy": 0.35, "acousticness": 0.45},
    "energetic": {"energy": 0.90, "tempo": 0.65},
    "party": {"danceability": 0.80, "energy": 0.82, "valence": 0.65},
    "focus": {"energy": 0.40, "speechiness": 0.04, "instrumentalness": 0.50, "valence": 0.35},
    "romantic": {"energy": 0.40, "valence": 0.50, "acousticness": 0.55, "danceability": 0.55},
    "workout": {"energy": 0.88, "tempo": 0.66, "danceability": 0.68},
    "sleep": {"energy": 0.12, "acousticness": 0.85, "tempo": 0.40, "instrumentalness": 0.50},
    "acoustic": {"acousticness": 0.90, "energy": 0.35},
    "instrumental": {"instrumentalness": 0.85, "speechiness": 0.04},
    "dance": {"danceability": 0.85, "energy": 0.75},
}


@dataclass(frozen=True)
class Thresholds:
    """Quantiles of the catalog's feature distribution that the mood rules read."""

    q: dict[str, dict[float, float]]

    def __call__(self, feature: str, p: float) -> float:
        return self.q[feature][p]


_QUANTILES = (0.10, 0.12, 0.25, 0.30, 0.33, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.67, 0.70, 0.75, 0.80, 0.85)
_FEATURES = (
    "energy",
    "valence",
    "danceability",
    "tempo",
    "speechiness",
    "acousticness",
    "loudness",
    "instrumentalness",
)


def calibrate(features: dict[str, np.ndarray]) -> Thresholds:
    """Quantiles of each feature over the catalog: the thresholds the mood rules use."""
    q: dict[str, dict[float, float]] = {}
    for f in _FEATURES:
        values = np.quantile(features[f], _QUANTILES)
        q[f] = {p: float(v) for p, v in zip(_QUANTILES, values)}
    return Thresholds(q)


def moods_of(f: dict[str, float], t: Thresholds) -> list[str]:
    """The moods a track with audio features ``f`` carries under thresholds ``t``."""
    e, v, d, tempo = f["energy"], f["valence"], f["danceability"], f["tempo"]
    speech, acoustic, loud, instr = f["speechiness"], f["acousticness"], f["loudness"], f["instrumentalness"]
    rules = {
        "chill": e <= t("energy", 0.35) and tempo <= t("tempo", 0.70) and speech <= t("speechiness", 0.80),
        "happy": v >= t("valence", 0.65) and e >= t("energy", 0.35),
        "sad": v <= t("valence", 0.30) and e <= t("energy", 0.55),
        "energetic": e >= t("energy", 0.70),
        "party": d >= t("danceability", 0.60) and e >= t("energy", 0.55),
        "focus": speech <= t("speechiness", 0.40)
        and t("energy", 0.10) <= e <= t("energy", 0.65)
        and (instr >= 0.3 or acoustic >= t("acousticness", 0.60)),
        "romantic": acoustic >= t("acousticness", 0.45)
        and e <= t("energy", 0.50)
        and t("valence", 0.25) <= v <= t("valence", 0.85),
        "workout": e >= t("energy", 0.60) and tempo >= t("tempo", 0.55) and d >= t("danceability", 0.35),
        "sleep": e <= t("energy", 0.12) and loud <= t("loudness", 0.25),
        "acoustic": acoustic >= t("acousticness", 0.85),
        "instrumental": instr >= 0.5,
        "dance": d >= t("danceability", 0.75),
    }
    return [m for m in MOODS if rules[m]]


def tempo_bucket(bpm: float) -> str:
    if bpm < 90:
        return "slow"
    if bpm < 120:
        return "medium"
    if bpm < 140:
        return "fast"
    return "very fast"


def energy_bucket(energy: float, t: Thresholds) -> str:
    if energy < t("energy", 0.33):
        return "low"
    if energy < t("energy", 0.67):
        return "medium"
    return "high"
