"""One lock per key (a thread, a user), dropped when nobody holds or waits for it.

    locks = KeyedLocks()
    with locks.hold(thread_id):
        ...  # one turn of this conversation at a time

A plain ``defaultdict(Lock)`` grows by one entry per conversation ever seen; this map holds only
the keys in use, so a long-running bot stays small.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}  # key -> (lock, [holders and waiters])

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if users[0] == 0:
                    del self._locks[key]

    def __len__(self) -> int:
        """Keys held or waited for right now."""
        return len(self._locks)


class AsyncKeyedLocks:
    """:class:`KeyedLocks` for one event loop (a bot's chats): ``async with locks.hold(chat_id): ...``."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}  # key -> (lock, [holders and waiters])

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:  # the last one out drops the key's lock, so the map holds only busy keys
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    def __len__(self) -> int:
        """Keys held or waited for right now."""
        return len(self._locks)
