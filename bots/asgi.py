"""Small ASGI pieces the API's middlewares share: a bounded body read, its replay, a plain JSON refusal."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any


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
