"""/metrics: Prometheus's own parser reads turn latency, turns by brain, errors and active conversations."""

from __future__ import annotations

import socket

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bots.asgi import BackgroundServer
from bots.http_api import create_app
from tools.settings import Settings


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    r = httpx.get(f"{url}/metrics", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def chat(c: httpx.Client, thread: str, text: str) -> httpx.Response:
    return c.post("/v1/chat", json={"thread_id": thread, "user_id": "ana", "text": text})


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_turns_latency_brains_and_conversations(tiny_csv, tiny_pipeline, tmp_path):
    from agent.service import ChatService

    settings = Settings(data=tiny_csv, home=tmp_path / "home")
    service = ChatService(settings, pipeline=tiny_pipeline)
    with BackgroundServer(create_app(settings, service)) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        before = scrape(srv.url)
        assert before[("playgenie_turns_total", (("brain", "offline"),))] == 0
        assert before[("playgenie_active_conversations", ())] == 0
        for thread, text in (("m1", "rock"), ("m1", "no Queen"), ("m2", "edm bangers")):
            assert chat(c, thread, text).status_code == 200
        openai = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "chill pop"}]})
        assert openai.status_code == 200
        m = scrape(srv.url)
        assert m[("playgenie_turns_total", (("brain", "offline"),))] == 4
        assert m[("playgenie_turns_total", (("brain", "llm"),))] == 0
        assert m[("playgenie_turn_seconds_count", ())] == 4
        assert m[("playgenie_turn_seconds_sum", ())] > 0
        assert m[("playgenie_turn_seconds_bucket", (("le", "+Inf"),))] == 4
        assert m[("playgenie_active_conversations", ())] == 3
        assert m[("playgenie_turn_errors_total", ())] == 0
        assert m[("playgenie_turns_in_flight", ())] == 0

        service.close()  # the conversation store is gone: the next turn fails, and is counted
        assert chat(c, "m3", "rock").status_code == 500
        assert scrape(srv.url)[("playgenie_turn_errors_total", ())] == 1


def test_a_failing_llm_counts_as_fallback(tiny_csv, tiny_pipeline, tmp_path):
    from agent.service import ChatService

    settings = Settings(
        data=tiny_csv, home=tmp_path / "home", llm_base_url=f"http://127.0.0.1:{closed_port()}/v1", llm_timeout_s=2
    )
    service = ChatService(settings, pipeline=tiny_pipeline)
    with BackgroundServer(create_app(settings, service)) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        r = chat(c, "f1", "90s hip hop")
        assert r.status_code == 200 and r.json()["playlist"]
        m = scrape(srv.url)
        assert m[("playgenie_turns_total", (("brain", "fallback"),))] == 1
        assert m[("playgenie_turns_total", (("brain", "offline"),))] == 0
    service.close()
