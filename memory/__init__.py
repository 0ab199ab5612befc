"""Conversation memory: thread checkpoints (SQLite/Postgres) and long-term per-user memory."""

from memory.checkpoint import open_checkpointer, sqlite_connection
from memory.store import UserMemory, UserMemoryStore, open_store

__all__ = ["UserMemory", "UserMemoryStore", "open_checkpointer", "open_store", "sqlite_connection"]
