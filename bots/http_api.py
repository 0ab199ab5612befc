"""The HTTP API: a thin FastAPI adapter over the conversation service.

Usage:
    playgenie serve --host 127.0.0.1 --port 8080
    curl -s localhost:8080/v1/chat -H 'content-type: application/json' \\
        -d '{"thread_id": "t1", "user_id": "u1", "text": "90s hip hop for the gym"}'

Endpoints: the web page at ``/`` (``bots/web``), ``POST /v1/chat/completions`` and ``GET /v1/models``
(OpenAI-compatible, ``bots/openai_api.py``), ``GET /metrics`` (Prometheus, ``bots/metrics.py``),
``POST /v1/chat`` (one turn; same JSON as ``playgenie chat --json``),
``GET /v1/threads/{id}`` (the current playlist), ``GET /v1/threads/{id}/export``,
``POST /v1/feedback``, ``DELETE /v1/users/{id}`` (forget), ``GET /healthz`` (alive),
``GET /readyz`` (catalog and index loaded). ``X-API-Key`` is required when
``PLAYGENIE_API_KEY`` is set. Bodies over 64 KB are refused with 413.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at runtime.
import argparse
import logging
import secrets
import socket
import threading
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tools.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes; a chat message is at most 10,000 characters
MAX_TEXT = 10_000
# Longer than uvicorn's 5 s: a client reusing a connection the server is closing gets a ReadError.
KEEP_ALIVE_S = 65
ID_PATTERN = r"^[A-Za-z0-9_.:@\-]{1,200}$"
USER_PATTERN = ID_PATTERN  # e.g. "ana.lopez@example.com"; the store escapes what its namespaces can't hold


class ChatRequest(BaseModel):
    """One user message in one thread."""

    model_config = ConfigDict(extra="forbid")
    thread_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    user_id: str = Field(min_length=1, max_length=200, pattern=USER_PATTERN)
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="What the user said.")


class Track(BaseModel):
    """One track of a playlist, with why it is there (the fields of ``playgenie chat --json``)."""

    track_id: str
    title: str
    artist: str
    year: int | None
    genres: list[str]
    moods: list[str]
    energy: float
    valence: float
    tempo: float
    reason: str


class ChatResponse(BaseModel):
    """The turn's answer: same fields as `playgenie chat --json`."""

    thread_id: str
    reply: str
    playlist: list[Track]
    query: dict[str, Any]
    changed: str = ""


class ThreadResponse(BaseModel):
    """A thread's current playlist."""

    thread_id: str
    reply: str
    playlist: list[Track]
    query: dict[str, Any]


class FeedbackRequest(BaseModel):
    """Thumbs up or down on a playlist or one of its tracks."""

    model_config = ConfigDict(extra="forbid")
    thread_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    user_id: str = Field(min_length=1, max_length=200, pattern=USER_PATTERN)
    track_id: str | None = Field(default=None, min_length=1, max_length=64, description="None: the whole playlist.")
    liked: bool


class Message(BaseModel):
    """A short human-readable answer."""

    message: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8080, help="Port to listen on (default 8080).")
    parser.add_argument("--workers", type=int, default=4, help="Turns computed at once; more queue (default 4).")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    import uvicorn

    logging.getLogger("httpx").setLevel(logging.WARNING)
    level = "info" if args.verbose else "warning"
    uvicorn.run(
        create_app(settings, workers=args.workers),
        host=args.host,
        port=args.port,
        log_level=level,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    return 0


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413, before any parsing."""

    def __init__(self, app: Any, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.limit:
                    await _plain(send, 413, f"request body over {self.limit} bytes")
                    return
            except ValueError:
                await _plain(send, 400, "invalid Content-Length")
                return
        # Read the body here, bounded, so a chunked upload cannot grow past the limit either.
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                await _plain(send, 413, f"request body over {self.limit} bytes")
                return
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _plain(send: Any, status: int, detail: str) -> None:
    import json

    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def create_app(settings: "Settings", service: Any = None, *, workers: int = 4) -> "FastAPI":
    """The FastAPI app. Without a ``service`` it builds ``ChatService(settings)`` in the background,
    so ``/healthz`` answers at once and ``/readyz`` says when the catalog and index are loaded."""
    from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
    from fastapi.responses import JSONResponse
    from fastapi.security import APIKeyHeader

    from bots.terminal_chat import as_json  # one JSON shape for the CLI's one-turn mode and the API

    state: dict[str, Any] = {"service": service, "error": None, "owned": service is None}

    def _load() -> None:
        try:
            from agent.service import ChatService

            started = time.perf_counter()
            state["service"] = ChatService(settings, progress=True)  # a fresh home's build shows in the log
            log.info("service ready in %.1fs", time.perf_counter() - started)
            for notice in state["service"].notices:  # a missing model, said once with the command that fixes it
                log.warning(notice)
        except Exception as exc:  # reported by /readyz; the process stays up for the operator to see why
            log.error("could not load the conversation service", exc_info=exc)
            state["error"] = f"{type(exc).__name__}: {exc}"

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        import anyio.to_thread

        # Turns are CPU-bound (encoder, retrieval): a few at a time beat forty fighting over the cores.
        anyio.to_thread.current_default_thread_limiter().total_tokens = workers
        loader = None
        if state["service"] is None:
            loader = threading.Thread(target=_load, name="playgenie-load", daemon=True)
            loader.start()
        yield
        if loader is not None:
            loader.join()
        if state["owned"] and state["service"] is not None:
            state["service"].close()

    app = FastAPI(
        title="PlayGenie",
        version="0.1.0",
        description="Playlists from plain language, reshaped by talking. One thread per conversation.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY)

    key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Required when PLAYGENIE_API_KEY is set.")

    def require_key(key: str | None = Depends(key_header)) -> None:
        if settings.api_key and not (key and secrets.compare_digest(key.encode(), settings.api_key.encode())):
            raise HTTPException(status_code=401, detail="missing or wrong X-API-Key")

    from bots.metrics import Metered, Metrics

    metrics = Metrics()

    def svc() -> Any:
        if state["service"] is None:
            raise HTTPException(status_code=503, detail=state["error"] or "still loading the catalog and index")
        return Metered(state["service"], metrics)  # turns counted for /metrics

    guarded = [Depends(require_key)]

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"description": "Still loading, or loading failed."}})
    async def readyz(response: Response) -> dict[str, str]:
        """Readiness: the catalog and index are loaded and turns can be served."""
        if state["service"] is None:
            response.status_code = 503
            return {"status": "error" if state["error"] else "loading", "detail": state["error"] or ""}
        return {"status": "ready", "detail": ""}

    @app.post("/v1/chat", response_model=ChatResponse, dependencies=guarded, responses={401: {}, 413: {}, 503: {}})
    def chat(req: ChatRequest) -> dict[str, Any]:
        """One turn of a conversation: the reply, the playlist and the typed query."""
        return as_json(svc().turn(req.thread_id, req.user_id, req.text))

    @app.get(
        "/v1/threads/{thread_id}", response_model=ThreadResponse, dependencies=guarded, responses={404: {}, 401: {}}
    )
    def thread(thread_id: str = Path(max_length=200, pattern=ID_PATTERN)) -> dict[str, Any]:
        """The thread's current playlist; 404 when the thread has none."""
        result = svc().current(thread_id)
        if result is None:
            raise HTTPException(status_code=404, detail=f"no thread {thread_id!r}")
        out = as_json(result)
        out.pop("changed")
        return out

    @app.get("/v1/threads/{thread_id}/export", dependencies=guarded, responses={404: {}, 401: {}})
    def export(
        thread_id: str = Path(max_length=200, pattern=ID_PATTERN),
        fmt: Literal["m3u", "xspf", "jspf", "csv", "json"] = Query(default="m3u"),
    ) -> Response:
        """The current playlist as a file (M3U, XSPF, JSPF, CSV or JSON, with Spotify links and track ids)."""
        try:
            filename, data = svc().export(thread_id, fmt)
        except LookupError as exc:  # no thread, or no playlist in it yet
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        from agent.exports import MEDIA_TYPES

        media = MEDIA_TYPES[fmt]
        return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @app.post("/v1/feedback", response_model=Message, dependencies=guarded, responses={404: {}, 401: {}})
    def feedback(req: FeedbackRequest) -> dict[str, str]:
        """Thumbs up/down on the playlist (no track_id) or on one of its tracks; feeds long-term memory."""
        service = svc()
        current = service.current(req.thread_id)
        if current is None:
            raise HTTPException(status_code=404, detail=f"no thread {req.thread_id!r}")
        if req.track_id is not None and req.track_id not in {t.track_id for t in current.playlist}:
            raise HTTPException(status_code=404, detail=f"track {req.track_id!r} is not in this thread's playlist")
        return {"message": service.feedback(req.user_id, req.thread_id, req.track_id, req.liked)}

    @app.delete("/v1/users/{user_id}", response_model=Message, dependencies=guarded, responses={401: {}})
    def forget(user_id: str = Path(max_length=200, pattern=USER_PATTERN)) -> dict[str, str]:
        """Erase everything remembered about this user."""
        svc().forget(user_id)
        return {"message": f"forgot everything about {user_id}"}

    # The web page at /, the OpenAI-compatible routes and /metrics (bots/web, bots/openai_api, bots/metrics).
    from bots import openai_api, web

    web.mount(app, svc, guarded, ID_PATTERN)
    openai_api.mount(app, svc, guarded)
    metrics.mount(app)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Logged with the request line; the client gets a plain message, never a traceback.
        log.error("error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)

    return app


class BackgroundServer:
    """Uvicorn serving an app from a thread on a free local port (tests, the load test)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5, timeout_keep_alive=KEEP_ALIVE_S
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
