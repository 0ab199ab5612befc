"""The LLM client and the LLM tag extractor: validation, merging, and falling back on a dead or slow endpoint.

Tests marked ``llm`` talk to a real llama.cpp server running SmolLM2-135M (fixture ``llm_server``):
far too small to be good, so they prove that whatever it answers is validated and survived.
"""

from __future__ import annotations

import socket
import time

import pytest
from pydantic import BaseModel, Field

from tools.extract import TagExtractor, build_extractor
from tools.extract_llm import LLMQuery, LLMTagExtractor
from tools.llm import LLMClient, first_json_object
from tools.schema import PlaylistQuery
from tools.settings import Settings


def values(tags) -> list[str]:
    return [t.value for t in tags]


@pytest.fixture(scope="module")
def offline(tiny_catalog) -> TagExtractor:
    return TagExtractor(tiny_catalog)


def closed_port_url() -> str:
    """A URL on a port nothing listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# ----- JSON from text ---------------------------------------------------------------------------
def test_first_json_object_is_found_in_prose():
    assert first_json_object('Sure! Here it is: {"genres": ["rap"]} Hope that helps {"x": 1}') == {"genres": ["rap"]}
    assert first_json_object('```json\n{"a": {"b": [1, 2]}}\n```') == {"a": {"b": [1, 2]}}
    assert first_json_object("{broken {\"ok\": true}") == {"ok": True}
    assert first_json_object("no json here") is None
    assert first_json_object("[1, 2, 3]") is None
    assert first_json_object("") is None


def test_llm_query_is_lenient_on_types():
    q = LLMQuery.model_validate({"genres": "rap", "artists": [{"name": "Drake"}, 7, None, ""], "year_start": "1990",
                                 "length": "twenty", "energy": "HIGH", "unknown_key": 1})  # fmt: skip
    assert q.genres == ["rap"] and q.artists == ["Drake", "7"]
    assert q.year_start == 1990 and q.length is None and q.energy == "high"


# ----- the client without a server --------------------------------------------------------------
def test_client_without_endpoint_returns_none(settings):
    client = LLMClient(settings)
    assert not client.enabled
    assert client.complete_json("sys", "user", LLMQuery) is None
    assert client.last_error == "no LLM endpoint configured"


def test_dead_endpoint_returns_none_fast_and_never_raises(tiny_csv, tmp_path):
    s = Settings(data=tiny_csv, home=tmp_path, llm_base_url=closed_port_url(), llm_timeout_s=5)
    client = LLMClient(s)
    started = time.perf_counter()
    assert client.complete_json("sys", "user", LLMQuery) is None
    assert time.perf_counter() - started < 3
    assert "Connection" in client.last_error


def test_dead_endpoint_extractor_falls_back_to_offline(tiny_csv, tmp_path, tiny_catalog, offline):
    s = Settings(data=tiny_csv, home=tmp_path, llm_base_url=closed_port_url(), llm_timeout_s=5)
    ex = build_extractor(s, tiny_catalog)
    assert isinstance(ex, LLMTagExtractor)
    text = "20 chill 90s rap songs, no Eminem"
    started = time.perf_counter()
    q = ex.extract(text)
    assert time.perf_counter() - started < 3
    assert q == offline.extract(text)
    assert "offline" in ex.last_note and "Connection" in ex.last_note
    assert "127.0.0.1" not in ex.last_note  # notes carry no endpoint details


def test_a_web_server_that_is_no_llm_gives_none(tiny_csv, tmp_path, tiny_catalog, offline):
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)  # answers POST with 501
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        s = Settings(data=tiny_csv, home=tmp_path, llm_base_url=f"http://127.0.0.1:{server.server_port}/v1")
        client = LLMClient(s)
        assert client.complete_json("sys", "user", LLMQuery) is None
        assert "HTTP 501" in client.last_error
        ex = build_extractor(s, tiny_catalog)
        assert ex.extract("no rap") == offline.extract("no rap")
    finally:
        server.shutdown()
        server.server_close()


# ----- merging a model's answer -----------------------------------------------------------------
@pytest.fixture
def llm_ex(tiny_csv, tmp_path, tiny_catalog, offline) -> LLMTagExtractor:
    s = Settings(data=tiny_csv, home=tmp_path, llm_base_url=closed_port_url())
    return LLMTagExtractor(LLMClient(s), offline, tiny_catalog)


def merged(llm_ex: LLMTagExtractor, text: str, **answer) -> PlaylistQuery:
    return llm_ex.merge(llm_ex.fallback.extract(text), LLMQuery.model_validate(answer), text)


def test_merge_drops_values_outside_the_catalog(llm_ex):
    q = merged(llm_ex, "music for tonight", genres=["polka", "hip hop", "reggaeton"], moods=["grumpy", "chill"],
               activities=["skydiving", "driving"])  # fmt: skip
    assert values(q.genres) == ["rap"] and values(q.subgenres) == ["reggaeton"]
    assert values(q.moods) == ["chill"] and values(q.activities) == ["driving"]
    assert all(not t.explicit and t.source == "llm" for t in q.genres + q.subgenres + q.moods)


def test_merge_keeps_only_artists_the_request_names(llm_ex):
    q = merged(llm_ex, "something like that norah jones record", artists=["Norah Jones", "Drake", "Taylor Swift"])
    assert values(q.artists) == ["Norah Jones"]  # Drake is in the catalog but was never asked for


def test_merge_keeps_offline_explicit_tags_and_exclusions(llm_ex):
    text = "90s rap without Eminem, not too fast"
    q = merged(llm_ex, text, genres=["rock"], artists=["Eminem"], exclude_artists=[], year_start=2010, year_end=2020,
               tempo="fast")  # fmt: skip
    assert values(q.genres) == ["rap"]  # the user named a genre; the model adds none
    assert values(q.exclude_artists) == ["Eminem"] and q.artists == []
    assert (q.years.start, q.years.end) == (1990, 1999)
    assert q.feature("tempo").max == 120 and q.feature("tempo").min is None


def test_merge_validates_numbers(llm_ex):
    q = merged(llm_ex, "give me 30 songs from the old days", year_start=1850, year_end=1999, length=-4)
    assert q.length == 30  # offline's reading stays
    assert q.years.start is None or q.years.start >= 1900
    q = merged(llm_ex, "a long playlist please", length=5000, duration_min=-10)
    assert q.length is None and q.duration_min is None
    q = merged(llm_ex, "songs about the sea", year_start=1995, year_end=1990, length=25)
    assert q.years is None and q.length is None  # reversed years, and numbers the request never gave


def test_merge_never_adds_the_opposite_mood(llm_ex):
    q = llm_ex.merge(PlaylistQuery(text="x", moods=[]), LLMQuery(moods=["sad", "happy"]), "x")
    assert values(q.moods) == ["sad"]


# ----- against a real local model ---------------------------------------------------------------
@pytest.fixture(scope="module")
def local_settings(llm_server, tiny_csv, tmp_path_factory) -> Settings:
    return Settings(data=tiny_csv, home=tmp_path_factory.mktemp("home"), llm_base_url=llm_server,
                    llm_model="smollm2", llm_timeout_s=90)  # fmt: skip


@pytest.mark.llm
def test_local_model_answers_or_none_never_raises(local_settings):
    class Reply(BaseModel):
        genres: list[str]

    class Impossible(BaseModel):
        code: int = Field(ge=10**12)  # no honest answer fits: validation must catch it

    client = LLMClient(local_settings)
    reply = client.complete_json('Answer with JSON: {"genres": [...]}', "rap and rock music", Reply)
    assert reply is None or isinstance(reply, Reply)
    assert client.complete_json('Answer with JSON: {"code": <number>}', "any number", Impossible) is None
    assert client.last_error


@pytest.mark.llm
@pytest.mark.parametrize("text", ["20 chill 90s rap songs, no Eminem", "songs for a breakup by norah jones"])
def test_local_model_extraction_is_valid_and_keeps_offline_tags(local_settings, tiny_catalog, offline, text):
    ex = build_extractor(local_settings, tiny_catalog)
    q = ex.extract(text)
    base = offline.extract(text)
    assert PlaylistQuery.model_validate(q.model_dump()) == q
    for name in ("genres", "subgenres", "artists", "exclude_genres", "exclude_artists", "exclude_moods"):
        assert set(values(getattr(base, name))) <= set(values(getattr(q, name))), name
    assert values(base.moods) == values(q.moods)[: len(base.moods)]
    assert q.years == base.years and q.length == base.length
    assert set(values(q.genres)) <= set(tiny_catalog.genres)
    assert set(values(q.artists)) <= set(tiny_catalog.artists)


@pytest.mark.llm
def test_local_model_timeout_falls_back_quickly(local_settings):
    client = LLMClient(local_settings)
    started = time.perf_counter()
    assert client.complete_json("Write a long story.", "Once upon a time", LLMQuery, timeout=0.2) is None
    assert time.perf_counter() - started < 5
    assert "Timeout" in client.last_error
