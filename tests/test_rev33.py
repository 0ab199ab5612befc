"""rev33: review of the merges since 4244e42.

A module-level name defined twice in one module silently replaces the first definition for every reader after it
(lead33 met it in agent/intents.py: ``_TEMPO_WORDS``). The scan below finds every such
pair in the project's packages; a redefinition that reads the name itself (``X = X | more``) or fills an empty
placeholder (``X = frozenset()`` ... ``X = frozenset(...)``) is an extension, not a clash.
"""

from __future__ import annotations

import ast
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agent", "tools", "bots", "evals", "memory", "tests")  # tests: a test defined twice never runs


def _bound(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else []
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        targets = [node.target]
    names = []
    for t in targets:
        elts = t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]
        names += [e.id for e in elts if isinstance(e, ast.Name)]
    return names


def _placeholder(node: ast.stmt) -> bool:
    """``X: frozenset[str] = frozenset()``, ``X = None``, ``X = {}``: a name declared to be filled later."""
    value = getattr(node, "value", None)
    if isinstance(value, ast.Constant) and value.value is None:
        return True
    if isinstance(value, ast.Call) and not value.args and not value.keywords:
        return True
    return isinstance(value, (ast.Dict, ast.List, ast.Tuple, ast.Set)) and not any(
        getattr(value, f, None) for f in ("keys", "elts")
    )


def _reads(node: ast.stmt, name: str) -> bool:
    value = getattr(node, "value", None)
    return value is not None and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value))


def duplicate_names(source: str) -> list[tuple[str, int, int]]:
    """(name, first line, later line) for each top-level name a later statement of the module replaces."""
    first: dict[str, ast.stmt] = {}
    found = []
    for node in ast.parse(source).body:
        for name in _bound(node):
            earlier = first.get(name)
            if earlier is None:
                first[name] = node
            elif not (_reads(node, name) or _placeholder(earlier)) or isinstance(node, ast.FunctionDef):
                found.append((name, earlier.lineno, node.lineno))
    return found


def test_the_scan_finds_a_replaced_table_and_allows_extensions():
    source = (
        "_WORDS = frozenset({'fast', 'slow'})\n"
        "COMMON = frozenset({'a'})\n"
        "COMMON = COMMON | {'b'}\n"
        "_LATER: frozenset[str] = frozenset()\n"
        "def f():\n    return _WORDS\n"
        "_WORDS = frozenset({'bpm'})\n"
        "_LATER = frozenset({'x'})\n"
        "def f():\n    return 1\n"
    )
    assert duplicate_names(source) == [("_WORDS", 1, 7), ("f", 5, 9)]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_level_name_is_defined_twice(package):
    clashes = [
        f"{path.relative_to(ROOT)}: {name} (lines {a} and {b})"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, a, b in duplicate_names(path.read_text(encoding="utf-8"))
    ]
    assert clashes == []


# http10's `serve --processes auto` counted the cores by CPU affinity only. `docker run --cpus 1` (and compose's
# `cpus:`, a Kubernetes CPU limit) leaves the affinity at every host core and sets a CPU quota instead, so the
# Dockerfile's `playgenie serve` started two processes, each loading the catalog and models, in a one-CPU container.
@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"cpu.max": "100000 100000\n"}, 1),  # cgroup v2, --cpus 1
        ({"cpu.max": "50000 100000\n"}, 1),  # --cpus 0.5: still one process
        ({"cpu.max": "max 100000\n"}, 2),  # no quota: the affinity's cores
        ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # cgroup v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2),  # v1, no quota
        ({}, 2),  # no cgroup files (not Linux, or not mounted)
    ],
)
def test_serve_auto_counts_a_containers_cpu_quota(tmp_path, monkeypatch, files, expected):
    from bots import http_api

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(http_api.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert http_api.auto_processes(http_api.usable_cores(tmp_path)) == expected


# probe18 refuses a message in a script the vocabulary cannot read ("can't read that language yet") rather than
# answer "anything"; with a model configured the plan came from the model first, and a model that passes the message
# on as a request (every word of it "said", so the grounding check lets it through) made a playlist of the catalog's
# popular tracks: the pipeline's readers, the LLM extractor's included (its tags must be written in the request),
# read nothing of it either.
CHINESE = "我想听一些安静的音乐"


class _PassesItOn(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint whose model hands the user's message to ``new_playlist`` unchanged."""

    asked = 0

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).asked += 1
        call = {"id": "c0", "type": "function",
                "function": {"name": "new_playlist", "arguments": json.dumps({"text": CHINESE})}}  # fmt: skip
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        choice = {"index": 0, "finish_reason": "tool_calls", "message": message}
        body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *a):
        pass


def test_an_unreadable_language_is_refused_with_a_model_configured_too(settings, tiny_pipeline):
    from langgraph.checkpoint.memory import MemorySaver
    from langgraph.store.memory import InMemoryStore

    from agent.service import ChatService
    from tools import vocab

    handler = type("H", (_PassesItOn,), {"asked": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        s = settings.model_copy(update={"llm_base_url": url, "llm_timeout_s": 5.0})
        svc = ChatService(s, pipeline=tiny_pipeline, checkpointer=MemorySaver(), store=InMemoryStore())
        r = svc.turn("t", "u", CHINESE)
        assert not r.playlist and vocab.UNREAD_LANGUAGE in r.reply
        first = svc.turn("t2", "u", "rock")  # a message it reads still goes to the model
        assert handler.asked >= 1 and first.playlist
    finally:
        server.shutdown()


# conv5 keeps a decade cap ("max 3 from each decade") through what later turns add; like10's nudge ("a bit more
# upbeat": at most half the playlist replaced) fetched its new tracks counting only the tracks it kept, then put old
# ones back into the rest of the places: 4 tracks of the 2010s after "max 3 from each decade" (dialogue at01).
@pytest.mark.parametrize("nudge", ["a bit more upbeat", "a little calmer", "slightly faster"])
def test_a_nudge_keeps_the_decade_cap(chat, nudge):
    from collections import Counter

    chat.turn("d", "u", "rock")
    capped = chat.turn("d", "u", "max 2 from each decade")
    r = chat.turn("d", "u", nudge)
    decades = Counter(p.year // 10 for p in r.playlist if p.year)
    assert r.playlist and max(decades.values()) <= 2, (capped.reply, r.reply, decades)
    assert len(r.playlist) == len(capped.playlist)


# lead33's Spanish questions about a track, varied: "quien canta" was an explain phrase all along, but the typo pass
# read "canta" as "cantar" (a sing-along's word) first, so "quien canta la 5" asked what to do with track 5.
@pytest.mark.parametrize(
    "text, position",
    [("quien canta la 5", 5), ("y quién canta la tercera?", 3), ("quien canta la cancion 2", 2)],
)
def test_who_sings_it_in_spanish_explains_the_track(vocab, playlist, text, position):
    from plans import acts

    assert acts(text, vocab, playlist) == [("explain", {"position": position})]


# like10's popularity nudges, in Spanish: "un poco menos comercial" found no music; "menos famosas" asked who to drop.
@pytest.mark.parametrize(
    "text, amount",
    [("un poco menos comercial", {"amount": "bit"}), ("menos famosas", {}), ("menos conocidas porfa", {})],
)
def test_less_commercial_in_spanish_is_a_popularity_nudge(vocab, playlist, text, amount):
    from plans import acts

    assert acts(text, vocab, playlist) == [("adjust", {"feature": "popularity", "direction": "down", **amount})]


# lead33's "too fast, like 160" varied: "more like 150" after a comma opened an ask of its own ("more" starts one), so
# "way too fast, more like 150" lowered the tempo and then added 150 tracks (170 in all; dialogue at05).
@pytest.mark.parametrize(
    "text", ["way too fast, more like 150", "too fast, more like 150 bpm", "slower, more like 150"]
)
def test_more_like_a_number_after_a_tempo_word_is_that_tempo(vocab, playlist, text):
    from plans import acts

    assert acts(text, vocab, playlist) == [("narrow", {"bounds": [{"feature": "tempo", "min": 142.0, "max": 158.0}]})]


def test_more_like_a_track_after_a_comma_is_still_an_ask_of_its_own(vocab, playlist):
    from plans import acts

    assert [a for a, _ in acts("drop track 2, more like track 3", vocab, playlist)] == ["remove", "more_like"]


# probe18's "the opener" / "the closer" varied: "the first song is boring" asks what to do with track 1, but "the
# opener is boring" found no music (the gripe rule did not count the opener as a track named by its place).
@pytest.mark.parametrize(
    "text, position", [("the opener is boring", 1), ("the closer is kinda mid", 10), ("the opener is lame", 1)]
)
def test_a_mild_gripe_about_the_opener_or_closer_asks_about_that_track(vocab, playlist, text, position):
    from agent.intents import parse

    p = parse(text, playlist[:10], vocab)
    assert not p.actions and p.question.startswith(f"What should I do with track {position}?")
