"""Held-out playlists for evaluation: a seeded split stratified by playlist genre.

A test playlist's name, membership and genre labels must never reach what is evaluated on it,
so every artifact built for a split lives under ``settings.home / "splits" / split_hash(test_ids)``
and is built from ``Catalog.from_csv(data, exclude_playlists=test_ids)``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    import pandas as pd

    from tools.catalog import Catalog, Playlist
    from tools.settings import Settings

DEFAULT_FRACTION = 0.15
DEFAULT_SEED = 0


def add_split_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that choose the held-out playlists, and the answer length, of a held-out evaluation."""
    parser.add_argument(
        "--test-playlists",
        type=Path,
        metavar="IDS.txt",
        help="Held-out playlist ids, one a line (default: a seeded 15%% split stratified by genre).",
    )
    parser.add_argument(
        "--fraction", type=float, default=DEFAULT_FRACTION, help="Share of playlists held out by the default split."
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the default split.")
    parser.add_argument("--n", type=int, default=20, help="Tracks per answer, and k of the metrics (default 20).")


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


@dataclass
class Split:
    """One evaluation split: the leak-free catalog and the held-out playlists with their full truth."""

    test_ids: list[str]
    catalog: "Catalog"  # built without the test playlists' rows
    truth: dict[str, "Playlist"]  # test playlist id -> the playlist as in the full data
    home: Path  # where this split's artifacts live
    genres: dict[str, set[str]]  # test playlist id -> every genre label its rows carry (a few carry two)


def prepare_split(
    settings: "Settings", data: Path, test_ids: Sequence[str] | None = None, fraction: float = 0.15, seed: int = 0
) -> Split:
    """Read the data, choose (or check) the test playlists, and build the catalog without them."""
    from tools.catalog import Catalog, CatalogUnavailable, playlists_of, read_csv

    frame = read_csv(data)
    everything = playlists_of(frame)
    if test_ids is None:
        _, test_ids = split_playlists(frame, fraction=fraction, seed=seed)
    unknown = [pid for pid in test_ids if pid not in everything]
    if unknown:
        raise CatalogUnavailable(f"{len(unknown)} test playlist id(s) are not in {data}: {', '.join(unknown[:5])}")
    if not test_ids:
        raise CatalogUnavailable("no test playlists: the split is empty")
    test_ids = sorted(set(test_ids))
    catalog = Catalog.from_frame(frame, exclude_playlists=test_ids)
    held = frame[frame["playlist_id"].isin(test_ids)]
    genres = {str(pid): set(map(str, g)) for pid, g in held.groupby("playlist_id")["playlist_genre"]}
    truth = {pid: everything[pid] for pid in test_ids}
    return Split(test_ids, catalog, truth, split_home(settings.home, test_ids), genres)
