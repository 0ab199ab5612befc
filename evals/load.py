"""Load test of the HTTP API: many chats at once, then a restart, with checks on every answer.

``load_test(settings, n_chats=50, seconds=60)`` starts the API on a free local port (its
conversations in a scratch SQLite folder under ``<home>/loadtest``), runs ``n_chats`` simulated
users who each keep one thread going for ``seconds``, and checks that:

- every request succeeds (any non-200 or transport error is counted);
- no chat ever sees another chat's state: each answer names the chat's own thread, and the
  thread's stored playlist (``GET /v1/threads/{id}``) is exactly the last one that chat was given;
- nothing is lost after a restart: the server is stopped, a new one opens the same SQLite files,
  and every thread's playlist is still the one its chat last saw.

With ``base_url`` it drives a server that is already running (no restart check). Used by
``playgenie bench`` and by a short test marked slow.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.settings import Settings

log = logging.getLogger(__name__)

# One chat's script, cycled: a request, then the follow-ups people type. "{artist}" varies per chat.
SCRIPT = (
    "{artist}",
    "add 3 more",
    "more upbeat",
    "drop track 2",
    "why track 1?",
    "undo",
    "something chill for the evening",
    "no {artist}",
    "only the 2010s",
    "start over with some rock",
)
DEFAULT_ARTISTS = ("Drake", "Queen", "Eminem", "Dua Lipa", "AC/DC", "Bad Bunny", "Avicii", "Sade", "Nas", "Beyoncé")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


class _Tally:
    """What the chats report back: latencies and every kind of failure, with a few examples."""

    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.by_step: dict[str, list[float]] = {}  # script line -> latencies, to see which turns are slow
        self.errors = 0
        self.wrong_chat = 0
        self.examples: list[str] = []

    def fail(self, kind: str, detail: str) -> None:
        if kind == "wrong_chat":
            self.wrong_chat += 1
        else:
            self.errors += 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {detail[:300]}")


async def _chat(
    client: Any, i: int, run_id: str, artist: str, deadline: float, tally: _Tally, last: dict[str, list[str]]
) -> None:
    thread, user = f"load-{run_id}-{i}", f"load-user-{i}"
    step = i % len(SCRIPT)  # chats start at different points of the script, so requests are mixed
    while time.monotonic() < deadline:
        line = SCRIPT[step % len(SCRIPT)]
        text = line.format(artist=artist)
        step += 1
        started = time.perf_counter()
        try:
            r = await client.post("/v1/chat", json={"thread_id": thread, "user_id": user, "text": text})
        except Exception as exc:  # a transport error is a failed request, counted, never raised
            tally.fail("error", f"{thread} {text!r}: {type(exc).__name__}: {exc}")
            continue
        took_ms = (time.perf_counter() - started) * 1000
        tally.latencies_ms.append(took_ms)
        tally.by_step.setdefault(line, []).append(took_ms)
        if r.status_code != 200:
            tally.fail("error", f"{thread} {text!r}: HTTP {r.status_code} {r.text}")
            continue
        body = r.json()
        if body.get("thread_id") != thread:
            tally.fail("wrong_chat", f"{thread} got an answer for {body.get('thread_id')}")
            continue
        last[thread] = [t["track_id"] for t in body["playlist"]]
        if step % 3 == 0:  # read the thread back: only this chat writes to it, so it must match
            g = await client.get(f"/v1/threads/{thread}")
            if g.status_code != 200:
                tally.fail("error", f"GET {thread}: HTTP {g.status_code}")
            elif [t["track_id"] for t in g.json()["playlist"]] != last[thread]:
                tally.fail("wrong_chat", f"{thread}'s stored playlist is not the one it was given")


async def _drive(base_url: str, n_chats: int, seconds: float, run_id: str, artists: list[str], headers: dict[str, str]):
    import httpx

    tally = _Tally()
    last: dict[str, list[str]] = {}
    limits = httpx.Limits(max_connections=n_chats, max_keepalive_connections=n_chats)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits, headers=headers) as client:
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_chat(client, i, run_id, artists[i % len(artists)], deadline, tally, last) for i in range(n_chats))
        )
        elapsed = time.perf_counter() - started
    return tally, last, elapsed


def _missing(base_url: str, last: dict[str, list[str]], headers: dict[str, str]) -> list[str]:
    """Threads whose stored playlist differs from the one their chat last saw."""
    import httpx

    lost = []
    with httpx.Client(base_url=base_url, timeout=60, headers=headers) as client:
        for thread, ids in last.items():
            r = client.get(f"/v1/threads/{thread}")
            if r.status_code != 200 or [t["track_id"] for t in r.json()["playlist"]] != ids:
                lost.append(thread)
    return lost


def load_test(
    settings: "Settings", n_chats: int = 50, seconds: float = 60, base_url: str | None = None, *, pipeline: Any = None
) -> dict[str, Any]:
    """Run the load test; return throughput, latency percentiles and failure counts (all zero when healthy).

    ``pipeline`` reuses an already loaded pipeline (the bench's warm one); by default the product
    pipeline is loaded from ``settings``.
    """
    headers = {"X-API-Key": settings.api_key} if settings.api_key else {}
    run_id = uuid.uuid4().hex[:8]
    if base_url is not None:
        tally, last, elapsed = asyncio.run(_drive(base_url, n_chats, seconds, run_id, list(DEFAULT_ARTISTS), headers))
        return _report(n_chats, seconds, tally, elapsed, lost=_missing(base_url, last, headers), restarted=False)

    from agent.service import ChatService
    from bots.asgi import BackgroundServer
    from bots.http_api import create_app
    from memory.checkpoint import open_checkpointer
    from memory.store import open_store

    if pipeline is None:
        from tools.pipeline import Pipeline

        pipeline = Pipeline.load(settings)
    artists = _busiest_artists(pipeline.catalog, n_chats)
    state_dir = settings.home / "loadtest" / run_id  # scratch conversations, never mixed with real users'

    def serve() -> tuple[Any, list[Any]]:
        checkpointer, cp_res = open_checkpointer(state_dir)
        store, st_res = open_store(state_dir)
        service = ChatService(settings, pipeline=pipeline, checkpointer=checkpointer, store=store)
        return BackgroundServer(create_app(settings, service)), [service, cp_res, st_res]

    try:
        server, resources = serve()
        with server:
            tally, last, elapsed = asyncio.run(_drive(server.url, n_chats, seconds, run_id, artists, headers))
        for res in resources:
            res.close()
        # A restart: a new service and server on the same SQLite files must still know every thread.
        server, resources = serve()
        with server:
            lost = _missing(server.url, last, headers)
        for res in resources:
            res.close()
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    return _report(n_chats, seconds, tally, elapsed, lost=lost, restarted=True)


def _busiest_artists(catalog: Any, n: int) -> list[str]:
    """The artists with the most tracks: requests by name that every catalog can answer well."""
    from collections import Counter

    counts = Counter(t.artist for t in catalog.tracks if t.artist)
    return [a for a, _ in counts.most_common(n)] or list(DEFAULT_ARTISTS)


def _report(
    n_chats: int, seconds: float, tally: _Tally, elapsed: float, *, lost: list[str], restarted: bool
) -> dict[str, Any]:
    turns = len(tally.latencies_ms)
    out = {
        "chats": n_chats,
        "seconds": round(elapsed, 1),
        "turns": turns,
        "throughput_turns_per_s": round(turns / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {
            "p50": round(_percentile(tally.latencies_ms, 50), 1),
            "p95": round(_percentile(tally.latencies_ms, 95), 1),
            "max": round(max(tally.latencies_ms, default=0.0), 1),
        },
        "p95_ms_by_turn": {line: round(_percentile(v, 95), 1) for line, v in tally.by_step.items()},
        "errors": tally.errors,
        "wrong_chat": tally.wrong_chat,
        "lost_after_restart": len(lost) if restarted else None,
        "restart_checked": restarted,
        "threads_checked": n_chats,
        "examples": tally.examples + [f"lost: {t}" for t in lost[:5]],
    }
    log.info("load test: %s", out)
    return out
