"""Memory: threads survive a restart (SQLite in the home folder), long-term memory is per user."""

from __future__ import annotations

import sqlite3

import pytest
from langgraph.store.memory import InMemoryStore

from agent.service import ChatService
from memory.store import UserMemoryStore


def _ids(r):
    return [p.track_id for p in r.playlist]


def _party_then_block(svc, thread: str, user: str):
    """A party playlist, then "never play" its first artist; the service is closed after. (last turn, artist)"""
    first = svc.turn(thread, user, "songs for a party")
    blocked = first.playlist[0].artist
    last = svc.turn(thread, user, f"never play {blocked}")
    svc.close()
    return last, blocked


def test_a_restart_continues_the_thread_and_remembers_the_blocklist(settings, tiny_pipeline):
    r2, blocked = _party_then_block(ChatService(settings, pipeline=tiny_pipeline), "t", "ana")  # SQLite in home

    again = ChatService(settings, pipeline=tiny_pipeline)
    try:
        cur = again.current("t")
        assert cur is not None and _ids(cur) == _ids(r2) and cur.query == r2.query
        r3 = again.turn("t", "ana", "drop track 1")
        assert _ids(r3) == _ids(r2)[1:]
        r4 = again.turn("t", "ana", "undo")  # the undo history survived too
        assert _ids(r4) == _ids(r2)
        other = again.turn("t2", "ana", "songs for a party")
        assert other.playlist and not any(p.artist == blocked for p in other.playlist)
        assert again.memory.get("ana").blocked_artists == [blocked]
    finally:
        again.close()
    assert (settings.home / "chat.sqlite").exists() and (settings.home / "memory.sqlite").exists()
    mode = sqlite3.connect(settings.home / "chat.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_forget_erases_one_user_only(settings, tiny_pipeline):
    svc = ChatService(settings, pipeline=tiny_pipeline, store=InMemoryStore())
    try:
        svc.turn("a", "ana", "rock")
        svc.turn("a", "ana", "never play Queen")
        svc.turn("b", "ben", "rock")
        svc.turn("b", "ben", "never play AC/DC")
        svc.forget("ana")
        assert svc.memory.get("ana").is_empty()
        assert svc.memory.get("ben").blocked_artists == ["AC/DC"]
    finally:
        svc.close()


def test_feedback_feeds_the_taste_history(settings, tiny_pipeline):
    svc = ChatService(settings, pipeline=tiny_pipeline, store=InMemoryStore())
    try:
        r = svc.turn("t", "ana", "songs for a party")
        first, second = r.playlist[0].track_id, r.playlist[1].track_id
        assert "love" in svc.feedback("ana", "t", first, True)
        svc.feedback("ana", "t", second, False)
        mem = svc.memory.get("ana")
        assert mem.liked == [first] and mem.skipped == [second]
        assert "Saved" in svc.feedback("ana", "t", None, True)
        mem = svc.memory.get("ana")
        assert set(mem.history()) == set(_ids(r)) - {second}  # skipped tracks never count as taste
        svc.feedback("ana", "t", None, False)
        assert svc.memory.get("ana").kept == [] and svc.memory.get("ana").liked == [first]
        r2 = svc.turn("t2", "ana", "songs for a party")
        assert second not in _ids(r2)  # a skipped track does not come back
    finally:
        svc.close()


def test_reset_starts_the_thread_over(settings, tiny_pipeline):
    svc = ChatService(settings, pipeline=tiny_pipeline, store=InMemoryStore())
    try:
        first = svc.turn("t", "ana", "rock")
        svc.reset("t", "ana")
        assert svc.current("t").playlist == []
        assert _ids(svc.turn("t", "ana", "undo")) == _ids(first)  # as "start over" said in the chat: undoable
    finally:
        svc.close()


def test_user_memory_is_namespaced_per_user():
    mem = UserMemoryStore(InMemoryStore())
    mem.update("a", liked=["x", "y"], blocked_artists=["Drake"])
    mem.update("a", skipped=["x"])  # skipping a liked track un-likes it
    assert mem.get("a").liked == ["y"] and mem.get("a").skipped == ["x"]
    assert mem.get("b").is_empty()
    mem.update("ana.lopez@example.com", liked=["z"])  # '.' is escaped in the namespace, one-to-one
    assert mem.get("ana.lopez@example.com").liked == ["z"] and mem.get("ana%2Elopez@example.com").is_empty()


@pytest.fixture(scope="module")
def postgres_url():
    """A real throwaway Postgres server (initdb + pg_ctl as the postgres user); skipped where there is none."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile
    from pathlib import Path

    if not (shutil.which("initdb") and shutil.which("pg_ctl") and shutil.which("runuser")) or os.geteuid() != 0:
        pytest.skip("no local Postgres binaries (or not allowed to run them as the postgres user)")
    root = Path(tempfile.mkdtemp(prefix="playgenie-pg-"))  # pytest's tmp folders are closed to other users
    shutil.chown(root, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        as_pg + ["initdb", "-D", str(root / "data"), "-A", "trust", "-U", "postgres"], check=True, capture_output=True
    )
    subprocess.run(
        as_pg
        + [
            "pg_ctl",
            "-D",
            str(root / "data"),
            "-o",
            f"-p {port} -k {root} -h 127.0.0.1",
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    subprocess.run(as_pg + ["pg_ctl", "-D", str(root / "data"), "-m", "fast", "stop"], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def test_postgres_keeps_threads_and_memory_across_a_restart(settings, tiny_pipeline, postgres_url):
    pg = settings.model_copy(update={"postgres_url": postgres_url})
    r2, blocked = _party_then_block(ChatService(pg, pipeline=tiny_pipeline), "pg-t", "pg-ana")
    again = ChatService(pg, pipeline=tiny_pipeline)
    try:
        assert _ids(again.current("pg-t")) == _ids(r2)
        assert again.memory.get("pg-ana").blocked_artists == [blocked]
        assert not (settings.home / "chat.sqlite").exists()  # nothing went to SQLite
    finally:
        again.close()


def test_per_key_locks_serialise_one_key_and_are_dropped_after_use():
    import threading

    from memory.locks import KeyedLocks

    locks = KeyedLocks()
    for i in range(1000):  # a thousand conversations come and go
        with locks.hold(f"thread-{i}"):
            pass
    assert len(locks) == 0

    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with locks.hold("t"):
            inside.set()
            release.wait(5)
            order.append("first")

    def second():
        inside.wait(5)
        with locks.hold("t"):
            order.append("second")

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start(), b.start()
    inside.wait(5)
    with locks.hold("other"):  # another key is never blocked by "t"
        order.append("other")
    release.set()
    a.join(5), b.join(5)
    assert order == ["other", "first", "second"] and len(locks) == 0


def test_async_keyed_locks_serialize_one_key_and_forget_it():
    import asyncio

    from memory.locks import AsyncKeyedLocks

    locks, order = AsyncKeyedLocks(), []

    async def turn(key: str, name: str) -> None:
        async with locks.hold(key):
            order.append(f"{name}+")
            await asyncio.sleep(0)  # the other coroutine of this key gets the loop and must wait
            order.append(f"{name}-")

    async def main() -> None:
        await asyncio.gather(turn("chat", "a"), turn("chat", "b"), turn("other", "c"))

    asyncio.run(main())
    assert order.index("a-") < order.index("b+")  # one key: one at a time, in order
    assert order.index("c+") < order.index("a-")  # another key does not wait
    assert len(locks) == 0  # nothing kept once nobody holds or waits


@pytest.mark.parametrize(("name", "lock"), [("memory.sqlite", ".memory.lock"), ("chat.sqlite", ".chat.lock")])
def test_a_process_starting_while_another_sets_the_home_up_waits_for_it(tmp_path, name, lock):
    # `playgenie serve --processes 2` on a fresh home: while one process creates a database, the other's switch to
    # WAL failed at once with "database is locked", reported as a damaged database (CI saw it once in two runs)
    import threading
    import time

    from memory.checkpoint import open_checkpointer
    from memory.store import open_store
    from tools.artifacts import build_lock

    ready = threading.Event()

    def setting_up():
        with build_lock(tmp_path / lock):
            conn = sqlite3.connect(tmp_path / name, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE early (a)")
            ready.set()
            time.sleep(0.3)
            conn.execute("COMMIT")
            conn.close()

    other = threading.Thread(target=setting_up)
    other.start()
    ready.wait(10)
    opened = open_store(tmp_path) if name == "memory.sqlite" else open_checkpointer(tmp_path)
    opened[1].close()
    other.join()
