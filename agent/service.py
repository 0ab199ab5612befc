"""ChatService: the one API every front end calls (terminal, HTTP, Telegram, Slack).

It owns the compiled graph, the checkpointer (thread state), the store (long-term user memory)
and the pipeline. ``turn`` is thread-safe: different threads run concurrently, two turns of one
thread are serialised by a per-thread lock. Bad input never raises: it gets a clear reply and the
playlist stays as it was.

Usage:
    service = ChatService(settings)
    r = service.turn("thread-1", "alice", "chill 90s r&b")
    r = service.turn("thread-1", "alice", "no Sade")
    name, data = service.export("thread-1", "m3u")
    service.close()
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from agent.context import Context
from agent.graph import builder
from agent.tools import Deps
from memory.locks import KeyedLocks
from memory.store import UserMemoryStore
from tools.schema import PlaylistItem

log = logging.getLogger(__name__)


class TurnResult(BaseModel):
    """What one turn returns to a front end."""

    reply: str
    playlist: list[PlaylistItem]
    query: dict
    changed: str
    thread_id: str
    brain: str = ""  # which brain planned the turn: "offline", "llm", "llm->offline" (metrics)


class ChatService:
    """Conversations with memory over one pipeline; safe to share between threads and async tasks."""

    def __init__(
        self, settings: Any, *, pipeline: Any = None, checkpointer: Any = None, store: Any = None, progress: bool = False
    ):
        """``progress`` shows what a fresh home builds (download, embeddings, index) instead of a silent wait."""
        self.settings = settings
        self._closers: list[Any] = []
        if pipeline is None:
            from tools.pipeline import Pipeline

            pipeline = Pipeline.load(settings, progress=progress)
        if checkpointer is None:
            from memory.checkpoint import open_checkpointer

            checkpointer, res = open_checkpointer(settings.home, settings.postgres_url)
            self._closers.append(res)
        if store is None:
            from memory.store import open_store

            store, res = open_store(settings.home, settings.postgres_url)
            self._closers.append(res)
        self.pipeline = pipeline
        self.memory = UserMemoryStore(store)
        continuer = _load_continuer(settings, pipeline)
        self.deps = Deps(pipeline=pipeline, catalog=pipeline.catalog, memory=self.memory,
                         continuer=continuer, llm=_load_llm(settings))  # fmt: skip
        self.notices = _model_notices(settings, continuer)  # front ends say these once, at start
        self.context = Context.from_settings(settings, deps=self.deps)
        self.graph = builder.compile(checkpointer=checkpointer, store=store)
        self._locks = KeyedLocks()

    # --- conversation -------------------------------------------------------------------------
    @staticmethod
    def _config(thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}}

    def turn(self, thread_id: str, user_id: str, text: str) -> TurnResult:
        """Run one turn of a conversation and return the reply and the playlist after it."""
        if not thread_id or not user_id:
            raise ValueError("thread_id and user_id must be non-empty")
        text = text if isinstance(text, str) else str(text or "")
        with self._locks.hold(thread_id):
            state = self.graph.invoke(
                {"messages": [HumanMessage(content=text)], "user_id": user_id},
                self._config(thread_id),
                context=self.context,
                durability="exit",  # one checkpoint write per turn: the turn is the unit of undo and recovery
            )
            result = self._result(thread_id, state)
            if state.get("export"):
                name, data = self.export(thread_id, state["export"])
                path = Path(self.settings.home) / "exports" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                result.reply = result.reply.replace(
                    f"Export ready as {state['export'].upper()}", f"Saved as {state['export'].upper()} to {path}"
                )
        return result

    async def aturn(self, thread_id: str, user_id: str, text: str) -> TurnResult:
        """``turn`` for async front ends; runs in a worker thread so the event loop never blocks."""
        return await asyncio.to_thread(self.turn, thread_id, user_id, text)

    def _result(self, thread_id: str, state: dict[str, Any]) -> TurnResult:
        msgs = state.get("messages") or []
        reply = msgs[-1].content if msgs and msgs[-1].type == "ai" else ""
        return TurnResult(
            reply=str(reply),
            playlist=[PlaylistItem.model_validate(p) for p in state.get("playlist") or []],
            query=state.get("query") or {},
            changed=state.get("changed") or "",
            thread_id=thread_id,
            brain=state.get("brain") or "",
        )

    def current(self, thread_id: str) -> TurnResult | None:
        """The thread's latest reply and playlist, or None for a thread never seen."""
        snap = self.graph.get_state(self._config(thread_id))
        if not snap.values or not snap.values.get("messages"):
            return None
        return self._result(thread_id, snap.values)

    def reset(self, thread_id: str, user_id: str) -> None:
        """Start the thread over: no playlist, no query, no undo history (long-term memory stays)."""
        with self._locks.hold(thread_id):
            self.graph.update_state(
                self._config(thread_id),
                {"playlist": [], "query": {}, "history": [], "focus": None, "user_id": user_id, "changed": "started over"},
                as_node="respond",
            )

    # --- long-term memory ------------------------------------------------------------------------
    def feedback(self, user_id: str, thread_id: str, track_id: str | None, liked: bool) -> str:
        """Thumbs up/down on one track, or on the whole playlist (track_id None); returns a line to show."""
        cur = self.current(thread_id)
        playlist = cur.playlist if cur else []
        if track_id is None:
            if not playlist:
                return "There is no playlist in this conversation yet."
            ids = [p.track_id for p in playlist]
            if liked:
                self.memory.update(user_id, kept=ids)
                return f"Saved: the {len(ids)} tracks of this playlist now shape your next ones."
            self.memory.remove(user_id, kept=ids)  # tracks loved one by one stay loved
            return "Noted: this playlist won't shape your next ones. Tell me what to change."
        track = self.deps.catalog.get(track_id)
        if track is None:
            return "I don't know that track."
        if liked:
            self.memory.update(user_id, liked=[track_id])
            return f"Noted: you love \"{track.title}\" by {track.artist}."
        self.memory.update(user_id, skipped=[track_id])
        return f"Noted: I won't play \"{track.title}\" by {track.artist} for you again."

    def forget(self, user_id: str) -> None:
        """Erase everything remembered about a user (blocklist, likes, skips, kept playlists)."""
        self.memory.forget(user_id)

    # --- export ------------------------------------------------------------------------------------
    def export(self, thread_id: str, fmt: str) -> tuple[str, bytes]:
        """(filename, content) of the thread's playlist as M3U, XSPF, JSPF, CSV or JSON (``agent.exports``);
        raises LookupError when there is none."""
        from agent.exports import render
        from tools.schema import PlaylistQuery

        cur = self.current(thread_id)
        if cur is None or not cur.playlist:
            raise LookupError("There is no playlist in this conversation yet.")
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in thread_id)[:60] or "playlist"
        title = PlaylistQuery.model_validate(cur.query or {}).describe()
        catalog = self.deps.catalog
        return render(fmt, cur.playlist, title=title, stem=f"playgenie-{safe}", query=cur.query,
                      album=lambda tid: getattr(catalog.get(tid), "album", ""))  # fmt: skip

    def close(self) -> None:
        for res in self._closers:
            try:
                res.close()
            except Exception:  # closing is best effort at shutdown
                log.debug("close failed", exc_info=True)
        self._closers.clear()


def _load_continuer(settings: Any, pipeline: Any) -> Any:
    """The VAE continuation model when it is built; None means "add more" uses search."""
    try:
        from tools.continuation import Continuer
    except ImportError:
        return None
    try:
        continuer = Continuer.load(settings, pipeline.catalog)
    except Exception as exc:  # not built yet, or built for another catalog
        log.info("continuation model unavailable (%s); 'add more' uses search", exc)
        return None
    from tools.pipeline import SERVING_TORCH_THREADS, limit_torch_threads

    limit_torch_threads(SERVING_TORCH_THREADS)  # torch is loaded by now; serve on one thread as before
    return continuer


def _model_notices(settings: Any, continuer: Any) -> list[str]:
    """Plain sentences about a model that is missing, with the command that fixes it (an outdated one is
    already reported by ``Continuer.load``, with its command)."""
    if continuer is not None:
        return []
    try:
        from tools.continuation.train import checkpoint_path
    except ImportError:
        return []
    if checkpoint_path(settings.home).exists():
        return []
    return [("The continuation model is not trained yet, so \"add more\" searches the catalog instead. "
             "Train it once with `playgenie build` (or `playgenie train vae`, about 15 minutes).")]  # fmt: skip


def _load_llm(settings: Any) -> Any:
    if not settings.llm_base_url:
        return None
    from agent.llm_brain import LLMBrain

    return LLMBrain(settings)
