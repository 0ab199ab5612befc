"""The one OpenAI-compatible LLM client: short timeouts, JSON out, pydantic validation, None on failure.

Every caller (tag extraction, refinement, the agent) treats ``None`` as "use the offline path".
The client never raises: a refused connection, a timeout, prose instead of JSON, or JSON that does
not fit the schema are all logged with the reason and returned as ``None``.

Usage::

    client = LLMClient(settings)
    answer = client.complete_json(system, user, MySchema)   # MySchema instance or None
    client.counts()   # {"calls", "replies", "parsed", "failed", "reasons"}: what the model really did

What users write and what the catalog holds reaches a model only as data: :func:`data_block` renders
it as JSON between tags (``<` escaped, so nothing inside can close the block), and every prompt
loses its control characters (:func:`clean`). :func:`request_budget` caps the requests one turn
may make; a call past the budget returns None like any failure.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from tools.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` without terminal escapes, control characters or bidi overrides (newlines and tabs stay)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def data_block(tag: str, obj: Any) -> str:
    """``obj`` as JSON between ``<tag>`` and ``</tag>``: strings inside can neither close the block nor escape it."""
    text = json.dumps(_cleaned(obj), ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e")  # still valid JSON, never a tag
    return f"<{tag}>{text}</{tag}>"


def _cleaned(obj: Any) -> Any:
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, dict):
        return {clean(str(k)): _cleaned(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_cleaned(v) for v in obj]
    return obj


@dataclass
class _Budget:
    left: int
    size: int
    down: bool = False  # a call in this block found the endpoint unable to answer: the rest fail at once


_TOTALS: Counter[str] = Counter()  # every client in this process: what a test session or an eval really got
_TOTALS_LOCK = threading.Lock()


def totals() -> dict[str, int]:
    """Calls, replies, parsed replies and failures over every LLMClient in this process."""
    with _TOTALS_LOCK:
        return {k: _TOTALS[k] for k in ("calls", "replies", "parsed", "failed")}


_BUDGET: ContextVar[_Budget | None] = ContextVar("playgenie_llm_budget", default=None)


@contextmanager
def request_budget(n: int, *, down: bool = False) -> Iterator[None]:
    """At most ``n`` LLM requests inside this block (this thread or task and what it calls); later ones return None.

    ``down``: the endpoint already failed to answer this turn, so none go out at all."""
    token = _BUDGET.set(_Budget(left=max(0, n), size=max(0, n), down=down))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _spend() -> str | None:
    """None when a request may go out (and counts it), else why not."""
    budget = _BUDGET.get()
    if budget is None:
        return None
    if budget.down:
        return "LLM endpoint down (an earlier call this turn could not reach it)"
    if budget.left <= 0:
        return f"LLM request budget spent ({budget.size} per turn)"
    budget.left -= 1
    return None


def first_json_object(text: str) -> dict | None:
    """The first balanced ``{...}`` in ``text`` that parses as a JSON object (models wrap JSON in prose)."""
    if not text:
        return None
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(text, start)
            if isinstance(obj, dict):
                return obj
        except json.JSONDecodeError:
            pass
        start = text.find("{", start + 1)
    return None


class LLMClient:
    """An OpenAI-compatible chat endpoint (``settings.llm_base_url``) that answers in validated JSON.

    Thread-safe. :meth:`counts` says how many requests went out, how many replies came back and
    were parsed into what the caller asked for, and why the others failed.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.model = settings.llm_model
        self.timeout = settings.llm_timeout_s
        self._client = None
        # response formats still to try; one the endpoint rejects is dropped for good (shared per endpoint)
        self._formats = _FORMATS_BY_URL.setdefault(settings.llm_base_url or "", list(FORMATS))
        self.last_error: str | None = None  # why the last call returned None, for notes and tests
        self._local = threading.local()  # per thread: whether its last call found the endpoint down
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._reasons: Counter[str] = Counter()
        if settings.llm_base_url:
            from openai import OpenAI

            # max_retries=0: the caller falls back at once instead of waiting out retries.
            self._client = OpenAI(
                base_url=settings.llm_base_url,
                api_key=settings.llm_api_key or "none",
                timeout=self.timeout,
                max_retries=0,
            )

    @property
    def last_down(self) -> bool:
        """Whether this thread's last call got no answer from the endpoint (refused, timeout, HTTP error, junk)."""
        return getattr(self._local, "down", False)

    @property
    def enabled(self) -> bool:
        return self._client is not None

    # ----- what happened -------------------------------------------------------------------------
    def counts(self) -> dict[str, Any]:
        """``calls`` sent, ``replies`` received, ``parsed`` (valid for the caller), ``failed``, and ``reasons``."""
        with self._lock:
            return {
                **{k: self._counts[k] for k in ("calls", "replies", "parsed", "failed")},
                "reasons": dict(self._reasons),
            }

    @property
    def parsed(self) -> int:
        """Replies received and parsed into what the caller asked for: the proof the model answered."""
        with self._lock:
            return self._counts["parsed"]

    def _count(self, *keys: str) -> None:
        with self._lock:
            self._counts.update(keys)
        with _TOTALS_LOCK:
            _TOTALS.update(keys)

    def _failed(self, why: str, reason: str | None = None) -> None:
        """Record a failed call: ``why`` for the caller, ``reason`` (the kind, without detail) for the tally."""
        self.last_error = why
        with self._lock:
            self._reasons[reason or why] += 1
        self._count("failed")

    def _endpoint_failed(self) -> None:
        """The endpoint gave no answer at all (refused, timed out, an HTTP error, not an API response): the rest of
        this turn's calls fail at once, so one turn waits out one timeout, not one per stage."""
        self._local.down = True
        if (budget := _BUDGET.get()) is not None:
            budget.down = True

    def mark_invalid(self, why: str) -> None:
        """A caller found a parsed reply unusable after all (e.g. a tool call that does not validate)."""
        with self._lock:
            self._counts["parsed"] -= 1
            self._reasons[why] += 1
        with _TOTALS_LOCK:
            _TOTALS["parsed"] -= 1
        self._count("failed")

    # ----- requests ------------------------------------------------------------------------------
    def _create(
        self,
        messages: list[dict[str, Any]],
        *,
        timeout: float | None,
        max_tokens: int,
        json_mode: bool,
        json_schema: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Any | None:
        """The raw response, or None (logged, counted) on any error or when the turn's budget is spent."""
        self._local.down = False
        if self._client is None:
            self._failed("no LLM endpoint configured")
            return None
        if (spent := _spend()) is not None:
            self._local.down = "down" in spent
            self._failed(spent, "endpoint down" if self._local.down else "budget spent")
            log.info("%s; not calling the LLM", spent)
            return None
        messages = [{**m, "content": clean(m["content"])} if isinstance(m.get("content"), str) else m for m in messages]
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens,
            "timeout": timeout or self.timeout,
        }
        if tools:
            kwargs["tools"] = tools
        started = time.perf_counter()
        self._count("calls")
        try:
            while True:
                fmt = next((f for f in self._formats if json_mode and (json_schema or "schema" not in f)), None)
                if fmt is None:
                    kwargs.pop("response_format", None)
                else:
                    kwargs["response_format"] = _response_format(fmt, json_schema)
                try:
                    resp = self._client.chat.completions.create(**kwargs)
                    break
                except Exception as exc:
                    if fmt is None or not _is_bad_request(exc):
                        raise
                    # an endpoint that does not know this way of asking for JSON: the next one, from now on
                    log.info("LLM endpoint rejected response format %r (%s); trying the next", fmt, type(exc).__name__)
                    with _FORMATS_LOCK:
                        if fmt in self._formats:
                            self._formats.remove(fmt)
        except Exception as exc:  # noqa: BLE001 - never raise out of the client
            # the error's type and status only: a provider's message may echo part of the key
            status = getattr(exc, "status_code", None)
            why = type(exc).__name__ + (f" (HTTP {status})" if status else "")
            self._endpoint_failed()
            self._failed(why)
            log.warning("LLM call failed after %.2fs: %s", time.perf_counter() - started, why)
            log.debug("LLM error detail: %s", str(exc)[:300])
            return None
        try:
            message = resp.choices[0].message
        except (AttributeError, IndexError, TypeError) as exc:
            self._endpoint_failed()
            self._failed(f"malformed response: {exc}", "malformed response")
            log.warning("LLM returned a malformed response: %s", exc)
            return None
        self._count("replies")
        log.debug("LLM answered in %.2fs", time.perf_counter() - started)
        return message

    def complete_text(
        self, system: str, user: str, *, timeout: float | None = None, max_tokens: int = 512, json_mode: bool = False
    ) -> str | None:
        """The model's reply as text, or None on any error (logged)."""
        message = self._create(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            timeout=timeout,
            max_tokens=max_tokens,
            json_mode=json_mode,
        )
        if message is None:
            return None
        self.last_error = None
        self._count("parsed")
        return message.content or ""

    def complete_json(
        self,
        system: str,
        user: str,
        schema: type[T],
        *,
        timeout: float | None = None,
        max_tokens: int = 512,
        json_schema: dict[str, Any] | None = None,
    ) -> T | None:
        """The reply parsed and validated as ``schema``, or None on error, timeout or invalid JSON (logged).

        ``json_schema`` (default: ``schema``'s own) is sent as the response format where the endpoint
        takes one, so a server that constrains decoding (llama.cpp) can only write that shape.
        """
        message = self._create(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            timeout=timeout,
            max_tokens=max_tokens,
            json_mode=True,
            json_schema=json_schema or schema.model_json_schema(),
        )
        if message is None:
            return None
        content = message.content or ""
        obj = first_json_object(content)
        if obj is None:
            self._failed("no JSON object in the reply")
            log.warning("LLM reply had no JSON object: %r", content[:200])
            return None
        try:
            result = schema.model_validate(obj)
        except ValidationError as exc:
            self._failed(f"invalid {schema.__name__}: {exc.error_count()} errors", f"invalid {schema.__name__}")
            log.warning("LLM JSON did not validate as %s: %s", schema.__name__, str(exc)[:300])
            return None
        self.last_error = None
        self._count("parsed")
        return result

    def complete_tools(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        *,
        timeout: float | None = None,
        max_tokens: int = 256,
    ) -> list[dict[str, Any]] | None:
        """Tool calls ``{"name", "args"}`` the model asked for (maybe none), or None on error.

        Small local models often write the call as JSON text instead of a tool call; one
        ``{"name": ..., "arguments": {...}}`` object in the text is read as a call.
        """
        message = self._create(messages, timeout=timeout, max_tokens=max_tokens, json_mode=False, tools=tools)
        if message is None:
            return None
        calls: list[dict[str, Any]] = []
        for c in getattr(message, "tool_calls", None) or []:
            fn = getattr(c, "function", None)
            args = _json_args(getattr(fn, "arguments", None))
            if fn is None or not isinstance(getattr(fn, "name", None), str) or args is None:
                self._failed("a tool call with unreadable arguments", "unreadable tool call")
                return None
            calls.append({"name": fn.name, "args": args})
        if not calls and isinstance(message.content, str):
            obj = first_json_object(message.content)
            if obj and isinstance(obj.get("name"), str):
                args = _json_args(obj.get("arguments", obj.get("args", {})))
                if args is not None:
                    calls.append({"name": obj["name"], "args": args})
        self.last_error = None
        self._count("parsed")
        return calls


def _json_args(raw: Any) -> dict[str, Any] | None:
    """A tool call's arguments as a dict (they arrive as a JSON string, or already parsed)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return None
    return raw if isinstance(raw, dict) else None


FORMATS = ("json_schema", "json_object+schema", "json_object")  # OpenAI's structured output, llama.cpp's, plain JSON
_FORMATS_BY_URL: dict[str, list[str]] = {}  # what each endpoint still may accept, learnt once per process
_FORMATS_LOCK = threading.Lock()


def _response_format(fmt: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    if fmt == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": False}}
    if fmt == "json_object+schema":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_object"}


def _is_bad_request(exc: Exception) -> bool:
    """A refusal of the response format itself (not, say, a prompt longer than the context).

    llama-cpp-python's server answers an unknown format type with a 500 that names ``response_format``.
    """
    status = getattr(exc, "status_code", None)
    return status == 422 or (status in (400, 500) and any(w in str(exc) for w in ("response_format", "json_schema")))
