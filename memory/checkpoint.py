"""Thread state persistence: a LangGraph checkpointer, SQLite in the home folder or Postgres.

SQLite runs in WAL mode on one connection shared by the threads of a process (the saver holds a
lock around every statement), so a restart loses nothing and concurrent readers never block.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver

log = logging.getLogger(__name__)


def sqlite_connection(path: Path) -> sqlite3.Connection:
    """A WAL-mode connection usable from several threads (callers serialise through a lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across a process crash
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def postgres_pool(url: str, max_size: int):
    """A psycopg pool in the mode LangGraph's Postgres saver and store expect (autocommit, dict rows)."""
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    return ConnectionPool(url, min_size=1, max_size=max_size, kwargs={"autocommit": True, "row_factory": dict_row}, open=True)


def open_checkpointer(home: Path, postgres_url: str | None = None) -> tuple[BaseCheckpointSaver, object]:
    """(checkpointer, resource to close): Postgres when a URL is given, else ``<home>/chat.sqlite``."""
    if postgres_url:
        from langgraph.checkpoint.postgres import PostgresSaver

        pool = postgres_pool(postgres_url, max_size=8)
        saver = PostgresSaver(pool)
        saver.setup()
        log.info("checkpoints in Postgres")
        return saver, pool
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite_connection(Path(home) / "chat.sqlite")
    saver = SqliteSaver(conn)
    saver.setup()
    log.info("checkpoints in %s", Path(home) / "chat.sqlite")
    return saver, conn
