"""A binary, pickle-free cache of the parsed catalog: numpy arrays and one string table.

Parsing ``spotify_songs.csv`` with pandas and deriving every track's tags takes seconds; reading
this cache takes tens of milliseconds and needs no pandas. One ``.npz`` file (no pickled objects,
read with ``allow_pickle=False``) per CSV content: the file name carries the CSV's hash and the
format version, so an edited CSV or a new layout is parsed again, never read stale.

Layout: every distinct string once, joined by NUL into one UTF-8 array (``strings``); text fields
are int32 indices into it; list fields (genres, subgenres, moods, a playlist's tracks) are a flat
index array plus offsets; numbers are arrays of their own type (float64 features, exactly the CSV's).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from tools import tags
from tools.catalog import Catalog, Playlist, Track

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the layout or the catalog's derivation changes, so old caches are parsed again
_TEXT = ("track_id", "title", "artist", "album", "album_id", "release_date", "tempo_bucket", "energy_bucket")
_INTS = ("year", "decade", "popularity", "duration_ms", "key", "mode")  # year/decade: 0 stands for None
_FLOATS = ("danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
           "loudness", "tempo")  # fmt: skip
_LISTS = ("genres", "subgenres", "moods")
_FIELDS = tuple(f.name for f in dataclasses.fields(Track))  # Track's positional order
if set(_FIELDS) != {*_TEXT, *_INTS, *_FLOATS, *_LISTS, "genres_inferred"} or _FIELDS[-1] != "genres_inferred":
    raise ImportError("tools.catalog_cache does not store every Track field: update it and bump FORMAT")


def csv_hash(path: Path) -> str:
    """blake2b of the file's bytes (a few milliseconds for the 7 MB dataset)."""
    h = hashlib.blake2b(digest_size=12)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def cache_path(path: Path, folder: Path) -> Path:
    return folder / f"catalog-{csv_hash(path)}-v{FORMAT}.npz"


def load(path: Path, folder: Path) -> Catalog:
    """The catalog of ``path``: from the cache when there is one for this CSV, else parsed and cached.
    Its ``source`` is the cache file's name, which names the CSV's content and the format."""
    target = cache_path(path, folder)
    catalog = None
    if target.exists():
        try:
            catalog = read(target)
        except (OSError, ValueError, KeyError, IndexError, UnicodeDecodeError) as exc:  # rebuilt, not fatal
            log.warning("ignoring unreadable catalog cache %s: %s", target, exc)
    if catalog is None:
        catalog = Catalog.from_csv(path)
        try:
            write(catalog, target)
        except (OSError, ValueError) as exc:  # a read-only home still answers, only slower next time
            log.warning("could not write the catalog cache %s: %s", target, exc)
    catalog.source = target.name
    return catalog


class _Strings:
    """Interns strings to int32 ids."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, s: str) -> int:
        i = self.ids.get(s)
        if i is None:
            i = self.ids[s] = len(self.ids)
        return i

    def many(self, values: Sequence[str]) -> np.ndarray:
        return np.array([self(v) for v in values], dtype=np.int32)

    def ragged(self, lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        flat = [self(v) for values in lists for v in values]
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(v) for v in lists], out=offsets[1:])
        return np.array(flat, dtype=np.int32), offsets

    def table(self) -> np.ndarray:
        blob = "\0".join(self.ids).encode("utf-8")
        return np.frombuffer(blob, dtype=np.uint8)


def write(catalog: Catalog, target: Path) -> None:
    """Write ``catalog`` to ``target`` atomically (a temporary file renamed into place)."""
    if any("\0" in s for t in catalog.tracks for s in (t.title, t.artist, t.album)):
        raise ValueError("a text field holds a NUL character, the string table's separator")
    strings = _Strings()
    tracks = catalog.tracks
    arrays: dict[str, np.ndarray] = {}
    for name in _TEXT:
        arrays[f"t_{name}"] = strings.many([getattr(t, name) for t in tracks])
    for name in _INTS:
        arrays[f"t_{name}"] = np.array([getattr(t, name) or 0 for t in tracks], dtype=np.int64)
    for name in _FLOATS:
        arrays[f"t_{name}"] = np.array([getattr(t, name) for t in tracks], dtype=np.float64)
    for name in _LISTS:
        arrays[f"t_{name}"], arrays[f"t_{name}_off"] = strings.ragged([getattr(t, name) for t in tracks])
    arrays["t_genres_inferred"] = np.array([t.genres_inferred for t in tracks], dtype=bool)

    playlists = list(catalog.playlists.values())
    for name in ("playlist_id", "name", "genre", "subgenre"):
        arrays[f"p_{name}"] = strings.many([getattr(p, name) for p in playlists])
    members = [[catalog.index[t] for t in p.track_ids] for p in playlists]
    arrays["p_rows"] = np.array([r for m in members for r in m], dtype=np.int32)
    arrays["p_rows_off"] = np.zeros(len(playlists) + 1, dtype=np.int64)
    np.cumsum([len(m) for m in members], out=arrays["p_rows_off"][1:])

    q = catalog.thresholds.q
    arrays["q_feature"] = strings.many([f for f, ps in q.items() for _ in ps])
    arrays["q_p"] = np.array([p for ps in q.values() for p in ps], dtype=np.float64)
    arrays["q_value"] = np.array([v for ps in q.values() for v in ps.values()], dtype=np.float64)
    arrays["strings"] = strings.table()

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(target)
    log.info("cached the catalog (%d tracks) in %s", len(tracks), target)


def _ragged(values: list, offsets: list[int]) -> list[list]:
    return [values[a:b] for a, b in zip(offsets, offsets[1:])]


def read(target: Path) -> Catalog:
    """The catalog written by :func:`write`, rebuilt without pandas or pickle."""
    import gc

    paused = gc.isenabled()
    gc.disable()  # hundreds of thousands of new objects, none of them garbage: collections would only rescan them
    try:
        return _read(target)
    finally:
        if paused:
            gc.enable()


def _read(target: Path) -> Catalog:
    with np.load(target, allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    strings = a["strings"].tobytes().decode("utf-8").split("\0")
    cols: dict[str, list] = {}
    for name in _TEXT:
        cols[name] = [strings[i] for i in a[f"t_{name}"].tolist()]
    for name in _INTS:
        cols[name] = a[f"t_{name}"].tolist()
    for name in _FLOATS:
        cols[name] = a[f"t_{name}"].tolist()
    for name in _LISTS:
        cols[name] = _ragged([strings[i] for i in a[f"t_{name}"].tolist()], a[f"t_{name}_off"].tolist())
    inferred = a["t_genres_inferred"].tolist()
    n = len(cols["track_id"])
    if any(len(c) != n for c in cols.values()) or len(inferred) != n:
        raise ValueError("columns of different lengths")
    cols["year"] = [y or None for y in cols["year"]]
    cols["decade"] = [d or None for d in cols["decade"]]
    order = [cols[f] for f in _FIELDS[:-1]] + [inferred]
    tracks = [Track(*row) for row in zip(*order)]
    ids = cols["track_id"]
    rows = _ragged(a["p_rows"].tolist(), a["p_rows_off"].tolist())
    playlists: dict[str, Playlist] = {}
    for k, (pid, name, genre, sub) in enumerate(
        zip(*(a[f"p_{f}"].tolist() for f in ("playlist_id", "name", "genre", "subgenre")))
    ):
        playlists[strings[pid]] = Playlist(
            strings[pid], strings[name], strings[genre], strings[sub], [ids[r] for r in rows[k]]
        )
    q: dict[str, dict[float, float]] = {}
    for f, p, v in zip(a["q_feature"].tolist(), a["q_p"].tolist(), a["q_value"].tolist()):
        q.setdefault(strings[f], {})[p] = v
    return Catalog(tracks, playlists, tags.Thresholds(q))
