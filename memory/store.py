"""Long-term memory per user, in a LangGraph store: blocklist, liked, skipped and kept tracks.

Everything lives under the namespace ``("users", <user id>)`` so nothing of one user reaches
another. The store is SQLite in the home folder by default (it survives restarts) and Postgres
when a URL is configured. Writes are read-modify-write of small documents, serialised per user in a
process and, with ``lock_file``, across the processes that share the SQLite file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from langgraph.store.base import BaseStore

from memory.checkpoint import damaged, postgres_pool, postgres_setup_lock, sqlite_connection
from memory.locks import KeyedLocks
from tools.artifacts import build_lock

log = logging.getLogger(__name__)

MAX_ITEMS = 2000  # per list: long-term memory must stay small enough to read on every turn


@dataclass
class UserMemory:
    """What PlayGenie remembers about one user across all their threads."""

    blocked_artists: list[str] = field(default_factory=list)  # display names, matched case/accent-folded
    blocked_genres: list[str] = field(default_factory=list)
    blocked_tracks: list[str] = field(default_factory=list)
    liked: list[str] = field(default_factory=list)  # track ids
    skipped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # tracks of playlists the user kept

    def history(self) -> list[str]:
        """Tracks that describe the user's taste, for the CF fold-in and the VAE: liked, then kept."""
        bad = set(self.skipped) | set(self.blocked_tracks)
        return [t for t in dict.fromkeys(self.liked + self.kept) if t not in bad]

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


def _ns(user_id: str) -> tuple[str, ...]:
    # LangGraph namespace labels cannot hold '.', so it is percent-escaped (and '%' too, to stay one-to-one)
    return ("users", user_id.replace("%", "%25").replace(".", "%2E"))


class UserMemoryStore:
    """Typed access to the user documents of a LangGraph ``BaseStore``."""

    KEY = "memory"

    def __init__(self, store: BaseStore, lock_file: Path | None = None):
        self.store = store
        self._locks = KeyedLocks()
        self._lock_file = lock_file

    @contextmanager
    def _hold(self, user_id: str) -> Iterator[None]:
        """One writer of a user's document: per user in this process, and across processes by a lock file."""
        with self._locks.hold(user_id):
            if self._lock_file is None:
                yield
                return
            from tools.artifacts import build_lock

            with build_lock(self._lock_file):
                yield

    def get(self, user_id: str) -> UserMemory:
        item = self.store.get(_ns(user_id), self.KEY)
        if item is None:
            return UserMemory()
        known = UserMemory.__dataclass_fields__
        return UserMemory(**{k: list(v) for k, v in item.value.items() if k in known})

    def update(self, user_id: str, **add: list[str]) -> UserMemory:
        """Append values to lists (deduplicated, newest last); ``liked`` and ``skipped`` exclude each other."""
        with self._hold(user_id):
            mem = self.get(user_id)
            for name, values in add.items():
                cur = getattr(mem, name)
                for v in values:
                    if v in cur:
                        cur.remove(v)
                    cur.append(v)
                    if name == "liked" and v in mem.skipped:
                        mem.skipped.remove(v)
                    if name == "skipped" and v in mem.liked:
                        mem.liked.remove(v)
                del cur[:-MAX_ITEMS]
            self.store.put(_ns(user_id), self.KEY, asdict(mem))
            return mem

    def remove(self, user_id: str, **drop: list[str]) -> UserMemory:
        """Take values out of lists (a thumbs-down on a playlist un-keeps its tracks)."""
        with self._hold(user_id):
            mem = self.get(user_id)
            for name, values in drop.items():
                gone = set(values)
                setattr(mem, name, [v for v in getattr(mem, name) if v not in gone])
            self.store.put(_ns(user_id), self.KEY, asdict(mem))
            return mem

    def forget(self, user_id: str) -> None:
        with self._hold(user_id):
            self.store.delete(_ns(user_id), self.KEY)


def open_store(home: Path, postgres_url: str | None = None) -> tuple[BaseStore, object]:
    """(store, resource to close): Postgres when a URL is given, else ``<home>/memory.sqlite``."""
    if postgres_url:
        from langgraph.store.postgres import PostgresStore

        pool = postgres_pool(postgres_url, max_size=4)
        store = PostgresStore(pool)
        with postgres_setup_lock(pool):
            store.setup()
        return store, pool
    from langgraph.store.sqlite import SqliteStore

    path = Path(home) / "memory.sqlite"
    conn = None
    try:
        # two processes starting on one home open it (WAL switch) and migrate it one after the other
        with build_lock(path.with_name(".memory.lock")):
            conn = sqlite_connection(path)
            store = SqliteStore(conn)
            store.setup()
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise damaged(path, exc, "long-term memory") from None
    return store, conn
