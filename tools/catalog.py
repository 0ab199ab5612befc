"""The track catalog: one record per track, read from the TidyTuesday ``spotify_songs.csv`` format.

A row of the file is one (track, playlist) pair. A track's genres and subgenres are the union
over its rows. Genre labels belong to playlists, not tracks, so a catalog built for evaluation
takes them from the training playlists only (``exclude_playlists``) and carries them over from
the same artist's other tracks where a track has no training rows.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import urllib.request
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from tools import tags

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

COLUMNS = (
    "track_id", "track_name", "track_artist", "track_popularity", "track_album_id", "track_album_name",
    "track_album_release_date", "playlist_name", "playlist_id", "playlist_genre", "playlist_subgenre",
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness",
    "liveness", "valence", "tempo", "duration_ms",
)  # fmt: skip
AUDIO_FEATURES = (
    "danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
    "loudness", "tempo", "key", "mode",
)  # fmt: skip
MIN_ROWS = 1000  # a file with fewer rows than this is not the dataset


class CatalogUnavailable(RuntimeError):
    """No data file, and it could not be downloaded."""


def fold(text: str) -> str:
    """Case- and accent-folded text, for matching names ("Beyoncé" == "beyonce")."""
    if text.isascii():  # NFKD leaves ASCII as it is: the common case, 20x faster
        return text.casefold().strip()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


_VERSION = re.compile(
    r"\s*[\(\[\-–—]\s*[^\(\)\[\]]*\b(remix|mix|edit|live|remaster(ed)?|version|acoustic|radio|extended|"
    r"feat\.?|ft\.?|featuring|with|mono|stereo|demo|instrumental|re-?recorded|deluxe|bonus|vip|bootleg|rework|"
    r"original|club|dub|session|unplugged|cover|sped up|slowed|reprise)\b[^\(\)\[\]]*[\)\]]?",
    re.IGNORECASE,
)


@lru_cache(
    maxsize=1 << 16
)  # a pure function of two strings: a turn keys the playlist's and the candidates' songs again
def song_key(title: str, artist: str = "") -> str:
    """A key shared by all versions of one song: remixes, live, remastered and "feat." variants."""
    base = _VERSION.sub("", title)
    base = re.sub(r"\s+(feat\.?|ft\.?|featuring)\s.*$", "", base, flags=re.IGNORECASE)
    base = re.sub(r"[^\w\s]", " ", fold(base))
    base = " ".join(base.split()) or fold(title)
    return f"{base}|{fold(artist)}" if artist else base


@dataclass(slots=True)
class Track:
    """One track with its metadata, audio features and derived tags."""

    track_id: str
    title: str
    artist: str
    album: str
    album_id: str
    release_date: str
    year: int | None
    decade: int | None
    popularity: int
    duration_ms: int
    danceability: float
    energy: float
    speechiness: float
    acousticness: float
    instrumentalness: float
    liveness: float
    valence: float
    loudness: float
    tempo: float
    key: int
    mode: int
    genres: list[str] = field(default_factory=list)
    subgenres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    tempo_bucket: str = "medium"
    energy_bucket: str = "medium"
    genres_inferred: bool = False  # genres carried over from the artist's other tracks

    @property
    def song_key(self) -> str:
        return song_key(self.title, self.artist)

    def to_dict(self) -> dict:
        return asdict(self)

    def document(self) -> str:
        """The text that describes the track for embedding and lexical search."""
        parts = [f"{self.title} by {self.artist}", f"album {self.album}"]
        if self.decade:
            parts.append(f"{self.decade}s ({self.year})")
        if self.genres:
            parts.append("genres " + ", ".join(self.genres + self.subgenres))
        if self.moods:
            parts.append("mood " + ", ".join(self.moods))
        parts.append(f"{self.energy_bucket} energy, {self.tempo_bucket} tempo")
        return "; ".join(parts)


def sound_fields(f: dict[str, float], thresholds: tags.Thresholds) -> dict[str, Any]:
    """The :class:`Track` fields a track's audio features ``f`` (:data:`AUDIO_FEATURES`) give: the features
    (key and mode as whole numbers), the moods they imply and the tempo and energy buckets."""
    return {
        **{name: f[name] for name in AUDIO_FEATURES},
        "key": int(f["key"]),
        "mode": int(f["mode"]),
        "moods": tags.moods_of(f, thresholds),
        "tempo_bucket": tags.tempo_bucket(f["tempo"]),
        "energy_bucket": tags.energy_bucket(f["energy"], thresholds),
    }


@dataclass(slots=True)
class Playlist:
    playlist_id: str
    name: str
    genre: str
    subgenre: str
    track_ids: list[str]


def _year(date: str) -> int | None:
    m = re.match(r"(\d{4})", str(date))
    if not m:
        return None
    y = int(m.group(1))
    return y if 1900 <= y <= 2100 else None


class Catalog:
    """All tracks, their playlists, and arrays for fast vector work.

    ``tracks[i]`` and row ``i`` of every array describe the same track; ``index[track_id] == i``.
    """

    def __init__(self, tracks: list[Track], playlists: dict[str, Playlist], thresholds: tags.Thresholds):
        self.tracks = tracks
        self.playlists = playlists
        self.thresholds = thresholds
        # What the catalog was read from, naming its content (tools.catalog_cache sets the cache file's name: the
        # CSV's hash and the format); None for a catalog made in code. Keys the start stamp (tools.build).
        self.source: str | None = None
        self.index = {t.track_id: i for i, t in enumerate(tracks)}
        self.genres = sorted({g for t in tracks for g in t.genres})
        self.subgenres = sorted({g for t in tracks for g in t.subgenres})
        self.artists = sorted({t.artist for t in tracks if t.artist})
        self.by_artist: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(tracks):
            self.by_artist[fold(t.artist)].append(i)
        self.popularity = np.array([t.popularity for t in tracks], dtype=np.float32)
        self.years = np.array([t.year or 0 for t in tracks], dtype=np.int32)

    def __len__(self) -> int:
        return len(self.tracks)

    def __getitem__(self, track_id: str) -> Track:
        return self.tracks[self.index[track_id]]

    def get(self, track_id: str) -> Track | None:
        i = self.index.get(track_id)
        return None if i is None else self.tracks[i]

    def features(self, names: Iterable[str] = ("energy", "valence", "danceability", "tempo")) -> np.ndarray:
        """(n_tracks, len(names)) float32 matrix; tempo scaled to 0-1 by /200 BPM."""
        cols = []
        for n in names:
            col = np.array([getattr(t, n) for t in self.tracks], dtype=np.float32)
            cols.append(col / 200.0 if n == "tempo" else col)
        return np.stack(cols, axis=1)

    @classmethod
    def load(cls, path: str | Path, cache_folder: Path | None = None) -> "Catalog":
        """The whole catalog of a CSV, from its binary cache in ``cache_folder`` when the CSV's hash matches
        (milliseconds), else parsed and cached for next time (seconds)."""
        if cache_folder is None:
            return cls.from_csv(path)
        from tools import catalog_cache

        return catalog_cache.load(Path(path), Path(cache_folder))

    @classmethod
    def from_csv(cls, path: str | Path, exclude_playlists: Iterable[str] = ()) -> "Catalog":
        """Read the CSV; genres and playlists come from rows whose playlist is not excluded."""
        frame = read_csv(path)
        return cls.from_frame(frame, exclude_playlists)

    @classmethod
    def from_frame(cls, frame: "pd.DataFrame", exclude_playlists: Iterable[str] = ()) -> "Catalog":
        excluded = set(exclude_playlists)
        train = frame[~frame["playlist_id"].isin(excluded)]

        genres: dict[str, set[str]] = defaultdict(set)
        subgenres: dict[str, set[str]] = defaultdict(set)
        for tid, g, s in zip(train["track_id"], train["playlist_genre"], train["playlist_subgenre"]):
            genres[tid].add(str(g))
            subgenres[tid].add(str(s))

        # Artist-level genres from training rows, to carry over to tracks with none of their own.
        artist_genres: dict[str, Counter] = defaultdict(Counter)
        artist_subgenres: dict[str, Counter] = defaultdict(Counter)
        for a, g, s in zip(train["track_artist"].map(fold), train["playlist_genre"], train["playlist_subgenre"]):
            artist_genres[a][str(g)] += 1
            artist_subgenres[a][str(s)] += 1

        first = frame.drop_duplicates("track_id", keep="first")
        feats = {f: first[f].to_numpy(dtype=np.float64) for f in AUDIO_FEATURES}
        thresholds = tags.calibrate(feats)

        tracks: list[Track] = []
        for row in first.itertuples(index=False):
            f = {name: float(getattr(row, name)) for name in AUDIO_FEATURES}
            year = _year(row.track_album_release_date)
            tid = row.track_id
            g, s, inferred = sorted(genres.get(tid, ())), sorted(subgenres.get(tid, ())), False
            if not g:
                a = fold(row.track_artist)
                g = [x for x, _ in artist_genres[a].most_common(2)]
                s = [x for x, _ in artist_subgenres[a].most_common(2)]
                inferred = bool(g)
            tracks.append(
                Track(
                    track_id=tid,
                    title=row.track_name,
                    artist=row.track_artist,
                    album=row.track_album_name,
                    album_id=row.track_album_id,
                    release_date=str(row.track_album_release_date),
                    year=year,
                    decade=(year // 10 * 10) if year else None,
                    popularity=int(row.track_popularity),
                    duration_ms=int(row.duration_ms),
                    genres=g,
                    subgenres=s,
                    genres_inferred=inferred,
                    **sound_fields(f, thresholds),
                )
            )

        playlists: dict[str, Playlist] = {}
        for pid, rows in train.groupby("playlist_id", sort=False):
            head = rows.iloc[0]
            playlists[str(pid)] = Playlist(
                playlist_id=str(pid),
                name=str(head["playlist_name"]),
                genre=str(head["playlist_genre"]),
                subgenre=str(head["playlist_subgenre"]),
                track_ids=list(dict.fromkeys(rows["track_id"])),
            )
        log.info("catalog: %d tracks, %d playlists (%d excluded)", len(tracks), len(playlists), len(excluded))
        return cls(tracks, playlists, thresholds)


def catalog_fingerprint(catalog: Catalog, playlists: Iterable[Playlist] | None = None) -> str:
    """SHA-256 over the catalog's track ids and the playlists a model learns from (ids and members; default:
    the catalog's training playlists). A model stamped with another fingerprint was trained on other data."""
    h = hashlib.sha256()
    for t in catalog.tracks:
        h.update(t.track_id.encode())
        h.update(b"\n")
    for p in sorted(playlists if playlists is not None else catalog.playlists.values(), key=lambda p: p.playlist_id):
        h.update(f"{p.playlist_id}:{','.join(p.track_ids)}\n".encode())
    return h.hexdigest()


def read_csv(path: str | Path) -> "pd.DataFrame":
    """Read and verify a spotify_songs.csv file: the columns must be there, rows with no title dropped."""
    import pandas as pd

    path = Path(path)
    frame = pd.read_csv(path, dtype={"track_id": str, "playlist_id": str, "track_album_release_date": str})
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise CatalogUnavailable(f"{path} is not a spotify_songs.csv file: missing columns {', '.join(missing)}")
    frame = frame.dropna(subset=["track_id", "track_name", "track_artist", "playlist_id"])
    for c in ("track_name", "track_artist", "track_album_name", "playlist_name"):
        frame[c] = frame[c].fillna("").astype(str)
    return frame


def playlists_of(frame: "pd.DataFrame") -> dict[str, Playlist]:
    """Every playlist in a frame, tracks in order (used to hold out test playlists)."""
    out: dict[str, Playlist] = {}
    for pid, rows in frame.groupby("playlist_id", sort=False):
        head = rows.iloc[0]
        out[str(pid)] = Playlist(
            str(pid),
            str(head["playlist_name"]),
            str(head["playlist_genre"]),
            str(head["playlist_subgenre"]),
            list(dict.fromkeys(rows["track_id"])),
        )
    return out


def ensure_data(path: Path, home: Path, url: str) -> Path:
    """The data file to read: ``path`` if it exists (a folder: its spotify_songs.csv), else a verified
    download into ``home``."""
    if path.is_dir():
        inside = path / "spotify_songs.csv"
        if not inside.is_file():
            raise CatalogUnavailable(
                f"{path} is a folder without spotify_songs.csv. Point PLAYGENIE_DATA (or --data) at the CSV file."
            )
        return inside
    if path.exists():
        return path
    target = home / "spotify_songs.csv"
    if target.exists():
        return target
    home.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    try:
        from tqdm import tqdm

        with urllib.request.urlopen(url, timeout=30) as resp, open(tmp, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc="downloading spotify_songs.csv") as bar:
                while chunk := resp.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CatalogUnavailable(
            f"No data at {path}, and the public copy could not be downloaded ({exc}). "
            "Point PLAYGENIE_DATA (or --data) at a spotify_songs.csv file, or connect to the internet "
            f"so that PlayGenie can fetch {url}."
        ) from exc
    frame = read_csv(tmp)
    if len(frame) < MIN_ROWS:
        tmp.unlink(missing_ok=True)
        raise CatalogUnavailable(f"The downloaded file has {len(frame)} rows; expected the full dataset.")
    tmp.rename(target)
    log.info("downloaded %d rows to %s", len(frame), target)
    return target
