"""Thread state persistence: a LangGraph checkpointer, SQLite in the home folder or Postgres, bounded and guarded.

SQLite runs in WAL mode on one connection shared by the threads of a process (the saver holds a
lock around every statement), so a restart loses nothing and concurrent readers never block.

On top of LangGraph's savers, every write of a thread (one per turn):

- is refused with :class:`StaleThread` when the thread changed since the turn read it (another
  process, or another server on the same database, wrote first): optimistic concurrency, so two
  writers never silently overwrite each other; the service runs the turn again on the new state;
- keeps only the latest ``keep`` checkpoints of the thread (the undo history lives inside the
  checkpoint, ``undo_depth`` entries), so a thread stays a few tens of KB however long it runs;
- is refused with :class:`ThreadTooLarge` past ``max_bytes``;
- records the thread's owner and last write in ``playgenie_threads``; threads idle longer than
  ``ttl_s`` are deleted (checked at most every few minutes, and at start).

Checkpoints are decoded in LangGraph's strict msgpack mode (safe types only): a crafted row can
no longer name a function for the decoder to call.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver, get_checkpoint_metadata
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from tools.artifacts import ArtifactError, build_lock

log = logging.getLogger(__name__)

THREADS_TABLE = """CREATE TABLE IF NOT EXISTS playgenie_threads (
    thread_id TEXT PRIMARY KEY, owner TEXT, created DOUBLE PRECISION NOT NULL, updated DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS playgenie_threads_updated ON playgenie_threads (updated)"""


# Statements both savers run ("?" placeholders; the Postgres saver swaps them for "%s").
LATEST = """SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?
    ORDER BY checkpoint_id DESC LIMIT 1"""
TOUCH = """INSERT INTO playgenie_threads (thread_id, owner, created, updated) VALUES (?, NULL, ?, ?)
    ON CONFLICT (thread_id) DO UPDATE SET updated = excluded.updated"""
CLAIM = """INSERT INTO playgenie_threads (thread_id, owner, created, updated) VALUES (?, ?, ?, ?)
    ON CONFLICT (thread_id) DO UPDATE SET owner = COALESCE(playgenie_threads.owner, excluded.owner)"""
PRUNE = """DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id NOT IN (
    SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?
    ORDER BY checkpoint_id DESC LIMIT ?)"""
PRUNE_WRITES = """DELETE FROM {table} WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id NOT IN (
    SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?)"""
INSERT_SQLITE = """INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id,
    type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)"""
PRUNE_BLOBS = """DELETE FROM checkpoint_blobs b WHERE b.thread_id = %s AND b.checkpoint_ns = %s AND NOT EXISTS (
    SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
    AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)"""


class StaleThread(RuntimeError):
    """Another writer changed the thread after this turn read it; nothing of this turn was written."""


class ThreadTooLarge(ValueError):
    """Saving the thread would exceed the size limit; nothing of this turn was written."""


def strict_serde() -> JsonPlusSerializer:
    """LangGraph's serializer in strict mode: only its allowlist of safe types is ever constructed."""
    return JsonPlusSerializer(allowed_msgpack_modules=None)


@dataclass(frozen=True)
class ThreadPolicy:
    """How much of each thread is kept, and for how long."""

    keep: int = 1  # checkpoints per thread
    ttl_s: float | None = None  # idle threads are deleted after this; None keeps them
    max_bytes: int = 2_000_000  # one checkpoint's encoded size
    on_expire: Callable[[list[str]], None] | None = None  # told the ids of expired threads (their exports)

    @classmethod
    def from_settings(cls, settings: Any, on_expire: Callable[[list[str]], None] | None = None) -> "ThreadPolicy":
        ttl = float(getattr(settings, "thread_ttl_hours", 0) or 0) * 3600
        return cls(
            keep=int(getattr(settings, "keep_checkpoints", 1)),
            ttl_s=ttl or None,
            max_bytes=int(getattr(settings, "max_thread_bytes", 2_000_000)),
            on_expire=on_expire,
        )


class _Guard:
    """What both savers add: the stale check, pruning, the size cap, owners and expiry.

    Subclasses give ``_transaction()`` (a cursor in one write transaction, process- and database-wide
    exclusive for the thread) and ``_q(sql)`` (placeholder style)."""

    policy: ThreadPolicy
    _next_sweep: float = 0.0

    def _q(self, sql: str) -> str:
        return sql

    def _encode(self, config: dict, checkpoint: dict, metadata: dict) -> tuple[str, bytes, bytes]:
        type_, blob = self.serde.dumps_typed(checkpoint)  # type: ignore[attr-defined]
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False).encode("utf-8", "ignore")
        if len(blob) + len(meta) > self.policy.max_bytes:
            raise ThreadTooLarge(
                f"the thread would take {len(blob) + len(meta):,} bytes (limit {self.policy.max_bytes:,})"
            )
        return type_, blob, meta

    def _check_parent(self, cur: Any, thread_id: str, ns: str, parent: str | None) -> None:
        cur.execute(self._q(LATEST), (thread_id, ns))
        row = cur.fetchone()
        latest = None if row is None else (row["checkpoint_id"] if isinstance(row, dict) else row[0])
        if latest is not None and latest != parent:
            raise StaleThread(f"thread {thread_id!r} changed since this turn read it")

    def _touch(self, cur: Any, thread_id: str, now: float) -> None:
        cur.execute(self._q(TOUCH), (thread_id, now, now))

    # --- owners -------------------------------------------------------------------------------
    def claim(self, thread_id: str, user_id: str) -> str | None:
        """The thread's owner, recorded as ``user_id`` when it has none yet (the creator owns a thread)."""
        now = time.time()
        with self._transaction() as cur:
            cur.execute(self._q(CLAIM), (thread_id, user_id, now, now))
            return self._owner(cur, thread_id)

    def owner(self, thread_id: str) -> str | None:
        """Who created the thread (None: nobody recorded)."""
        with self._transaction() as cur:
            return self._owner(cur, thread_id)

    def _owner(self, cur: Any, thread_id: str) -> str | None:
        cur.execute(self._q("SELECT owner FROM playgenie_threads WHERE thread_id = ?"), (thread_id,))
        row = cur.fetchone()
        return None if row is None else (row["owner"] if isinstance(row, dict) else row[0])

    # --- expiry -------------------------------------------------------------------------------
    def _maybe_expire(self, now: float) -> None:
        ttl = self.policy.ttl_s
        if not ttl or now < self._next_sweep:
            return
        self._next_sweep = now + min(ttl / 2, 300.0)
        try:
            self.expire(now - ttl)
        except Exception:  # expiry is housekeeping: a failure must never fail the turn that triggered it
            log.exception("could not expire idle threads")

    def expire(self, before: float) -> list[str]:
        """Delete the threads last written before ``before`` (a Unix time); their ids."""
        with self._transaction() as cur:
            cur.execute(self._q("SELECT thread_id FROM playgenie_threads WHERE updated < ?"), (before,))
            ids = [r["thread_id"] if isinstance(r, dict) else r[0] for r in cur.fetchall()]
            for tid in ids:
                self._delete(cur, tid)
                cur.execute(self._q("DELETE FROM playgenie_threads WHERE thread_id = ?"), (tid,))
        if ids:
            log.info("expired %d idle threads", len(ids))
            if self.policy.on_expire is not None:
                self.policy.on_expire(ids)
        return ids

    def clear(self, thread_id: str) -> None:
        """Empty a thread (start over, or state that cannot be read); its owner stays."""
        with self._transaction() as cur:
            self._delete(cur, thread_id)

    def thread_bytes(self, thread_id: str) -> int:
        """Bytes the thread's checkpoints and pending writes take in the database."""
        raise NotImplementedError


# --- SQLite -------------------------------------------------------------------------------------------
try:
    from langgraph.checkpoint.sqlite import SqliteSaver
except ImportError:  # pragma: no cover - the sqlite saver is a dependency
    SqliteSaver = None  # type: ignore[assignment,misc]


class BoundedSqliteSaver(_Guard, SqliteSaver):  # type: ignore[misc,valid-type]
    """SqliteSaver with the guard: a write is one ``BEGIN IMMEDIATE`` transaction (exclusive across processes)."""

    def __init__(self, conn: sqlite3.Connection, policy: ThreadPolicy | None = None) -> None:
        SqliteSaver.__init__(self, conn, serde=strict_serde())
        self.policy = policy or ThreadPolicy()

    def setup(self) -> None:
        if self.is_setup:
            return
        SqliteSaver.setup(self)  # (callers may hold self.lock: nothing here takes it)
        self.conn.executescript(THREADS_TABLE)
        now = time.time()  # threads from before the table exist: their clock starts now
        self.conn.execute(
            "INSERT OR IGNORE INTO playgenie_threads (thread_id, owner, created, updated) "
            "SELECT DISTINCT thread_id, NULL, ?, ? FROM checkpoints",
            (now, now),
        )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        self.setup()
        with self.lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def put(self, config: dict, checkpoint: dict, metadata: dict, new_versions: dict) -> dict:
        conf = config["configurable"]
        thread_id, ns, parent = str(conf["thread_id"]), conf.get("checkpoint_ns", ""), conf.get("checkpoint_id")
        type_, blob, meta = self._encode(config, checkpoint, metadata)
        now = time.time()
        with self._transaction() as cur:
            self._check_parent(cur, thread_id, ns, parent)
            cur.execute(INSERT_SQLITE, (thread_id, ns, checkpoint["id"], parent, type_, blob, meta))
            cur.execute(PRUNE, (thread_id, ns, thread_id, ns, self.policy.keep))
            cur.execute(PRUNE_WRITES.format(table="writes"), (thread_id, ns, thread_id, ns))
            self._touch(cur, thread_id, now)
        self._maybe_expire(now)
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"]}}

    def _delete(self, cur: sqlite3.Cursor, thread_id: str) -> None:
        cur.execute("DELETE FROM checkpoints WHERE thread_id = ?", (thread_id,))
        cur.execute("DELETE FROM writes WHERE thread_id = ?", (thread_id,))

    def delete_thread(self, thread_id: str) -> None:
        with self._transaction() as cur:
            self._delete(cur, str(thread_id))
            cur.execute("DELETE FROM playgenie_threads WHERE thread_id = ?", (str(thread_id),))

    def thread_bytes(self, thread_id: str) -> int:
        with self._transaction() as cur:
            cur.execute(
                "SELECT COALESCE(SUM(LENGTH(checkpoint) + LENGTH(metadata)), 0) FROM checkpoints WHERE thread_id = ?",
                (thread_id,),
            )
            (size,) = cur.fetchone()
            cur.execute("SELECT COALESCE(SUM(LENGTH(value)), 0) FROM writes WHERE thread_id = ?", (thread_id,))
            return int(size) + int(cur.fetchone()[0])


# --- Postgres ------------------------------------------------------------------------------------------
def _postgres_saver_class() -> type:
    from langgraph.checkpoint.postgres import PostgresSaver, _internal
    from psycopg.rows import dict_row

    class BoundedPostgresSaver(_Guard, PostgresSaver):
        """PostgresSaver with the guard: a write is one transaction holding the thread's advisory lock."""

        def __init__(self, conn: Any, policy: ThreadPolicy | None = None) -> None:
            PostgresSaver.__init__(self, conn, serde=strict_serde())
            self.policy = policy or ThreadPolicy()
            self._tx = threading.local()

        def _q(self, sql: str) -> str:
            return sql.replace("?", "%s")

        def setup(self) -> None:
            PostgresSaver.setup(self)
            with self._transaction() as cur:
                for stmt in THREADS_TABLE.split(";"):
                    cur.execute(stmt)
                now = time.time()
                cur.execute(
                    "INSERT INTO playgenie_threads (thread_id, owner, created, updated) SELECT DISTINCT "
                    "thread_id, NULL, %s, %s FROM checkpoints ON CONFLICT DO NOTHING",
                    (now, now),
                )

        @contextmanager
        def _cursor(self, *, pipeline: bool = False) -> Iterator[Any]:
            cur = getattr(self._tx, "cur", None)
            if cur is not None:  # inside this saver's own transaction: the upstream code joins it
                yield cur
                return
            with PostgresSaver._cursor(self, pipeline=pipeline) as c:
                yield c

        @contextmanager
        def _transaction(self) -> Iterator[Any]:
            with self.lock, _internal.get_connection(self.conn) as conn, conn.transaction():
                with conn.cursor(binary=True, row_factory=dict_row) as cur:
                    self._tx.cur = cur
                    try:
                        yield cur
                    finally:
                        self._tx.cur = None

        def put(self, config: dict, checkpoint: dict, metadata: dict, new_versions: dict) -> dict:
            conf = config["configurable"]
            thread_id, ns, parent = str(conf["thread_id"]), conf.get("checkpoint_ns", ""), conf.get("checkpoint_id")
            self._encode(config, checkpoint, metadata)
            now = time.time()
            with self._transaction() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{thread_id}|{ns}",))
                self._check_parent(cur, thread_id, ns, parent)
                out = PostgresSaver.put(self, config, checkpoint, metadata, new_versions)
                cur.execute(self._q(PRUNE), (thread_id, ns, thread_id, ns, self.policy.keep))
                cur.execute(self._q(PRUNE_WRITES.format(table="checkpoint_writes")), (thread_id, ns, thread_id, ns))
                cur.execute(PRUNE_BLOBS, (thread_id, ns))
                self._touch(cur, thread_id, now)
            self._maybe_expire(now)
            return out

        def _delete(self, cur: Any, thread_id: str) -> None:
            for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
                cur.execute(f"DELETE FROM {table} WHERE thread_id = %s", (thread_id,))

        def delete_thread(self, thread_id: str) -> None:
            with self._transaction() as cur:
                self._delete(cur, str(thread_id))
                cur.execute("DELETE FROM playgenie_threads WHERE thread_id = %s", (str(thread_id),))

        def thread_bytes(self, thread_id: str) -> int:
            with self._transaction() as cur:
                cur.execute(
                    "SELECT COALESCE(SUM(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) AS n "
                    "FROM checkpoints WHERE thread_id = %s",
                    (thread_id,),
                )
                size = int(cur.fetchone()["n"])
                for table, col in (("checkpoint_blobs", "blob"), ("checkpoint_writes", "blob")):
                    cur.execute(
                        f"SELECT COALESCE(SUM(LENGTH({col})), 0) AS n FROM {table} WHERE thread_id = %s", (thread_id,)
                    )
                    size += int(cur.fetchone()["n"])
                return size

    return BoundedPostgresSaver


# --- opening -------------------------------------------------------------------------------------------
def sqlite_connection(path: Path) -> sqlite3.Connection:
    """A WAL-mode connection usable from several threads (callers serialise through a lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across a process crash
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def damaged(path: Path, exc: BaseException, what: str) -> ArtifactError:
    """The error for a database file SQLite cannot read: it names the file and how to move it aside."""
    return ArtifactError(
        f"the {what} database {path} is damaged ({exc})",
        fix=f"move it aside to start without it: mv {path} {path}.damaged",
        public=f"the {what} database is damaged; see the server log",
    )


def postgres_pool(url: str, max_size: int):
    """A psycopg pool in the mode LangGraph's Postgres saver and store expect (autocommit, dict rows)."""
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    return ConnectionPool(
        url, min_size=1, max_size=max_size, kwargs={"autocommit": True, "row_factory": dict_row}, open=True
    )


SETUP_LOCK = 0x706C6179  # Postgres advisory lock key ("play"): one process at a time creates or migrates tables


@contextmanager
def postgres_setup_lock(pool: Any) -> Iterator[None]:
    """Hold a session advisory lock while tables are created or migrated: ``CREATE TABLE IF NOT EXISTS`` and the
    savers' migration rows race (a duplicate key) when several servers start together on an empty database.

    Polled, not waited for: a session blocked in ``pg_advisory_lock`` is a running transaction, which the
    holder's ``CREATE INDEX CONCURRENTLY`` (LangGraph's migrations) waits for: a deadlock nobody detects."""
    with pool.connection() as conn:
        while not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (SETUP_LOCK,)).fetchone()["ok"]:
            time.sleep(0.1)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


def open_checkpointer(
    home: Path, postgres_url: str | None = None, policy: ThreadPolicy | None = None
) -> tuple[BaseCheckpointSaver, object]:
    """(checkpointer, resource to close): Postgres when a URL is given, else ``<home>/chat.sqlite``.

    A SQLite file that is not a database raises :class:`ArtifactError` with the command that fixes it."""
    if postgres_url:
        pool = postgres_pool(postgres_url, max_size=8)
        saver = _postgres_saver_class()(pool, policy)
        with postgres_setup_lock(pool):
            saver.setup()
        saver._maybe_expire(time.time())
        log.info("checkpoints in Postgres")
        return saver, pool
    path = Path(home) / "chat.sqlite"
    conn = None
    try:
        # two processes starting on one home open it (WAL switch) and migrate it one after the other
        with build_lock(path.with_name(".chat.lock")):
            conn = sqlite_connection(path)
            saver = BoundedSqliteSaver(conn, policy)
            saver.setup()
        saver._maybe_expire(time.time())
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise damaged(path, exc, "conversations") from None
    log.info("checkpoints in %s", path)
    return saver, conn
