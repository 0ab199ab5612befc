"""Small ASGI pieces the HTTP front ends share: a bounded body read, its replay, a plain JSON refusal, a turn
with its refusals, and an app served from a thread (tests, the load and fault evaluations)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any


# Longer than uvicorn's 5 s: a client reusing a connection the server is closing gets a ReadError.
KEEP_ALIVE_S = 65


class TooLarge(Exception):
    """The request body passed the limit before it ended."""


async def read_body(receive: Any, limit: int) -> bytes | None:
    """The whole request body, reading no more than ``limit`` bytes past it (TooLarge); None when the client left."""
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            raise TooLarge
        if not message.get("more_body"):
            return body


def replaying(body: bytes, receive: Any) -> Callable[[], Awaitable[dict]]:
    """A ``receive`` that gives the app ``body`` as one message, then whatever the client sends next."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def refuse(send: Any, status: int, detail: str) -> None:
    """Answer ``{"detail": ...}`` with ``status`` before the app sees the request."""
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def turn_or_refusal(
    service: Any, thread_id: str, user_id: str, text: str, *, owner_only: bool, limiter: Any = None
) -> Any:
    """One chat turn on a worker thread (the event loop stays free); another user's thread is a 403, a thread
    busy with another turn a 409, as every HTTP route that runs a turn answers them. ``limiter``: the turns computed
    at once (the app's ``state.turns``, see :func:`turn_limiter`); None takes anyio's default."""
    import functools

    import anyio.to_thread
    from fastapi import HTTPException

    from agent.service import NotOwner, ThreadBusy

    turn = functools.partial(service.turn, thread_id, user_id, text, owner_only=owner_only)
    try:
        return await anyio.to_thread.run_sync(turn, limiter=limiter)
    except NotOwner as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    except ThreadBusy as exc:
        raise HTTPException(status_code=409, detail=f"{exc}; send it again") from None


def with_export_route(result: Any) -> Any:
    """A turn that exported ("export it as xspf") with its reply naming the route that serves the file: the file
    the service saved lies on the server, out of an HTTP caller's reach."""
    if not getattr(result, "export", ""):
        return result
    from urllib.parse import quote

    route = f"/v1/threads/{quote(result.thread_id, safe=':@')}/export?fmt={result.export}"
    head, sep, rest = result.reply.partition("\n\n")
    return result.model_copy(update={"reply": f"{head}\nDownload it: GET {route}{sep}{rest}"})


def turn_limiter(app: Any) -> Any:
    """The app's limiter of turns computed at once (set at start-up), or None before it is set."""
    return getattr(app.state, "turns", None)


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
