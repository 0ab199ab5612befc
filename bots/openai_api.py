"""An OpenAI-compatible face for PlayGenie: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Any OpenAI client or chat UI (Open WebUI, LibreChat, the ``openai`` package) can talk to PlayGenie:

    from openai import OpenAI
    client = OpenAI(base_url="http://localhost:8080/v1", api_key="<PLAYGENIE_API_KEY or anything>")
    r = client.chat.completions.create(model="playgenie", user="ana",
                                       messages=[{"role": "user", "content": "90s hip hop for the gym"}])

How a request maps onto a PlayGenie conversation:

- The turn is the last ``user`` message; earlier messages are the client's copy of the conversation
  and are not replayed (PlayGenie keeps its own thread).
- The user (long-term memory: likes, blocklist) is the request's ``user`` field (default ``openai``).
- The conversation is ``X-Conversation-Id`` (or Open WebUI's ``X-OpenWebUI-Chat-Id``) when the client
  sends one; otherwise it is derived from the user and the conversation's first user message, so a
  chat UI that re-sends the whole history keeps talking to one thread, and a new chat starts a new
  one. Two chats that open with the same words continue one thread: send the header to keep them apart.
- The answer is the chat's reply, with the playlist as a Markdown table. ``stream: true`` sends it as
  server-sent events, one ``chat.completion.chunk`` per line, then ``data: [DONE]``. The response's
  ``X-PlayGenie-Thread-Id`` header names the thread, for ``/v1/threads/{id}`` and its export.

Auth: the same key as the rest of the API (``X-API-Key``); clients that can only send
``Authorization: Bearer <key>`` are accepted too.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at runtime.
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bots.asgi import TooLarge, read_body, refuse, replaying, turn_limiter, turn_or_refusal, with_export_route

MODEL_ID = "playgenie"
MAX_MESSAGES = 500
MAX_CONTENT = 10_000  # characters of the turn's message, as /v1/chat
CONVERSATION_HEADERS = ("x-conversation-id", "x-openwebui-chat-id")
PATHS = ("/v1/chat/completions", "/v1/models")
USER_ID = re.compile(r"[A-Za-z0-9_.:@\-]{1,200}")  # the API's user ids (bots/http_api.py USER_PATTERN)
SHIM_MAX_BODY = 4 * 1024 * 1024  # bytes of a whole re-sent history, before it is cut to two messages


class ContentPart(BaseModel):
    """One part of a multi-part message; only text parts are read."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(max_length=40)
    text: str | None = Field(default=None, max_length=MAX_CONTENT)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    @field_validator("content")
    @classmethod
    def _unicode(cls, value: Any) -> Any:
        return _no_lone_surrogate(value) if isinstance(value, str) else value

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text or "" for p in self.content or [] if p.type in ("text", "input_text"))


class CompletionRequest(BaseModel):
    """The Chat Completions request; sampling options are accepted and ignored (the answer is not sampled)."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(default=MODEL_ID, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    user: str | dict[str, Any] | None = Field(
        default=None, description="Who is talking (long-term memory). A UI's user object is read by its 'id'."
    )

    @field_validator("user")
    @classmethod
    def _unicode(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for v in value.values():
                if isinstance(v, str):
                    _no_lone_surrogate(v)
        return _no_lone_surrogate(value) if isinstance(value, str) else value


def _no_lone_surrogate(value: str) -> str:
    """JSON can escape half of a UTF-16 pair ("\\ud800"), which no UTF-8 text holds: refused (422) as /v1/chat
    refuses it, instead of failing later where the text is hashed or stored."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid unicode: a lone surrogate (half of a UTF-16 pair)") from None
    return value


def _esc(cell: Any) -> str:
    return str(cell).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(items: Sequence[Any]) -> str:
    """The playlist as a Markdown table: #, title, artist, year, energy, valence, BPM, why."""
    rows = ["| # | Title | Artist | Year | Energy | Valence | BPM | Why |", "|---:|---|---|---:|---:|---:|---:|---|"]
    for i, p in enumerate(items, 1):
        rows.append(
            f"| {i} | {_esc(p.title)} | {_esc(p.artist)} | {p.year or ''} | {p.energy:.2f} | {p.valence:.2f} "
            f"| {p.tempo:.0f} | {_esc(p.reason)} |"
        )
    return "\n".join(rows)


def answer_text(reply: str, items: Sequence[Any]) -> str:
    """The chat's reply with its numbered playlist listing shown as a Markdown table."""
    from bots.render import split_reply

    message, cut = split_reply(reply, items)
    if not cut:
        return reply.strip()
    return f"{message}\n\n{markdown_table(items)}" if message else markdown_table(items)


def user_id(value: Any) -> str:
    """The request's ``user`` as a PlayGenie user id: as sent when it is a plain id (``ana``, an email address),
    else a stable digest of it, so no client's way of naming users is refused."""
    if isinstance(value, dict):
        value = value.get("id") or value.get("email") or value.get("name")
    if not value:
        return "openai"
    value = str(value)
    if USER_ID.fullmatch(value):
        return value
    return "openai-" + hashlib.sha256(value.encode()).hexdigest()[:20]


def conversation_of(req: CompletionRequest, headers: dict[str, str]) -> tuple[str, str, str]:
    """(thread id, user id, the turn's text) for a request; see the module docstring."""
    user = user_id(req.user)
    given = next((headers[h] for h in CONVERSATION_HEADERS if headers.get(h)), None)
    if given is None:
        first = next((m.text() for m in req.messages if m.role == "user"), "")
        given = "first:" + first.strip()
    digest = hashlib.sha256(f"{user}\n{given}".encode()).hexdigest()[:24]
    text = next((m.text() for m in reversed(req.messages) if m.role == "user"), "")
    return f"openai:{digest}", user, text


def _chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def stream_events(cid: str, created: int, text: str) -> Iterator[str]:
    """Server-sent events: the role, the answer one line at a time, the stop, then [DONE]."""
    yield _chunk(cid, created, {"role": "assistant", "content": ""})
    lines = text.split("\n")
    for i, line in enumerate(lines):
        yield _chunk(cid, created, {"content": line + ("\n" if i < len(lines) - 1 else "")})
    yield _chunk(cid, created, {}, "stop")
    yield "data: [DONE]\n\n"


class OpenAIShim:
    """ASGI middleware for the OpenAI routes, in front of the API's own checks.

    - ``Authorization: Bearer K`` counts as ``X-API-Key: K`` when no X-API-Key is sent, so OpenAI
      clients pass the API's one key check unchanged.
    - Chat UIs re-send the whole history each turn (it outgrows the API's 64 KB body limit after a
      few dozen turns); only the first and the last user messages are read, so the body is cut to
      those before the limit applies. Bodies over ``limit`` bytes are still refused with 413.
    """

    def __init__(self, app: Any, limit: int = SHIM_MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") not in PATHS:
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"content-length"]
        names = {k.lower() for k, _ in headers}
        auth = next((v for k, v in headers if k.lower() == b"authorization"), b"")
        if b"x-api-key" not in names and auth[:7].lower() == b"bearer ":
            headers.append((b"x-api-key", auth[7:].strip()))
        if scope.get("method") != "POST":
            await self.app(dict(scope, headers=headers + _length(scope)), receive, send)
            return
        try:
            body = await read_body(receive, self.limit)
        except TooLarge:
            await refuse(send, 413, f"request body over {self.limit} bytes")
            return
        if body is None:
            return
        body = _compact(body)
        headers.append((b"content-length", str(len(body)).encode()))
        await self.app(dict(scope, headers=headers), replaying(body, receive), send)


def _length(scope: dict) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in scope.get("headers") or [] if k.lower() == b"content-length"]


def _compact(body: bytes) -> bytes:
    """The request with only its first and last user messages (all a PlayGenie turn reads); else as it was."""
    try:
        data = json.loads(body)
        msgs = data["messages"]
        users = [i for i, m in enumerate(msgs) if isinstance(m, dict) and m.get("role") == "user"]
    except (ValueError, KeyError, TypeError):
        return body  # the route's validation answers with a clear 422
    if len(users) <= 2:
        return body
    data["messages"] = [msgs[users[0]], msgs[users[-1]]]
    return json.dumps(data, ensure_ascii=False).encode()


def mount(
    app: Any, svc: Callable[[], Any], authenticate: Callable[..., Any], acting_as: Callable[[Any, str | None], str]
) -> None:
    """Add the OpenAI-compatible routes to the app; ``svc`` returns the conversation service (or raises 503),
    ``authenticate`` the caller and ``acting_as(caller, user)`` the user it acts for (403 for another's)."""
    from fastapi import APIRouter, Depends, HTTPException, Request

    from fastapi.responses import StreamingResponse

    router = APIRouter(tags=["openai"])

    @router.get("/v1/models", responses={401: {}})
    def models(who: Any = Depends(authenticate)) -> dict[str, Any]:
        """The one model PlayGenie serves, in OpenAI's list format."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "playgenie"}]}

    @router.post("/v1/chat/completions", responses={400: {}, 401: {}, 413: {}, 503: {}})
    async def completions(req: CompletionRequest, request: Request, who: Any = Depends(authenticate)) -> Any:
        """One turn of a PlayGenie conversation in OpenAI's Chat Completions format (``stream`` supported)."""
        if req.user is None and not who.trusted:  # a user token names the user
            req = req.model_copy(update={"user": who.user_id})
        thread_id, user_id, text = conversation_of(req, {k.lower(): v for k, v in request.headers.items()})
        user_id = acting_as(who, user_id)
        if not text.strip():
            raise HTTPException(status_code=400, detail="the request has no user message with text")
        if len(text) > MAX_CONTENT:
            raise HTTPException(status_code=400, detail=f"the last user message is over {MAX_CONTENT} characters")
        service = svc()
        result = await turn_or_refusal(
            service, thread_id, user_id, text, owner_only=not who.trusted, limiter=turn_limiter(request.app)
        )
        result = with_export_route(result)
        content = answer_text(result.reply, result.playlist)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        headers = {"X-PlayGenie-Thread-Id": thread_id}  # for /v1/threads/{id} and its export
        if req.stream:
            return StreamingResponse(
                stream_events(cid, created, content),
                media_type="text/event-stream",
                headers={**headers, "Cache-Control": "no-cache"},
            )
        body = {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        }
        from fastapi.responses import JSONResponse

        return JSONResponse(body, headers=headers)

    app.include_router(router)
    app.add_middleware(OpenAIShim)
