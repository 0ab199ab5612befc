"""ChatService: the one API every front end calls (terminal, HTTP, Telegram, Slack).

It owns the compiled graph, the checkpointer (thread state), the store (long-term user memory)
and the pipeline. ``turn`` is thread-safe: different threads run concurrently, two turns of one
thread are serialised by a per-thread lock, and two processes writing one thread never overwrite
each other (the checkpointer refuses a stale write and the turn runs again on the new state).

Whatever a message holds or an action does, a turn answers: control characters are stripped before
anything is stored, an over-long message is refused without being stored, and a turn that raises
is answered with an apology while the thread stays exactly as it was. The only exceptions a front
end sees are :class:`NotOwner` (the thread is another user's) and :class:`ThreadBusy` (other
writers kept changing it).

Usage:
    service = ChatService(settings)
    r = service.turn("thread-1", "alice", "chill 90s r&b")
    r = service.turn("thread-1", "alice", "no Sade")
    name, data = service.export("thread-1", "m3u")
    service.close()
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from agent import prompts
from agent.context import Context
from agent.exports import FORMATS
from agent.graph import builder
from agent.intents import MAX_MESSAGE
from agent.tools import Deps, PlaylistDraft
from memory.checkpoint import StaleThread, ThreadPolicy, ThreadTooLarge
from memory.locks import KeyedLocks
from memory.store import UserMemoryStore
from tools.clean import clean_text
from tools.schema import PlaylistItem

log = logging.getLogger(__name__)

MAX_REPLY = 20_000  # characters of one reply: a 200-track listing with a note is about 12,000
TURN_ATTEMPTS = 3  # a turn whose write went stale (another process wrote first) runs again on the new state
SORRY = "Sorry, something went wrong on my side with that message. Nothing changed; please try again."
READY_CHECK_S = 10.0  # how long a successful readiness search is trusted
OWNERS_CACHED = 100_000  # thread owners remembered in memory (about 10 MB at most)


class TurnResult(BaseModel):
    """What one turn returns to a front end."""

    reply: str
    playlist: list[PlaylistItem]
    query: dict
    changed: str
    thread_id: str
    brain: str = ""  # which brain planned the turn: "offline", "llm", "llm->offline" (metrics)
    export: str = ""  # the format this turn was asked to export the playlist as ("export it as xspf"), else ""


def turn_json(result: TurnResult) -> dict[str, Any]:
    """The turn as JSON, one shape for `playgenie chat --json` and the HTTP API."""
    return {
        "reply": result.reply,
        "changed": result.changed,
        "thread_id": result.thread_id,
        "export": result.export,
        "playlist": [p.public() for p in result.playlist],
        "query": {k: v for k, v in result.query.items() if v not in (None, [], "", {})},
    }


INLINE = "__playgenie_inline__"  # a run config's `configurable` key: LangGraph's background work runs in the caller


class InlineExecutor(concurrent.futures.Executor):
    """An executor that runs each call at once in the calling thread and returns its finished future.

    LangGraph saves a run's checkpoint through a thread pool it creates for every ``invoke``: a new thread per turn,
    started and joined while the turn waits (three thread hand-offs, each a wait for a core on a busy machine). A
    turn of this graph has one task per step and nothing to overlap with the save, so the save runs in the turn's
    own thread instead; a failure (a stale write) is kept in the future and raised at the run's end, as before."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to LangGraph in the future, as a pool thread's failure would be
            future.set_exception(exc)
        return future


_INLINE_INSTALLED = False


def install_inline_executor() -> bool:
    """Make LangGraph's background executor run inline for runs whose config carries :data:`INLINE` (only
    ChatService's turns); every other run keeps LangGraph's own pool. False when this LangGraph has no such hook (the
    turns then keep their pool thread: slower, the same answers)."""
    global _INLINE_INSTALLED
    if _INLINE_INSTALLED:
        return True
    try:
        from langgraph.pregel import _executor
    except ImportError:
        return False
    pooled = getattr(_executor, "get_executor_for_config", None)
    if pooled is None:
        return False

    @contextmanager
    def executor_for(config: Any) -> Iterator[concurrent.futures.Executor]:
        if ((config or {}).get("configurable") or {}).get(INLINE):
            yield InlineExecutor()
        else:
            with pooled(config) as pool:
                yield pool

    _executor.get_executor_for_config = executor_for
    _INLINE_INSTALLED = True
    return True


class NotOwner(PermissionError):
    """The thread was created by another user."""


class ThreadBusy(RuntimeError):
    """Other writers changed the thread on every attempt of this turn; nothing of it was written."""


def export_name(thread_id: str, fmt: str) -> str:
    """A file name for a thread's export: readable, and never shared by two threads ('a.b' and 'a_b')."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in thread_id)[:60] or "playlist"
    tag = hashlib.blake2b(thread_id.encode(), digest_size=4).hexdigest()
    return f"playgenie-{safe}-{tag}.{fmt}"


class ChatService:
    """Conversations with memory over one pipeline; safe to share between threads and async tasks."""

    def __init__(
        self,
        settings: Any,
        *,
        pipeline: Any = None,
        checkpointer: Any = None,
        store: Any = None,
        progress: bool = False,
    ):
        """``progress`` shows what a fresh home builds (download, embeddings, index) instead of a silent wait."""
        self.settings = settings
        self._closers: list[Any] = []
        lock_file = None
        try:
            if checkpointer is None:
                from memory.checkpoint import open_checkpointer

                policy = ThreadPolicy.from_settings(settings, on_expire=self._drop_exports)
                checkpointer, res = open_checkpointer(settings.chat_folder, settings.postgres_url, policy)
                self._closers.append(res)
            if store is None:
                from memory.store import open_store

                store, res = open_store(settings.chat_folder, settings.postgres_url)
                self._closers.append(res)
                lock_file = None if settings.postgres_url else Path(settings.chat_folder) / ".memory.lock"
            if pipeline is None:
                from tools.pipeline import Pipeline

                pipeline = Pipeline.load(settings, progress=progress)
        except BaseException:
            self.close()
            raise
        self.pipeline = pipeline
        self.checkpointer = checkpointer
        self.memory = UserMemoryStore(store, lock_file=lock_file)
        continuer = _load_continuer(settings, pipeline)
        self.deps = Deps(
            pipeline=pipeline,
            catalog=pipeline.catalog,
            memory=self.memory,
            continuer=continuer,
            llm=_load_llm(settings),
        )
        self.notices = _model_notices(settings, continuer)  # front ends say these once, at start
        self.context = Context.from_settings(settings, deps=self.deps)
        self.graph = builder.compile(checkpointer=checkpointer, store=store)
        self._locks = KeyedLocks()
        self._ready_at = 0.0
        self._ready_lock = threading.Lock()
        self._owners: dict[str, str] = {}
        self._inline = install_inline_executor()

    # --- conversation -------------------------------------------------------------------------
    @staticmethod
    def _config(thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}}

    def _run_config(self, thread_id: str) -> dict[str, Any]:
        """A turn's config: the thread, and its checkpoint saved in the turn's own thread (:class:`InlineExecutor`)."""
        config = self._config(thread_id)
        if self._inline:
            config["configurable"][INLINE] = True
        return config

    def turn(self, thread_id: str, user_id: str, text: str, *, owner_only: bool = False) -> TurnResult:
        """Run one turn of a conversation and return the reply and the playlist after it.

        The first user to write a thread owns it; with ``owner_only`` another user's turn raises NotOwner
        (the HTTP API with user tokens). Bots leave it off: a group chat is one thread of many members,
        each turn recorded under the member who spoke."""
        if not thread_id or not user_id:
            raise ValueError("thread_id and user_id must be non-empty")
        text = clean_text(text if isinstance(text, str) else str(text or ""))
        owner = self.claim(thread_id, user_id)
        if owner_only and owner not in (None, user_id):
            raise NotOwner(f"thread {thread_id!r} belongs to another user")
        if len(text) > MAX_MESSAGE:  # refused before anything is stored
            return self._answer(
                thread_id,
                f"That message is {len(text):,} characters long; I read requests of up to "
                f"{MAX_MESSAGE:,}. Say it in fewer words. Nothing changed.",
            )
        message = HumanMessage(content=text, additional_kwargs={"user_id": user_id})
        with self._locks.hold(thread_id):
            for attempt in range(TURN_ATTEMPTS):
                try:
                    state = self.graph.invoke(
                        {"messages": [message], "user_id": user_id},
                        self._run_config(thread_id),
                        context=self.context,
                        durability="exit",  # one checkpoint write per turn: the turn is the unit of undo and recovery
                    )
                    break
                except StaleThread:
                    log.info(
                        "thread %s changed elsewhere during a turn (attempt %d); running it again",
                        thread_id,
                        attempt + 1,
                    )
                except ThreadTooLarge as exc:
                    log.warning("thread %s: %s; turn refused", thread_id, exc)
                    return self._answer(
                        thread_id,
                        "That would make this conversation too large to keep. Nothing "
                        "changed; try a shorter playlist, or start over.",
                    )
                except Exception:  # any failure of any action: logged, answered, and the thread left as it was
                    log.exception("turn failed on thread %s", thread_id)
                    return self._answer(thread_id, SORRY)
            else:
                raise ThreadBusy(f"thread {thread_id!r} kept changing elsewhere; nothing of this turn was saved")
            result = self._result(thread_id, state)
            if state.get("export"):
                fmt = result.export = state["export"]
                try:
                    name, data = self.export(thread_id, fmt)
                    path = Path(self.settings.home) / "exports" / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    # The file's name only: a reply never shows where the server keeps its files.
                    result.reply = result.reply.replace(
                        f"Export ready as {fmt.upper()}", f"Saved as {fmt.upper()}: {name}"
                    )
                except (OSError, LookupError):
                    log.exception("could not write the export of thread %s", thread_id)
        return result

    async def aturn(self, thread_id: str, user_id: str, text: str, *, owner_only: bool = False) -> TurnResult:
        """``turn`` for async front ends; runs in a worker thread so the event loop never blocks."""
        return await asyncio.to_thread(self.turn, thread_id, user_id, text, owner_only=owner_only)

    def _answer(self, thread_id: str, message: str) -> TurnResult:
        """A turn that changed nothing: ``message`` and the thread's playlist as it is."""
        cur = self.current(thread_id)
        items = cur.playlist if cur else []
        reply = prompts.reply("", [p.model_dump() for p in items], question=message)
        return TurnResult(
            reply=_cap(reply), playlist=items, query=cur.query if cur else {}, changed="", thread_id=thread_id
        )

    def _result(self, thread_id: str, state: dict[str, Any]) -> TurnResult:
        msgs = state.get("messages") or []
        reply = msgs[-1].content if msgs and getattr(msgs[-1], "type", None) == "ai" else ""
        return TurnResult(
            reply=_cap(clean_text(str(reply))),
            playlist=[PlaylistItem.model_validate(p) for p in state.get("playlist") or []],
            query=state.get("query") or {},
            changed=clean_text(state.get("changed") or ""),
            thread_id=thread_id,
            brain=state.get("brain") or "",
        )

    def current(self, thread_id: str) -> TurnResult | None:
        """The thread's latest reply and playlist, or None for a thread never seen (or whose state cannot be read)."""
        try:
            snap = self.graph.get_state(self._config(thread_id))
            if not snap.values or not snap.values.get("messages"):
                return None
            return self._result(thread_id, snap.values)
        except Exception:  # a damaged or foreign checkpoint: the thread reads as empty, the cause is logged
            log.exception("the saved state of thread %s cannot be read", thread_id)
            return None

    def reset(self, thread_id: str, user_id: str) -> None:
        """Start the thread over: no playlist, no query (long-term memory stays). As "start over" said in the chat,
        the playlist before stays in the undo history, so "undo" brings it back."""
        with self._locks.hold(thread_id):
            try:
                values = self.graph.get_state(self._config(thread_id)).values or {}
                draft = PlaylistDraft.from_state(values)
                draft.start_over()
                self.graph.update_state(
                    self._config(thread_id),
                    {
                        "playlist": [],
                        "query": {},
                        "history": draft.history[-self.context.undo_depth :],
                        "redo": [],
                        "focus": None,
                        "user_id": user_id,
                        "changed": "started over",
                    },
                    as_node="turn",
                )
            except Exception:  # a saved state that cannot be read (or merged): the thread is emptied instead
                log.exception("thread %s could not be reset in place; emptying it", thread_id)
                clear = getattr(self.checkpointer, "clear", None)
                if clear is None:
                    raise
                clear(thread_id)

    # --- ownership --------------------------------------------------------------------------------
    def claim(self, thread_id: str, user_id: str) -> str | None:
        """The thread's owner, recorded as ``user_id`` if it has none (None where the checkpointer keeps no owners)."""
        known = self._owners.get(thread_id)
        if known is not None:  # an owner never changes: no database write per turn
            return known
        claim = getattr(self.checkpointer, "claim", None)
        return self._remember(thread_id, claim(thread_id, user_id) if claim is not None else None)

    def owner(self, thread_id: str) -> str | None:
        """Who created the thread (None: nobody recorded, or the checkpointer keeps no owners)."""
        known = self._owners.get(thread_id)
        if known is not None:
            return known
        owner = getattr(self.checkpointer, "owner", None)
        return self._remember(thread_id, owner(thread_id) if owner is not None else None)

    def _remember(self, thread_id: str, owner: str | None) -> str | None:
        if owner is not None:
            if len(self._owners) >= OWNERS_CACHED:
                self._owners.clear()
            self._owners[thread_id] = owner
        return owner

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
            return f'Noted: you love "{track.title}" by {track.artist}.'
        self.memory.update(user_id, skipped=[track_id])
        return f'Noted: I won\'t play "{track.title}" by {track.artist} for you again.'

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
        query = PlaylistQuery.model_validate(cur.query or {})
        title = query.name or query.describe()
        catalog = self.deps.catalog
        items = [
            p.model_copy(update={k: clean_text(getattr(p, k), newlines=False) for k in ("title", "artist", "reason")})
            for p in cur.playlist
        ]
        stem = export_name(thread_id, fmt).rsplit(".", 1)[0]
        return render(
            fmt,
            items,
            title=clean_text(title, newlines=False),
            stem=stem,
            query=cur.query,
            album=lambda tid: clean_text(getattr(catalog.get(tid), "album", ""), newlines=False),
        )

    def _drop_exports(self, thread_ids: list[str]) -> None:
        """Expired threads take their export files (and their remembered owners) with them."""
        folder = Path(self.settings.home) / "exports"
        for tid in thread_ids:
            getattr(self, "_owners", {}).pop(tid, None)
            for fmt in FORMATS:
                (folder / export_name(tid, fmt)).unlink(missing_ok=True)

    # --- operations --------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load now what turns otherwise load on first use (the pipeline's tables, the catalog's song titles and
        names the offline brain reads), then settle the heap (``tools.pipeline.settle_heap``): a server's first turns
        then cost what later ones do."""
        t0 = time.perf_counter()
        warm = getattr(self.pipeline, "warm_up", None)
        if warm is not None:
            warm()
        vocab = self.deps.vocab
        _ = vocab.titles, vocab.artist_words, vocab.first_names
        from tools.pipeline import settle_heap

        settle_heap()  # what a server keeps is loaded: frozen for the collector, which then runs far less often
        log.info("warmed up in %.1fs", time.perf_counter() - t0)

    def ready_check(self) -> str | None:
        """None when a real search answers (checked at most every few seconds); else why not, in words
        safe to show a client (the cause goes to the log)."""
        with self._ready_lock:
            if time.monotonic() - self._ready_at < READY_CHECK_S:
                return None
            try:
                found = self.pipeline.run("music", n=3).playlist
            except Exception:
                log.exception("the readiness search failed")
                return "a search failed; see the server log"
            if not found:
                return "a search found nothing"
            self._ready_at = time.monotonic()
            return None

    def close(self) -> None:
        for res in self._closers:
            try:
                res.close()
            except Exception:  # closing is best effort at shutdown
                log.debug("close failed", exc_info=True)
        self._closers.clear()


def _cap(text: str) -> str:
    return text if len(text) <= MAX_REPLY else text[: MAX_REPLY - 1] + "…"


def _load_continuer(settings: Any, pipeline: Any) -> Any:
    """The VAE continuation model when it is built; None means "add more" uses search."""
    try:
        from tools.continuation import Continuer
    except ImportError:
        return None
    try:
        continuer = Continuer.load(settings, pipeline.catalog)
    except Exception as exc:  # not built yet, built for another catalog, or damaged
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
    return [
        (
            'The continuation model is not trained yet, so "add more" searches the catalog instead. '
            "Train it once with `playgenie build` (or `playgenie train vae`, about 15 minutes)."
        )
    ]


def _load_llm(settings: Any) -> Any:
    if not settings.llm_base_url:
        return None
    from agent.llm_brain import LLMBrain

    return LLMBrain(settings)
