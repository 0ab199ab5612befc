"""A worst-case LLM for the dialogue eval: a real OpenAI-compatible endpoint on loopback whose "model" answers fast
and plausibly, grounded in the message's own words, and wrong. It measures the validation, not a model:

    python -m evals.hostile_llm &            # prints its base URL, serves until killed
    python -m bots.cli eval dialogue --every 12 --llm http://127.0.0.1:PORT/v1

- the brain's request (it carries tools): one tool call picked by the message's hash among readings a careless
  model makes: a new playlist of the message, an exclusion of its first word as a genre, energy up, start over,
  four times longer, a track the message numbers removed;
- the extractor's (its system prompt turns a request into JSON): every word of the request as a genre, a mood, an
  activity and an artist (and every pair of words as an artist), every number as the length, the listening time and
  its decade as the years, energy high, tempo fast, popular;
- the refiner's (it arranges candidates): every candidate, grouped by artist.

The answers depend on the message alone, so two runs answer alike. Nothing here is a model of ours; the product code
under test is unchanged by it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_WORD = re.compile(r"[^\W_]+")
_NUM = re.compile(r"\d+")


def _completion(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "hostile",
        "object": "chat.completion",
        "created": 0,
        "model": "hostile",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", **message}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _data(text: str, tag: str) -> Any:
    m = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    try:
        return json.loads(m.group(1)) if m else None
    except ValueError:
        return None


def plan(text: str) -> dict[str, Any]:
    """One careless tool call for the user's message."""
    words = _WORD.findall(text.lower())
    numbers = [int(n) for n in _NUM.findall(text)]
    readings = [
        ("new_playlist", {"text": text}),
        ("exclude", {"genres": words[:1]}),
        ("adjust", {"feature": "energy", "direction": "up"}),
        ("start_over", {}),
        ("resize", {"factor": 4.0}),
        ("remove", {"positions": numbers[:1] or [1]}),
    ]
    name, args = readings[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(readings)]
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
    return {"content": None, "tool_calls": [call]}


def extract(request: str) -> dict[str, Any]:
    """Every word read as every kind of name, every number as every number."""
    words = _WORD.findall(request.lower())
    pairs = [" ".join(words[i : i + 2]) for i in range(len(words) - 1)]
    numbers = [int(n) for n in _NUM.findall(request)]
    out: dict[str, Any] = {
        "genres": words,
        "moods": words,
        "activities": words,
        "artists": words + pairs,
        "energy": "high",
        "tempo": "fast",
        "popularity": "popular",
    }
    if numbers:
        n = numbers[0]
        decade = (1900 + n if n >= 30 else 2000 + n) if n < 100 else n - n % 10
        out.update(length=n, duration_min=n, year_start=decade, year_end=decade + 9)
    return out


def arrange(data: dict[str, Any]) -> dict[str, Any]:
    """Every candidate, grouped by artist (the most of one artist first)."""
    cands = data.get("candidates") or []
    count: dict[str, int] = {}
    for c in cands:
        count[c.get("artist", "")] = count.get(c.get("artist", ""), 0) + 1
    ordered = sorted(cands, key=lambda c: (-count[c.get("artist", "")], c.get("artist", "")))
    return {"track_ids": [c["id"] for c in ordered]}


def answer(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages") or []
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    user = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
    if body.get("tools"):
        return _completion(plan(user if isinstance(user, str) else ""))
    if system.startswith("You turn a music playlist request"):
        return _completion({"content": json.dumps(extract(str(_data(user, "request") or "")))})
    if system.startswith("You arrange music playlists"):
        return _completion({"content": json.dumps(arrange(_data(user, "data") or {}))})
    return _completion({"content": "{}"})


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - /v1/models
        self._send({"object": "list", "data": [{"id": "hostile", "object": "model", "owned_by": "evals"}]})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self._send(answer(body))

    def _send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def serve(port: int = 0) -> ThreadingHTTPServer:
    """The endpoint on loopback in a daemon thread; its base URL is ``http://127.0.0.1:{server_port}/v1``."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    srv = serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"http://127.0.0.1:{srv.server_port}/v1", flush=True)
    threading.Event().wait()
