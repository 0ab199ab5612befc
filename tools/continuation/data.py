"""Inputs of the continuation model, built from a catalog and its training playlists.

- ``content``: per track, the MiniLM embedding of ``Track.document()`` reduced by PCA, plus
  standardised audio features, popularity, year and duration. It gives every track, also one
  that no training playlist holds, a representation (91% of tracks sit in one playlist only).
- ``graph_sum`` / ``degree``: one round of message passing over the playlist-track graph of the
  training playlists. A playlist's message is the mean content of its tracks; a track's graph
  vector is the mean message of the playlists holding it (its own content when none does). The
  sums are kept, not the means, so that training can leave out the playlist at hand (its own
  message would leak the answer).
- ``artist_playlists``: (2, nnz) pairs (training playlist, artist) of the artist-playlist graph;
  the model's copy path passes messages over it to reach artists listed next to the seed's artists.
- ``warm`` / ``artist_known``: tracks and artists in at least two training playlists. One seen in a
  single playlist gives an embedding that only memorises that playlist, so the model treats it like
  a track of a new playlist.
- sequences of vocabulary indices, one per training playlist, and tag ids per playlist (its
  genre, subgenre and dominant moods) that stand in for a conversation's request tags.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from tools.catalog import Catalog, fold
from tools.tags import MOODS

log = logging.getLogger(__name__)

TEXT_WEIGHT = 7.0  # length of the text part of a content row, against 13 unit-variance audio columns
MIN_PLAYLISTS = 2  # a track or artist gets a learned embedding when this many training playlists hold it
TIME_BUCKETS = ("night", "morning", "afternoon", "evening")  # 0-6, 6-12, 12-18, 18-24 h
AUDIO = ("danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
         "loudness", "tempo", "mode")  # fmt: skip
SOUND_COLUMNS = len(AUDIO) + 3  # a content row's last columns: the audio features, popularity, year and duration
# The encoder variant the content features' documents are embedded with. Its vectors are never served or compared
# with a query's: they only feed the PCA below, where every MatMul in int8 (2.4x the float graph's speed; cosine
# 0.98 at worst, 0.99 on average) scores within noise of the float graph (``python -m evals.content_probe
# [--validation] --variants onnx-int8-all``: content kNN R-precision + NDCG@10 at n = 5 and 10 summed, validation
# .680 -> .668, test .720 -> .718; the index's label-free texts instead: .608, .528), and the build's second
# embedding pass takes about 50 s of CPU instead of 135.
CONTENT_VARIANT = "onnx-int8-all"


def time_bucket(hour: int | None) -> int:
    """Index of the time-of-day bucket; ``len(TIME_BUCKETS)`` means unknown."""
    if hour is None or not 0 <= hour <= 23:
        return len(TIME_BUCKETS)
    return hour // 6


def tag_vocabulary(catalog: Catalog) -> list[str]:
    """Tags the model conditions on: genres, subgenres and moods (lower case)."""
    return sorted({*(g.lower() for g in catalog.genres), *(s.lower() for s in catalog.subgenres), *MOODS})


@dataclass(slots=True)
class ModelInputs:
    """Everything the model needs about the catalog, row ``i`` describing ``track_ids[i]``."""

    track_ids: list[str]
    content: np.ndarray  # (V, C) float32
    graph_sum: np.ndarray  # (V, C) float32, summed messages of the playlists holding the track
    degree: np.ndarray  # (V,) float32, number of training playlists holding the track
    artist_of: np.ndarray  # (V,) int64, index into artists
    album_of: np.ndarray  # (V,) int64, index into albums (by album id)
    artist_playlists: np.ndarray  # (2, nnz) int64 (training playlist, artist) pairs
    artist_known: np.ndarray  # (A,) bool: the artist has tracks in 2+ training playlists
    warm: np.ndarray  # (V,) bool: the track is in 2+ training playlists
    popularity: np.ndarray  # (V,) float32: training playlist count + Spotify popularity / 1000
    tags: list[str]


def content_features(catalog: Catalog, home: Path, text_dims: int = 128, progress: bool = True) -> np.ndarray:
    """(V, text_dims + audio) float32: PCA of MiniLM document vectors and standardised audio features.

    The text part is scaled to length ``TEXT_WEIGHT`` and each audio column to unit variance, so that
    text carries about 80% of a row's squared length (chosen on validation folds of the training
    playlists by the cosine kNN of seed means: 0.42 -> 0.49 R-precision + NDCG over unscaled PCA-64).
    """
    from tools.embed import EmbeddingCache

    cache = EmbeddingCache(home / "embeddings", CONTENT_VARIANT)
    text = cache.embed([t.document() for t in catalog.tracks], progress=progress)
    centred = text - text.mean(0, keepdims=True)
    # PCA by SVD of the (V, 384) matrix: cheap, and keeps the checkpoint small.
    vt = np.linalg.svd(centred, full_matrices=False)[2]
    reduced = unit_rows(centred @ vt[: min(text_dims, vt.shape[0])].T) * TEXT_WEIGHT
    cols = [np.array([getattr(t, a) for t in catalog.tracks], dtype=np.float32) for a in AUDIO]
    cols.append(np.array([t.popularity for t in catalog.tracks], dtype=np.float32))
    cols.append(np.array([t.year or 2000 for t in catalog.tracks], dtype=np.float32))
    cols.append(np.log1p(np.array([t.duration_ms for t in catalog.tracks], dtype=np.float32)))
    audio = np.stack(cols, 1)  # (V, SOUND_COLUMNS)
    audio = (audio - audio.mean(0)) / (audio.std(0) + 1e-6)
    return np.concatenate([reduced, audio], 1).astype(np.float32)


def unit_rows(features: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length."""
    return features / (np.linalg.norm(features, axis=1, keepdims=True) + 1e-8)


def playlist_messages(features: np.ndarray, sequences: Sequence[np.ndarray]) -> np.ndarray:
    """(P, C) each playlist's message: the mean unit feature vector of its tracks."""
    unit = unit_rows(features)
    return (
        np.stack([unit[s].mean(0) for s in sequences]).astype(np.float32)
        if sequences
        else np.zeros((0, features.shape[1]), np.float32)
    )


def message_sums(features: np.ndarray, sequences: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One round of message passing over the playlist-track graph: per track, the sum of the
    messages of the playlists that hold it (V, C), and their number (V,)."""
    n = features.shape[0]
    total = np.zeros_like(features, dtype=np.float32)
    degree = np.zeros(n, dtype=np.float32)
    for s, m in zip(sequences, playlist_messages(features, sequences)):
        rows = np.unique(s)
        total[rows] += m
        degree[rows] += 1
    return total, degree


def build_inputs(catalog: Catalog, train_playlists: Iterable[str], home: Path, progress: bool = True) -> ModelInputs:
    """Content, graph and masks for ``catalog`` with ``train_playlists`` as the only interactions."""
    train = [catalog.playlists[p] for p in train_playlists if p in catalog.playlists]
    content = content_features(catalog, home, progress=progress)
    seqs = sequences(catalog, [p.playlist_id for p in train])
    graph_sum, degree = message_sums(content, seqs)
    artists = sorted({fold(t.artist) for t in catalog.tracks})
    a_index = {a: i for i, a in enumerate(artists)}
    artist_of = np.array([a_index[fold(t.artist)] for t in catalog.tracks], dtype=np.int64)
    albums: dict[str, int] = {}
    album_of = np.array(
        [albums.setdefault(t.album_id or t.track_id, len(albums)) for t in catalog.tracks], dtype=np.int64
    )
    counts = degree
    warm = counts >= MIN_PLAYLISTS
    pairs = [(p, a) for p, sq in enumerate(seqs) for a in np.unique(artist_of[sq])]
    artist_playlists = np.array(pairs, dtype=np.int64).T.reshape(2, -1)
    known = np.bincount(artist_playlists[1], minlength=len(artists)) >= MIN_PLAYLISTS
    pop = counts.astype(np.float32) + catalog.popularity / 1000.0
    return ModelInputs(
        [t.track_id for t in catalog.tracks],
        content,
        graph_sum,
        degree,
        artist_of,
        album_of,
        artist_playlists,
        known,
        warm,
        pop,
        tag_vocabulary(catalog),
    )


def sequences(catalog: Catalog, playlist_ids: Iterable[str]) -> list[np.ndarray]:
    """Each playlist as an array of catalog rows, in order, known tracks only."""
    out = []
    for pid in playlist_ids:
        p = catalog.playlists.get(pid)
        if p is None:
            continue
        rows = [catalog.index[t] for t in p.track_ids if t in catalog.index]
        if rows:
            out.append(np.array(rows, dtype=np.int64))
    return out


def playlist_tags(catalog: Catalog, playlist_id: str, tags: list[str]) -> list[int]:
    """Tag ids describing a training playlist: genre, subgenre, moods held by 40%+ of its tracks."""
    p = catalog.playlists[playlist_id]
    index = {t: i for i, t in enumerate(tags)}
    found = {p.genre.lower(), p.subgenre.lower()}
    tracks = [catalog[t] for t in p.track_ids if t in catalog.index]
    for m in MOODS:
        if tracks and sum(m in t.moods for t in tracks) >= 0.4 * len(tracks):
            found.add(m)
    return sorted(index[t] for t in found if t in index)


# ----- synthetic listeners: a history D for a playlist -------------------------------------------
# The data has no users, so a listener is made of a playlist and a few other training playlists that a
# person with the same taste could have made. Each rule is reported on its own, so that no result
# hangs on one choice. A history never holds a track or a song (any version) of the playlist at hand:
# playlists that share one with it are never drawn.
LISTENER_RULES = ("subgenre", "artists", "mixed")
HISTORY_PLAYLISTS = 3  # playlists in a synthetic listener's history
HISTORY_CAP = 200  # tracks of a history the model reads (the most recent)


@dataclass(slots=True)
class ListenerPlaylist:
    """What the listener rules read about one playlist."""

    playlist_id: str
    rows: np.ndarray  # catalog rows, in order
    genre: str
    subgenre: str
    artists: frozenset[int]
    songs: frozenset[str]


class ListenerPool:
    """Training playlists that synthetic listeners' histories are drawn from.

    ``history(target, rule, rng)`` draws ``HISTORY_PLAYLISTS`` of them for a playlist ``target``:
    - ``subgenre``: playlists of the target's subgenre (its genre when too few);
    - ``artists``: among the playlists sharing the most artists with the target, drawn from the best
      2k (its subgenre's when too few share any);
    - ``mixed``: one of each kind: same subgenre, shared artists, and the same genre but another subgenre.
    """

    def __init__(self, catalog: Catalog, playlist_ids: Iterable[str], artist_of: np.ndarray):
        self.catalog, self.artist_of = catalog, artist_of
        self.members = [m for p in playlist_ids if (m := self.describe(p)) is not None]

    def describe(self, playlist_id: str, playlist=None) -> ListenerPlaylist | None:
        """A playlist's rows, labels, artists and songs (``playlist``: one outside the catalog, e.g. held out)."""
        p = playlist if playlist is not None else self.catalog.playlists.get(playlist_id)
        if p is None:
            return None
        rows = np.array([self.catalog.index[t] for t in p.track_ids if t in self.catalog.index], dtype=np.int64)
        if not len(rows):
            return None
        songs = frozenset(self.catalog.tracks[r].song_key for r in rows)
        return ListenerPlaylist(
            p.playlist_id, rows, p.genre, p.subgenre, frozenset(self.artist_of[rows].tolist()), songs
        )

    def draw(
        self, target: ListenerPlaylist, rule: str, rng: np.random.Generator, k: int = HISTORY_PLAYLISTS
    ) -> list[ListenerPlaylist]:
        """The playlists of a synthetic listener's history for ``target``, by ``rule``."""
        if rule not in LISTENER_RULES:
            raise ValueError(f"unknown listener rule {rule!r}; one of {LISTENER_RULES}")
        free = [m for m in self.members if m.playlist_id != target.playlist_id and not m.songs & target.songs]
        same_sub = [m for m in free if m.subgenre == target.subgenre]
        same_genre = [m for m in free if m.genre == target.genre and m.subgenre != target.subgenre]
        shared = sorted((m for m in free if m.artists & target.artists), key=lambda m: -len(m.artists & target.artists))

        def pick(pool: list[ListenerPlaylist], n: int, taken: list[ListenerPlaylist]) -> list[ListenerPlaylist]:
            pool = [m for m in pool if m not in taken]
            return [pool[i] for i in sorted(rng.choice(len(pool), min(n, len(pool)), replace=False))] if pool else []

        if rule == "subgenre":
            out = pick(same_sub, k, [])
        elif rule == "artists":
            out = pick(shared[: 2 * k], k, [])
        else:
            out = pick(same_sub, 1, [])
            out += pick(shared[: 2 * k], 1, out)
            out += pick(same_genre, 1, out)
        out += pick(same_sub, k - len(out), out)  # too few of a kind: the nearest taste fills in
        return out + pick(same_genre, k - len(out), out)

    def history(
        self, target: ListenerPlaylist, rule: str, rng: np.random.Generator, cap: int = HISTORY_CAP
    ) -> np.ndarray:
        """(<= cap,) catalog rows of a synthetic listener's history for ``target``: the drawn playlists'
        tracks, distinct, the last ``cap``."""
        drawn = self.draw(target, rule, rng)
        rows = list(dict.fromkeys(r for m in drawn for r in m.rows.tolist()))
        return np.array(rows[-cap:], dtype=np.int64)
