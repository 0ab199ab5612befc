"""Held-out playlists for evaluation: a seeded split stratified by playlist genre.

A test playlist's name, membership and genre labels must never reach what is evaluated on it,
so every artifact built for a split lives under ``settings.home / "splits" / split_hash(test_ids)``
and is built from ``Catalog.from_csv(data, exclude_playlists=test_ids)``.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import pandas as pd

    from tools.catalog import Catalog

DEFAULT_FRACTION = 0.15
DEFAULT_SEED = 0


def load_test_ids(path: str | Path) -> list[str]:
    """Playlist ids from a file, one a line; blank lines and ``#`` comments skipped, order kept, no repeats."""
    ids: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line)
    return list(dict.fromkeys(ids))


def save_test_ids(path: str | Path, test_ids: Iterable[str]) -> Path:
    """Write ids one a line (the format :func:`load_test_ids` reads)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{pid}\n" for pid in test_ids), encoding="utf-8")
    return path


def _genre_of_playlists(frame_or_catalog: "pd.DataFrame | Catalog") -> dict[str, str]:
    """playlist id -> genre of its first row (the same rule as ``tools.catalog.playlists_of``)."""
    playlists = getattr(frame_or_catalog, "playlists", None)
    if isinstance(playlists, dict):
        return {pid: p.genre for pid, p in playlists.items()}
    frame = frame_or_catalog
    first = frame.drop_duplicates("playlist_id", keep="first")
    return {str(pid): str(g) for pid, g in zip(first["playlist_id"], first["playlist_genre"])}


def split_playlists(
    frame_or_catalog: "pd.DataFrame | Catalog", fraction: float = DEFAULT_FRACTION, seed: int = DEFAULT_SEED
) -> tuple[list[str], list[str]]:
    """(train_ids, test_ids): ``fraction`` of each genre's playlists held out, chosen by a seeded shuffle.

    Each genre with at least two playlists gives at least one test playlist and keeps at least one
    for training. The result depends only on the playlist ids, their genres, ``fraction`` and ``seed``
    (not on row order), and both lists come back sorted.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    by_genre: dict[str, list[str]] = defaultdict(list)
    for pid, genre in _genre_of_playlists(frame_or_catalog).items():
        by_genre[genre].append(pid)
    rng = random.Random(seed)
    train: list[str] = []
    test: list[str] = []
    for genre in sorted(by_genre):
        ids = sorted(by_genre[genre])
        rng.shuffle(ids)
        k = round(fraction * len(ids))
        if len(ids) >= 2:
            k = min(max(k, 1), len(ids) - 1)
        else:
            k = 0
        test += ids[:k]
        train += ids[k:]
    return sorted(train), sorted(test)


def split_hash(test_ids: Iterable[str]) -> str:
    """A short stable name for a set of test playlists (order and repeats do not matter)."""
    joined = "\n".join(sorted(set(test_ids)))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]


def split_home(home: Path, test_ids: Iterable[str]) -> Path:
    """Where artifacts built for this split live: ``home / "splits" / split_hash(test_ids)``."""
    return Path(home) / "splits" / split_hash(test_ids)
