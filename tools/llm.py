"""The one OpenAI-compatible LLM client: short timeouts, JSON out, pydantic validation, None on failure.

Every caller (tag extraction, refinement, the agent) treats ``None`` as "use the offline path".
The client never raises: a refused connection, a timeout, prose instead of JSON, or JSON that does
not fit the schema are all logged with the reason and returned as ``None``.

Usage::

    client = LLMClient(settings)
    answer = client.complete_json(system, user, MySchema)   # MySchema instance or None
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from tools.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


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
    """An OpenAI-compatible chat endpoint (``settings.llm_base_url``) that answers in validated JSON."""

    def __init__(self, settings: "Settings"):
        self.settings = settings
        self.model = settings.llm_model
        self.timeout = settings.llm_timeout_s
        self._client = None
        self._json_mode = True  # switched off once if the endpoint rejects response_format
        self.last_error: str | None = None  # why the last call returned None, for notes and tests
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
    def enabled(self) -> bool:
        return self._client is not None

    def complete_text(self, system: str, user: str, *, timeout: float | None = None, max_tokens: int = 512,
                      json_mode: bool = False) -> str | None:  # fmt: skip
        """The model's reply as text, or None on any error (logged)."""
        if self._client is None:
            self.last_error = "no LLM endpoint configured"
            return None
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        kwargs: dict = dict(model=self.model, messages=messages, temperature=0, max_tokens=max_tokens,
                            timeout=timeout or self.timeout)  # fmt: skip
        if json_mode and self._json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        started = time.perf_counter()
        try:
            try:
                resp = self._client.chat.completions.create(**kwargs)
            except Exception as exc:  # noqa: BLE001 - some servers reject response_format; retry once without
                if "response_format" in kwargs and _is_bad_request(exc):
                    log.info("LLM endpoint rejected response_format (%s); asking for JSON in the prompt only", exc)
                    self._json_mode = False
                    kwargs.pop("response_format")
                    resp = self._client.chat.completions.create(**kwargs)
                else:
                    raise
        except Exception as exc:  # noqa: BLE001 - never raise out of the client
            # the error's type and status only: a provider's message may echo part of the key
            status = getattr(exc, "status_code", None)
            self.last_error = type(exc).__name__ + (f" (HTTP {status})" if status else "")
            log.warning("LLM call failed after %.2fs: %s", time.perf_counter() - started, self.last_error)
            log.debug("LLM error detail: %s", str(exc)[:300])
            return None
        try:
            content = resp.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError) as exc:
            self.last_error = f"malformed response: {exc}"
            log.warning("LLM returned a malformed response: %s", exc)
            return None
        log.debug("LLM answered in %.2fs", time.perf_counter() - started)
        self.last_error = None
        return content

    def complete_json(self, system: str, user: str, schema: type[T], *, timeout: float | None = None,
                      max_tokens: int = 512) -> T | None:  # fmt: skip
        """The reply parsed and validated as ``schema``, or None on error, timeout or invalid JSON (logged)."""
        content = self.complete_text(system, user, timeout=timeout, max_tokens=max_tokens, json_mode=True)
        if content is None:
            return None
        obj = first_json_object(content)
        if obj is None:
            self.last_error = "no JSON object in the reply"
            log.warning("LLM reply had no JSON object: %r", content[:200])
            return None
        try:
            result = schema.model_validate(obj)
        except ValidationError as exc:
            self.last_error = f"invalid {schema.__name__}: {exc.error_count()} errors"
            log.warning("LLM JSON did not validate as %s: %s", schema.__name__, str(exc)[:300])
            return None
        self.last_error = None
        return result


def _is_bad_request(exc: Exception) -> bool:
    status = getattr(exc, "status_code", None)
    return status in (400, 422) or "response_format" in str(exc)
