"""``/metrics`` in Prometheus's text format: how turns go in this process.

- ``playgenie_turn_seconds``: histogram of the time to answer one turn.
- ``playgenie_turns_total{brain}``: turns answered, by the brain that planned them: ``offline``,
  ``llm``, or ``fallback`` (the LLM was configured but failed or was refused, and the offline brain answered).
- ``playgenie_turn_errors_total``: turns that raised instead of answering.
- ``playgenie_active_conversations``: conversations with a turn in the last 15 minutes.
- ``playgenie_turns_in_flight``: turns being computed now.

The counters live in the front end's process: :class:`Metered` wraps the conversation service
so every turn through it is counted, whichever route (``/v1/chat``, ``/v1/chat/completions``,
the web page) it came from. Each app gets its own registry, so two apps in one process never mix.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from typing import Any

BRAINS = {"offline": "offline", "llm": "llm", "llm->offline": "fallback"}
ACTIVE_WINDOW_S = 15 * 60
# Seconds: offline turns sit in the low buckets, LLM turns in the high ones.
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The counters of one app, in their own registry."""

    def __init__(self, window_s: float = ACTIVE_WINDOW_S) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.window_s = window_s
        self.registry = CollectorRegistry()
        self.turn_seconds = Histogram(
            "playgenie_turn_seconds", "Time to answer one turn.", buckets=BUCKETS, registry=self.registry
        )
        self.turns = Counter(
            "playgenie_turns", "Turns answered, by the brain that planned them.", ["brain"], registry=self.registry
        )
        for brain in sorted(set(BRAINS.values())):  # every series exists from the start, at 0
            self.turns.labels(brain=brain)
        self.errors = Counter(
            "playgenie_turn_errors", "Turns that raised instead of answering.", registry=self.registry
        )
        self.in_flight = Gauge("playgenie_turns_in_flight", "Turns being computed now.", registry=self.registry)
        active = Gauge(
            "playgenie_active_conversations",
            f"Conversations with a turn in the last {window_s / 60:g} minutes.",
            registry=self.registry,
        )
        active.set_function(self.active_conversations)
        self._seen: OrderedDict[str, float] = OrderedDict()  # thread id -> last turn, oldest first
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        while self._seen and next(iter(self._seen.values())) < now - self.window_s:
            self._seen.popitem(last=False)

    def seen(self, thread_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._seen[thread_id] = now
            self._seen.move_to_end(thread_id)
            self._prune(now)

    def active_conversations(self) -> int:
        with self._lock:
            self._prune(time.monotonic())
            return len(self._seen)

    def exposition(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)

    def mount(self, app: Any) -> None:
        """``GET /metrics`` on a FastAPI app (no API key: it holds counts, never a user's data)."""
        from fastapi import Response
        from prometheus_client import CONTENT_TYPE_LATEST

        # response_model=None: the annotation is a string here (postponed), and the body is not JSON.
        @app.get("/metrics", tags=["ops"], response_class=Response, response_model=None)
        def metrics() -> Any:
            """Turn latency, turns by brain, errors and active conversations, in Prometheus's text format."""
            return Response(self.exposition(), media_type=CONTENT_TYPE_LATEST)


class Metered:
    """The conversation service with its turns counted; everything else passes through unchanged."""

    def __init__(self, service: Any, metrics: Metrics) -> None:
        self._service, self._metrics = service, metrics

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    def turn(self, thread_id: str, user_id: str, text: str, **kwargs: Any) -> Any:
        m = self._metrics
        m.in_flight.inc()
        started = time.perf_counter()
        try:
            result = self._service.turn(thread_id, user_id, text, **kwargs)
        except Exception:
            m.errors.inc()
            raise
        finally:
            m.in_flight.dec()
        m.turn_seconds.observe(time.perf_counter() - started)
        m.turns.labels(brain=BRAINS.get(getattr(result, "brain", "") or "offline", "offline")).inc()
        m.seen(thread_id)
        return result

    async def aturn(self, thread_id: str, user_id: str, text: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.turn, thread_id, user_id, text, **kwargs)
