"""A synthetic catalog of any size whose tracks follow the real catalog's distributions.

Every synthetic artist copies one real artist: its number of tracks is drawn from the real
tracks-per-artist distribution, and each of its tracks copies one of the real artist's tracks (the
*template*) with jitter: audio features, year, popularity and duration stay close to the template's,
so their joint distribution, the genres and the subgenres follow the real data. Titles and artist
names are generated from the real titles' and names' words. Moods and buckets are derived by the
same rules (:mod:`tools.tags`), calibrated on the synthetic features.

Vectors are generated, not embedded (a million documents would take the encoder hours on two cores):
the template's document vector plus Gaussian noise (cosine about 0.9 to it), normalised, so the
vectors cluster as real ones do. Playlists are copies of the real ones over the synthetic tracks
(one playlist per real playlist per ``size / real size``), and the CF factors are the templates'
plus noise: the CF stage then works on a million tracks as it would after training.

Everything is seeded: the same size and seed give the same catalog.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools import tags
from tools.catalog import AUDIO_FEATURES, Catalog, Playlist, Track, catalog_fingerprint, sound_fields

log = logging.getLogger(__name__)

VECTOR_NOISE = 0.48  # norm of the noise added to a unit template vector: cosine 1/sqrt(1 + 0.48^2) = 0.90
_JITTER = {"danceability": 0.04, "energy": 0.04, "speechiness": 0.02, "acousticness": 0.04, "instrumentalness": 0.02,
           "liveness": 0.03, "valence": 0.05, "loudness": 0.8, "tempo": 3.0}  # fmt: skip
_BOUNDED = {"danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence"}


@dataclass
class Synthetic:
    """A synthetic catalog and what goes with it; ``template[i]`` is the real row track ``i`` copies."""

    catalog: Catalog
    template: np.ndarray  # (n,) int64 rows of the real catalog


def _words(texts: list[str]) -> list[str]:
    out = sorted({w for t in texts for w in t.split() if w.isalpha() and 2 < len(w) < 12})
    return out or ["song"]


def synth_catalog(real: Catalog, size: int, seed: int = 0) -> Synthetic:
    """``size`` tracks following ``real``'s distributions (see the module docstring)."""
    rng = np.random.default_rng(seed)
    by_artist: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(real.tracks):
        by_artist[t.artist].append(i)
    artists = list(by_artist)
    per_artist = np.array([len(by_artist[a]) for a in artists])

    # Artists until the size is reached: each copies a real artist, with as many tracks as a real artist has.
    template_list: list[np.ndarray] = []
    artist_of: list[np.ndarray] = []
    total, k = 0, 0
    while total < size:
        batch = rng.integers(0, len(artists), size=max(1024, (size - total) // 2))
        counts = per_artist[rng.integers(0, len(artists), size=len(batch))]
        for a, c in zip(batch.tolist(), counts.tolist()):
            rows = by_artist[artists[a]]
            picks = rng.choice(rows, size=min(c, size - total))
            template_list.append(np.asarray(picks, dtype=np.int64))
            artist_of.append(np.full(len(picks), k, dtype=np.int64))
            total += len(picks)
            k += 1
            if total >= size:
                break
    template = np.concatenate(template_list)[:size]
    artist_idx = np.concatenate(artist_of)[:size]

    name_words = _words([a for a in artists])
    title_words = _words([t.title for t in real.tracks])
    first = rng.integers(0, len(name_words), size=k)
    second = rng.integers(0, len(name_words), size=k)
    pairs = zip(first.tolist(), second.tolist())
    artist_names = [f"{name_words[a].title()} {name_words[b].title()} {i}" for i, (a, b) in enumerate(pairs)]

    feats = {
        f: np.array([getattr(real.tracks[j], f) for j in range(len(real))], dtype=np.float64)[template]
        for f in AUDIO_FEATURES
    }
    for f, sd in _JITTER.items():
        feats[f] = feats[f] + rng.normal(0.0, sd, size=size)
        if f in _BOUNDED:
            feats[f] = np.clip(feats[f], 0.0, 1.0)
    feats["tempo"] = np.clip(feats["tempo"], 40.0, 230.0)
    thresholds = tags.calibrate(feats)
    years = real.years[template].astype(np.int64)
    years = np.where(years > 0, np.clip(years + rng.integers(-2, 3, size=size), 1950, 2020), 0)
    popularity = np.clip(real.popularity[template] + rng.normal(0, 6, size=size), 0, 100).astype(np.int64)
    durations = np.array([real.tracks[j].duration_ms for j in template.tolist()], dtype=np.float64)
    durations = np.clip(durations * rng.normal(1.0, 0.08, size=size), 30_000, 900_000).astype(np.int64)
    n_title = rng.integers(1, 4, size=size)
    title_picks = rng.integers(0, len(title_words), size=(size, 3))

    tracks: list[Track] = []
    cols = {f: feats[f].tolist() for f in AUDIO_FEATURES}
    del feats
    # Values many tracks share are one object each (a million tracks hold only a few hundred distinct ones):
    # the genre lists of a template, moods, dates, albums. Tracks never mutate these lists in place.
    shared: dict[object, object] = {}

    def one(value: object, key: object = None) -> object:
        return shared.setdefault(value if key is None else key, value)

    for i, j in enumerate(template.tolist()):
        src = real.tracks[j]
        f = {name: cols[name][i] for name in AUDIO_FEATURES}
        year = int(years[i]) or None
        a = int(artist_idx[i])
        title = " ".join(title_words[w].title() for w in title_picks[i, : n_title[i]].tolist())
        sound = sound_fields(f, thresholds)
        sound["moods"] = one(sound["moods"], ("moods", *sound["moods"]))
        tracks.append(
            Track(
                track_id=f"syn{i:07d}",
                title=f"{title} {i}",
                artist=artist_names[a],
                album=one(f"{artist_names[a]} Vol {i % 3 + 1}"),
                album_id=one(f"synal{a:07d}{i % 3}"),
                release_date=one(f"{year}-01-01" if year else ""),
                year=year,
                decade=year // 10 * 10 if year else None,
                popularity=int(popularity[i]),
                duration_ms=int(durations[i]),
                genres=one(list(src.genres), ("genres", j)),
                subgenres=one(list(src.subgenres), ("subgenres", j)),
                genres_inferred=src.genres_inferred,
                **sound,
            )
        )
    del cols
    shared.clear()

    # Playlists: copy c of real playlist p holds the synthetic tracks whose template p holds and i % copies == c.
    copies = max(1, round(size / max(1, len(real))))
    members_of: dict[int, list[str]] = defaultdict(list)  # real row -> playlist ids holding it
    for pid, p in real.playlists.items():
        for tid in p.track_ids:
            if tid in real.index:
                members_of[real.index[tid]].append(pid)
    lists: dict[tuple[str, int], list[str]] = defaultdict(list)
    for i, j in enumerate(template.tolist()):
        for pid in members_of.get(j, ()):
            lists[(pid, i % copies)].append(tracks[i].track_id)
    playlists = {
        f"{pid}-{c}": Playlist(
            f"{pid}-{c}", real.playlists[pid].name, real.playlists[pid].genre, real.playlists[pid].subgenre, ids
        )
        for (pid, c), ids in lists.items()
    }
    log.info("synthetic catalog: %d tracks, %d artists, %d playlists", size, k, len(playlists))
    return Synthetic(Catalog(tracks, playlists, thresholds), template)


def synth_vectors(
    real_vectors: np.ndarray, template: np.ndarray, seed: int = 0, chunk: int = 100_000, path: Path | None = None
) -> np.ndarray:
    """(len(template), 384) unit vectors: each template's vector plus noise of norm about ``VECTOR_NOISE``.

    With ``path`` they are written to that file and mapped from it (the same values): a million vectors are
    1.5 GB the OS can page out while a large catalog's index is built."""
    rng = np.random.default_rng(seed + 1)
    dim = real_vectors.shape[1]
    shape = (len(template), dim)
    if path is None:
        out = np.empty(shape, dtype=np.float32)
    else:
        out = np.lib.format.open_memmap(path, "w+", np.float32, shape)
    for start in range(0, len(template), chunk):
        rows = template[start : start + chunk]
        v = real_vectors[rows] + rng.standard_normal((len(rows), dim), dtype=np.float32) * (VECTOR_NOISE / np.sqrt(dim))
        out[start : start + len(rows)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def synth_cf(real_cf, synthetic: Synthetic, seed: int = 0):
    """A :class:`tools.cf.CFModel` over the synthetic catalog: each track has its template's factors plus
    noise (and its bias), as if trained on the synthetic playlists."""
    from tools.cf import CFModel, quality_prior

    rng = np.random.default_rng(seed + 2)
    t = synthetic.template

    def jitter(m: np.ndarray | None) -> np.ndarray | None:
        if m is None:
            return None
        base = m[t]
        scale = 0.1 * (np.linalg.norm(base, axis=1, keepdims=True) + 1e-6) / np.sqrt(base.shape[1])
        return (base + rng.standard_normal(base.shape, dtype=np.float32) * scale).astype(np.float32) * (base != 0).any(
            axis=1, keepdims=True
        )

    catalog = synthetic.catalog
    return CFModel(
        algo_name=real_cf.algo_name,
        params=dict(real_cf.params, synthetic=True),
        track_ids=[tr.track_id for tr in catalog.tracks],
        items=jitter(real_cf.items),
        item_bias=real_cf.item_bias[t],
        known=real_cf.known[t],
        trained=real_cf.trained[t],
        prior=quality_prior(catalog),
        global_mean=real_cf.global_mean,
        n_users=len(catalog.playlists),
        fingerprint=catalog_fingerprint(catalog),
        graph_items=jitter(real_cf.graph_items),
        use_graph=real_cf.use_graph,
    )
