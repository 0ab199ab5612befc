"""Scale-out: two real `playgenie serve` processes on loopback sharing one conversation store (SQLite in one
home, or Postgres), and the Qdrant server collection's layout coming from the settings."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fake_qdrant import FakeQdrant
from test_memory import postgres_url  # noqa: F401 - the throwaway Postgres server fixture

from evals.bench import ServeProcess
from evals.faults import ADMIN_KEY, Target, probe_two_writers
from tools.settings import Settings

# Conversations whose every turn changes the playlist in a way its own history decides.
SCRIPTS = [
    ["rock, 12 songs", "no Queen", "add 3 more", "drop track 2"],
    ["chill r&b", "only songs after 2000", "drop track 1", "add 2 more"],
    ["90s hip hop for the gym", "drop track 3", "no Eminem", "shorter, 6 tracks"],
    ["edm bangers", "add 4 more", "drop track 1", "more upbeat"],
]


@pytest.fixture(scope="module")
def built_home(tiny_csv, tmp_path_factory):
    """A home with the tiny catalog's artifacts built, so the two servers start from it together."""
    from tools.pipeline import Pipeline

    settings = Settings(data=tiny_csv, home=tmp_path_factory.mktemp("scale_home"))
    pipeline = Pipeline.load(settings)
    pipeline.close()
    return settings


def _env(**extra: str) -> dict[str, str]:
    """The test's environment without a developer's PLAYGENIE_* settings (keys, URLs), the admin key, ``extra``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PLAYGENIE_")} | {
        "PLAYGENIE_API_KEY": ADMIN_KEY,
        **extra,
    }


def _conversation(urls: list[str], c: int) -> list[dict]:
    """Conversation ``c``: its turns alternate between the servers (turn k of it goes to server (c + k) % 2)."""
    thread, user = f"conv-{c}", f"user-{c}"  # one person per conversation: no memory shared between them
    out = []
    for k, text in enumerate(SCRIPTS[c % len(SCRIPTS)]):
        r = httpx.post(
            f"{urls[(c + k) % 2]}/v1/chat",
            json={"thread_id": thread, "user_id": user, "text": text},
            headers={"X-API-Key": ADMIN_KEY},
            timeout=120,
        )
        assert r.status_code == 200, r.text
        out.append(r.json())
    return out


def _history(checkpointer, thread: str) -> list[tuple[str, str]]:
    """(user id, text) of each human message saved in the thread, in order."""
    saved = checkpointer.get_tuple({"configurable": {"thread_id": thread}})
    messages = saved.checkpoint["channel_values"]["messages"] if saved else []
    return [(m.additional_kwargs.get("user_id"), m.content) for m in messages if m.type == "human"]


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_two_serve_processes_share_the_conversations(store, built_home, tiny_pipeline, request, tmp_path):
    """Many conversations at once, each turn on the other process than the one before: every thread keeps
    exactly its own turns in order, and ends with the playlist one process alone gives for the same turns."""
    from agent.service import ChatService

    settings, env = built_home, _env()
    if store == "postgres":
        env["PLAYGENIE_POSTGRES_URL"] = request.getfixturevalue("postgres_url")
    shared = settings.model_copy(update={"postgres_url": env.get("PLAYGENIE_POSTGRES_URL")})
    n = 12
    servers = [ServeProcess(settings, env=env, log_path=tmp_path / f"serve-{i}.log", cwd=tmp_path) for i in range(2)]
    try:
        with ThreadPoolExecutor(2) as pool:  # both load at once, on one home
            list(pool.map(lambda s: s.start(timeout=300), servers))
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda c: _conversation([s.url for s in servers], c), range(n)))
        # Both processes write one thread at the same moment: a turn is applied (200) or refused (409), never lost.
        race = probe_two_writers(Target(servers[0].url, settings.home), servers[1].url, rounds=6)
    finally:
        for s in servers:
            s.stop()

    reader = ChatService(shared, pipeline=tiny_pipeline)  # reads what the two processes stored
    alone = ChatService(Settings(data=settings.data, home=tmp_path / "alone"), pipeline=tiny_pipeline)
    try:
        for c in range(n):
            thread, user, script = f"conv-{c}", f"user-{c}", SCRIPTS[c % len(SCRIPTS)]
            assert _history(reader.checkpointer, thread) == [(user, text) for text in script], thread
            assert all(a["thread_id"] == thread for a in answers[c])
            stored = [t.track_id for t in reader.current(thread).playlist]
            assert stored == [t["track_id"] for t in answers[c][-1]["playlist"]]
            for text in script:
                expected = alone.turn(thread, user, text)
            assert stored == [t.track_id for t in expected.playlist], thread
    finally:
        reader.close()
        alone.close()
    assert race.passed and race.lost == 0 and race.turns >= 1, race.failures


def test_the_qdrant_server_collection_takes_its_layout_from_the_settings(tiny_catalog, tmp_path):
    """On a server, the collection is created with the settings' shards and replicas, and one payload index per
    declared field, through qdrant-client's REST calls (a local server records them: no Qdrant runs here)."""
    from tools.index import PAYLOAD_FIELDS, TrackIndex

    with FakeQdrant() as qdrant:
        settings = Settings(
            data=tmp_path / "x.csv",
            home=tmp_path,
            qdrant_url=qdrant.url,
            qdrant_shards=3,
            qdrant_replicas=2,
            collection="tracks-scale",
        )
        backend = TrackIndex.for_settings(settings).backend
        backend.create("fingerprint-1")
        backend.client.close()
    made = qdrant.of("create_collection")
    assert [c.collection for c in made] == ["tracks-scale"]
    assert made[0].body["shard_number"] == 3 and made[0].body["replication_factor"] == 2
    assert made[0].body["metadata"]["playgenie_layout"] == {"shard_number": 3, "replication_factor": 2}
    indexes = {c.body["field_name"]: c.body["field_schema"] for c in qdrant.of("create_payload_index")}
    assert indexes == PAYLOAD_FIELDS


def test_a_collection_of_another_layout_is_rebuilt(tiny_catalog):
    """Changing the shards or replicas rebuilds the collection instead of reopening the old one."""
    import numpy as np

    from tools.index import ClientBackend, TrackIndex

    vectors = np.eye(len(tiny_catalog), 384, dtype=np.float32)
    one = TrackIndex(ClientBackend(":memory:", "tracks-layout"))
    assert one.ensure(tiny_catalog, vectors, progress=False)  # built
    assert not one.ensure(tiny_catalog, vectors, progress=False)  # reopened: same catalog, vectors, layout
    wider = TrackIndex(ClientBackend(":memory:", "tracks-layout", shards=2, replicas=2))
    wider.backend.client = one.backend.client  # the same collection, read with other settings
    assert wider.ensure(tiny_catalog, vectors, progress=False)  # rebuilt to the new layout
    assert not wider.ensure(tiny_catalog, vectors, progress=False)
